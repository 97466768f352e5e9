"""Coverage (one per enrollment span) and the payer Organization of each plan.

Coverage.type uses the PHDSC Source of Payment Typology (the value set US
Core binds), mapped from our coverage types; the plan is a coverage class.
"""

from __future__ import annotations

from healthsim.formats.fhir.common import MEMBER_SYSTEM, US_CORE, concept, identifier, iso, rows
from healthsim.formats.fhir.registry import person_resource, shared_resource
from healthsim.formats.payers import payer_for

SOPT = "https://nahdo.org/sopt"
# PHDSC Source of Payment Typology v9 codes for our coverage types.
PAYER_TYPES = {
    "medicare": ("1", "MEDICARE"),
    "medicare_advantage": ("11", "Medicare (Managed Care)"),
    "medicaid": ("2", "MEDICAID"),
    "dual": ("14", "Dual Eligibility Medicare/Medicaid Organization"),
    "commercial": ("5", "PRIVATE HEALTH INSURANCE"),
    "exchange": ("5", "PRIVATE HEALTH INSURANCE"),
    "uninsured": ("81", "Self-pay"),
}
RELATIONSHIP = {"18": "self", "01": "spouse", "19": "child"}
REL_SYSTEM = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
CLASS_SYSTEM = "http://terminology.hl7.org/CodeSystem/coverage-class"
ORG_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"


@shared_resource("Organization", ("plans",))
def payer_organizations(static, ctx):
    for plan in rows(static["plans"], ["plan_id", "plan_name"]):
        payer = payer_for(plan["plan_id"], plan["plan_name"])
        yield {"resourceType": "Organization", "id": ctx.shared_rid("plans", plan["plan_id"]),
               "meta": {"profile": [f"{US_CORE}/us-core-organization"]},
               "identifier": [{"system": "https://healthsim.example.org/sid/payer-id", "value": payer.payer_id}],
               "active": True, "type": [concept(ORG_TYPE, "pay", "Payer")], "name": payer.name}


@person_resource("Coverage", {"enrollments": None}, optional={"identities": None, "persons": None})
def coverages(block, ctx):
    subscribers = ({r["person_id"]: r["subscriber_id"] for r in rows(block["identities"])
                    if r["product"] == "membersim"} if "identities" in block.tables else {})
    households = ({r["person_id"]: r["household_id"] for r in rows(block["persons"], ["person_id", "household_id"])}
                  if "persons" in block.tables else {})
    for e in rows(block["enrollments"], iso=True):
        pid = e["person_id"]
        patient = ctx.ref("Patient", "persons", pid)
        code, display = PAYER_TYPES.get(e["coverage_type"], ("9", "MISCELLANEOUS/OTHER"))
        res = {"resourceType": "Coverage", "id": ctx.rid("enrollments", pid, e["span_no"]),
               "status": "active", "type": concept(SOPT, code, display),
               "subscriber": ctx.ref("Patient", "persons", households.get(pid) or pid), "beneficiary": patient,
               "relationship": concept(REL_SYSTEM, RELATIONSHIP.get(e["relationship"], "other")),
               "period": {"start": iso(e["start_date"]), "end": iso(e["end_date"])},
               "payor": [ctx.shared_ref("Organization", "plans", e["plan_id"])]}
        if e["member_id"]:
            res["identifier"] = [identifier(MEMBER_SYSTEM, e["member_id"], "MB", "Member Number")]
            res["subscriberId"] = subscribers.get(pid) or e["member_id"]
        if e["plan_id"]:
            res["class"] = [{"type": concept(CLASS_SYSTEM, "plan", "Plan"), "value": e["plan_id"],
                             "name": e["plan"] or e["plan_id"]}]
        yield pid, res
