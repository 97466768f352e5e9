"""A few members of a spec, generated in memory and shown as readable records.

`preview(spec, n)` compiles the spec as for a real run, makes the first block
for `n` members with the engine's `run_block` (the same code path, seed and
steps as `generate`: journeys, network, claims), and turns the canonical
tables into one plain record per member: demographics, coverage, conditions
with onset, a timeline of encounters with their diagnoses, procedures, lab
results and prescriptions, and claims with their amounts. Nothing is written:
no store, no files. The CLI prints the records (`healthsim preview`) and the
MCP server returns them as JSON (`preview_entities`), trimmed so a reply stays
small.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

MAX_PREVIEW = 20
"""More members than this is a cohort, not a preview: generate it."""


@dataclass
class Preview:
    name: str
    seed: int
    requested: int
    members: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self, max_items: int | None = 10) -> dict[str, Any]:
        """JSON-safe, each member's lists cut to `max_items` (with how many were left out)."""
        return {"name": self.name, "seed": self.seed, "members_shown": len(self.members),
                "cohort_count": self.requested, "notes": self.notes,
                "members": [_trimmed(m, max_items) for m in self.members]}


def preview(spec: Any, n: int = 3) -> Preview:
    """The first `n` members of a RequestSpec or ProfileSpec, generated in memory."""
    from healthsim.api import build_run
    from healthsim.engine.run import run_block, static_tables
    from healthsim.errors import FieldProblem, SpecError

    profile = getattr(spec, "profile", spec)
    if n < 1:
        raise SpecError([FieldProblem("n", "must be at least 1", n)])
    shown = min(n, MAX_PREVIEW, profile.count)
    notes = []
    if n > MAX_PREVIEW:
        notes.append(f"a preview shows at most {MAX_PREVIEW} members; generate the cohort for more")
    small = profile.model_copy(update={"count": shown})
    if not small.journeys and _installed("annual-care"):
        from healthsim.spec.journey import JourneyAttachment

        small = small.model_copy(update={"journeys": [JourneyAttachment(template="annual-care")]})
        notes.append("the spec has no journeys: the preview adds a year of ordinary care (annual-care) so the "
                     "record shows visits, labs, prescriptions and claims; generating uses the spec as it is")
    run = build_run(small)
    static = static_tables(run)
    tables, _ = run_block(run, 0, 0, shown)
    out = Preview(name=profile.profile_name, seed=profile.seed, requested=profile.count, notes=notes)
    out.members = records(tables, static)
    return out


def _installed(template: str) -> bool:
    from healthsim.templates import list_templates

    return any(t.name == template for t in list_templates("journey"))


def _rows(t: pa.Table | None) -> list[dict]:
    return t.to_pylist() if t is not None and t.num_rows else []


def _by_person(t: pa.Table | None) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for r in _rows(t):
        out.setdefault(r["person_id"], []).append(r)
    return out


def _by(t: pa.Table | None, key: str) -> dict[Any, list[dict]]:
    out: dict[Any, list[dict]] = {}
    for r in _rows(t):
        out.setdefault(r.get(key), []).append(r)
    return out


def records(tables: dict[str, pa.Table], static: dict[str, pa.Table]) -> list[dict[str, Any]]:
    """One readable record per person of a block's canonical tables."""
    persons = _rows(tables.get("persons"))
    conditions = _by_person(tables.get("conditions"))
    enrollments = _by_person(tables.get("enrollments"))
    attributes = _by_person(tables.get("person_attributes"))
    encounters = _by_person(tables.get("encounters"))
    diagnoses = _by(tables.get("diagnoses"), "encounter_id")
    procedures = _by(tables.get("procedures"), "encounter_id")
    observations = _by(tables.get("observations"), "encounter_id")
    meds = _by(tables.get("medication_orders"), "encounter_id")
    meds_by_person = _by_person(tables.get("medication_orders"))
    claims = _by_person(tables.get("claims"))
    fills = _by_person(tables.get("pharmacy_claims"))
    deaths = {r["person_id"]: r for r in _rows(tables.get("deaths"))}
    plans = {r["plan_id"]: r for r in _rows(static.get("plans"))}
    providers = {r["provider_id"]: r for r in _rows(static.get("providers"))}
    facilities = {r["facility_id"]: r for r in _rows(static.get("facilities"))}
    out = []
    for p in persons:
        pid = p["person_id"]
        spans = enrollments.get(pid, [])
        record: dict[str, Any] = {
            "person_id": pid,
            "name": f"{p.get('first_name', '')} {p.get('last_name', '')}".strip(),
            "sex": p.get("sex"), "age": _num(p.get("age")), "birth_date": _iso(p.get("birth_date")),
            "race": p.get("race"), "ethnicity": p.get("ethnicity"),
            "address": ", ".join(str(x) for x in (p.get("address_line"), p.get("city"),
                                                  f"{p.get('state', '')} {p.get('zip', '')}".strip()) if x),
            "phone": p.get("phone"),
            "member_id": spans[0]["member_id"] if spans else None,
            "attributes": {a["attribute"]: a.get("value_text") if a.get("value_text") is not None else
                           _num(a.get("value_num")) for a in attributes.get(pid, [])},
            "coverage": [{"type": s.get("coverage_type"), "plan": (plans.get(s.get("plan_id")) or {}).get(
                "plan_name") or s.get("plan"), "start": _iso(s.get("start_date")), "end": _iso(s.get("end_date"))}
                for s in spans],
            "conditions": [{"code": c["code"], "description": c.get("description"),
                            "onset": _iso(c.get("onset_date"))} for c in conditions.get(pid, [])],
        }
        visits = sorted(encounters.get(pid, []), key=lambda e: str(e.get("start_time")))
        record["encounters"] = [_encounter(e, diagnoses, procedures, observations, meds, providers, facilities)
                                for e in visits]
        orders = [m for m in meds_by_person.get(pid, []) if m.get("encounter_id") is None]
        record["prescriptions"] = [_order(m) for m in sorted(orders, key=lambda m: str(m.get("start_date")))]
        record["claims"] = [_claim(c) for c in sorted(claims.get(pid, []), key=lambda c: str(c.get("service_from")))]
        record["pharmacy_claims"] = [_fill(f) for f in sorted(fills.get(pid, []), key=lambda f: str(f.get("fill_date")))]
        if pid in deaths:
            record["death"] = {"date": _iso(deaths[pid].get("death_date")), "cause": deaths[pid].get("cause_code")}
        record["totals"] = _totals(record)
        out.append(record)
    return out


def _encounter(e: dict, diagnoses, procedures, observations, meds, providers, facilities) -> dict:
    eid = e["encounter_id"]
    prov = providers.get(e.get("provider_id")) or {}
    fac = facilities.get(e.get("facility_id")) or {}
    out = {
        "date": _iso(e.get("admit_date") or e.get("start_time")), "type": e.get("type"),
        "specialty": e.get("specialty"), "em_code": e.get("em_code"),
        "provider": " ".join(str(x) for x in (prov.get("first_name"), prov.get("last_name"), prov.get("credential"))
                             if x) or None,
        "facility": fac.get("name"), "journey": e.get("journey"),
        "diagnoses": [d["code"] for d in sorted(diagnoses.get(eid, []), key=lambda d: d.get("rank") or 0)],
        "procedures": [p["code"] for p in procedures.get(eid, [])],
        "labs": [_result(o) for o in observations.get(eid, []) if o.get("category") != "vital-signs"],
        "vitals": [_result(o) for o in observations.get(eid, []) if o.get("category") == "vital-signs"],
        "prescriptions": [_order(m) for m in meds.get(eid, [])],
    }
    if e.get("length_of_stay"):
        out["length_of_stay"] = e["length_of_stay"]
        out["discharge"] = _iso(e.get("discharge_date"))
    return {k: v for k, v in out.items() if v not in (None, [], "")}


def _order(m: dict) -> dict:
    out = {"date": _iso(m.get("start_date") or m.get("authored_time")), "drug": m.get("drug_name"),
           "sig": m.get("sig"), "days_supply": m.get("days_supply"), "refills": m.get("refills")}
    return {k: v for k, v in out.items() if v not in (None, "")}


def _result(o: dict) -> str:
    """'a1c 8.1 % H': the observation's short name, value, unit and abnormal flag."""
    name = _short_names().get(o.get("loinc")) or str(o.get("display") or "").split(" [")[0]
    value = _num(o.get("value")) if o.get("value") is not None else o.get("value_text")
    unit = o.get("unit") or ""
    unit = "" if unit in ("1", "{score}") else unit
    flag = o.get("abnormal_flag") if o.get("abnormal_flag") not in (None, "N") else ""
    return " ".join(str(x) for x in (name, value, unit, flag) if x not in (None, ""))


_SHORT: dict[str, str] = {}


def _short_names() -> dict[str, str]:
    if not _SHORT:
        from healthsim.reference.clinical import observables

        _SHORT.update({o.loinc: o.key for o in observables().values()})
    return _SHORT


def _claim(c: dict) -> dict:
    out = {"date": _iso(c.get("service_from")), "type": c.get("claim_type"), "status": c.get("status"),
           "billed": _money(c.get("billed")), "allowed": _money(c.get("allowed")), "paid": _money(c.get("paid")),
           "member_paid": _money(c.get("member_liability")), "drg": c.get("drg"),
           "denial": c.get("denial_reason")}
    return {k: v for k, v in out.items() if v not in (None, "")}


def _fill(f: dict) -> dict:
    out = {"date": _iso(f.get("fill_date")), "drug": f.get("drug_name"), "days_supply": f.get("days_supply"),
           "plan_paid": _money(f.get("plan_paid")), "copay": _money(f.get("copay")), "status": f.get("status")}
    return {k: v for k, v in out.items() if v not in (None, "")}


def _totals(record: dict) -> dict:
    claims, fills = record["claims"], record["pharmacy_claims"]
    return {"encounters": len(record["encounters"]), "medical_claims": len(claims),
            "billed": round(sum(c.get("billed", 0) for c in claims), 2),
            "allowed": round(sum(c.get("allowed", 0) for c in claims), 2),
            "paid": round(sum(c.get("paid", 0) for c in claims), 2),
            "pharmacy_fills": len(fills), "pharmacy_paid": round(sum(f.get("plan_paid", 0) for f in fills), 2)}


def _trimmed(member: dict, max_items: int | None) -> dict:
    if max_items is None:
        return member
    out = dict(member)
    for key in ("encounters", "claims", "pharmacy_claims", "conditions", "prescriptions"):
        items = member.get(key) or []
        if len(items) > max_items:
            out[key] = items[:max_items]
            out[f"{key}_not_shown"] = len(items) - max_items
    return out


def _iso(value: object) -> str | None:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return None if value is None else str(value)


def _num(value: object) -> float | int | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return int(f) if f.is_integer() else round(f, 2)


def _money(value: object) -> float | None:
    if value is None:
        return None
    try:
        return round(float(value), 2)
    except (TypeError, ValueError):
        return None
