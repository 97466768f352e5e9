"""X12 5010 835 remittance advice (005010X221A1) for adjudicated claims.

One transaction per payment: a payer's claims for one payee (billing NPI)
paid on one date, i.e. one EFT (BPR*I) or, when everything was denied, a
notification (BPR*H). Every amount balances as the 835 requires:
per line SVC02 - sum(CAS) = SVC03; per claim CLP04 = sum of its SVC03;
per transaction BPR02 = sum of CLP04. Adjustments: CO-45 for the contractual
write-down (billed - allowed), PR-1/2/3 for deductible, coinsurance and
copay, and the line's CARC codes with the whole amount for denied lines.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from healthsim.formats.base import CohortSource, register
from healthsim.formats.x12.claimdata import (
    ClaimBlock,
    claim_block,
    export_claim_blocks,
    party,
)
from healthsim.formats.x12.envelope import clean, d8, interchange, money, seg

VERSION = "005010X221A1"
CLAIM_STATUS = {"denied": "4", "reversed": "22"}


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


def parse_carc(text: str | None) -> tuple[str, str]:
    """First CARC of a line, e.g. 'CO-27 N30' -> ('CO', '27'); default CO-96 (non-covered)."""
    for token in (text or "").replace(",", " ").replace(";", " ").split():
        group, _, code = token.rpartition("-")
        if code.isalnum() and not code.startswith("N") and not code.startswith("M"):
            return (group.upper() if group.upper() in ("CO", "PR", "OA", "PI", "CR") else "CO"), code.upper()
    return "CO", "96"


def cas_segments(adjustments: list[tuple[str, str, int]]) -> list[str]:
    by_group: dict = defaultdict(list)
    for group, code, amount in adjustments:
        by_group[group].append((code, amount))
    out = []
    for group in sorted(by_group):
        elements = []
        for code, amount in by_group[group][:6]:
            elements += [code, money(amount / 100), ""]
        out.append(seg("CAS", group, *elements))
    return out


def claim_payment(cb: ClaimBlock, claim: dict) -> tuple[list[str], int]:
    """Loops 2100 (CLP, patient) and 2110 (service lines); returns (segments, paid cents)."""
    person = cb.persons.get(claim["person_id"], {})
    lines = cb.lines.get(claim["claim_id"], [])
    paid = sum(cents(ln["paid"]) for ln in lines) if lines else cents(claim["paid"])
    if claim["claim_type"] == "institutional":
        facility = (str(claim.get("type_of_bill") or "").lstrip("0") or "13")[:2]
    else:
        facility = claim.get("place_of_service") or "11"
    out = [seg("CLP", clean(claim["claim_id"]), CLAIM_STATUS.get(claim["status"], "1"), money(claim["billed"]),
               money(paid / 100), money(claim["member_liability"]), cb.filing(claim), clean(claim["claim_id"]),
               facility, "1"),
           seg("NM1", "QC", "1", clean(person.get("last_name")), clean(person.get("first_name")),
               "", "", "", "MI", clean(claim["member_id"]))]
    for line in lines:
        mods = [clean(m) for m in (line.get("modifier") or "").replace(",", " ").split()][:4]
        proc = ":".join(["HC", clean(line["code"]), *mods]) if line["code"] else f"NU:{line['revenue_code']}"
        rev = clean(line.get("revenue_code")) if line["code"] else ""
        out += [seg("SVC", proc, money(line["billed"]), money(line["paid"]), rev, money(line["units"] or 1)),
                seg("DTM", "472", d8(line.get("service_date") or claim["service_from"])),
                *cas_segments(line_adjustments(line))]
        if cents(line["allowed"]):
            out.append(seg("AMT", "B6", money(line["allowed"])))
    return out, paid


def transaction(cb: ClaimBlock, claims: list[dict], payer, payee, paid_date, info) -> list[str]:
    body, total = [], 0
    for n, claim in enumerate(claims, start=1):
        segs, paid = claim_payment(cb, claim)
        body += [seg("LX", str(n)), *segs]
        total += paid
    trace = f"{d8(paid_date)}{info.number(f'835:{payer.payer_id}:{payee.npi}:{paid_date}', 10**6):06d}"
    if total > 0:
        bpr = seg("BPR", "I", money(total / 100), "C", "ACH", "CCP", "01", "011000015", "DA", "1234567890",
                  "1" + payer.tax_id, "", "01", "021000021", "DA", "9876543210", d8(paid_date))
    else:
        bpr = seg("BPR", "H", "0", "C", "NON", "", "", "", "", "", "", "", "", "", "", "", d8(paid_date))
    head = [bpr, seg("TRN", "1", trace, "1" + payer.tax_id), seg("DTM", "405", d8(paid_date)),
            seg("N1", "PR", payer.name), seg("N3", "100 HEALTHSIM WAY"), seg("N4", "HARTFORD", "CT", "06101"),
            seg("PER", "BL", "PROVIDER SERVICES", "TE", "8005550199"),
            seg("N1", "PE", clean(payee.name)[:60], "XX", payee.npi)]
    return head + body


@register
class X12_835Exporter:
    name = "x12-835"
    description = "X12 5010 835 remittance advice (005010X221A1), balanced per line, claim and payment"
    requires = ("persons", "enrollments", "claims", "claim_lines")

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        return export_claim_blocks(source, "835", lambda block, *ctx: self._block(block, out, *ctx))

    @staticmethod
    def _block(block, out: Path, info, controls, by_npi, counts) -> None:
        cb = claim_block(block, None)
        payments: dict = defaultdict(list)
        for c in cb.claims:
            if c["claim_type"] != "pharmacy" and c["paid_date"] is not None:
                payments[(cb.payer(c), str(c["billing_npi"]), c["paid_date"])].append(c)
        by_payer: dict = defaultdict(list)
        for (payer, npi, when), claims in sorted(payments.items(), key=lambda kv: (kv[0][0].plan_id, *kv[0][1:])):
            by_payer[payer].append(("835", transaction(cb, claims, payer, party(by_npi, npi), when, info)))
            counts["claims"] += len(claims)
            counts["payments"] += 1
        for payer, txs in sorted(by_payer.items(), key=lambda kv: kv[0].plan_id):
            text = interchange(info, controls, functional_code="HP", version=VERSION, transactions=txs,
                               receiver=payer.payer_id, st03=False)
            (out / f"835-{payer.payer_id}-{block.lo:08d}-{block.hi:08d}.x12").write_text(text, encoding="ascii")
            counts["files"] += 1
