"""The original HealthSim journey documents, translated into HealthSim's JourneySpec shape.

The seed README's journey with events written as names, the journey builder's
`{journey: {...}}` with phases of typed events, timing in days/weeks/months/hours,
recurrence, conditions and `branching_rules` (+ `branches`), and a `{journey:
{template: ...}}` reference. Typed events are translated in original_events.py.
Part of spec/aliases.py (see there for the whole list); every translation is noted.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from healthsim.spec.aliases import (
    DAYS_PER,
    RECURRENCE,
    TIMING_KEYS,
    Normalised,
    _note,
    _walk_distributions,
    billable_code,
    day_of,
    drug_for,
    table,
)
from healthsim.spec.original_events import typed_event, when_of


def journey_part(doc: dict, out: Normalised) -> None:
    """A profile's journey: a template reference, or an inline journey."""
    if "template" in doc and "phases" not in doc:
        name = str(doc["template"])
        installed = table()["journey_templates"].get(name.lower(), name.replace("_", "-"))
        out.journeys.append({"template": installed})
        _note(out.notes, f"journey template {name!r} read as {installed!r}")
        if doc.get("customizations"):
            _note(out.notes, f"journey customizations {doc['customizations']} dropped: adjust the journey "
                  "with the Journey Builder (healthsim chat --journey)")
        return
    out.journeys.append({"spec": journey(doc, out)})


def has_named_events(doc: dict) -> bool:
    return any(isinstance(e, str) for p in doc.get("phases") or [] if isinstance(p, dict)
               for e in p.get("events") or [])


def has_original_events(doc: dict) -> bool:
    for p in doc.get("phases") or []:
        for e in (p.get("events") or []) if isinstance(p, dict) else []:
            if isinstance(e, dict) and (e.get("type") in ("prescription", "observation", "procedure", "admission",
                                                           "discharge") or "details" in e or "recurrence" in e):
                return True
    return False


@dataclass
class JourneyContext:
    name: str
    notes: list[str]
    condition: str | None = None
    ids: set[str] = field(default_factory=set)
    shift: int = 0
    phase_span: tuple[int, int] | None = None  # the current phase's days from the journey start
    aliases: dict[str, tuple[str | None, int]] = field(default_factory=dict)
    absolute: dict[str, int] = field(default_factory=dict)  # original event id -> day from the journey start

    def dropped(self, original_id: str, timing: dict | None) -> None:
        """An event that made nothing: events timed from it are timed from its own anchor."""
        if not original_id:
            return
        t = timing or {}
        at = t.get("at")
        if at is None and t.get("range"):
            at = round(sum(t["range"]) / 2)
        self.aliases[sanitized(original_id)] = (t.get("relative_to"), int(at or 0))

    def alias(self, original_id: str, event: dict, day: int | None, start: int | None) -> None:
        """A discharge folded into its admission: events timed from the discharge are timed from the
        admission, plus the stay."""
        stay = (day - start) if day is not None and start is not None and day >= start else 0
        self.aliases[sanitized(original_id)] = (event.get("id"), stay)

    def new_id(self, base: str) -> str:
        base = re.sub(r"[^a-z0-9_]+", "_", base.lower()).strip("_") or "event"
        name, n = base, 2
        while name in self.ids:
            name, n = f"{base}_{n}", n + 1
        self.ids.add(name)
        return name


def sanitized(ref: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", str(ref).lower()).strip("_")


def _journey_condition(name: str) -> str | None:
    low = name.lower()
    for word, prefix in table()["journey_conditions"].items():
        if word in low:
            return prefix
    return None


def event_list(doc: dict, out: Normalised) -> dict:
    """The template documents' flat event list ({journey_id, duration_days, events: [{event_id,
    event_type, delay, depends_on, probability, parameters}]}) as one phase of events."""
    events = []
    for e in doc.get("events") or []:
        if not isinstance(e, dict):
            continue
        delay = e.get("delay") or {}
        timing: dict = {}
        if e.get("depends_on"):
            timing["relative_to"] = sanitized(e["depends_on"])
        lo, hi = delay.get("days_min"), delay.get("days_max")
        if lo is not None and hi is not None:
            timing["range"] = [int(lo), int(hi)]
        else:
            timing["at"] = int(delay.get("days", 0))
        details = {**(e.get("parameters") or {})}
        if e.get("name"):
            details.setdefault("purpose", e["name"])
        events.append({"id": e.get("event_id"), "event_type": e.get("event_type"), "details": details,
                       "timing": timing, **({"probability": e["probability"]} if "probability" in e else {})})
    src = {"name": doc.get("name") or doc.get("journey_id") or "Journey",
           "description": doc.get("description"),
           "duration": f"{doc['duration_days']} days" if doc.get("duration_days") else doc.get("duration"),
           "phases": [{"name": "events", "events": events}]}
    if doc.get("products"):
        src["cross_product"] = list(doc["products"])
    _note(out.notes, "the flat event list read as one phase (delay + depends_on as timing from that event)")
    return journey({k: v for k, v in src.items() if v is not None}, out)


def journey(src: dict, out: Normalised, meta: dict | None = None) -> dict:
    notes = out.notes
    src = dict(src)
    if meta:
        src.setdefault("name", meta.get("name") or meta.get("id"))
        if meta.get("duration") and "duration" not in src:
            src["duration"] = _meta_duration(str(meta["duration"]), notes)
        dropped = [k for k in meta if k not in ("name", "id", "duration")]
        if dropped:
            _note(notes, f"template {', '.join(dropped)} dropped (metadata)")
    for key in ("quality_measures", "kpis", "procedure_types", "coverage_types", "cycle_length",
                "regimen_patterns", "customizable", "documentation"):
        if key in src:
            src.pop(key)
            _note(notes, f"journey {key} dropped: no HealthSim counterpart")
    name = src.pop("journey_name", None) or src.pop("name", None) or src.pop("id", None) or "Journey"
    src.pop("id", None)
    for key in ("version", "created"):
        if key in src:
            _note(notes, f"journey {key} {src.pop(key)!r} dropped")
    ctx = JourneyContext(str(name), notes, _journey_condition(str(name)))
    doc: dict = {"journey_name": str(name)}
    if "description" in src:
        doc["description"] = src.pop("description")
    for key in ("kind", "start", "eligibility", "measures", "lifecycle", "sources"):
        if key in src:
            doc[key] = _walk_distributions(src.pop(key), key, notes)
    trigger = src.pop("start_trigger", None)
    if trigger and "start" not in doc:
        doc["start"] = _start(str(trigger), ctx)
    ctx.absolute = _absolute_days(src.get("phases") or [])
    loose = [d for p in src.get("phases") or [] if isinstance(p, dict) for e in p.get("events") or []
             if isinstance(e, dict) and not e.get("id") and isinstance(e.get("timing"), dict)
             and (d := day_of(e["timing"])) is not None]
    ctx.shift = -min([0, *ctx.absolute.values(), *loose])
    if ctx.shift:
        _note(notes, f"events before day 0 (e.g. week -4): every timing moved {ctx.shift} days later, so the "
              "journey starts at its first event")
    phases = []
    start = 0
    for i, p in enumerate(src.pop("phases", None) or []):
        span = _phase_span(p, start, notes)
        days = [ctx.absolute[sanitized(e["id"])] + ctx.shift for e in (p.get("events") or [])
                if isinstance(e, dict) and e.get("id") and sanitized(e["id"]) in ctx.absolute]
        days += [d + ctx.shift for e in (p.get("events") or []) if isinstance(e, dict) and not e.get("id")
                 and isinstance(e.get("timing"), dict) and (d := day_of(e["timing"])) is not None]
        if span is None and not days:
            ctx.phase_span = None
            phase = _phase(p, i, ctx)
        else:  # the phase spans its own days and its events' (the original's phases are loose groupings)
            lo, hi = span if span else (min(days), max(days))
            window = (min([lo, *days]), max([hi, *days]))
            if days and (window[0] < lo or window[1] > hi):
                _note(notes, f"phases.{i} ({p.get('name')}): widened to days {window[0]}-{window[1]} to hold its "
                      "events (they are timed from the journey start)")
            ctx.phase_span = window
            phase = _phase(p, i, ctx)
            phase.pop("duration", None)
            phase["window"] = [window[0], window[1]]
        phases.append(phase)
        start = max(start, (ctx.phase_span or (start, start))[1])
    ctx.phase_span = None
    branching = src.pop("branching_rules", None) or []
    branches = src.pop("branches", None) or {}
    decisions = _decisions(branching, branches, ctx, phases)
    if decisions:
        if phases:
            phases[-1]["events"] += decisions
        else:
            phases.append({"name": "decisions", "events": decisions})
        if any(d.get("type") == "decision" for d in decisions):
            doc["kind"] = doc.get("kind", "branching")
    phases = [p for p in phases if p["events"]] or phases
    doc["phases"] = phases
    duration = src.pop("duration", None)
    doc["duration"] = duration if duration is not None else _implied_duration(phases, notes)
    from healthsim.spec.journey_timing import parse_days

    try:
        days = parse_days(doc["duration"]) + ctx.shift
    except ValueError:
        days = _implied_duration(phases, notes)
        _note(notes, f"duration {doc['duration']!r} is not a length; {days} days used")
    end = max([start] + [p["window"][1] for p in phases if isinstance(p.get("window"), list)])
    if end > days:
        _note(notes, f"the phases run to day {end}, past the journey's {days} days: the journey lasts {end} days")
        days = end
    doc["duration"] = days
    fix_references(doc, ctx)
    cross = src.pop("cross_product", None)
    if cross:
        from healthsim.spec.original_profile import products

        products(list(cross), out, "cross_product")
    for key in list(src):
        _note(notes, f"journey {key} dropped: no HealthSim counterpart")
    return doc


ANCHOR_WORDS = ("journey_start", "phase_start", "state_start", "parent")


def fix_references(doc: dict, ctx: JourneyContext) -> None:
    """Events timed from an event that made nothing (or was folded into another) are timed from
    that event's own anchor; from an event that does not exist, from the phase start."""
    from healthsim.builders.journey_adjust import event_lists

    for events in event_lists(doc):
        for e in events:
            t = e.get("timing") if isinstance(e, dict) else None
            if not isinstance(t, dict) or not t.get("relative_to"):
                continue
            for _ in range(8):
                ref = t.get("relative_to")
                if ref in ctx.ids or ref in ANCHOR_WORDS or ref not in ctx.aliases:
                    break
                anchor, offset = ctx.aliases[ref]
                if anchor:
                    t["relative_to"] = anchor
                else:
                    t.pop("relative_to")
                if t.get("range"):
                    t["range"] = [t["range"][0] + offset, t["range"][1] + offset]
                else:
                    t["at"] = (t.get("at") or 0) + offset
            ref = t.get("relative_to")
            if ref and ref not in ctx.ids and ref not in ANCHOR_WORDS:
                _note(ctx.notes, f"event {e.get('id')!r} is timed from {ref!r}, which is not an event of the "
                      "journey: it is timed from the phase start")
                t.pop("relative_to")
            if not t.get("relative_to") and ((t.get("at") or 0) < 0 or (t.get("range") or [0])[0] < 0):
                lo = t.get("at") if t.get("at") is not None else t["range"][0]
                _note(ctx.notes, f"event {e.get('id')!r} would fall before its phase starts; moved to its start")
                if t.get("range"):
                    t["range"] = [0, max(0, t["range"][1] - lo)]
                else:
                    t["at"] = 0


def _start(trigger: str, ctx: JourneyContext) -> dict:
    t = trigger.lower()
    if "diagnos" in t and ctx.condition:
        _note(ctx.notes, f"start_trigger {trigger!r} read as the onset of {ctx.condition} (re-dated into coverage)")
        return {"anchor": "condition_onset", "condition": ctx.condition, "if_outside": "redate"}
    if "enroll" in t or "coverage" in t:
        _note(ctx.notes, f"start_trigger {trigger!r} read as the first covered day")
        return {"anchor": "coverage_start"}
    _note(ctx.notes, f"start_trigger {trigger!r}: the journey starts on a day within coverage")
    return {"anchor": "coverage"}


def _absolute_days(phases: list) -> dict[str, int]:
    """Original event id -> its day from the journey start, for events timed by day/week/month or
    'N days before/after' an event that has one (so 'day -14 before effective_date' is day -14)."""
    timed: dict[str, dict] = {}
    for p in phases:
        for e in (p.get("events") or []) if isinstance(p, dict) else []:
            if isinstance(e, dict) and e.get("id") and isinstance(e.get("timing"), dict):
                timed[sanitized(e["id"])] = e["timing"]
    out: dict[str, int] = {}
    for _ in range(4):  # references resolve in a few rounds
        for key, t in timed.items():
            if key in out:
                continue
            ref = t.get("after") or t.get("before")
            if ref is None:
                day = day_of(t)
                if day is not None:
                    out[key] = day
            elif sanitized(ref) in out:
                size = abs(float(t.get("days", t.get("day", 0)))) + abs(float(t.get("weeks", t.get("week", 0)))) * 7
                out[key] = out[sanitized(ref)] + round(size if "after" in t else -size)
    return out


def _implied_duration(phases: list[dict], notes: list[str]) -> int:
    total = sum(p.get("duration") or 0 for p in phases if isinstance(p.get("duration"), int))
    end = max([p["window"][1] for p in phases if p.get("window")] + [total, 0])
    days = max(end, 90)
    _note(notes, f"no duration: {days} days (the phases' extent)")
    return days


UNIT = {"hour": 0.0, "day": 1.0, "week": 7.0, "month": 30.4375, "year": 365.25}
PHASE_TEXT = re.compile(r"^\s*(?:(days?)\s+)?(\d+(?:\.\d+)?)\s*(?:(?:-|to)\s*(\d+(?:\.\d+)?))?\s*"
                        r"(hours?|days?|weeks?|months?|years?)?\s*(before)?\s*$", re.IGNORECASE)


def _meta_duration(text: str, notes: list[str]) -> str:
    """A template's duration ('12 months', '21-28 days'): a range means its longest."""
    m = PHASE_TEXT.match(text)
    if m and m.group(3) and m.group(4):
        _note(notes, f"duration {text!r}: the longest, {m.group(3)} {m.group(4)}")
        return f"{m.group(3)} {m.group(4)}"
    return text


def _phase_plan(dur: object, start: int) -> tuple[str, tuple[int, int]] | None:
    """('window' | 'duration', (from, to) in days from the journey start) for a phase's duration:
    3 months / '0-30 days' (a window when it starts where the phase does) / '4-6 weeks' (a length:
    the longest) / 'day 3-5', 'days 7-14', 'day 1' (a window) / '0-8 hours' (the same day)."""
    if isinstance(dur, int | float):
        return "duration", (start, start + round(dur))
    m = PHASE_TEXT.match(str(dur))
    if not m:
        return None
    day_prefix, a, b, unit, before = m.groups()
    per = UNIT[(unit or "day").lower().rstrip("s")] if unit else 1.0
    lo, hi = float(a), float(b) if b else float(a)
    if day_prefix:  # "day 1", "days 7-14": days from the journey start
        return "window", (round(lo), round(hi))
    if per == 0.0:  # hours: within the day the phase starts
        return "window", (start, start)
    if b and not before and round(lo * per) == start:
        return "window", (start, round(hi * per))
    return "duration", (start, start + round(hi * per))


def _phase_span(p: object, start: int, notes: list[str] | None = None) -> tuple[int, int] | None:
    """Days [from, to] of a phase from the journey start."""
    if not isinstance(p, dict) or p.get("duration") is None:
        return None
    plan = _phase_plan(p["duration"], start)
    return plan[1] if plan else None


def _phase(p: object, i: int, ctx: JourneyContext) -> dict:
    if not isinstance(p, dict):
        raise ValueError(f"phases.{i} must be a mapping with a name and events")  # noqa: TRY004 (a spec problem)
    out: dict = {"name": str(p.get("name") or f"phase_{i + 1}")}
    dur = p.get("duration")
    plan = _phase_plan(dur, ctx.phase_span[0] if ctx.phase_span else 0) if dur is not None else None
    if plan and ctx.phase_span:
        kind, (lo, hi) = plan
        if kind == "window":
            out["window"] = [lo, hi]
        else:
            out["duration"] = max(1, hi - lo)
        if isinstance(dur, str) and re.search(r"\d\s*(?:-|to)\s*\d", dur) and kind == "duration":
            _note(ctx.notes, f"phases.{i}.duration {dur!r}: a length range; the longest is used")
    elif dur is not None:
        _note(ctx.notes, f"phases.{i}.duration {dur!r} cannot be read; the phase has no length of its own")
    if "window" in p:
        out["window"] = p["window"]
    out["events"] = translate_events(p.get("events") or [], ctx, f"phases.{i}")
    return out


def timing_of(e: dict, ctx: JourneyContext, path: str) -> dict | None:
    t = e.get("timing") if isinstance(e.get("timing"), dict) else {}
    if set(t) & {"at", "range", "offset", "window", "every", "relative_to"}:
        return t  # already HealthSim timing
    out: dict = {}
    day = day_of(t) if t else None
    if t and ("hour" in t or "hours" in t):
        _note(ctx.notes, f"{path}: hours within a day become the same day (HealthSim times events by day)")
    if "time" in t:
        _note(ctx.notes, f"{path}: time of day dropped (HealthSim times events by day)")
    if t.get("day_of_discharge"):
        t = {"after": "discharge", "days": 0}
    own = sanitized(e.get("id") or "")
    if ("after" in t or "before" in t) and own in ctx.absolute and "before" in t:
        t = {"day": ctx.absolute[own]}  # 'N days before X' where X has a day: that day
        day = ctx.absolute[own]
    if "after" in t or "before" in t:
        ref = str(t.get("after") or t.get("before"))
        sign = 1 if "after" in t else -1
        days = (abs(float(t.get("days", t.get("day", 0)))) + abs(float(t.get("weeks", t.get("week", 0)))) * 7
                + abs(float(t.get("hours", t.get("hour", 0)))) / 24)
        out["relative_to"] = sanitized(ref)
        out["at"] = round(sign * days)
        day = None
    if day is not None:
        day += ctx.shift
        if ctx.phase_span and ctx.phase_span[0] > 0:
            out["relative_to"] = "journey_start"  # the original times events from the journey start
        variance = t.get("variance")
        if t.get("variance_pct") is not None:
            variance = abs(day) * float(t["variance_pct"])
        if variance:
            v = round(float(variance))
            out["range"] = [max(0, day - v), day + v]
        else:
            out["at"] = day
    rec = e.get("recurrence")
    if rec is not None:
        if isinstance(rec, dict):
            unit = str(rec.get("unit", "days")).rstrip("s")
            every = round(float(rec.get("every", 1)) * DAYS_PER.get(unit, 1))
        else:
            every = RECURRENCE.get(str(rec).lower())
            if every is None:
                raise ValueError(f"{path}.recurrence: {rec!r} is not known; use daily, weekly, monthly, quarterly, "
                                 "annually or {every: N, unit: days}")
        out["every"] = every
    return out or None


def translate_events(events: list, ctx: JourneyContext, path: str) -> list[dict]:
    out: list[dict] = []
    pending_los: list[tuple[dict, int | None]] = []
    for j, e in enumerate(events):
        where = f"{path}.events.{j}"
        if isinstance(e, str):
            _named_event(e, out, ctx, where)
            continue
        if not isinstance(e, dict):
            raise ValueError(f"{where}: an event is a name or a mapping")  # noqa: TRY004 (a spec problem)
        kind = e.get("type")
        timing = e.get("timing") if isinstance(e.get("timing"), dict) else {}
        if kind in ("encounter", "lab", "medication", "referral", "decision", "member_event", "enrollment_change",
                    "death") and "details" not in e and "recurrence" not in e and not set(timing) - TIMING_KEYS \
                and "event_type" not in e:
            out.append(_walk_distributions(e, where, ctx.notes))  # already HealthSim's
            continue
        out += typed_event(e, ctx, where, out, pending_los)
    return out


def _named_event(name: str, out: list[dict], ctx: JourneyContext, where: str) -> None:
    """The seed README's `"events": ["initial_visit", "labs", "diagnosis", "rx_metformin"]`."""
    key = name.strip().lower()
    entry = copy.deepcopy(table()["named_events"].get(key))
    if entry is None and key.startswith("rx_"):
        entry = {"medication": key[3:]}
    if entry is None and key.endswith(("_check", "_test", "_lab", "_labs")):
        entry = {"merge": "lab", "labs": [key.rsplit("_", 1)[0]]}
    if entry is None:
        raise ValueError(f"{where}: event {name!r} is not a known event name; known: "
                         + ", ".join(sorted(table()["named_events"])) + ", rx_<drug>, <lab>_check")
    previous = next((x for x in reversed(out) if x.get("type") == "encounter"), None)
    if "refills" in entry:
        orders = [m for x in out for m in (x.get("medications") or [])] + [
            x["order"] for x in out if x.get("type") == "medication"]
        for m in orders:
            m["refills"] = entry["refills"]
        _note(ctx.notes, f"event {name!r} read as refills on the phase's medication orders"
              if orders else f"event {name!r} dropped: no medication order before it in the phase")
        return
    if "medication" in entry:
        drug = drug_for(entry["medication"])
        if drug is None:
            raise ValueError(f"{where}: no drug {entry['medication']!r} in the shipped RxNorm subset")
        item = {"id": ctx.new_id(key), "drug": drug, "days_supply": 30}
        if previous is not None:
            previous.setdefault("medications", []).append(item)
        else:
            out.append({"id": ctx.new_id(key + "_order"), "type": "medication", "order": item})
        _note(ctx.notes, f"event {name!r} read as a medication order (RxNorm {drug})")
        return
    labs = [table()["labs"].get(x, x) for x in entry.get("labs", [])]
    if entry.get("merge"):
        target = previous
        if target is None or (entry["merge"] == "lab" and target.get("timing", {}).get("every") is None
                              and out and out[-1] is not target):
            target = None
        if target is None:
            if labs:
                out.append({"id": ctx.new_id(key), "type": "lab", "labs": labs})
                _note(ctx.notes, f"event {name!r} read as a lab visit ({', '.join(labs)})")
            else:
                _note(ctx.notes, f"event {name!r} dropped: no visit before it in the phase")
            return
        target["labs"] = list(dict.fromkeys((target.get("labs") or []) + labs))
        if entry.get("diagnose"):
            if ctx.condition:
                target.setdefault("diagnoses", []).append({"condition": ctx.condition, "record": True,
                                                           "code": billable_code(ctx.condition)})
            else:
                _note(ctx.notes, f"event {name!r}: the journey's name names no condition; no diagnosis coded")
        _note(ctx.notes, f"event {name!r} added to visit {target['id']!r}")
        return
    event = {"id": ctx.new_id(key), **{k: v for k, v in entry.items() if k not in ("labs",)}}
    if labs:
        event["labs"] = labs
    if "labs" in entry and not labs:
        event.pop("labs", None)
    if event.get("type") == "encounter" and ctx.condition:
        event.setdefault("diagnoses", [{"condition": ctx.condition}])
    out.append(event)
    _note(ctx.notes, "events written as names read as HealthSim events (see docs/conversation.md)")


def _decisions(rules: list, branches: dict, ctx: JourneyContext, phases: list[dict]) -> list[dict]:
    """branching_rules (+ branches) as decision events (and conditional events for actions)."""
    if not rules:
        if branches:
            _note(ctx.notes, "branches without branching_rules dropped")
        return []
    out: list[dict] = []
    first = next((e for p in phases for e in p["events"] if e.get("type") == "encounter"), None)
    by_branch = [r for r in rules if "branch" in r]
    if by_branch:
        named: list[dict] = []
        for r in by_branch:
            name = str(r["branch"])
            events = translate_events((branches.get(name) or {}).get("events") or [], ctx, f"branches.{name}")
            if not events and name in table()["branch_events"]:
                events = [{"id": ctx.new_id(name), **copy.deepcopy(table()["branch_events"][name])}]
            p = r.get("probability")
            when = when_of(str(r.get("condition", "")), ctx, f"branching_rules.{name}") if r.get("condition") else None
            named.append({"name": name, "probability": p, "events": events, "when": when})
        for b in named:
            if b["probability"] is None and b["when"]:
                b["probability"], b["by_rule"] = 0.0, True  # only members matching its condition take it
        stated = sum(b["probability"] or 0 for b in named)
        unstated = [b for b in named if b["probability"] is None]
        for b in unstated:
            b["probability"] = max(0.0, 1 - stated) / len(unstated) if stated < 1 else 0.0
        total = sum(b["probability"] for b in named)
        decision_branches = [{"name": b["name"], "probability": round(b["probability"], 6), "events": b["events"]}
                             for b in named]
        if total < 1 - 1e-9 or len(decision_branches) < 2:
            decision_branches.append({"name": "none", "probability": round(max(0.0, 1 - total), 6), "events": []})
        decision: dict = {"id": ctx.new_id("decision"), "type": "decision", "branches": decision_branches}
        if first is not None:
            decision["timing"] = {"relative_to": first["id"], "at": 0}
        at = re.search(r"\bat\s+month\s+(\d+)", " ".join(str(r.get("condition", "")) for r in by_branch).lower())
        if at:
            decision["timing"] = {"relative_to": "journey_start", "at": round(int(at.group(1)) * DAYS_PER["month"])}
        ruled = [b for b in named if b.get("by_rule") or (b["when"] and b["probability"] < 1)]
        if ruled:
            names = [b["name"] for b in decision_branches]
            decision["rules"] = [{"when": b["when"], "probabilities": {n: (1.0 if n == b["name"] else 0.0)
                                                                       for n in names}} for b in ruled[:1]]
        _fix_sum(decision["branches"])
        out.append(decision)
        _note(ctx.notes, "branching_rules read as a decision with branches "
              + ", ".join(f"{b['name']} {b['probability']:.0%}" for b in decision["branches"]))
    for r in rules:
        if "branch" in r:
            continue
        out += _action(r, ctx)
    return out


def _fix_sum(branches: list[dict]) -> None:
    total = sum(b["probability"] for b in branches)
    if branches and abs(total - 1) > 1e-9:
        branches[-1]["probability"] = round(branches[-1]["probability"] + 1 - total, 6)


def _action(rule: dict, ctx: JourneyContext) -> list[dict]:
    """A rule with an action ('add_second_agent', 'nephrology_referral') -> a conditional event."""
    action = str(rule.get("action", "")).lower()
    test = str(rule.get("condition", ""))
    when = when_of(test, ctx, f"branching_rules.{action}")
    at = re.search(r"\bat\s+month\s+(\d+)", test.lower())
    timing = {"at": round(int(at.group(1)) * DAYS_PER["month"])} if at else None
    base: dict = {"relative_to": "journey_start", **(timing or {"at": 0})}
    if action.endswith("_referral"):
        from healthsim.spec.original_events import specialty_of

        to = specialty_of(action[: -len("_referral")], ctx, f"branching_rules.{action}")
        if to is None:
            _note(ctx.notes, f"branching rule {action!r}: no such specialty in HealthSim's network; dropped")
            return []
        event = {"id": ctx.new_id(action), "type": "referral", "timing": base, "referral": {"to": to}}
        if when:
            event["when"] = when
        return [event]
    if action in ("add_second_agent", "intensify", "add_agent") and rule.get("options"):
        options = [(o, drug_for(o)) for o in rule["options"]]
        usable = [(o, d) for o, d in options if d]
        for o, d in options:
            if d is None:
                _note(ctx.notes, f"branching option {o!r} has no drug in the shipped RxNorm subset; dropped")
        if not usable:
            return []
        share = round(1 / len(usable), 6)
        branches = [{"name": str(o), "probability": share, "events": [
            {"id": ctx.new_id(f"add_{o}"), "type": "medication", "order": {"drug": d, "days_supply": 30}}]}
                    for o, d in usable]
        _fix_sum(branches)
        if len(branches) == 1:
            branches.append({"name": "none", "probability": 0.0, "events": []})
        decision = {"id": ctx.new_id(action), "type": "decision", "timing": base, "branches": branches}
        if when:
            decision["when"] = when
        _note(ctx.notes, f"branching rule {action!r} read as a decision between {', '.join(o for o, _ in usable)}"
              + (f" for members with {when}" if when else ""))
        return [decision]
    _note(ctx.notes, f"branching rule action {action!r} has no HealthSim counterpart; dropped")
    return []
