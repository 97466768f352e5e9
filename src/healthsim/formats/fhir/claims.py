"""Claim and ExplanationOfBenefit from claims/claim_lines and pharmacy_claims
(professional, institutional and pharmacy), the EOB in the CARIN Blue Button
(C4BB 2.0) shape.

Only what exists on the cohort's as_of date is written: a Claim once the payer
has received it (created = received_date), an EOB once it is adjudicated
(created and payment date = paid_date); claims received or paid later (the
tables' run-out) are left out of FHIR.

The EOB follows the CARIN profiles by claim type (Professional-NonClinician,
Inpatient-Institutional for type of bill 11x, Outpatient-Institutional,
Pharmacy): a unique claim identifier (type uc), the insurer (the plan's payer
Organization), the billing provider (its shared Organization or Practitioner,
by NPI), the payee, supporting info (claim received date, network status, type
of bill), diagnoses (ICD-10-CM, principal first), line and total adjudication
with the CARIN categories (submitted, eligible, deductible, copay, coinsurance,
member liability, paid to provider), and the payment.
"""

from __future__ import annotations

from healthsim.formats.fhir.common import ICD10CM, NPI_SYSTEM, concept, rows
from healthsim.formats.fhir.registry import group, person_resource

CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
ADJ = "http://terminology.hl7.org/CodeSystem/adjudication"
C4BB = "http://hl7.org/fhir/us/carin-bb"
C4BB_ADJ = f"{C4BB}/CodeSystem/C4BBAdjudication"
C4BB_INFO = f"{C4BB}/CodeSystem/C4BBSupportingInfoType"
C4BB_ID = f"{C4BB}/CodeSystem/C4BBIdentifierType"
C4BB_STATUS = f"{C4BB}/CodeSystem/C4BBPayerAdjudicationStatus"
C4BB_DISCRIMINATOR = f"{C4BB}/CodeSystem/C4BBAdjudicationDiscriminator"
PROFILES = {"professional": "C4BB-ExplanationOfBenefit-Professional-NonClinician",
            "inpatient": "C4BB-ExplanationOfBenefit-Inpatient-Institutional",
            "outpatient": "C4BB-ExplanationOfBenefit-Outpatient-Institutional",
            "pharmacy": "C4BB-ExplanationOfBenefit-Pharmacy"}
PRIORITY = concept("http://terminology.hl7.org/CodeSystem/processpriority", "normal")
PAYEE_PROVIDER = concept("http://terminology.hl7.org/CodeSystem/payeetype", "provider", "Provider")
PAYMENT_COMPLETE = concept("http://terminology.hl7.org/CodeSystem/ex-paymenttype", "complete", "Complete")
DX_TYPE = "http://terminology.hl7.org/CodeSystem/ex-diagnosistype"
CPT, NDC = "http://www.ama-assn.org/go/cpt", "http://hl7.org/fhir/sid/ndc"
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
REVENUE = "https://www.nubc.org/CodeSystem/RevenueCodes"
TYPE_OF_BILL = "https://www.nubc.org/CodeSystem/TypeOfBill"
POS = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
CLAIM_ID_SYSTEM = "https://healthsim.example.org/sid/claim-id"
MEDICAL = {"claims": None, "claim_lines": ("claims", "claim_id"), "enrollments": None}
PHARMACY = {"pharmacy_claims": None, "enrollments": None}
# category -> (code system, code): the standard adjudication codes where they exist, CARIN's otherwise
CATEGORIES = {"submitted": ADJ, "eligible": ADJ, "deductible": ADJ, "copay": ADJ, "benefit": ADJ,
              "coinsurance": C4BB_ADJ, "memberliability": C4BB_ADJ, "paidtoprovider": C4BB_ADJ,
              "noncovered": C4BB_ADJ}


def money(x) -> dict:
    return {"value": round(float(x or 0), 2), "currency": "USD"}


def span_on(spans: list[dict], when: str | None) -> dict:
    """The enrollment span covering the date (ISO strings compare in order), else the first."""
    for s in spans:
        if when and s["start_date"] <= when <= s["end_date"]:
            return s
    return spans[0] if spans else {"span_no": 1, "plan_id": None}


def adjudication(amounts: list[tuple[str, float | None]]) -> list[dict]:
    return [{"category": concept(CATEGORIES[code], code), "amount": money(value)}
            for code, value in amounts if value is not None]


def claim_resource(ctx, eob: bool, kind: str, key: tuple, pid: int, span: dict, created: str,
                   provider: dict, period: tuple[str, str], items: list[dict]) -> dict:
    res = {"resourceType": "ExplanationOfBenefit" if eob else "Claim",
           "id": ctx.rid("eob" if eob else "claim", *key), "status": "active",
           "type": concept(CLAIM_TYPE, kind), "use": "claim", "patient": ctx.ref("Patient", "persons", pid),
           "billablePeriod": {"start": period[0], "end": period[1]}, "created": created,
           "provider": provider,
           "insurance": [{**({} if eob else {"sequence": 1}), "focal": True,
                          "coverage": ctx.ref("Coverage", "enrollments", pid, span["span_no"])}]}
    if items:
        res["item"] = items
    if eob:
        res["insurer"] = ctx.ref("Organization", "plans", span["plan_id"])
        res["outcome"] = "complete"
        res["claim"] = ctx.ref("Claim", "claim", *key)
        res["identifier"] = [{"type": concept(C4BB_ID, "uc", "Unique Claim ID"), "system": CLAIM_ID_SYSTEM,
                              "value": str(key[-1])}]
        res["payee"] = {"type": PAYEE_PROVIDER, "party": provider}
    else:
        res["priority"] = PRIORITY
    return res


def _supporting(received: str, institutional_bill: str | None) -> list[dict]:
    info = [{"sequence": 1, "category": concept(C4BB_INFO, "clmrecvddate"), "timingDate": received},
            {"sequence": 2, "category": concept(C4BB_INFO, "billingnetworkcontractingstatus"),
             "code": concept(C4BB_STATUS, "contracted")}]
    if institutional_bill:
        info.append({"sequence": 3, "category": concept(C4BB_INFO, "typeofbill"),
                     "code": concept(TYPE_OF_BILL, institutional_bill)})
    return info


def _diagnoses(codes: str | None) -> list[dict]:
    out = []
    for n, code in enumerate(dict.fromkeys((codes or "").replace(",", " ").split()), start=1):
        out.append({"sequence": n, "diagnosisCodeableConcept": concept(ICD10CM, code),
                    "type": [concept(DX_TYPE, "principal" if n == 1 else "secondary")]})
    return out


def _profile(c: dict) -> str:
    if c["claim_type"] != "institutional":
        return PROFILES["professional"]
    return PROFILES["inpatient" if str(c.get("type_of_bill") or "").lstrip("0").startswith("11") else "outpatient"]


def _medical(block, ctx):
    """Claim and (once adjudicated) ExplanationOfBenefit of each medical claim, from one
    pass over the claims and their lines."""
    lines = group(block["claim_lines"], "claim_id")
    spans = group(block["enrollments"], iso=True)
    for c in rows(block["claims"], iso=True):
        if c["claim_type"] == "pharmacy" or ctx.after_as_of(c["received_date"]):
            continue
        adjudicated = c["paid_date"] is not None and not ctx.after_as_of(c["paid_date"])
        pid = c["person_id"]
        span = span_on(spans.get(pid, []), c["service_from"])
        items, eob_items = [], []
        location = (concept(POS, c["place_of_service"])
                    if c.get("place_of_service") and c["claim_type"] == "professional" else None)
        for n, line in enumerate(lines.get(c["claim_id"], []), start=1):
            system = HCPCS if (line["code_system"] or "").upper() == "HCPCS" else CPT
            item = {"sequence": n, "productOrService": concept(system, line["code"]) if line["code"]
                    else {"text": "revenue code only"}, "servicedDate": c["service_from"],
                    "quantity": {"value": line["units"] or 1}, "net": money(line["billed"])}
            if line["revenue_code"]:
                item["revenue"] = concept(REVENUE, line["revenue_code"])
            if location is not None:
                item["locationCodeableConcept"] = location
            items.append(item)
            if adjudicated:
                liability = sum(float(line[k] or 0) for k in ("deductible", "copay", "coinsurance"))
                eob_items.append({**item, "adjudication": adjudication([
                    ("submitted", line["billed"]), ("eligible", line["allowed"]), ("deductible", line["deductible"]),
                    ("copay", line["copay"]), ("coinsurance", line["coinsurance"]),
                    ("memberliability", liability), ("paidtoprovider", line["paid"]), ("benefit", line["paid"])])})
        provider = ctx.provider_ref(c["billing_npi"])
        key = ("claims", c["claim_id"])
        period = (c["service_from"], c["service_to"] or c["service_from"])
        diagnoses = _diagnoses(c.get("diagnosis_codes"))
        res = claim_resource(ctx, False, c["claim_type"], key, pid, span, c["received_date"], provider, period, items)
        if diagnoses:
            res["diagnosis"] = diagnoses
        res["total"] = money(c["billed"])
        yield pid, res
        if not adjudicated:
            continue  # not adjudicated by as_of
        res = claim_resource(ctx, True, c["claim_type"], key, pid, span, c["paid_date"], provider, period, eob_items)
        if diagnoses:
            res["diagnosis"] = diagnoses
        res["meta"] = {"profile": [f"{C4BB}/StructureDefinition/{_profile(c)}"]}
        bill = str(c.get("type_of_bill") or "") if c["claim_type"] == "institutional" else None
        res["supportingInfo"] = _supporting(c["received_date"], bill or None)
        res["total"] = adjudication([("submitted", c["billed"]), ("eligible", c["allowed"]),
                                     ("memberliability", c["member_liability"]),
                                     ("paidtoprovider", c["paid"]), ("benefit", c["paid"])])
        res["payment"] = {"type": PAYMENT_COMPLETE, "date": c["paid_date"], "amount": money(c["paid"])}
        if c["status"] == "denied":
            res["disposition"] = "Denied"
        yield pid, res


def _pharmacy(block, ctx):
    """Claim and ExplanationOfBenefit of each pharmacy claim (adjudicated at the fill)."""
    spans = group(block["enrollments"], iso=True)
    for c in rows(block["pharmacy_claims"], iso=True):
        if ctx.after_as_of(c["fill_date"]):
            continue
        pid = c["person_id"]
        span = span_on(spans.get(pid, []), c["fill_date"])
        gross = float(c["ingredient_cost"] or 0) + float(c["dispensing_fee"] or 0)
        item = {"sequence": 1, "productOrService": concept(NDC, c["ndc"], c["drug_name"]),
                "servicedDate": c["fill_date"], "quantity": {"value": c["quantity"] or 0}, "net": money(gross)}
        provider = ctx.npi_refs.get(("pharmacy", c["pharmacy_id"])) or {"display": f"pharmacy {c['pharmacy_id']}"}
        key = ("pharmacy_claims", c["claim_id"])
        period = (c["fill_date"], c["fill_date"])
        res = claim_resource(ctx, False, "pharmacy", key, pid, span, c["fill_date"], provider, period, [item])
        res["total"] = money(gross)
        if c["prescriber_npi"]:
            res["referral"] = {"identifier": {"system": NPI_SYSTEM, "value": c["prescriber_npi"]}}
        yield pid, res
        eob_item = {**item, "adjudication": adjudication([
            ("submitted", gross), ("copay", c["copay"]), ("memberliability", c["copay"]),
            ("paidtoprovider", c["plan_paid"]), ("benefit", c["plan_paid"])])}
        res = claim_resource(ctx, True, "pharmacy", key, pid, span, c["fill_date"], provider, period, [eob_item])
        res["meta"] = {"profile": [f"{C4BB}/StructureDefinition/{PROFILES['pharmacy']}"]}
        res["supportingInfo"] = _supporting(c["fill_date"], None)
        res["total"] = adjudication([("submitted", gross), ("memberliability", c["copay"]),
                                     ("paidtoprovider", c["plan_paid"]), ("benefit", c["plan_paid"])])
        if c["status"] == "paid":
            res["payment"] = {"type": PAYMENT_COMPLETE, "date": c["fill_date"], "amount": money(c["plan_paid"])}
        else:
            res["disposition"] = c["status"].capitalize()
        yield pid, res


# One builder per claim table writes both resource types: each claim is read and its lines
# grouped once, not once per type (NDJSON sorts them into their files; a Bundle holds both).
@person_resource("Claim", MEDICAL)
def medical_claims(block, ctx):
    yield from _medical(block, ctx)


@person_resource("Claim", PHARMACY)
def pharmacy_claims(block, ctx):
    yield from _pharmacy(block, ctx)
