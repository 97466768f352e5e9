"""X12 5010 835 remittance advice (005010X221A1) for adjudicated claims.

The 835 goes from the payer to the provider: each interchange is sent by a
payer (ISA06 = its payer ID) to one payee (ISA08 = the billing NPI), and holds
one transaction per payment cycle, i.e. per EFT (BPR*I) or, when nothing is
paid, a notification (BPR*H). One file per payer and block of persons holds
that payer's interchanges, one per payee.

A claim's payments come from its submissions (x12/variety.py): the claim
paid (CLP02 1) or denied (4); a corrected claim's first version paid, then
reversed (22, every amount negated) and the replacement paid in one later
remittance; a voided duplicate paid, then reversed. A dual-eligible member's
claims are processed as primary and forwarded (19, NM1*TT naming the state
Medicaid program), and that program's own 835 pays the member's cost sharing
as secondary (2), the primary's adjudication given as OA-23.

Every amount balances as the 835 requires: per line SVC02 - sum(CAS) = SVC03;
per claim CLP04 = sum of its SVC03; per transaction BPR02 = sum(CLP04) -
sum(PLB). Adjustments: CO-45 for the contractual write-down (billed -
allowed), PR-1/2/3 for deductible, coinsurance and copay, the line's CARC for
denied lines. When a remittance's claims net to less than zero (a reversal
with nothing else paid that day), the payer pays nothing and forwards the
balance (PLB FB, negative); the next remittance to that provider recovers it
(PLB FB, positive).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from healthsim.formats.base import CohortSource, register
from healthsim.formats.x12.claimdata import (
    ClaimBlock,
    ExportRun,
    claim_block,
    export_claim_blocks,
    party,
)
from healthsim.formats.x12.envelope import Route, clean, d8, interchange, money, seg
from healthsim.formats.x12.variety import Remit, remits

VERSION = "005010X221A1"


def cents(x) -> int:
    return round(float(x or 0) * 100)


def line_adjustments(line: dict) -> list[tuple[str, str, int]]:
    """(group, CARC, cents) so that billed - sum = paid, exactly."""
    billed, paid = cents(line["billed"]), cents(line["paid"])
    if paid == 0 and cents(line["allowed"]) == 0 and billed:
        group, code = parse_carc(line.get("carc_codes"))
        return [(group, code, billed)]
    pr = [("PR", "1", cents(line.get("deductible"))), ("PR", "2", cents(line.get("coinsurance"))),
          ("PR", "3", cents(line.get("copay")))]
    pr = [a for a in pr if a[2]]
    co = billed - paid - sum(a[2] for a in pr)
    return ([("CO", "45", co)] if co else []) + pr


def secondary_adjustments(line: dict) -> tuple[list[tuple[str, str, int]], int]:
    """The secondary payer's view of a line: it pays the member's cost sharing; the rest
    is the prior payer's adjudication (OA-23). Returns (adjustments, paid cents)."""
    billed = cents(line["billed"])
    share = cents(line.get("deductible")) + cents(line.get("coinsurance")) + cents(line.get("copay"))
    return ([("OA", "23", billed - share)] if billed - share else []), share


def parse_carc(text: str | None) -> tuple[str, str]:
    """First CARC of a line, e.g. 'CO-27 N30' -> ('CO', '27'); default CO-96 (non-covered)."""
    for token in (text or "").replace(",", " ").replace(";", " ").split():
        group, _, code = token.rpartition("-")
        if code.isalnum() and not code.startswith("N") and not code.startswith("M"):
            return (group.upper() if group.upper() in ("CO", "PR", "OA", "PI", "CR") else "CO"), code.upper()
    return "CO", "96"


def cas_segments(adjustments: list[tuple[str, str, int]], sign: int = 1) -> list[str]:
    by_group: dict = defaultdict(list)
    for group, code, amount in adjustments:
        by_group[group].append((code, amount))
    out = []
    for group in sorted(by_group):
        elements = []
        for code, amount in by_group[group][:6]:
            elements += [code, money(sign * amount / 100), ""]
        out.append(seg("CAS", group, *elements))
    return out


def claim_payment(cb: ClaimBlock, r: Remit) -> tuple[list[str], int]:
    """Loops 2100 (CLP, patient) and 2110 (service lines); returns (segments, paid cents)."""
    v, claim = r.version, r.version.claim
    person = cb.persons.get(claim["person_id"], {})
    sign = -1 if r.reversal else 1
    if claim["claim_type"] == "institutional":
        facility = (str(claim.get("type_of_bill") or "").lstrip("0") or "13")[:2]
    else:
        facility = claim.get("place_of_service") or "11"
    body, paid = [], 0
    for line in v.lines:
        mods = [clean(m) for m in (line.get("modifier") or "").replace(",", " ").split()][:4]
        proc = ":".join(["HC", clean(line["code"]), *mods]) if line["code"] else f"NU:{line['revenue_code']}"
        rev = clean(line.get("revenue_code")) if line["code"] else ""
        if r.secondary:
            adjustments, line_paid = secondary_adjustments(line)
        else:
            adjustments, line_paid = line_adjustments(line), cents(line["paid"])
        paid += line_paid
        body += [seg("SVC", proc, money(sign * cents(line["billed"]) / 100), money(sign * line_paid / 100), rev,
                     money(line["units"] or 1)),
                 seg("DTM", "472", d8(line.get("service_date") or claim["service_from"])),
                 *cas_segments(adjustments, sign)]
        if cents(line["allowed"]) and not r.secondary:
            body.append(seg("AMT", "B6", money(sign * cents(line["allowed"]) / 100)))
    if not v.lines:
        paid = cents(v.paid_amount)
    patient = 0 if r.secondary or r.status == "4" else cents(v.liability)
    filing = "MC" if r.secondary else cb.clp06(claim)
    icn = f"{v.icn}M" if r.secondary else v.icn  # the secondary payer's own control number
    out = [seg("CLP", clean(v.pcn), r.status, money(sign * cents(v.billed) / 100), money(sign * paid / 100),
               money(sign * patient / 100), filing, clean(icn), facility, v.frequency),
           seg("NM1", "QC", "1", clean(person.get("last_name")), clean(person.get("first_name")),
               "", "", "", "MI", clean(claim["member_id"]))]
    if r.status == "19":
        other = cb.secondary_payer(claim)
        out.append(seg("NM1", "TT", "2", other.name, "", "", "", "", "PI", other.payer_id))
    return out + body, sign * paid


def transaction(cb: ClaimBlock, payments: list[Remit], payer, payee, paid_date: str, info,
                forward: dict) -> list[str]:
    """One remittance (BPR..PLB): `forward` holds the balance owed by each payee (cents)."""
    body, total = [], 0
    for n, r in enumerate(payments, start=1):
        segs, paid = claim_payment(cb, r)
        body += [seg("LX", str(n)), *segs]
        total += paid
    plb = []
    owed = forward.get(payee.npi, 0)
    fiscal = f"{paid_date[:4]}1231"
    if total < 0:  # more taken back than paid: pay nothing, carry the balance forward
        plb.append(seg("PLB", payee.npi, fiscal, f"FB:{clean(payments[0].version.icn)}", money(total / 100)))
        forward[payee.npi] = owed - total
        total = 0
    elif owed and total > 0:  # recover what an earlier remittance forwarded
        take = min(owed, total)
        plb.append(seg("PLB", payee.npi, fiscal, f"FB:{clean(payments[0].version.icn)}", money(take / 100)))
        forward[payee.npi] = owed - take
        total -= take
    trace = f"{paid_date}{info.number(f'835:{payer.payer_id}:{payee.npi}:{paid_date}', 10**6):06d}"
    if total > 0:
        bpr = seg("BPR", "I", money(total / 100), "C", "ACH", "CCP", "01", "011000015", "DA", "1234567890",
                  "1" + payer.tax_id, "", "01", "021000021", "DA", "9876543210", paid_date)
    else:
        bpr = seg("BPR", "H", "0", "C", "NON", "", "", "", "", "", "", "", "", "", "", "", paid_date)
    head = [bpr, seg("TRN", "1", trace, "1" + payer.tax_id), seg("DTM", "405", paid_date),
            seg("N1", "PR", payer.name), seg("N3", "100 HEALTHSIM WAY"), seg("N4", "HARTFORD", "CT", "06101"),
            seg("PER", "BL", "PROVIDER SERVICES", "TE", "8005550199"),
            seg("N1", "PE", clean(payee.name)[:60], "XX", payee.npi)]
    return head + body + plb


def block_remits(cb: ClaimBlock) -> dict:
    """(payer, payee NPI, date) -> the claim payments of that remittance, in claim order."""
    payments: dict = defaultdict(list)
    for c in cb.claims:
        if c["claim_type"] == "pharmacy" or c["paid_date"] is None:
            continue
        secondary = cb.secondary_payer(c)
        primary, npi = cb.payer(c), str(c["billing_npi"])
        versions = cb.versions(c)
        for r in remits(versions, c["status"] == "denied", secondary):
            payments[(primary, npi, r.date)].append(r)
            if r.status == "19":
                payments[(secondary, npi, c["cob_paid"])].append(
                    Remit(r.version, "2", c["cob_paid"], secondary=True))
    return payments


@register
class X12_835Exporter:
    name = "x12-835"
    description = "X12 5010 835 remittance advice (005010X221A1) from payer to provider, balanced"
    requires = ("persons", "enrollments", "claims", "claim_lines")
    needs_rows = (("claims", {}),)

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        return export_claim_blocks(source, "835", self._block, out)

    @staticmethod
    def _block(block, run: ExportRun) -> None:
        cb = claim_block(block, None, run.info, run.options)
        by_payer: dict = defaultdict(lambda: defaultdict(list))
        forward: dict = defaultdict(dict)
        for (payer, npi, when), payments in sorted(block_remits(cb).items(),
                                                   key=lambda kv: (kv[0][0].plan_id, kv[0][1], kv[0][2])):
            payee = party(run.by_npi, npi)
            by_payer[payer][npi].append(("835", transaction(cb, payments, payer, payee, when, run.info,
                                                            forward[payer.plan_id])))
            run.counts["payments"] += 1
            for r in payments:
                key = "reversals" if r.reversal else ("secondary" if r.secondary else "claims")
                run.counts[key] += 1
        for payer, by_payee in sorted(by_payer.items(), key=lambda kv: kv[0].plan_id):
            texts = []
            for npi, txs in sorted(by_payee.items()):
                route = Route.of(run.options, payer.payer_id, npi)
                texts.append(interchange(run.info, run.controls, route, functional_code="HP", version=VERSION,
                                         transactions=txs, st03=False))
            path = run.out / f"835-{payer.payer_id}-{block.lo:08d}-{block.hi:08d}.x12"
            path.write_text("".join(texts), encoding="ascii")
            run.counts["files"] += 1
            run.counts["interchanges"] += len(texts)
