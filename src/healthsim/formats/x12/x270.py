"""X12 5010 270/271 eligibility inquiry and response (005010X279A1) for encounters.

Before a visit the provider asks the member's payer whether the member is
covered: one inquiry per member and day of care (the first billed claim of the
day names the provider), service type 30 (health benefit plan coverage) on the
visit date. The payer answers from the enrollment span and the plan's benefit
design: active coverage (EB 1) with the plan's name and its start date
(DTP 346), the calendar-year deductible (EB C), out-of-pocket maximum (EB G),
coinsurance (EB A, as a fraction) and the copays the plan has (EB B: office
visit 98, specialist... by service type code); a member not covered that day
gets inactive coverage (EB 6).

Files: `270-<payer>-<block>.x12` (provider -> payer: ISA from HEALTHSIM to the
payer ID) and `271-<payer>-<block>.x12` (payer -> provider), one inquiry per
ST/SE set (as real-time eligibility is sent), each 271 trace (TRN*2) echoing
its 270's TRN*1. pyx12 maps only the 4010 270/271, so the tests check these with
the structural checker built from the 5010 guide (x12/guides.py).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from healthsim.formats.base import CohortSource, register
from healthsim.formats.fhir.common import rows
from healthsim.formats.x12.claimdata import ExportRun, claim_block, export_claim_blocks, party
from healthsim.formats.x12.envelope import SUBMITTER_ID, Route, clean, d8, interchange, money, seg

VERSION = "005010X279A1"
ORIGINATOR = "9" + "900000001"  # TRN03: 1 + EIN of the originating company (the submitter, HEALTHSIM)
# (plans column, EB03 service type code): copays answered in the 271 (X12 code list 1365)
COPAYS = (("copay_pcp", "98"), ("copay_specialist", "A0"), ("copay_urgent_care", "UC"), ("copay_er", "86"),
          ("copay_inpatient", "48"), ("copay_lab", "5"), ("copay_imaging", "4"), ("copay_generic_rx", "88"))


def inquiries(cb) -> list[tuple[dict, dict]]:
    """(first claim of the member's day of care, its enrollment span), by member and date."""
    seen, out = set(), []
    for c in cb.claims:
        key = (c["person_id"], c["service_from"])
        if key not in seen:
            seen.add(key)
            out.append((c, cb.span(c)))
    return out


def name_loops(cb, claim: dict, payer, provider, trn: str) -> list[str]:
    person = cb.persons.get(claim["person_id"]) or {}
    return [seg("HL", "1", "", "20", "1"),
            seg("NM1", "PR", "2", payer.name, "", "", "", "", "PI", payer.payer_id),
            seg("HL", "2", "1", "21", "1"),
            seg("NM1", "1P", "2", clean(provider.name)[:60], "", "", "", "", "XX", provider.npi),
            seg("HL", "3", "2", "22", "0"),
            trn,
            seg("NM1", "IL", "1", person.get("last_name"), person.get("first_name"), "", "", "", "MI",
                clean(claim["member_id"]))]


def inquiry(cb, claim, payer, provider, info) -> list[str]:
    person = cb.persons.get(claim["person_id"]) or {}
    trace = trace_number(info, claim)
    return [seg("BHT", "0022", "13", f"HS270{trace}", d8(claim["service_from"]), "0800"),
            *name_loops(cb, claim, payer, provider, seg("TRN", "1", trace, ORIGINATOR)),
            seg("DMG", "D8", d8(person.get("birth_date")), person.get("sex") or "U"),
            seg("DTP", "291", "D8", d8(claim["service_from"])),
            seg("EQ", "30")]


def trace_number(info, claim) -> str:
    return f"{claim['person_id']}{d8(claim['service_from'])}"


def response(cb, claim, span, plan, payer, provider, info) -> list[str]:
    person = cb.persons.get(claim["person_id"]) or {}
    trace = trace_number(info, claim)
    when = d8(claim["service_from"])
    covered = bool(span) and span.get("start_date") is not None and span["start_date"] <= when <= span["end_date"]
    body = [seg("BHT", "0022", "11", f"HS271{trace}", when, "0801"),
            *name_loops(cb, claim, payer, provider, seg("TRN", "2", trace, ORIGINATOR)),
            seg("N3", person.get("address_line")),
            seg("N4", person.get("city"), person.get("state"), person.get("zip")),
            seg("DMG", "D8", d8(person.get("birth_date")), person.get("sex") or "U")]
    if not covered:
        return body + [seg("EB", "6", "IND", "30")]
    body.append(seg("DTP", "346", "D8", span["start_date"]))
    body.append(seg("EB", "1", "IND", "30", "", clean(span.get("plan"))[:50]))
    if plan:
        if plan.get("deductible") is not None:
            body.append(seg("EB", "C", "IND", "30", "", "", "23", money(plan["deductible"])))
        if plan.get("oop_max") is not None:
            body.append(seg("EB", "G", "IND", "30", "", "", "23", money(plan["oop_max"])))
        if plan.get("coinsurance") is not None:
            body.append(seg("EB", "A", "IND", "30", "", "", "", "", money(plan["coinsurance"])))
        for column, service in COPAYS:
            if plan.get(column) is not None:
                body.append(seg("EB", "B", "IND", service, "", "", "27", money(plan[column])))
    return body


@register
class X12_270_271Exporter:
    name = "x12-270-271"
    description = "X12 5010 270 eligibility inquiries and 271 responses (005010X279A1), one pair per day of care"
    requires = ("persons", "enrollments", "claims", "claim_lines")
    needs_rows = (("claims", {}),)

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        plans = {p["plan_id"]: p for p in rows(source.static("plans"))} if source.has("plans") else {}
        return export_claim_blocks(source, "270", self._block, out, plans=plans)

    @staticmethod
    def _block(block, run: ExportRun) -> None:
        cb = claim_block(block, None)
        by_payer: dict = defaultdict(list)
        for claim, span in inquiries(cb):
            by_payer[cb.payer(claim)].append((claim, span))
        info = run.info
        for payer, items in sorted(by_payer.items(), key=lambda kv: kv[0].plan_id):
            requests, responses = [], []
            for claim, span in items:
                provider = party(run.by_npi, str(claim["billing_npi"]))
                requests.append(inquiry(cb, claim, payer, provider, info))
                plan = run.extra["plans"].get(span.get("plan_id"))
                responses.append(response(cb, claim, span, plan, payer, provider, info))
            tag = f"{payer.payer_id}-{block.lo:08d}-{block.hi:08d}"
            for kind, bodies, route in (
                    ("270", requests, Route.of(run.options, SUBMITTER_ID, payer.payer_id)),
                    ("271", responses, Route.of(run.options, payer.payer_id, SUBMITTER_ID))):
                # one inquiry per transaction set, as real-time (and most batch) eligibility is sent
                txs = [(kind, body) for body in bodies]
                text = interchange(info, run.controls, route, functional_code="HS" if kind == "270" else "HB",
                                   version=VERSION, transactions=txs)
                (run.out / f"{kind}-{tag}.x12").write_text(text, encoding="ascii")
                run.counts["files"] += 1
            run.counts["inquiries"] += len(requests)
            run.counts["active"] += sum(1 for body in responses if any(s.startswith("EB*1*") for s in body))
