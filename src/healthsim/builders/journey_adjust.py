"""Journey template documents: what is in one (for the Journey Builder's questions)
and the same template with a dialogue's adjustments applied.

Adjustments are plain data so they can live in a RequestSpec and be re-applied:
    duration_months        the journey's `duration`
    phases                 names of the phases to keep (others are dropped)
    visit_interval_months  `every` of recurring office/telehealth follow-up visits
    labs: false            no lab orders (encounter labs, lab-only events)
    labs: "detailed"       every visit with labs also orders CMP (for BMP), lipids and urine albumin
    medications: false     no medication orders
Dropping events also drops what referred to them (events timed from them,
measure effects they caused), so the result still validates as a JourneySpec.
"""

from __future__ import annotations

import copy
import re
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
    every = sorted(parse_days(e["timing"]["every"]) for e in events if _follow_up(e))
    labs = sorted({str(lab.get("panel", lab) if isinstance(lab, dict) else lab)
                   for e in events for lab in (e.get("labs") or []) + (e.get("daily_labs") or [])})
    meds = sorted({str((m if isinstance(m, dict) else {"drug": m}).get("drug"))
                   for e in events for m in (e.get("medications") or []) + (e.get("discharge_medications") or [])}
                  | {str((e.get("order") or {}).get("drug")) for e in events if e.get("type") == "medication"})
    return {
        "duration_days": parse_days(doc.get("duration", 365)),
        "phases": [p.get("name") for p in doc.get("phases") or []],
        "visit_every_days": every[len(every) // 2] if every else None,  # the typical follow-up rhythm
        "labs": labs,
        "medications": meds,
        "kind": doc.get("kind", "linear"),
    }


FOLLOW_UP_SETTINGS = ("office", "telehealth")
"""Recurring visits a 'quarterly follow-up' answer changes: office and telehealth visits, not
physical therapy, dialysis, home health or inpatient days."""


def _follow_up(e: dict) -> bool:
    return (e.get("type") == "encounter" and e.get("setting", "office") in FOLLOW_UP_SETTINGS
            and (e.get("timing") or {}).get("every") is not None)


def adjusted(doc: dict, adjustments: dict) -> dict:
    """A copy of the journey document with the adjustments applied."""
    out = copy.deepcopy(doc)
    removed: set[str] = set()
    shortened = False
    if adjustments.get("duration_months"):
        days = round(float(adjustments["duration_months"]) * DAYS_PER_MONTH)
        shortened = days < _days(out.get("duration", 365))
        removed |= _set_duration(out, days)
    if adjustments.get("phases"):
        keep = set(adjustments["phases"])
        for phase in out.get("phases") or []:
            if phase.get("name") not in keep:
                removed |= {i for e in phase.get("events") or [] for i in _ids(e)}
        out["phases"] = [p for p in out.get("phases") or [] if p.get("name") in keep]
    if adjustments.get("visit_interval_months"):
        days = round(float(adjustments["visit_interval_months"]) * DAYS_PER_MONTH)
        for events in event_lists(out):
            for e in events:
                if _follow_up(e):
                    e["timing"]["every"] = days
    if adjustments.get("labs") is False:
        removed |= _strip(out, "lab", ("labs", "daily_labs"))
    elif adjustments.get("labs") == "detailed":
        _detailed_labs(out)
    if adjustments.get("medications") is False:
        removed |= _strip(out, "medication", ("medications", "discharge_medications"))
    if removed:
        _drop_references(out, removed)
        _fix_kind(out)
    if shortened:
        _drop_events_that_no_longer_fit(out)
    return out


DETAILED_PANELS = ("cmp", "lipid", "uacr")
"""The seed's 'more lab detail': HbA1c, comprehensive metabolic panel, lipid panel and urine
albumin at each monitoring visit (journey-builder.md, phase 3)."""


def _detailed_labs(doc: dict) -> None:
    for events in event_lists(doc):
        for e in events:
            if e.get("type") in ("encounter", "lab") and e.get("labs"):
                panels = [lab.get("panel") if isinstance(lab, dict) else lab for lab in e["labs"]]
                panels = ["cmp" if p == "bmp" else p for p in panels]
                e["labs"] = list(dict.fromkeys(panels + list(DETAILED_PANELS)))


def _days(value: object) -> int:
    from healthsim.spec.journey_timing import parse_days

    return parse_days(value)


FIT_PROBLEM = re.compile(r"^phases\.(\d+)\.events\.(\d+)\.timing$")


def _drop_events_that_no_longer_fit(doc: dict, rounds: int = 20) -> None:
    """After shortening: drop the events the journey compile step says no longer fit their
    (cut) phase, and what hangs from them, until it compiles (or nothing more can go)."""
    from healthsim.errors import HealthSimError
    from healthsim.plan.journey import compile_journey
    from healthsim.spec.journey import JourneySpec

    for _ in range(rounds):
        try:
            compile_journey(JourneySpec.model_validate(doc))
            return
        except (HealthSimError, ValueError) as exc:
            problems = getattr(exc, "problems", [])
        spots = sorted({(int(m.group(1)), int(m.group(2)), p.message) for p in problems
                        if "does not fit" in p.message and (m := FIT_PROBLEM.match(p.path))}, reverse=True)
        if not spots:
            return  # something else is wrong: validate_journey will report it
        removed: set[str] = set()
        for phase, index, message in spots:
            events = doc["phases"][phase]["events"]
            if not _shorten_timing(events[index], message):
                removed |= _ids(events.pop(index))
        _drop_references(doc, removed)
        _fix_kind(doc)


def _shorten_timing(event: dict, message: str) -> bool:
    """Make a too-long timing fit its cut phase, if it is recurring or a range from the phase
    start: recurring ones end with the phase, ranges are cut to its length. False = drop it."""
    timing = event.get("timing") or {}
    if timing.get("every") is not None and timing.get("until") is not None:
        timing.pop("until")  # default: the end of the phase
        return True
    length = re.search(r"(\d+) days long", message)
    span = timing.get("range")
    if length and isinstance(span, list | tuple) and timing.get("relative_to") in (None, "phase_start"):
        lo, hi, top = _days(span[0]), _days(span[1]), int(length.group(1))
        if lo < top < hi:
            timing["range"] = [lo, top]
            return True
    return False


def _set_duration(doc: dict, days: int) -> set[str]:
    """New length: phases starting after it go, phase windows are cut to it, and a last phase
    that ran to the old end runs to the new one. Returns the ids of events dropped."""
    from healthsim.spec.journey_timing import parse_span

    old = _days(doc.get("duration", 365))
    doc["duration"] = days
    removed: set[str] = set()
    phases = doc.get("phases") or []
    for i, phase in enumerate(list(phases)):
        if phase.get("window") is None and isinstance(phase.get("duration"), str) and "-" in phase["duration"]:
            phase["window"] = phase.pop("duration")
        if phase.get("window") is None:
            continue
        lo, hi = parse_span(phase["window"])
        if lo >= days:
            phases.remove(phase)
            removed |= {x for e in phase.get("events") or [] for x in _ids(e)}
        elif hi > days or (hi == old and phase is phases[-1]):
            phase["window"] = [lo, days]
    return removed


def _ids(event: dict) -> set[str]:
    """Every id an event defines: its own, its medication orders', its branches' events'."""
    items = (event.get("medications") or []) + (event.get("discharge_medications") or [])
    out = {event.get("id"), (event.get("order") or {}).get("id")}
    out |= {m.get("id") for m in items if isinstance(m, dict)}
    for branch in event.get("branches") or []:
        for e in branch.get("events") or []:
            out |= _ids(e)
    return out - {None}


def _strip(doc: dict, event_type: str, item_keys: tuple[str, ...]) -> set[str]:
    """Remove events of a type and item lists from encounters; return the ids removed."""
    removed: set[str] = set()
    for events in event_lists(doc):
        for e in list(events):
            if e.get("type") == event_type:
                events.remove(e)
                removed |= _ids(e)
                continue
            for key in item_keys:
                for item in e.pop(key, None) or []:
                    if isinstance(item, dict) and item.get("id"):
                        removed.add(item["id"])
    return removed


def _refs(event: dict) -> set[str]:
    timing = event.get("timing") or {}
    return {timing.get("relative_to"), timing.get("until_event"), event.get("admitted_from")} - {None}


def _drop_references(doc: dict, removed: set[str]) -> None:
    """Drop events that hang from removed events (transitively); forget removed ids elsewhere."""
    changed = True
    while changed:
        changed = False
        for events in event_lists(doc):
            for e in list(events):
                if _refs(e) & removed:
                    events.remove(e)
                    removed |= _ids(e)
                    changed = True
    for measure in (doc.get("measures") or {}).values():
        if isinstance(measure, dict) and measure.get("effects"):
            measure["effects"] = [x for x in measure["effects"] if x.get("event") not in removed]
    _forget_in_conditions(doc, removed)


def _forget_in_conditions(node: object, removed: set[str]) -> None:
    """`when: {without_event: [...]}` anywhere: drop removed ids (and empty lists)."""
    if isinstance(node, dict):
        for key in ("without_event", "with_event"):
            if isinstance(node.get(key), list):
                node[key] = [x for x in node[key] if x not in removed] or None
                if node[key] is None:
                    node.pop(key)
        for value in node.values():
            _forget_in_conditions(value, removed)
    elif isinstance(node, list):
        for value in node:
            _forget_in_conditions(value, removed)


def _fix_kind(doc: dict) -> None:
    """A branching journey left without decisions (or a protocol without windows) is linear."""
    events = [e for lst in event_lists(doc) for e in lst]
    if doc.get("kind") == "branching" and not any(e.get("type") == "decision" for e in events):
        doc["kind"] = "linear"
    if doc.get("kind") == "protocol" and not any((e.get("timing") or {}).get("window") for e in events):
        doc["kind"] = "linear"


def validate_journey(doc: dict, source: str = "journey") -> dict:
    """The document, once it validates as a JourneySpec and compiles (references, windows,
    codes); SpecError with field paths if not."""
    from healthsim.plan.journey import compile_journey
    from healthsim.spec.journey import JourneySpec
    from healthsim.spec.load import validate_model

    compile_journey(validate_model(JourneySpec, doc, source=source), source=source)
    return doc
