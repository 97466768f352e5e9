"""X12 5010 278 health care services review (005010X217): prior authorization requests
and the payer's answers, for the services that need them (x12/prior_auth.py).

A request (BHT02 13) goes from the billing provider to the member's payer (the
utilization management organization, NM1*X3) a week before the first service:
2000E the patient event (UM: AR admission review for a planned stay, HS health
services review otherwise; the service type; the event dates; the principal
diagnosis), then one 2000F service level per service line (UM HS, the date and
SV1 with the CPT/HCPCS code and units). The response (BHT02 11) two days later
echoes the trace (TRN*2) and answers each level with HCR: A1 certified (with the
certification number the claims carry as REF*G1) or A3 not certified, agreeing
with how the claims were later adjudicated. HCR03 (the decision reason) is left
out: its codes are an external code list (source 886) not shipped here.

Files: `278-requests-<payer>-<block>.x12` and `278-responses-<payer>-<block>.x12`,
one review per ST/SE set. pyx12 maps only the 4010 278, so the tests check these
with the structural checker built from the X217 guide (x12/guides.py).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from healthsim.formats.base import CohortSource, register
from healthsim.formats.x12.claimdata import ExportRun, claim_block, export_claim_blocks, party
from healthsim.formats.x12.envelope import SUBMITTER_ID, Route, clean, d8, interchange, money, seg
from healthsim.formats.x12.prior_auth import Authorization

VERSION = "005010X217"
ORIGINATOR = "9900000001"


def first_claims(cb) -> dict:
    """encounter_id -> the visit's first claim (one pass over the block's claims)."""
    out: dict = {}
    for c in cb.claims:
        out.setdefault(c.get("encounter_id"), c)
    return out


def header_levels(cb, claim: dict, auth: Authorization, payer, provider, response: bool) -> list[str]:
    person = cb.persons.get(auth.person_id) or {}
    member = [seg("NM1", "IL", "1", person.get("last_name"), person.get("first_name"), "", "", "", "MI",
                  clean(auth.member_id))]
    if not response:
        member.append(seg("DMG", "D8", d8(person.get("birth_date")), person.get("sex") or "U"))
    return [seg("HL", "1", "", "20", "1"),
            seg("NM1", "X3", "2", payer.name, "", "", "", "", "PI", payer.payer_id),
            seg("HL", "2", "1", "21", "1"),
            seg("NM1", "1P", "2", clean(provider.name)[:60], "", "", "", "", "XX", provider.npi),
            seg("HL", "3", "2", "22", "1"),
            *member]


def event_level(auth: Authorization, dx: str, response: bool) -> list[str]:
    trace = auth.number
    um01 = "AR" if auth.admission else "HS"
    out = [seg("HL", "4", "3", "EV", "1"), seg("TRN", "2" if response else "1", trace, ORIGINATOR),
           seg("UM", um01, "I", auth.service_type, "11:A" if auth.admission else "")]
    if response:
        out.append(seg("HCR", auth.decision, auth.number if auth.decision == "A1" else ""))
    start, end = d8(auth.first_service), d8(auth.last_service)
    out.append(seg("DTP", "435" if auth.admission else "AAH", "D8" if start == end or auth.admission else "RD8",
                   start if start == end or auth.admission else f"{start}-{end}"))
    if not response:
        out.append(seg("HI", f"ABK:{dx}"))
    return out


def service_levels(auth: Authorization, response: bool) -> list[str]:
    out = []
    for n, line in enumerate(auth.lines, start=5):
        out += [seg("HL", str(n), "4", "SS", "0"), seg("UM", "HS", "I", auth.service_type)]
        if response:
            out.append(seg("HCR", auth.decision, auth.number if auth.decision == "A1" else ""))
        out.append(seg("DTP", "472", "D8", d8(line.get("service_date") or line["service_from"])))
        units = money(line.get("units") or 1)
        out.append(seg("SV1", f"HC:{clean(line['code'])}", "" if response else money(line["billed"]), "UN", units))
    return out


def review(cb, auth: Authorization, claim: dict, payer, provider, response: bool) -> list[str]:
    when = d8(auth.answered if response else auth.requested)
    body = [seg("BHT", "0007", "11" if response else "13", f"HS278{auth.encounter_id}", when,
                "1000" if response else "0900")]
    body += header_levels(cb, claim, auth, payer, provider, response)
    dx = (cb.dx_codes(claim) or ["R69"])[0]
    body += event_level(auth, dx, response)
    body += service_levels(auth, response)
    return body


@register
class X12_278Exporter:
    name = "x12-278"
    description = ("X12 5010 278 prior authorization requests and responses (005010X217) for advanced imaging, "
                   "elective surgery and specialty drugs, agreeing with the claims")
    requires = ("persons", "enrollments", "claims", "claim_lines")
    needs_rows = (("claims", {}),)

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        return export_claim_blocks(source, "278", self._block, out, encounters=True)

    @staticmethod
    def _block(block, run: ExportRun) -> None:
        cb = claim_block(block, None)
        if not cb.auths:
            return
        by_payer: dict = defaultdict(list)
        claims = first_claims(cb)
        for auth in cb.auths:
            claim = claims.get(auth.encounter_id)
            if claim is not None:
                by_payer[cb.payer(claim)].append(auth)
        for payer, auths in sorted(by_payer.items(), key=lambda kv: kv[0].plan_id):
            tag = f"{payer.payer_id}-{block.lo:08d}-{block.hi:08d}"
            for kind, response, route in (
                    ("requests", False, Route.of(run.options, SUBMITTER_ID, payer.payer_id)),
                    ("responses", True, Route.of(run.options, payer.payer_id, SUBMITTER_ID))):
                txs = [("278", review(cb, a, claims[a.encounter_id], payer, party(run.by_npi, a.billing_npi),
                                      response)) for a in auths]
                text = interchange(run.info, run.controls, route, functional_code="HI", version=VERSION,
                                   transactions=txs)
                (run.out / f"278-{kind}-{tag}.x12").write_text(text, encoding="ascii")
                run.counts["files"] += 1
            run.counts["reviews"] += len(auths)
            run.counts["certified"] += sum(a.decision == "A1" for a in auths)
            run.counts["not_certified"] += sum(a.decision == "A3" for a in auths)
