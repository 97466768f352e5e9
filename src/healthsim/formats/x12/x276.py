"""X12 5010 276/277 claim status inquiry and response (005010X212).

A provider asks about a claim that has not been paid three weeks after the
payer received it (STATUS_AFTER_DAYS), or that is still open on as_of (the
inquiry is sent on the earlier of those dates), about a denied claim, and
about a few paid claims whose remittance it has not matched. The payer answers with the
claim's status on that day (STC): pending (P1:20 accepted for processing) if
it is not adjudicated yet, paid (F1:65, with the payment amount, adjudication
and EFT dates and the EFT trace of its 835), or denied (F2, see the
remittance). The claim is found by the payer's control number (REF 1K), the
provider's patient control number (REF EJ) and, for institutional claims, the
type of bill (REF BLT).

Files: `276-<payer>-<block>.x12` (provider -> payer) and `277-<payer>-<block>.x12`
(payer -> provider), one inquiry per ST/SE set. Both are checked by the structural
checker built from the X212 guide (x12/guides.py): pyx12 4.0.0 ships a
277.5010.X212.xml map, but leaves it out of its maps.xml and cannot use it (it
demands GS01 RA and GS08 005010X218, copied from the 820 map, and places SE
outside the transaction set), and maps the 276 only in 4010.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from healthsim.formats.base import CohortSource, register
from healthsim.formats.x12.claimdata import ExportRun, claim_block, export_claim_blocks, party
from healthsim.formats.x12.envelope import SUBMITTER_ID, Route, clean, d8, interchange, money, seg
from healthsim.formats.x12.variety import uniform

VERSION = "005010X212"
STATUS_AFTER_DAYS = 21  # a clean claim is usually paid within 14-30 days; providers chase it after ~3 weeks
RECONCILE_DAYS = 10     # a denial or an unmatched payment is asked about about ten days later
RECONCILE_SHARE = 0.05  # share of paid claims the provider asks about (an assumption, not a published figure)


def _day(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def asked_on(claim: dict, as_of: date, u: float = 1.0) -> str | None:
    """The inquiry date (CCYYMMDD) of a claim the provider asks about, else None: a claim
    unpaid STATUS_AFTER_DAYS after receipt (or still open on as_of), a denied claim (the
    provider asks why, RECONCILE_DAYS after the denial) and a share of paid claims whose
    remittance the provider has not matched (`u` < RECONCILE_SHARE)."""
    received, paid = _day(claim["received_date"]), _day(claim["paid_date"]) if claim["paid_date"] else None
    chase = received + timedelta(days=STATUS_AFTER_DAYS)
    if received > as_of:
        return None
    if paid is None or paid > min(chase, as_of):
        return min(chase, as_of).strftime("%Y%m%d")
    later = paid + timedelta(days=RECONCILE_DAYS)
    if later <= as_of and (claim["status"] == "denied" or u < RECONCILE_SHARE):
        return later.strftime("%Y%m%d")
    return None


def levels(cb, claim, payer, provider, trn: str, subscriber_extra: list[str]) -> list[str]:
    person = cb.persons.get(claim["person_id"]) or {}
    return [seg("HL", "1", "", "20", "1"),
            seg("NM1", "PR", "2", payer.name, "", "", "", "", "PI", payer.payer_id),
            seg("HL", "2", "1", "21", "1"),
            seg("NM1", "41", "2", "HEALTHSIM SUBMITTER", "", "", "", "", "46", SUBMITTER_ID),
            seg("HL", "3", "2", "19", "1"),
            seg("NM1", "1P", "2", clean(provider.name)[:60], "", "", "", "", "XX", provider.npi),
            seg("HL", "4", "3", "22", "0"),
            *subscriber_extra,
            seg("NM1", "IL", "1", person.get("last_name"), person.get("first_name"), "", "", "", "MI",
                clean(claim["member_id"])),
            trn]


def claim_refs(claim: dict) -> list[str]:
    out = [seg("REF", "1K", clean(claim["claim_id"]))]
    if claim["claim_type"] == "institutional" and claim.get("type_of_bill"):
        out.append(seg("REF", "BLT", str(claim["type_of_bill"]).lstrip("0")[:3]))
    out.append(seg("REF", "EJ", clean(claim["claim_id"])))
    return out


def period(claim: dict) -> str:
    return seg("DTP", "472", "RD8", f"{claim['service_from']}-{claim.get('service_to') or claim['service_from']}")


def inquiry(cb, claim, payer, provider, when: str) -> list[str]:
    person = cb.persons.get(claim["person_id"]) or {}
    trace = f"{claim['claim_id']}{when}"
    dmg = [seg("DMG", "D8", d8(person.get("birth_date")), person.get("sex") or "U")]
    return [seg("BHT", "0010", "13", f"HS276{trace}", when, "0900"),
            *levels(cb, claim, payer, provider, seg("TRN", "1", trace), dmg),
            *claim_refs(claim)[:1], *claim_refs(claim)[1:],
            seg("AMT", "T3", money(claim["billed"])), period(claim)]


def status(cb, claim: dict, when: str, info=None, payer=None) -> tuple[str, list]:
    """(STC01, amounts and dates) of the claim as of the inquiry date; a paid claim names
    the amount this payer paid and the EFT trace (TRN02) of the 835 that paid it."""
    if not claim["paid_date"] or claim["paid_date"] > when:
        return "P1:20", [when, "", money(claim["billed"]), "0"]
    paid = claim["paid_date"]
    if claim["status"] == "denied":
        return "F2:1", [paid, "", money(claim["billed"]), "0", paid]
    amount = cb.versions(claim)[-1].paid_amount if cb is not None else claim["paid"]
    trace = ""
    if info is not None and payer is not None:
        npi = str(claim["billing_npi"])
        trace = f"{paid}{info.number(f'835:{payer.payer_id}:{npi}:{paid}', 10**6):06d}"
    # STC07 (payment method) is not used in X212; STC08/09 name the EFT date and trace
    return "F1:65", [paid, "", money(claim["billed"]), money(amount), paid, "", paid, trace]


def response(cb, claim, payer, provider, when: str, info=None) -> list[str]:
    trace = f"{claim['claim_id']}{when}"
    code, rest = status(cb, claim, when, info, payer)
    return [seg("BHT", "0010", "08", f"HS277{trace}", when, "0901", "DG"),
            *levels(cb, claim, payer, provider, seg("TRN", "2", trace), []),
            seg("STC", code, *rest), *claim_refs(claim), period(claim)]


@register
class X12_276_277Exporter:
    name = "x12-276-277"
    description = "X12 5010 276 claim status inquiries and 277 responses (005010X212) for claims not paid promptly"
    requires = ("persons", "enrollments", "claims", "claim_lines")
    needs_rows = (("claims", {}),)

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        return export_claim_blocks(source, "276", self._block, out)

    @staticmethod
    def _block(block, run: ExportRun) -> None:
        cb = claim_block(block, None)
        ids = np.array([int(c["claim_id"]) for c in cb.claims], dtype=np.int64)
        draws = uniform(ids, run.info.number("claim-status", 2**61))
        by_payer: dict = defaultdict(list)
        for c, u in zip(cb.claims, draws, strict=True):
            when = asked_on(c, run.info.as_of, float(u))
            if when is not None:
                by_payer[cb.payer(c)].append((c, when))
        for payer, items in sorted(by_payer.items(), key=lambda kv: kv[0].plan_id):
            requests, responses = [], []
            for claim, when in items:
                provider = party(run.by_npi, str(claim["billing_npi"]))
                requests.append(("276", inquiry(cb, claim, payer, provider, when)))
                responses.append(("277", response(cb, claim, payer, provider, when, run.info)))
                run.counts[{"P": "pending", "F": "finalized"}[status(None, claim, when)[0][0]]] += 1
            tag = f"{payer.payer_id}-{block.lo:08d}-{block.hi:08d}"
            for kind, txs, route, code in (
                    ("276", requests, Route.of(run.options, SUBMITTER_ID, payer.payer_id), "HR"),
                    ("277", responses, Route.of(run.options, payer.payer_id, SUBMITTER_ID), "HN")):
                text = interchange(run.info, run.controls, route, functional_code=code, version=VERSION,
                                   transactions=txs)
                (run.out / f"{kind}-{tag}.x12").write_text(text, encoding="ascii")
                run.counts["files"] += 1
            run.counts["inquiries"] += len(requests)
