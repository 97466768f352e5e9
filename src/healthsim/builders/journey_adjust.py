"""Journey template documents: what is in one (for the Journey Builder's questions)
and the same template with a dialogue's adjustments applied.

Adjustments are plain data so they can live in a RequestSpec and be re-applied:
    duration_months        the journey's `duration`
    phases                 names of the phases to keep (others are dropped)
    visit_interval_months  `every` of recurring encounters
    labs: false            no lab orders (encounter labs, lab-only events)
    medications: false     no medication orders
Dropping events also drops what referred to them (events timed from them,
measure effects they caused), so the result still validates as a JourneySpec.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

ADJUSTMENT_KEYS = ("duration_months", "phases", "visit_interval_months", "labs", "medications")
DAYS_PER_MONTH = 30.4375


def event_lists(doc: dict) -> Iterator[list]:
    """Every list of events in a journey: phases, lifecycle states, decision branches."""
    stack = [p.get("events") for p in doc.get("phases") or []]
    stack += [s.get("events") for s in ((doc.get("lifecycle") or {}).get("states") or {}).values()]
    while stack:
        events = stack.pop()
        if not isinstance(events, list):
            continue
        yield events
        for e in events:
            if isinstance(e, dict) and e.get("type") == "decision":
                stack += [b.get("events") for b in e.get("branches") or []]


def outline(doc: dict) -> dict:
    """What a person needs to adjust a journey: duration, phases, visit rhythm, labs, drugs."""
    from healthsim.spec.journey_timing import parse_days

    events = [e for lst in event_lists(doc) for e in lst if isinstance(e, dict)]
    every = [parse_days(e["timing"]["every"]) for e in events
             if e.get("type") == "encounter" and (e.get("timing") or {}).get("every") is not None]
    labs = sorted({str(lab.get("panel", lab) if isinstance(lab, dict) else lab)
                   for e in events for lab in (e.get("labs") or []) + (e.get("daily_labs") or [])})
    meds = sorted({str((m if isinstance(m, dict) else {"drug": m}).get("drug"))
                   for e in events for m in (e.get("medications") or []) + (e.get("discharge_medications") or [])}
                  | {str((e.get("order") or {}).get("drug")) for e in events if e.get("type") == "medication"})
    return {
        "duration_days": parse_days(doc.get("duration", 365)),
        "phases": [p.get("name") for p in doc.get("phases") or []],
        "visit_every_days": min(every) if every else None,
        "labs": labs,
        "medications": meds,
        "kind": doc.get("kind", "linear"),
    }


def adjusted(doc: dict, adjustments: dict) -> dict:
    """A copy of the journey document with the adjustments applied."""
    out = copy.deepcopy(doc)
    if adjustments.get("duration_months"):
        out["duration"] = round(float(adjustments["duration_months"]) * DAYS_PER_MONTH)
    if adjustments.get("phases"):
        keep = set(adjustments["phases"])
        out["phases"] = [p for p in out.get("phases") or [] if p.get("name") in keep]
    if adjustments.get("visit_interval_months"):
        days = round(float(adjustments["visit_interval_months"]) * DAYS_PER_MONTH)
        for events in event_lists(out):
            for e in events:
                if e.get("type") == "encounter" and (e.get("timing") or {}).get("every") is not None:
                    e["timing"]["every"] = days
    removed: set[str] = set()
    if adjustments.get("labs") is False:
        removed |= _strip(out, "lab", ("labs", "daily_labs"))
    if adjustments.get("medications") is False:
        removed |= _strip(out, "medication", ("medications", "discharge_medications"))
    if removed:
        _drop_references(out, removed)
    return out


def _strip(doc: dict, event_type: str, item_keys: tuple[str, ...]) -> set[str]:
    """Remove events of a type and item lists from encounters; return the ids removed."""
    removed: set[str] = set()
    for events in event_lists(doc):
        for e in list(events):
            if e.get("type") == event_type:
                events.remove(e)
                removed |= {e.get("id")} | {(e.get("order") or {}).get("id")}
                continue
            for key in item_keys:
                for item in e.pop(key, None) or []:
                    if isinstance(item, dict):
                        removed.add(item.get("id"))
    return removed - {None}


def _drop_references(doc: dict, removed: set[str]) -> None:
    """Drop events timed from removed events (transitively) and effects they caused."""
    while True:
        more = set()
        for events in event_lists(doc):
            for e in list(events):
                if (e.get("timing") or {}).get("relative_to") in removed:
                    events.remove(e)
                    more.add(e.get("id"))
        more -= removed | {None}
        if not more:
            break
        removed |= more
    for measure in (doc.get("measures") or {}).values():
        if isinstance(measure, dict) and measure.get("effects"):
            measure["effects"] = [x for x in measure["effects"] if x.get("event") not in removed]


def validate_journey(doc: dict, source: str = "journey") -> dict:
    """The document, once it validates as a JourneySpec (SpecError with field paths if not)."""
    from healthsim.spec.journey import JourneySpec
    from healthsim.spec.load import validate_model

    validate_model(JourneySpec, doc, source=source)
    return doc
