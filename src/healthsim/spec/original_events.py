"""Typed events of the original journey documents -> HealthSim journey events.

`encounter`, `prescription`, `referral`, `observation`, `procedure`, `admission`
+ `discharge` (the journey builder), and the outreach / engagement /
administrative events of the template documents, with their `details`. A detail
HealthSim cannot represent is dropped with a note; an event with nothing left is
dropped and events timed from it are re-anchored (original_journey.py).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from healthsim.spec.aliases import COMPARISON, _note, billable_code, day_of, drug_for, table

if TYPE_CHECKING:
    from healthsim.spec.original_journey import JourneyContext

def typed_event(e: dict, ctx: JourneyContext, where: str, out: list[dict],
                 pending: list) -> dict | None:
    kind = str(e.get("type", "encounter")).lower()
    details = dict(e.get("details") or {})
    from healthsim.spec.original_journey import timing_of

    timing = timing_of(e, ctx, where)
    base: dict = {}
    if timing:
        base["timing"] = timing
    if e.get("condition"):
        when = when_of(str(e["condition"]), ctx, where)
        if when:
            base["when"] = when
    if kind == "encounter":
        return {"id": ctx.new_id(details.get("visit_type") or details.get("purpose") or e.get("encounter_type")
                                 or "visit"), "type": "encounter", **base, **_encounter(e, details, ctx, where)}
    if kind == "prescription":
        drug = drug_for(details.get("medication", ""))
        if drug is None:
            _note(ctx.notes, f"{where}: medication {details.get('medication')!r} is not in the shipped RxNorm "
                  "subset; dropped")
            return None
        item: dict = {"drug": drug}
        dose = re.match(r"^\s*(\d+(?:\.\d+)?)", str(details.get("dose", "")))
        if dose:
            item["dose"] = float(dose.group(1))
        if details.get("frequency"):
            item["frequency"] = str(details["frequency"])
        if details.get("days_supply"):
            item["days_supply"] = int(details["days_supply"])
        if details.get("refill"):
            _note(ctx.notes, f"{where}: a refill is a renewal order of the same drug")
        return {"id": ctx.new_id(str(details.get("medication", "rx"))), "type": "medication", **base,
                "order": item}
    if kind == "referral":
        to = str(details.get("type") or details.get("to") or "primary_care")
        for extra in ("urgency", "purpose"):
            if extra in details:
                _note(ctx.notes, f"{where}: referral {extra} {details[extra]!r} dropped")
        return {"id": ctx.new_id(f"referral_{to}"), "type": "referral", **base, "referral": {"to": to}}
    if kind == "observation":
        tests = details.get("tests") or details.get("orders") or []
        labs = [table()["labs"][t] for t in tests if t in table()["labs"]]
        procs = [table()["test_procedures"][t] for t in tests if t in table()["test_procedures"]]
        dropped = [t for t in tests if t not in table()["labs"] and t not in table()["test_procedures"]]
        if dropped:
            _note(ctx.notes, f"{where}: tests {dropped} are not in the shipped lab panels; dropped")
        previous = next((x for x in reversed(out) if x.get("type") == "encounter"
                         and x.get("timing") == base.get("timing")), None)
        if previous is not None:
            previous["labs"] = list(dict.fromkeys((previous.get("labs") or []) + labs))
            if procs:
                previous["procedures"] = (previous.get("procedures") or []) + procs
            _note(ctx.notes, f"{where}: observation added to the visit {previous['id']!r} on the same day")
            return None
        if procs:
            return {"id": ctx.new_id("tests"), "type": "encounter", "setting": "office", **base,
                    "labs": labs, "procedures": procs}
        if not labs:
            return None
        return {"id": ctx.new_id("labs"), "type": "lab", **base, "labs": labs}
    if kind == "procedure":
        code = str(details.get("cpt") or table()["procedures"].get(str(details.get("type", "")).lower(), ""))
        if not _known_procedure(code):
            _note(ctx.notes, f"{where}: procedure {details.get('cpt') or details.get('type')!r} is not in the shipped "
                  "CPT/HCPCS subset; dropped")
            return None
        admission = next((x for x in reversed(out) if x.get("setting") == "inpatient"), None)
        if admission is not None:
            admission.setdefault("procedures", []).append(code)
            return None
        return {"id": ctx.new_id(f"procedure_{code}"), "type": "encounter", "setting": "outpatient_surgery",
                **base, "em": "none", "procedures": [code]}
    if kind == "admission":
        event = {"id": ctx.new_id("admission"), "type": "encounter", "setting": "inpatient", **base}
        if details.get("unit"):
            _note(ctx.notes, f"{where}: admission unit {details['unit']!r} dropped")
        if ctx.condition:
            event["diagnoses"] = [{"condition": ctx.condition}]
        pending.append((event, day_of(e.get("timing") or {})))
        return event
    if kind == "discharge":
        day = day_of(e.get("timing") or {})
        if pending:
            event, start = pending.pop()
            if day is not None and start is not None and day >= start:
                event["length_of_stay"] = {"distribution": "constant", "value": day - start}
                _note(ctx.notes, f"{where}: discharge on day {day} read as a {day - start}-night stay")
            if details.get("disposition") == "home":
                event["disposition"] = {"weights": {"01": 1.0}}
            return None
        _note(ctx.notes, f"{where}: a discharge with no admission before it is dropped")
        return None
    _note(ctx.notes, f"{where}: event type {kind!r} has no HealthSim counterpart; dropped")
    return None


def _known_procedure(code: str) -> bool:
    from healthsim.reference.clinical import procedure_codes

    return bool(code) and code in procedure_codes()


def _encounter(e: dict, details: dict, ctx: JourneyContext, where: str) -> dict:
    visit = str(details.get("visit_type") or e.get("encounter_type") or "office_visit").lower()
    out: dict = {}
    if re.fullmatch(r"\d{5}", visit) or re.fullmatch(r"[A-Z]\d{4}", visit.upper()):
        out["setting"] = "office"
        out["em"] = visit.upper()
    else:
        entry = table()["visit_types"].get(visit)
        if entry is None:
            _note(ctx.notes, f"{where}: visit type {visit!r} read as an office visit")
            entry = {"setting": "office"}
        out.update(entry)
    if e.get("encounter_type") and str(e["encounter_type"]).lower() in table()["visit_types"]:
        out.update(table()["visit_types"][str(e["encounter_type"]).lower()])
    diagnoses = [{"code": billable_code(str(d))} for d in details.get("diagnoses") or []]
    if diagnoses:
        out["diagnoses"] = diagnoses
    elif ctx.condition:
        out["diagnoses"] = [{"condition": ctx.condition}]
    orders = details.get("orders") or []
    labs = [table()["labs"][o] for o in orders if o in table()["labs"]]
    if labs:
        out["labs"] = list(dict.fromkeys(labs))
    dropped = [o for o in orders if o not in table()["labs"]]
    if dropped:
        _note(ctx.notes, f"{where}: orders {dropped} are not lab panels; dropped")
    if details.get("purpose"):
        out["name"] = str(details["purpose"]).replace("_", " ")
    return out



def when_of(test: str, ctx: JourneyContext, where: str) -> dict | None:
    """An original event/branch condition ('a1c > 7.5', 'egfr < 45') as a member condition."""
    m = COMPARISON.match(test.lower())
    if m and m.group(1) in ("a1c", "hba1c"):
        value = float(m.group(3))
        labels = ["poor"] if value >= 9 else ["suboptimal", "poor"]
        _note(ctx.notes, f"{where}: condition {test!r} read as diabetes_control {labels}")
        return {"attribute": {"diabetes_control": labels}}
    if m and m.group(1) == "egfr":
        value = float(m.group(3))
        prefixes = ["N18.4", "N18.5", "N18.6"] + (["N18.32"] if value >= 45 else [])
        _note(ctx.notes, f"{where}: condition {test!r} read as CKD stages {prefixes}")
        return {"condition": prefixes}
    if test.lower().strip() == "random":
        return None
    _note(ctx.notes, f"{where}: condition {test!r} cannot be read; the event happens for everyone")
    return None


