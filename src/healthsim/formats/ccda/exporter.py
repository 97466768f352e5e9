"""The C-CDA exporter: one CCD per patient, `ccda/<first>-<last>/patient-<person_id>.xml`.

Reads person blocks of the clinical tables (whichever the cohort has) plus the
derived immunizations and allergies (formats/derived), so a CCD exists for
every person, with the sections its data allows. Events after as_of (results
released later) are left out, as in FHIR.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time
from pathlib import Path

from healthsim.formats.base import CohortSource, register
from healthsim.formats.ccda import document as D
from healthsim.formats.derived.allergies import allergies
from healthsim.formats.derived.immunizations import doses
from healthsim.formats.fhir.common import FhirContext, rows
from healthsim.spec.vocab import ETHNICITIES, RACES

TABLES = {"persons": None, "identities": None, "conditions": None, "medication_orders": None,
          "encounters": None, "diagnoses": None, "lab_orders": None, "observations": None, "procedures": None,
          "deaths": None, "pcp_attributions": None, "enrollments": None}


def _group(block, name: str, key: str = "person_id") -> dict:
    out: dict = defaultdict(list)
    if name in block.tables:
        for r in rows(block[name]):
            out[r[key]].append(r)
    return out


@register
class CcdaExporter:
    name = "ccda"
    description = "HL7 C-CDA R2.1 Continuity of Care Document (CCD), one XML file per patient"
    requires = ("persons",)

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        info = source.info
        fhir_ctx = FhirContext(info)
        cutoff = datetime.combine(info.as_of, time(23, 59, 59))
        ctx = D.DocumentContext(fhir_ctx, info.as_of, info.stamp)
        providers = ({p["provider_id"]: p for p in rows(source.static("providers"))}
                     if source.has("providers") else {})
        counts: dict[str, int] = defaultdict(int)
        for block in source.person_blocks(TABLES, min(source.block_persons, 2_000)):
            folder = out / "ccda" / f"{block.lo:08d}-{block.hi:08d}"
            folder.mkdir(parents=True)
            ids = {r["person_id"]: r["identifier"] for r in rows(block["identities"])
                   if r["product"] == "patientsim"} if "identities" in block.tables else {}
            pcp = {r["person_id"]: r["provider_id"] for r in rows(block["pcp_attributions"])} \
                if "pcp_attributions" in block.tables else {}
            died = {r["person_id"]: r["death_date"] for r in rows(block["deaths"])} if "deaths" in block.tables else {}
            conds, meds = _group(block, "conditions"), _group(block, "medication_orders")
            visits, procs = _group(block, "encounters"), _group(block, "procedures")
            spans = _group(block, "enrollments")
            dx = _group(block, "diagnoses", "encounter_id")
            orders = _group(block, "lab_orders")
            by_order: dict = defaultdict(list)
            vitals: dict = defaultdict(lambda: defaultdict(list))
            if "observations" in block.tables:
                for o in rows(block["observations"]):
                    if (o["issued_time"] or o["time"]) > cutoff:
                        continue
                    if o["order_id"] is not None:
                        by_order[o["order_id"]].append(o)
                    elif o["category"] == "vital-signs" and o["value"] is not None:
                        vitals[o["person_id"]][o["time"]].append(o)
            for p in rows(block["persons"]):
                pid = p["person_id"]
                race, eth = RACES.get(p["race"]), ETHNICITIES.get(p["ethnicity"])
                person = {**p, "race_code": race if p["race"] != "two_or_more" else None, "ethnicity_code": eth}
                visit_list = [e for e in visits.get(pid, []) if e["start_time"] <= cutoff]
                starts = [e["start_time"] for e in visit_list]
                period = (min(starts).date() if starts else p["birth_date"], info.as_of)
                head = D.header(ctx, person, ids.get(pid), providers.get(pcp.get(pid)), period)
                lab_orders = [o for o in orders.get(pid, []) if o["resulted_time"] <= cutoff]
                parts = {
                    "allergies": D.allergies(ctx, pid, allergies(fhir_ctx.key, pid, p["birth_date"], info.as_of)),
                    "medications": D.medications(ctx, pid, [m for m in meds.get(pid, [])
                                                            if m["authored_time"] <= cutoff]),
                    "problems": D.problems(ctx, pid, conds.get(pid, [])),
                    "results": D.results(ctx, pid, lab_orders, by_order),
                    "vital_signs": D.vital_signs(ctx, pid, sorted(vitals.get(pid, {}).items())),
                    "social_history": D.social_history(ctx, pid, p["sex"]),
                    "encounters": D.encounters(ctx, pid, visit_list, dx),
                    "immunizations": D.immunizations(ctx, pid, doses(fhir_ctx.key, pid, p["birth_date"], info.as_of,
                                                                     died.get(pid))),
                    "procedures": D.procedures(ctx, pid, procs.get(pid, [])),
                    "payers": D.payers(ctx, pid, [e for e in spans.get(pid, []) if e["start_date"] <= info.as_of],
                                       info.as_of),
                }
                xml = D.document(ctx, head, parts)
                (folder / f"patient-{pid:08d}.xml").write_bytes(xml.encode("utf-8"))
                counts["documents"] += 1
                for key, (_, entries) in parts.items():
                    counts[key] += len(entries)
            del block
        return dict(counts)
