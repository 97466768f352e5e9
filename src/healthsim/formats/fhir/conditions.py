"""Condition (US Core problems and health concerns) from the conditions table."""

from __future__ import annotations

from healthsim.formats.fhir.common import ICD10CM, US_CORE, concept, iso, rows
from healthsim.formats.fhir.registry import person_resource

CLINICAL = concept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active")
VERIFIED = concept("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed")
PROBLEM = concept("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item",
                  "Problem List Item")


@person_resource("Condition", {"conditions": None})
def conditions(block, ctx):
    for c in rows(block["conditions"], iso=True):
        pid = c["person_id"]
        res = {"resourceType": "Condition", "id": ctx.rid("conditions", pid, c["code"]),
               "meta": {"profile": [f"{US_CORE}/us-core-condition-problems-health-concerns"]},
               "clinicalStatus": CLINICAL, "verificationStatus": VERIFIED, "category": [PROBLEM],
               "code": concept(ICD10CM, c["code"], c["description"]),
               "subject": ctx.ref("Patient", "persons", pid)}
        if c["onset_date"] is not None:
            res["onsetDateTime"] = res["recordedDate"] = iso(c["onset_date"])
        yield pid, res
