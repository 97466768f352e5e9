"""Immunization and AllergyIntolerance (US Core) from the derived per-person
histories (formats/derived): CDC-schedule immunizations with CVX codes, and
allergies (RxNorm/SNOMED CT) or one "no known allergy" record."""

from __future__ import annotations

from healthsim.formats.derived import allergies as allergy_table
from healthsim.formats.derived.allergies import SYSTEMS
from healthsim.formats.derived.immunizations import CVX_SYSTEM, doses
from healthsim.formats.fhir.common import US_CORE, concept, rows
from healthsim.formats.fhir.registry import person_resource

SNOMED = "http://snomed.info/sct"
CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
PERSON_COLUMNS = ["person_id", "birth_date"]


def _deaths(block) -> dict:
    if "deaths" not in block.tables:
        return {}
    return {r["person_id"]: r["death_date"] for r in rows(block["deaths"], ["person_id", "death_date"])}


@person_resource("Immunization", {"persons": None}, optional={"deaths": None})
def immunizations(block, ctx):
    died = _deaths(block)
    as_of = ctx.info.as_of
    for p in rows(block["persons"], PERSON_COLUMNS):
        pid = p["person_id"]
        for d in doses(ctx.key, pid, p["birth_date"], as_of, died.get(pid)):
            yield pid, {"resourceType": "Immunization", "id": ctx.rid("immunizations", pid, d.cvx, d.when),
                        "meta": {"profile": [f"{US_CORE}/us-core-immunization"]}, "status": "completed",
                        "vaccineCode": concept(CVX_SYSTEM, d.cvx, d.name),
                        "patient": ctx.ref("Patient", "persons", pid),
                        "occurrenceDateTime": d.when.isoformat(), "primarySource": True,
                        "protocolApplied": [{"doseNumberPositiveInt": d.dose}]}


@person_resource("AllergyIntolerance", {"persons": None})
def allergy_intolerances(block, ctx):
    as_of = ctx.info.as_of
    for p in rows(block["persons"], PERSON_COLUMNS):
        pid = p["person_id"]
        for a in allergy_table.allergies(ctx.key, pid, p["birth_date"], as_of):
            res = {"resourceType": "AllergyIntolerance", "id": ctx.rid("allergies", pid, a.code),
                   "meta": {"profile": [f"{US_CORE}/us-core-allergyintolerance"]},
                   "clinicalStatus": concept(CLINICAL, "active", "Active"),
                   "verificationStatus": concept(VERIFICATION, "confirmed", "Confirmed"),
                   "code": concept(SYSTEMS[a.system][0], a.code, a.display),
                   "patient": ctx.ref("Patient", "persons", pid), "recordedDate": a.recorded.isoformat()}
            if a.known:
                res["type"] = "allergy"
                res["category"] = [a.category]
                res["criticality"] = "high" if a.severity == "severe" else "low"
                res["reaction"] = [{"manifestation": [concept(SNOMED, a.reaction["code"], a.reaction["display"])],
                                    "severity": a.severity}]
            yield pid, res
