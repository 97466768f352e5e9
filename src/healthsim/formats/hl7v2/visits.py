"""Visit and lab feeds: ADT for every encounter, ORM^O01 for every lab order, ORU^R01
for every result released by as_of.

HL7 v2.5 reserves A01 for admissions: an inpatient stay (encounter class IMP)
is admitted (A01), updated once coded with its final diagnoses (A08, at
discharge) and discharged (A03); every other visit (office, telehealth, ED,
observation, outpatient surgery, lab, home) is registered (A04) and ended
(A03). A01/A04 carry the reason for the visit as the admitting or working
diagnosis (DG1-6 A / W); A03 and A08 the coded diagnoses (F final). Orders
are sent when written (ORC-1 NW), results when released (ORC-1 RE, OBR-22 the
release time).

Nothing happening after the cohort's as_of day is sent: a stay still open on
as_of has no A03, an order resulted later has its ORM but no ORU.

PV1 carries the patient class, admission type, attending NPI (when NetworkSim
assigned one), visit number, discharge disposition and the admit/discharge
times; OBX the result with LOINC, UCUM units, reference range and the HL7
table 0078 abnormal flag.
"""

from __future__ import annotations

from healthsim.formats.fhir.common import rows
from healthsim.formats.hl7v2.adt import pid_segment
from healthsim.formats.hl7v2.er7 import comp, esc, segment, ts
from healthsim.formats.hl7v2.registry import Hl7Message, hl7_messages

ADMISSION_TYPE = {"emergency": "E", "urgent": "U", "elective": "C", "labor": "L"}
INPATIENT_CLASSES = {"IMP"}


def _by(table, key):
    out: dict = {}
    for r in rows(table):
        out.setdefault(r[key], []).append(r)
    return out


def pv1_segment(e: dict, npis: dict, discharge: bool) -> str:
    npi = npis.get(str(e["provider_id"])) if e["provider_id"] is not None else None
    fields = {1: "1", 2: esc(e["patient_class"] or "O"), 4: ADMISSION_TYPE.get(e["admission_type"] or "", ""),
              7: comp(npi) if npi else "", 19: esc(e["encounter_id"]), 44: ts(e["start_time"])}
    if discharge:
        fields[36] = esc(e["discharge_disposition"])
        fields[45] = ts(e["end_time"])
    return segment("PV1", fields)


def admitted(e: dict) -> bool:
    return (e.get("encounter_class") or "") in INPATIENT_CLASSES or e.get("patient_class") == "I"


@hl7_messages("adt_a04", "adt_a01", "adt_a08", "adt_a03", tables={"persons": None, "encounters": None},
              optional={"identities": None, "diagnoses": None})
def visit_messages(block, ctx):
    persons = {p["person_id"]: p for p in rows(block["persons"])}
    ids = _by(block["identities"], "person_id") if "identities" in block.tables else {}
    dx = _by(block["diagnoses"], "encounter_id") if "diagnoses" in block.tables else {}
    npis, cutoff = ctx.provider_npis, ctx.cutoff
    for e in rows(block["encounters"]):
        pid, eid = e["person_id"], e["encounter_id"]
        if e["start_time"] > cutoff:
            continue
        pid_seg = pid_segment(persons[pid], ids.get(pid, []))
        final = [segment("DG1", {1: str(d["rank"]), 3: comp(d["code"], d["description"], "I10C"),
                                 5: ts(e["start_time"]), 6: "F"}) for d in dx.get(eid, [])]
        working = [segment("DG1", {1: "1", 3: comp(e["reason_code"], "", "I10C"), 5: ts(e["start_time"]),
                                   6: "A" if admitted(e) else "W"})] if e["reason_code"] else []
        start = ("A01", "ADT_A01") if admitted(e) else ("A04", "ADT_A01")
        events = [(start, e["start_time"], False, working)]
        if e["end_time"] <= cutoff:
            if admitted(e):
                events.append((("A08", "ADT_A01"), e["end_time"], True, final))
            events.append((("A03", "ADT_A03"), e["end_time"], True, final))
        for n, ((event, structure), when, discharge, dg1) in enumerate(events):
            segs = [segment("EVN", {1: event, 2: ts(when), 6: ts(when)}), pid_seg,
                    pv1_segment(e, npis, discharge), *dg1]
            yield Hl7Message(f"adt_{event.lower()}", when, ctx.control_id(event, eid, n), "ADT", event,
                             structure, segs)


def _obr(o: dict, resulted: bool) -> str:
    fields = {1: "1", 2: esc(o["order_id"]), 4: comp(o["loinc"], o["display"], "LN"), 6: ts(o["ordered_time"])}
    if resulted:
        fields.update({3: esc(o["order_id"]), 7: ts(o["collected_time"]), 22: ts(o["resulted_time"]), 25: "F"})
    return segment("OBR", fields)


@hl7_messages("orm_o01", "oru_r01", tables={"persons": None, "lab_orders": None},
              optional={"identities": None, "observations": None})
def lab_messages(block, ctx):
    persons = {p["person_id"]: p for p in rows(block["persons"])}
    ids = _by(block["identities"], "person_id") if "identities" in block.tables else {}
    results = _by(block["observations"], "order_id") if "observations" in block.tables else {}
    cutoff = ctx.cutoff
    for o in rows(block["lab_orders"]):
        if o["ordered_time"] > cutoff:
            continue
        pid = o["person_id"]
        head = [pid_segment(persons[pid], ids.get(pid, [])),
                segment("PV1", {1: "1", 2: "O", 19: esc(o["encounter_id"])})]
        yield Hl7Message("orm_o01", o["ordered_time"], ctx.control_id("ORM", o["order_id"], 0), "ORM", "O01",
                         "ORM_O01", [*head, segment("ORC", {1: "NW", 2: esc(o["order_id"]),
                                                            9: ts(o["ordered_time"])}), _obr(o, False)])
        obs = results.get(o["order_id"], [])
        if not obs or o["resulted_time"] > cutoff:
            continue
        segs = [*head, segment("ORC", {1: "RE", 2: esc(o["order_id"]), 3: esc(o["order_id"]),
                                       9: ts(o["resulted_time"])}), _obr(o, True)]
        segs += [obx_segment(i, r) for i, r in enumerate(obs, start=1)]
        yield Hl7Message("oru_r01", o["resulted_time"], ctx.control_id("ORU", o["order_id"], 0), "ORU", "R01",
                         "ORU_R01", segs)


def obx_segment(i: int, r: dict) -> str:
    numeric = r["value"] is not None
    value = f"{r['value']:g}" if numeric else esc(r["value_text"])
    low, high = r["ref_low"], r["ref_high"]
    ref = f"{low:g}-{high:g}" if low is not None and high is not None else (
        f">{low:g}" if low is not None else (f"<{high:g}" if high is not None else ""))
    return segment("OBX", {1: str(i), 2: "NM" if numeric else "ST", 3: comp(r["loinc"], r["display"], "LN"),
                           5: value, 6: comp(r["unit"], r["unit"], "UCUM") if r["unit"] else "", 7: esc(ref),
                           8: esc(r["abnormal_flag"]), 11: "F", 14: ts(r["time"])})
