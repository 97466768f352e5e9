"""Encounter feeds: ADT^A01 (admit/visit) and ADT^A03 (discharge/end visit)
for every encounter, and ORU^R01 for every resulted lab order.

PV1 carries the patient class, admission type, attending NPI (when
NetworkSim assigned one), visit number, discharge disposition and the
admit/discharge times; ORU has ORC/OBR per order and an OBX per result with
LOINC, UCUM units, reference range and the HL7 table 0078 abnormal flag.
"""

from __future__ import annotations

from healthsim.formats.fhir.common import rows
from healthsim.formats.hl7v2.adt import pid_segment
from healthsim.formats.hl7v2.er7 import comp, esc, message, msh, segment, ts
from healthsim.formats.hl7v2.registry import hl7_messages

ADMISSION_TYPE = {"emergency": "E", "urgent": "U", "elective": "C", "labor": "L"}


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


@hl7_messages("adt_a01", "adt_a03", tables={"persons": None, "encounters": None},
              optional={"identities": None, "diagnoses": None})
def visit_messages(block, ctx):
    persons = {p["person_id"]: p for p in rows(block["persons"])}
    ids = _by(block["identities"], "person_id") if "identities" in block.tables else {}
    dx = _by(block["diagnoses"], "encounter_id") if "diagnoses" in block.tables else {}
    npis = ctx.provider_npis
    for e in rows(block["encounters"]):
        pid, eid = e["person_id"], e["encounter_id"]
        pid_seg = pid_segment(persons[pid], ids.get(pid, []))
        dg1 = [segment("DG1", {1: str(d["rank"]), 3: comp(d["code"], d["description"], "I10C"),
                               5: ts(e["start_time"]), 6: "F" if d["rank"] == 1 else "W"})
               for d in dx.get(eid, [])]
        for event, key, when, discharge in (("A01", "adt_a01", e["start_time"], False),
                                            ("A03", "adt_a03", e["end_time"], True)):
            yield key, message([msh(ctx.info.stamp, "ADT", event, "ADT_A01" if event == "A01" else "ADT_A03",
                                    ctx.control_id(event, eid, 0)),
                                segment("EVN", {2: ts(when)}), pid_seg, pv1_segment(e, npis, discharge), *dg1])


@hl7_messages("oru_r01", tables={"persons": None, "lab_orders": None, "observations": None},
              optional={"identities": None})
def lab_results(block, ctx):
    persons = {p["person_id"]: p for p in rows(block["persons"])}
    ids = _by(block["identities"], "person_id") if "identities" in block.tables else {}
    results = _by(block["observations"], "order_id")
    for o in rows(block["lab_orders"]):
        obs = results.get(o["order_id"], [])
        if not obs:
            continue
        pid = o["person_id"]
        segs = [msh(ctx.info.stamp, "ORU", "R01", "ORU_R01", ctx.control_id("ORU", o["order_id"], 0)),
                pid_segment(persons[pid], ids.get(pid, [])),
                segment("PV1", {1: "1", 2: "O", 19: esc(o["encounter_id"])}),
                segment("ORC", {1: "RE", 2: esc(o["order_id"]), 3: esc(o["order_id"]), 9: ts(o["ordered_time"])}),
                segment("OBR", {1: "1", 2: esc(o["order_id"]), 3: esc(o["order_id"]),
                                4: comp(o["loinc"], o["display"], "LN"), 7: ts(o["collected_time"]),
                                22: ts(o["resulted_time"]), 25: "F"})]
        segs += [obx_segment(i, r) for i, r in enumerate(obs, start=1)]
        yield "oru_r01", message(segs)


def obx_segment(i: int, r: dict) -> str:
    numeric = r["value"] is not None
    value = f"{r['value']:g}" if numeric else esc(r["value_text"])
    low, high = r["ref_low"], r["ref_high"]
    ref = f"{low:g}-{high:g}" if low is not None and high is not None else (
        f">{low:g}" if low is not None else (f"<{high:g}" if high is not None else ""))
    return segment("OBX", {1: str(i), 2: "NM" if numeric else "ST", 3: comp(r["loinc"], r["display"], "LN"),
                           5: value, 6: comp(r["unit"], r["unit"], "UCUM") if r["unit"] else "", 7: esc(ref),
                           8: esc(r["abnormal_flag"]), 11: "F", 14: ts(r["time"])})
