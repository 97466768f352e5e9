"""X12 5010 837I institutional claims (005010X223A2) from claims and claim_lines.

Same envelope, submitter and subscriber loops as the 837P (x837p.py); the
claim differs: CLM05 carries the facility type and frequency of the type of
bill (inpatient 11x, else outpatient 13x, or the claim's own type_of_bill
when the table has it), DTP*434 the statement period, CL1 admission type,
source and discharge status, HI the principal (ABK),
admitting (ABJ, inpatient) and other (ABF) diagnoses, NM1*71 the attending
physician, and each line an SV2 with its revenue code.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from healthsim.formats.base import CohortSource, register
from healthsim.formats.fhir.common import rows
from healthsim.formats.x12.claimdata import (
    ClaimBlock,
    ExportRun,
    Party,
    claim_block,
    export_claim_blocks,
    party,
)
from healthsim.formats.x12.envelope import clean, d8, money, seg
from healthsim.formats.x12.variety import Version
from healthsim.formats.x12.x837p import (
    claim_refs,
    other_payer_loops,
    provider_loop,
    submitter_loops,
    subscriber_loop,
    write_claim_files,
)

VERSION = "005010X223A2"
ADMISSION_TYPE = {"emergency": "1", "urgent": "2", "elective": "3", "labor": "4"}


def bill_type(claim: dict) -> tuple[str, bool]:
    """(facility type code, inpatient?) from type_of_bill or the claim's dates."""
    tob = str(claim.get("type_of_bill") or "").lstrip("0")
    if len(tob) >= 2:
        return tob[:2], tob.startswith("11")
    inpatient = bool(claim.get("admit_date")) or claim.get("encounter_type") == "inpatient"
    return ("11" if inpatient else "13"), inpatient


def claim_loop(cb: ClaimBlock, claim: dict, v: Version, attending: Party) -> list[str]:
    lines = v.lines
    visit = cb.encounters.get(claim.get("encounter_id")) or {}
    claim = {"admission_type": visit.get("admission_type"), "discharge_status": visit.get("discharge_disposition"),
             "encounter_type": visit.get("type"), **{k: v for k, v in claim.items() if v is not None}}
    facility, inpatient = bill_type(claim)
    dx = cb.dx_codes(claim, limit=v.dx_limit)
    start, end = d8(claim["service_from"]), d8(claim.get("service_to") or claim["service_from"])
    out = [seg("CLM", clean(v.pcn), money(v.billed), "", "", f"{facility}:A:{v.frequency}", "", "A", "Y", "Y"),
           seg("DTP", "434", "RD8", f"{start}-{end}")]
    # CL1 (pyx12's map requires it on every claim): admission type 9 = information not available
    # for outpatient claims without one; point of origin 1 (non-health-care facility) for stays.
    out.append(seg("CL1", ADMISSION_TYPE.get(claim.get("admission_type") or "", "3" if inpatient else "9"),
                   "1" if inpatient else "", clean(claim.get("discharge_status")) or "01"))
    out += claim_refs(cb, claim, v)
    out.append(seg("HI", f"ABK:{dx[0]}"))
    if inpatient:
        out.append(seg("HI", f"ABJ:{dx[0]}"))
    if len(dx) > 1:
        out.append(seg("HI", *(f"ABF:{c}" for c in dx[1:])))
    out.append(seg("NM1", "71", "1", clean(attending.last or attending.name), clean(attending.first),
                   "", "", "", "XX", attending.npi))
    out += other_payer_loops(cb, claim)
    for n, line in enumerate(lines, start=1):
        rev = clean(line.get("revenue_code")) or "0001"
        proc = f"HC:{clean(line['code'])}" if line.get("code") else ""
        out += [seg("LX", str(n)),
                seg("SV2", rev, proc, money(line["billed"]), "UN", money(line["units"] or 1)),
                seg("DTP", "472", "D8", d8(line.get("service_date") or claim["service_from"]))]
    return out


def transaction(cb, items, info, payer, by_npi, attendings, n: int = 1) -> list[str]:
    body = submitter_loops(info, payer, n)
    hl, subscribers = 0, {}
    by_billing: dict = defaultdict(list)
    for c, v in items:
        by_billing[c["billing_npi"]].append((c, v))
    for npi in sorted(by_billing, key=str):
        hl += 1
        parent, billing = hl, party(by_npi, npi)
        body += [seg("HL", str(parent), "", "20", "1"), *provider_loop(billing, "85")]
        for claim, v in by_billing[npi]:
            hl += 1
            body.append(seg("HL", str(hl), str(parent), "22", "0"))
            key = (claim["person_id"], claim["member_id"], cb.span(claim).get("plan_id"))
            if key not in subscribers:
                subscribers[key] = subscriber_loop(cb, claim, payer)
            body += subscribers[key]
            npi_att = claim.get("attending_npi") or claim.get("rendering_npi") or attendings.get(npi)
            body += claim_loop(cb, claim, v, party(by_npi, npi_att))
    return body


def attending_by_facility(source: CohortSource) -> dict[str, str]:
    """Facility NPI -> NPI of an affiliated physician (lowest provider_id), for NM1*71
    when the claim names no attending."""
    if not (source.has("providers") and source.has("facilities")):
        return {}
    facility_npi = {f["facility_id"]: f["npi"] for f in rows(source.static("facilities"), ["facility_id", "npi"])}
    out: dict[str, str] = {}
    for p in rows(source.static("providers"), ["provider_id", "npi", "hospital_id", "credential"]):
        fnpi = facility_npi.get(p["hospital_id"])
        if fnpi and fnpi not in out and p["credential"] in ("MD", "DO"):
            out[fnpi] = p["npi"]
    return out


@register
class X12_837IExporter:
    name = "x12-837i"
    description = "X12 5010 837I institutional claims (005010X223A2)"
    requires = ("persons", "enrollments", "claims", "claim_lines")
    needs_rows = (("claims", {"claim_type": "institutional"}),)

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        return export_claim_blocks(source, "837i", self._block, out, encounters=True,
                                   attendings=attending_by_facility(source))

    @staticmethod
    def _block(block, run: ExportRun) -> None:
        cb = claim_block(block, "institutional", run.info, run.options)
        info, by_npi, attendings = run.info, run.by_npi, run.extra["attendings"]
        write_claim_files(cb, block, run, "837i", VERSION,
                          lambda cb, part, payer, n: transaction(cb, part, info, payer, by_npi, attendings, n))
