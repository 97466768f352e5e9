"""DiagnosticReport (US Core laboratory) grouping each resulted lab panel's
Observations, and CarePlan (US Core) for a patient's chronic conditions.

A lab order resulted by as_of becomes one DiagnosticReport: its panel's LOINC,
the collection time as effective, the release time as issued, and a result
reference to each Observation of the order. A patient with any condition on
their problem list gets one active CarePlan (assess-plan) addressing those
conditions, with their medication orders as activities; its narrative lists
both (US Core asks for generated text).
"""

from __future__ import annotations

from html import escape

from healthsim.formats.fhir.clinical import LOINC, instant
from healthsim.formats.fhir.common import US_CORE, concept, iso, rows
from healthsim.formats.fhir.registry import group, person_resource

V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
CAREPLAN_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/careplan-category"


@person_resource("DiagnosticReport", {"lab_orders": None, "observations": None})
def lab_reports(block, ctx):
    results = group(block["observations"], "order_id", iso=True)
    for o in rows(block["lab_orders"], iso=True):
        obs = [r for r in results.get(o["order_id"], []) if not ctx.after_as_of(r["issued_time"] or r["time"])]
        if not obs or ctx.after_as_of(o["resulted_time"]):
            continue
        pid = o["person_id"]
        yield pid, {"resourceType": "DiagnosticReport", "id": ctx.rid("lab_orders", o["order_id"]),
                    "meta": {"profile": [f"{US_CORE}/us-core-diagnosticreport-lab"]}, "status": "final",
                    "category": [concept(V2_0074, "LAB", "Laboratory")],
                    "code": concept(LOINC, o["loinc"], o["display"]),
                    "subject": ctx.ref("Patient", "persons", pid),
                    "encounter": ctx.ref("Encounter", "encounters", o["encounter_id"]),
                    "effectiveDateTime": instant(o["collected_time"]), "issued": instant(o["resulted_time"]),
                    "result": [ctx.ref("Observation", "observations", r["observation_id"]) for r in obs]}


@person_resource("CarePlan", {"conditions": None}, optional={"medication_orders": None})
def care_plans(block, ctx):
    meds = group(block["medication_orders"], iso=True) if "medication_orders" in block.tables else {}
    for pid, conds in group(block["conditions"], iso=True).items():
        conds = [c for c in conds if not ctx.after_as_of(iso(c["onset_date"]))]
        if not conds:
            continue
        orders = [m for m in meds.get(pid, []) if not ctx.after_as_of(m["authored_time"])]
        start = min((iso(c["onset_date"]) for c in conds if c["onset_date"] is not None), default=None)
        items = "".join(f"<li>{escape(c['description'] or c['code'])} ({escape(c['code'])})</li>" for c in conds)
        drugs = "".join(f"<li>{escape(m['drug_name'] or m['rxnorm'])}</li>" for m in orders)
        text = (f'<div xmlns="http://www.w3.org/1999/xhtml"><p>Chronic condition management</p><ul>{items}</ul>'
                + (f"<p>Medications</p><ul>{drugs}</ul>" if drugs else "") + "</div>")
        res = {"resourceType": "CarePlan", "id": ctx.rid("careplans", pid),
               "meta": {"profile": [f"{US_CORE}/us-core-careplan"]},
               "text": {"status": "generated", "div": text}, "status": "active", "intent": "plan",
               "category": [concept(CAREPLAN_CATEGORY, "assess-plan", "Assessment and Plan of Treatment")],
               "title": "Chronic condition management", "subject": ctx.ref("Patient", "persons", pid),
               "addresses": [ctx.ref("Condition", "conditions", pid, c["code"]) for c in conds]}
        if start:
            res["period"] = {"start": start}
        if orders:
            res["activity"] = [{"reference": ctx.ref("MedicationRequest", "medication_orders", m["order_id"])}
                               for m in orders]
        yield pid, res
