"""PatientSim as FHIR: Encounter, encounter-diagnosis Condition, Procedure,
Observation (labs, vitals, surveys) and MedicationRequest.

Canonical times are local clock times without a zone; FHIR needs a zone on
a dateTime with a time, so they are written as UTC ("Z"), consistently in
every resource and in HL7 v2. Encounters refer to their Practitioner and
Location when NetworkSim has assigned them.
"""

from __future__ import annotations

from healthsim.formats.fhir.common import ICD10CM, US_CORE, coding, concept, iso, rows
from healthsim.formats.fhir.registry import group, person_resource

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CLASS_DISPLAY = {"AMB": "ambulatory", "EMER": "emergency", "IMP": "inpatient encounter",
                 "OBSENC": "observation encounter", "VR": "virtual", "HH": "home health"}
CPT = "http://www.ama-assn.org/go/cpt"
CODE_SYSTEMS = {"CPT": CPT, "HCPCS": "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
                "ICD-10-PCS": "http://www.cms.gov/Medicare/Coding/ICD10"}
LOINC, UCUM = "http://loinc.org", "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
DISPOSITION = "http://www.nubc.org/patient-discharge"
DX_ROLE = "http://terminology.hl7.org/CodeSystem/diagnosis-role"
CLINICAL = concept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active")
VERIFIED = concept("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed")
ENCOUNTER_DX = concept("http://terminology.hl7.org/CodeSystem/condition-category", "encounter-diagnosis",
                       "Encounter Diagnosis")


def instant(ts) -> str | None:
    """A timestamp as FHIR dateTime; rows(..., iso=True) already gives the string."""
    return ts if ts is None or isinstance(ts, str) else ts.strftime("%Y-%m-%dT%H:%M:%SZ")


@person_resource("Encounter", {"encounters": None}, optional={"diagnoses": None})
def encounters(block, ctx):
    dx = group(block["diagnoses"], "encounter_id") if "diagnoses" in block.tables else {}
    for e in rows(block["encounters"], iso=True):
        pid, eid = e["person_id"], e["encounter_id"]
        cls = e["encounter_class"] or "AMB"
        res = {"resourceType": "Encounter", "id": ctx.rid("encounters", eid),
               "meta": {"profile": [f"{US_CORE}/us-core-encounter"]},
               "identifier": [{"system": "https://healthsim.example.org/sid/encounter", "value": str(eid)}],
               "status": e["status"] or "finished", "class": coding(ACT_CODE, cls, CLASS_DISPLAY.get(cls)),
               "type": [concept(CPT, e["em_code"], text=e["type"]) if e["em_code"] else {"text": e["type"]}],
               "subject": ctx.ref("Patient", "persons", pid),
               "period": {"start": instant(e["start_time"]), "end": instant(e["end_time"])}}
        if e["provider_id"] is not None:
            res["participant"] = [{"individual": ctx.shared_ref("Practitioner", "providers", e["provider_id"])}]
        if e["reason_code"]:
            res["reasonCode"] = [concept(ICD10CM, e["reason_code"])]
        if eid in dx:
            res["diagnosis"] = [{"condition": ctx.ref("Condition", "diagnoses", eid, d["rank"]), "rank": d["rank"],
                                 "use": concept(DX_ROLE, "billing", "Billing")} for d in dx[eid]]
        if e["discharge_disposition"]:
            res["hospitalization"] = {"dischargeDisposition": concept(DISPOSITION, e["discharge_disposition"])}
        if e["facility_id"] is not None:
            res["location"] = [{"location": ctx.shared_ref("Location", "facilities-location", e["facility_id"])}]
        yield pid, res


@person_resource("Condition", {"diagnoses": None})
def encounter_diagnoses(block, ctx):
    for d in rows(block["diagnoses"], iso=True):
        pid, eid = d["person_id"], d["encounter_id"]
        res = {"resourceType": "Condition", "id": ctx.rid("diagnoses", eid, d["rank"]),
               "meta": {"profile": [f"{US_CORE}/us-core-condition-encounter-diagnosis"]},
               "clinicalStatus": CLINICAL, "verificationStatus": VERIFIED, "category": [ENCOUNTER_DX],
               "code": concept(ICD10CM, d["code"], d["description"]),
               "subject": ctx.ref("Patient", "persons", pid), "encounter": ctx.ref("Encounter", "encounters", eid)}
        if d["diagnosis_date"] is not None:
            res["recordedDate"] = iso(d["diagnosis_date"])
        yield pid, res


@person_resource("Procedure", {"procedures": None})
def procedures(block, ctx):
    for p in rows(block["procedures"], iso=True):
        pid = p["person_id"]
        system = CODE_SYSTEMS.get(p["code_system"], CPT)
        yield pid, {"resourceType": "Procedure", "id": ctx.rid("procedures", p["procedure_id"]),
                    "meta": {"profile": [f"{US_CORE}/us-core-procedure"]}, "status": "completed",
                    "code": concept(system, p["code"], p["description"]),
                    "subject": ctx.ref("Patient", "persons", pid),
                    "encounter": ctx.ref("Encounter", "encounters", p["encounter_id"]),
                    "performedDateTime": iso(p["date"])}


def _value(o: dict) -> dict:
    if o["value"] is not None:
        q = {"value": o["value"]}
        if o["unit"]:
            q.update(unit=o["unit"], system=UCUM, code=o["unit"])
        return {"valueQuantity": q}
    return {"valueString": o["value_text"]} if o["value_text"] else {"dataAbsentReason": concept(
        "http://terminology.hl7.org/CodeSystem/data-absent-reason", "unknown", "Unknown")}


def _range(o: dict) -> list[dict]:
    rng = {}
    for key, col in (("low", "ref_low"), ("high", "ref_high")):
        if o[col] is not None:
            rng[key] = {"value": o[col], **({"unit": o["unit"], "system": UCUM, "code": o["unit"]} if o["unit"] else {})}
    return [rng] if rng else []


OBSERVATION_META = {True: {"profile": [f"{US_CORE}/us-core-observation-lab"]},
                    False: {"profile": [f"{US_CORE}/us-core-vital-signs"]}}


@person_resource("Observation", {"observations": None})
def observations(block, ctx):
    for o in rows(block["observations"], iso=True):
        if ctx.after_as_of(o["issued_time"] or o["time"]):
            continue  # not released by as_of
        pid = o["person_id"]
        category = o["category"] or "laboratory"
        res = {"resourceType": "Observation", "id": ctx.rid("observations", o["observation_id"]),
               "meta": OBSERVATION_META[category == "laboratory"], "status": "final",
               "category": [concept(OBS_CATEGORY, category)], "code": concept(LOINC, o["loinc"], o["display"]),
               "subject": ctx.ref("Patient", "persons", pid),
               "encounter": ctx.ref("Encounter", "encounters", o["encounter_id"]),
               "effectiveDateTime": instant(o["time"]), **_value(o)}
        if o["issued_time"] is not None:
            res["issued"] = instant(o["issued_time"])
        if o["abnormal_flag"]:
            res["interpretation"] = [concept(INTERPRETATION, o["abnormal_flag"])]
        ref_range = _range(o)
        if ref_range:
            res["referenceRange"] = ref_range
        yield pid, res


@person_resource("MedicationRequest", {"medication_orders": None})
def medication_requests(block, ctx):
    for m in rows(block["medication_orders"], iso=True):
        pid = m["person_id"]
        dose = {"text": m["sig"]} if m["sig"] else {}
        if m["dose"] is not None:
            dose["doseAndRate"] = [{"doseQuantity": {"value": m["dose"], "unit": m["dose_unit"],
                                                     "system": UCUM, "code": m["dose_unit"]}}]
        if m["route"]:
            dose["route"] = {"text": m["route"]}
        dispense = {"numberOfRepeatsAllowed": m["refills"],
                    "expectedSupplyDuration": {"value": m["days_supply"], "unit": "days", "system": UCUM, "code": "d"}}
        if m["quantity"] is not None:
            dispense["quantity"] = {"value": m["quantity"], "unit": m["quantity_unit"]}
        res = {"resourceType": "MedicationRequest", "id": ctx.rid("medication_orders", m["order_id"]),
               "meta": {"profile": [f"{US_CORE}/us-core-medicationrequest"]},
               "status": m["status"] or "active", "intent": "order",
               "medicationCodeableConcept": concept(RXNORM, m["rxnorm"], m["drug_name"]) if m["rxnorm"]
               else {"text": m["drug_name"]},  # a trial's investigational product: no RxNorm concept
               "subject": ctx.ref("Patient", "persons", pid), "authoredOn": instant(m["authored_time"]),
               "dosageInstruction": [dose], "dispenseRequest": dispense}
        if m["encounter_id"] is not None:
            res["encounter"] = ctx.ref("Encounter", "encounters", m["encounter_id"])
        yield pid, res
