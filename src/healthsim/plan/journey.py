"""Compile a JourneySpec into a JourneyPlan the journey executor runs.

The spec is a tree (phases -> events -> decision branches -> events; lifecycle
states -> events). The plan is a flat list of nodes in an order where every
node comes after the node it is timed from, each with a stable random
sub-stream, so the executor is one loop over nodes doing column operations.

Every check that needs the whole journey or the reference code sets runs here
and raises one SpecError naming each bad field: unknown event references,
event references that form a cycle, lifecycle states that loop with no way out,
protocol windows wider than their phase, unknown codes (ICD-10-CM, CPT/HCPCS,
ICD-10-PCS, LOINC panels, RxNorm), and a `kind` the content does not have.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field, replace

from healthsim.errors import FieldProblem, SpecError
from healthsim.plan.journey_checks import check_codes, check_lifecycle, lifecycle_initial
from healthsim.spec.journey import JourneySpec
from healthsim.spec.journey_events import DecisionEvent, EncounterEvent
from healthsim.spec.journey_timing import ANCHORS, When


@dataclass(frozen=True)
class Node:
    """One event of the journey, placed: what it is timed from and where it sits."""

    key: str  # unique id within the journey
    path: str  # dotted field path, for messages
    event: object  # the spec event model
    anchor: str  # journey_start | phase_start | state_start | parent | event
    anchor_ref: str | None  # node key (parent/event), phase name, or state name
    window: tuple[int, int]  # the phase (or whole journey) window, days from journey start
    branch: tuple[str, str] | None  # (decision key, branch name) when inside a branch
    state: str | None  # lifecycle state the node belongs to
    stream: int  # stable random sub-stream id


@dataclass(frozen=True)
class JourneyPlan:
    spec: JourneySpec
    index: int  # position among the run's journeys
    nodes: tuple[Node, ...]
    phases: dict[str, tuple[int, int]]
    med_ids: dict[str, tuple[str, int]]  # medication id -> (node key, index in medications)
    conditions_used: tuple[str, ...]  # condition prefixes the journey tests (context columns)
    state_names: tuple[str, ...] = ()
    initial_states: object = None  # the lifecycle's initial distribution
    attach_when: When | None = None
    share: float = 1.0
    source: str = ""
    repetition: int = 0  # k-th year of a `repeat: yearly` journey (0 = the first run)

    @property
    def name(self) -> str:
        return self.spec.journey_name

    @property
    def stream_name(self) -> str:
        """The name random streams are keyed on: each repetition draws afresh."""
        return self.name if self.repetition == 0 else f"{self.name}#year{self.repetition}"

    def repeated(self, k: int) -> JourneyPlan:
        """The k-th yearly repetition: same events, its own streams, starting k years later."""
        nodes = tuple(replace(n, stream=stream_id(str(n.stream), f"year{k}")) for n in self.nodes)
        return replace(self, nodes=nodes, repetition=k)


def stream_id(*parts: str) -> int:
    """A stable sub-stream number from names (adding a node never shifts another's stream)."""
    return 1000 + zlib.crc32("/".join(parts).encode()) % 1_000_000_000


@dataclass
class _Walk:
    spec: JourneySpec
    nodes: list[Node] = field(default_factory=list)
    problems: list[FieldProblem] = field(default_factory=list)
    med_ids: dict[str, tuple[str, int]] = field(default_factory=dict)
    seen: dict[str, str] = field(default_factory=dict)

    def add(self, event, path: str, default_anchor: str, anchor_ref: str | None,
            window: tuple[int, int], branch, state) -> None:
        key = event.id or path
        if key in self.seen:
            self.problems.append(FieldProblem(f"{path}.id", f"event id {key!r} is used twice "
                                                            f"(first at {self.seen[key]})"))
        self.seen[key] = path
        rel = event.timing.relative_to
        if rel is None or rel == default_anchor:
            anchor, ref = default_anchor, anchor_ref
        elif rel.startswith("condition:"):
            anchor, ref = "condition", rel.split(":", 1)[1].strip().upper()
            if not re.match(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{0,4})?$", ref):
                self.problems.append(FieldProblem(f"{path}.timing.relative_to",
                                                  f"{rel!r}: write condition:<ICD-10-CM code or prefix>, e.g. "
                                                  "condition:N18.6"))
        elif rel in ANCHORS:
            anchor, ref = rel, None
            if rel == "phase_start" and default_anchor != "phase_start":
                anchor, ref = "journey_start", None
            if rel in ("state_start", "parent") and rel != default_anchor:
                self.problems.append(FieldProblem(f"{path}.timing.relative_to",
                                                  f"{rel} is only valid inside a lifecycle state / branch"))
        else:
            anchor, ref = "event", rel
        if anchor == "phase_start":
            ref = anchor_ref
        name = self.spec.journey_name
        self.nodes.append(Node(key, path, event, anchor, ref, window, branch, state, stream_id(name, key)))
        for i, med in enumerate(getattr(event, "medications", []) + getattr(event, "discharge_medications", [])):
            if med.id:
                if med.id in self.med_ids or med.id in self.seen:
                    self.problems.append(FieldProblem(f"{path}.medications.{i}.id", f"id {med.id!r} is used twice"))
                self.med_ids[med.id] = (key, i)
        if isinstance(event, DecisionEvent):
            for b, branch_spec in enumerate(event.branches):
                for j, child in enumerate(branch_spec.events):
                    self.add(child, f"{path}.branches.{b}.events.{j}", "parent", key, window,
                             (key, branch_spec.name), state)


def compile_journey(spec: JourneySpec, index: int = 0, *, when: When | None = None, share: float = 1.0,
                    source: str = "", prefix: str = "") -> JourneyPlan:
    """Flatten, order and check a journey; raise SpecError listing every problem."""
    walk = _Walk(spec)
    phases = _phase_windows(spec, walk.problems)
    for p, phase in enumerate(spec.phases):
        window = phases[phase.name]
        for e, event in enumerate(phase.events):
            walk.add(event, f"phases.{p}.events.{e}", "phase_start", phase.name, window, None, None)
    if spec.lifecycle is not None:
        for name, state in spec.lifecycle.states.items():
            for e, event in enumerate(state.events):
                walk.add(event, f"lifecycle.states.{name}.events.{e}", "state_start", name,
                         (0, spec.duration), None, name)
        walk.problems += check_lifecycle(spec.lifecycle)
    ordered = _order(walk)
    _check_windows(ordered, walk.problems)
    _check_kind(spec, ordered, walk.problems)
    used = check_codes(spec, ordered, walk.med_ids, walk.problems)
    if walk.problems:
        problems = [FieldProblem(f"{prefix}{p.path}" if prefix else p.path, p.message, p.value, p.allowed,
                                 p.suggestion) for p in walk.problems]
        raise SpecError(problems, source=source or f"journey {spec.journey_name!r}")
    states = tuple(spec.lifecycle.states) if spec.lifecycle else ()
    return JourneyPlan(spec, index, tuple(ordered), phases, walk.med_ids, tuple(sorted(used)), states,
                       lifecycle_initial(spec), when, share, source)


def _phase_windows(spec: JourneySpec, problems: list[FieldProblem]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    cursor = 0
    for p, phase in enumerate(spec.phases):
        if phase.window is not None:
            lo, hi = phase.window
        else:
            lo, hi = cursor, cursor + (phase.duration if phase.duration is not None else spec.duration - cursor)
        if phase.name in out:
            problems.append(FieldProblem(f"phases.{p}.name", f"phase name {phase.name!r} is used twice"))
        if hi > spec.duration:
            problems.append(FieldProblem(f"phases.{p}.window", f"phase {phase.name!r} ends on day {hi}, after the "
                                         f"journey's duration of {spec.duration} days"))
        out[phase.name] = (lo, hi)
        cursor = hi
    return out


def _refs(node: Node) -> list[str]:
    refs = [node.anchor_ref] if node.anchor in ("event", "parent") else []
    admitted = getattr(node.event, "admitted_from", None)
    until = node.event.timing.until_event
    return refs + ([admitted] if admitted else []) + ([until] if until else [])


def _order(walk: _Walk) -> list[Node]:
    """Nodes so that each comes after those it refers to; report unknown refs and cycles."""
    by_key = {n.key: n for n in walk.nodes}
    for n in walk.nodes:
        for ref in _refs(n):
            if ref not in by_key and ref not in walk.med_ids:
                where = ("timing.relative_to" if ref == n.anchor_ref else "timing.until_event"
                         if ref == n.event.timing.until_event else "admitted_from")
                walk.problems.append(FieldProblem(f"{n.path}.{where}", "unknown event", ref,
                                                  ", ".join(sorted(by_key)) or None))
    out: list[Node] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(n: Node, trail: list[str]) -> None:
        if state.get(n.key) == 2:
            return
        if state.get(n.key) == 1:
            cycle = trail[trail.index(n.key):] + [n.key]
            walk.problems.append(FieldProblem(f"{n.path}.timing.relative_to", "cycle with no exit: events are "
                                              "timed from each other in a loop (" + " -> ".join(cycle) + ")"))
            return
        state[n.key] = 1
        for ref in _refs(n):
            target = by_key.get(walk.med_ids[ref][0]) if ref in walk.med_ids else by_key.get(ref)
            if target is not None:
                visit(target, [*trail, n.key])
        state[n.key] = 2
        out.append(n)

    for n in walk.nodes:
        visit(n, [])
    return out


def _check_windows(nodes: list[Node], problems: list[FieldProblem]) -> None:
    """Phase-timed events must fall inside their phase; event-timed offsets must not be negative."""
    for n in nodes:
        t = n.event.timing
        lo, hi = t.base_bounds()
        if t.every is not None and t.until is not None:
            hi = max(hi, t.until)
        if n.anchor == "phase_start":
            length = n.window[1] - n.window[0]
            if lo < 0 or hi > length:
                what = (f"window {t.window.target}±{t.window.tolerance} days" if t.window else
                        f"offsets {lo:g}..{hi:g} days")
                problems.append(FieldProblem(f"{n.path}.timing", f"{what} ({lo:g}..{hi:g}) does not fit in its "
                                             f"phase ({n.window[0]}..{n.window[1]} days from the start, "
                                             f"{length} days long): the window is wider than the phase"))
        elif n.anchor in ("event", "parent", "state_start") and lo < 0:
            problems.append(FieldProblem(f"{n.path}.timing", f"offset can be negative ({lo:g} days): an event "
                                         "cannot come before what it is timed from"))


def _check_kind(spec: JourneySpec, nodes: list[Node], problems: list[FieldProblem]) -> None:
    has_decision = any(isinstance(n.event, DecisionEvent) for n in nodes)
    has_window = any(n.event.timing.window is not None for n in nodes)
    if spec.kind == "branching" and not has_decision:
        problems.append(FieldProblem("kind", "a branching journey needs at least one decision event"))
    if spec.kind == "protocol" and not has_window:
        problems.append(FieldProblem("kind", "a protocol journey needs at least one event with window timing"))
    for n in nodes:
        if n.event.timing.occurrence is not None and n.anchor != "event":
            problems.append(FieldProblem(f"{n.path}.timing.occurrence", "occurrence applies to events timed "
                                         "from another event (relative_to: <event id>)"))
        adm = getattr(n.event, "admitted_from", None)
        if adm and n.anchor_ref != adm:
            problems.append(FieldProblem(f"{n.path}.admitted_from", f"an admission from {adm!r} must be timed "
                                         f"from it: set timing.relative_to: {adm}"))
        if adm and isinstance(n.event, EncounterEvent) and n.event.setting not in ("inpatient", "observation"):
            problems.append(FieldProblem(f"{n.path}.admitted_from", "only inpatient or observation encounters "
                                         "are admitted from an ED visit"))


def compile_attachments(attachments) -> tuple[JourneyPlan, ...]:
    """The profile's `journeys` (templates or inline specs), compiled in order."""
    from healthsim.errors import NotFoundError
    from healthsim.spec.load import validate_model
    from healthsim.templates import load_template

    plans = []
    for i, att in enumerate(attachments):
        if att.spec is not None:
            spec, source, prefix = att.spec, "profile", f"journeys.{i}.spec."
        else:
            try:
                data = load_template(att.template, kind="journey")
            except NotFoundError as exc:
                raise SpecError([FieldProblem(f"journeys.{i}.template", str(exc))]) from None
            spec = validate_model(JourneySpec, data, source=f"journey template {att.template}")
            source, prefix = f"journey template {att.template}", ""
        plans.append(compile_journey(spec, i, when=att.when, share=att.share, source=source, prefix=prefix))
    return tuple(plans)
