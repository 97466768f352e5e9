"""Claim and ExplanationOfBenefit from claims/claim_lines and pharmacy_claims
(professional, institutional and pharmacy), with adjudication amounts.

The billing provider and pharmacy are referred to by NPI identifier (a
logical reference: claims carry an NPI, not a network key); the insurer is
the plan's payer Organization, the insurance the member's Coverage on the
service date. Adjudication categories come from the HL7 adjudication code
system: submitted (billed), eligible (allowed), benefit (paid), deductible,
copay; coinsurance is given as text (the code system has no code for it).
"""

from __future__ import annotations

from healthsim.formats.fhir.common import NPI_SYSTEM, concept, rows
from healthsim.formats.fhir.registry import group, person_resource

CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
ADJ = "http://terminology.hl7.org/CodeSystem/adjudication"
PRIORITY = concept("http://terminology.hl7.org/CodeSystem/processpriority", "normal")
CPT, NDC = "http://www.ama-assn.org/go/cpt", "http://hl7.org/fhir/sid/ndc"
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
REVENUE = "https://www.nubc.org/CodeSystem/RevenueCodes"
MEDICAL = {"claims": None, "claim_lines": ("claims", "claim_id"), "enrollments": None}
PHARMACY = {"pharmacy_claims": None, "enrollments": None}


def money(x) -> dict:
    return {"value": round(float(x or 0), 2), "currency": "USD"}


def span_on(spans: list[dict], when: str | None) -> dict:
    """The enrollment span covering the date (ISO strings compare in order), else the first."""
    for s in spans:
        if when and s["start_date"] <= when <= s["end_date"]:
            return s
    return spans[0] if spans else {"span_no": 1, "plan_id": None}


def claim_resource(ctx, eob: bool, kind: str, key: tuple, pid: int, span: dict, created: str | None,
                   npi: str | None, period: tuple[str, str], items: list[dict]) -> dict:
    res = {"resourceType": "ExplanationOfBenefit" if eob else "Claim",
           "id": ctx.rid("eob" if eob else "claim", *key), "status": "active",
           "type": concept(CLAIM_TYPE, kind), "use": "claim", "patient": ctx.ref("Patient", "persons", pid),
           "billablePeriod": {"start": period[0], "end": period[1]}, "created": created or period[0],
           "provider": {"identifier": {"system": NPI_SYSTEM, "value": npi or "unknown"}},
           "insurance": [{**({} if eob else {"sequence": 1}), "focal": True,
                          "coverage": ctx.ref("Coverage", "enrollments", pid, span["span_no"])}]}
    if items:
        res["item"] = items
    if eob:
        res["insurer"] = ctx.ref("Organization", "plans", span["plan_id"])
        res["outcome"] = "complete"
        res["claim"] = ctx.ref("Claim", "claim", *key)
    else:
        res["priority"] = PRIORITY
    return res


def adjudication(amounts: list[tuple[str, float | None]]) -> list[dict]:
    out = []
    for code, value in amounts:
        if value is None:
            continue
        category = concept(ADJ, code) if code != "coinsurance" else {"text": "coinsurance"}
        out.append({"category": category, "amount": money(value)})
    return out


def _medical(block, ctx, eob: bool):
    lines = group(block["claim_lines"], "claim_id")
    spans = group(block["enrollments"], iso=True)
    for c in rows(block["claims"], iso=True):
        if c["claim_type"] == "pharmacy":
            continue
        pid = c["person_id"]
        span = span_on(spans.get(pid, []), c["service_from"])
        items = []
        for n, line in enumerate(lines.get(c["claim_id"], []), start=1):
            system = HCPCS if (line["code_system"] or "").upper() == "HCPCS" else CPT
            item = {"sequence": n, "productOrService": concept(system, line["code"]) if line["code"]
                    else {"text": "revenue code only"}, "servicedDate": c["service_from"],
                    "quantity": {"value": line["units"] or 1}, "net": money(line["billed"])}
            if line["revenue_code"]:
                item["revenue"] = concept(REVENUE, line["revenue_code"])
            if eob:
                item["adjudication"] = adjudication([
                    ("submitted", line["billed"]), ("eligible", line["allowed"]), ("benefit", line["paid"]),
                    ("deductible", line["deductible"]), ("copay", line["copay"]),
                    ("coinsurance", line["coinsurance"])])
            items.append(item)
        res = claim_resource(ctx, eob, c["claim_type"], ("claims", c["claim_id"]), pid, span, c["received_date"],
                             c["billing_npi"], (c["service_from"], c["service_to"] or c["service_from"]), items)
        if eob:
            res["total"] = adjudication([("submitted", c["billed"]), ("eligible", c["allowed"]),
                                         ("benefit", c["paid"])])
            if c["paid_date"]:
                res["payment"] = {"date": c["paid_date"], "amount": money(c["paid"])}
            if c["status"] == "denied":
                res["disposition"] = "Denied"
        else:
            res["total"] = money(c["billed"])
        yield pid, res


def _pharmacy(block, ctx, eob: bool):
    spans = group(block["enrollments"], iso=True)
    for c in rows(block["pharmacy_claims"], iso=True):
        pid = c["person_id"]
        span = span_on(spans.get(pid, []), c["fill_date"])
        gross = float(c["ingredient_cost"] or 0) + float(c["dispensing_fee"] or 0)
        item = {"sequence": 1, "productOrService": concept(NDC, c["ndc"], c["drug_name"]),
                "servicedDate": c["fill_date"], "quantity": {"value": c["quantity"] or 0}, "net": money(gross)}
        if eob:
            item["adjudication"] = adjudication([("submitted", gross), ("copay", c["copay"]),
                                                 ("benefit", c["plan_paid"])])
        res = claim_resource(ctx, eob, "pharmacy", ("pharmacy_claims", c["claim_id"]), pid, span, c["fill_date"],
                             None, (c["fill_date"], c["fill_date"]), [item])
        res["provider"] = {"display": f"pharmacy {c['pharmacy_id']}"}
        if eob:
            res["total"] = adjudication([("submitted", gross), ("benefit", c["plan_paid"])])
            if c["status"] == "reversed":
                res["disposition"] = "Reversed"
        else:
            res["total"] = money(gross)
            if c["prescriber_npi"]:
                res["referral"] = {"identifier": {"system": NPI_SYSTEM, "value": c["prescriber_npi"]}}
        yield pid, res


@person_resource("Claim", MEDICAL)
def medical_claims(block, ctx):
    yield from _medical(block, ctx, eob=False)


@person_resource("ExplanationOfBenefit", MEDICAL)
def medical_eobs(block, ctx):
    yield from _medical(block, ctx, eob=True)


@person_resource("Claim", PHARMACY)
def pharmacy_claims(block, ctx):
    yield from _pharmacy(block, ctx, eob=False)


@person_resource("ExplanationOfBenefit", PHARMACY)
def pharmacy_eobs(block, ctx):
    yield from _pharmacy(block, ctx, eob=True)
