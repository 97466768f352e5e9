"""The journey executor: a compiled journey -> occurrences of every event, for a block.

One loop over the plan's nodes (spec events, in dependency order); each step
works on whole columns: the anchoring occurrences of every member at once are
filtered (`when`, `probability`), expanded by the timing (fixed, range,
window, recurring) and censored to the member's window. Decisions pick a
branch per occurrence from a probability matrix (rules override rows), and the
lifecycle is a vectorised Markov chain (journey_lifecycle). Nothing here makes
rows for tables: products/patient turns occurrences into records.

Randomness: node n of journey j uses `block_rng(seed, block, Stream.JOURNEYS,
stream_id(j, n))`, so a block's occurrences depend only on (plan, seed, block).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from healthsim.engine.members import MemberBlock
from healthsim.engine.seeds import Stream, block_rng
from healthsim.episodes.encounters import encounter_times
from healthsim.episodes.lifecycle import run_lifecycle
from healthsim.episodes.members import Coverage, journey_members, start_days, when_mask
from healthsim.episodes.timing import (
    NEVER,
    Occurrences,
    first_day_per_member,
    occurrences,
)
from healthsim.plan.journey import JourneyPlan, Node, stream_id
from healthsim.spec.journey_events import (
    DeathEvent,
    DecisionEvent,
    EncounterEvent,
    EnrollmentChangeEvent,
    LabEvent,
    MedicationEvent,
)
from healthsim.state.build import terminate


@dataclass
class JourneyRun:
    """Everything one journey produced for one block (occurrences by node key)."""

    plan: JourneyPlan
    m: MemberBlock
    active: np.ndarray
    start: np.ndarray
    end: np.ndarray  # last day of the journey per member (duration, coverage, as_of)
    cov: Coverage
    ctx: dict
    flags: dict
    measures: object  # state.measures.JourneyMeasures: the journey's view of the shared trajectories
    redated: np.ndarray
    occ: dict[str, Occurrences] = field(default_factory=dict)
    states: dict[str, Occurrences] = field(default_factory=dict)
    branch_members: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    death: np.ndarray | None = None
    death_cause: np.ndarray | None = None  # object: ICD-10-CM code or None
    term: np.ndarray | None = None

    def sub_ctx(self, member: np.ndarray) -> dict:
        return _RowContext(self.ctx, member)


class _RowContext(dict):
    """The context columns for some rows, sliced only when a distribution reads them."""

    def __init__(self, ctx: dict, rows: np.ndarray):
        super().__init__()
        self._ctx, self._rows = ctx, rows

    def __contains__(self, key) -> bool:
        return key in self._ctx

    def __getitem__(self, key):
        return np.asarray(self._ctx[key])[self._rows]

    def get(self, key, default=None):
        return self[key] if key in self._ctx else default

    def __iter__(self):
        return iter(self._ctx)

    def __len__(self) -> int:
        return len(self._ctx)


def run_journey(plan: JourneyPlan, m: MemberBlock, seed: int, cov: Coverage, flags_for, ctx,
                flags: dict) -> JourneyRun:
    """Every occurrence of every event of one journey for one block."""
    rng = block_rng(seed, m.block, Stream.JOURNEYS, stream_id(plan.stream_name, "members"))
    active = journey_members(plan, m, flags, ctx, rng)
    start, active, redated = start_days(plan, m, cov, active, ctx, rng)
    end = np.minimum(start + plan.spec.duration - 1, cov.high)
    if plan.spec.start.anchor == "condition_onset":
        # an episode that starts at a diagnosis prescribes for it: the state's own start is withdrawn
        fid = m.state.family_of(plan.spec.start.condition)
        if fid is not None:
            m.state.therapy.drop_incident(fid, active)
    measures = m.state.measures.view(plan, start, active)
    first_day = measures.first_day
    run = JourneyRun(plan, m, active, start, end, cov, ctx, flags, measures, redated)
    run.death = m.state.death_day.copy()  # the member state decides who dies, and when
    run.death_cause = np.full(m.n, None, dtype=object)
    run.term = np.full(m.n, NEVER, np.int64)
    if plan.spec.lifecycle is not None:
        lc_rng = block_rng(seed, m.block, Stream.JOURNEYS, stream_id(plan.stream_name, "lifecycle"))
        run.states = run_lifecycle(plan, run, lc_rng)
    for node in plan.nodes:
        _run_node(run, node, first_day)
    return run


def _anchor(run: JourneyRun, node: Node) -> Occurrences:
    idx = np.flatnonzero(run.active)
    if node.anchor == "journey_start":
        return Occurrences(idx, run.start[idx], idx, run.end[idx])
    if node.anchor == "phase_start":
        lo, hi = run.plan.phases[node.anchor_ref]
        return Occurrences(idx, run.start[idx] + lo, idx, np.minimum(run.start[idx] + hi, run.end[idx]))
    if node.anchor == "state_start":
        return run.states[node.anchor_ref]
    if node.anchor == "condition":
        onset = run.m.state.onset_of(node.anchor_ref)[idx]
        day = np.maximum(onset, run.start[idx])
        ok = (onset < NEVER) & (day <= run.end[idx])
        return Occurrences(idx[ok], day[ok], idx[ok], run.end[idx][ok])
    if node.anchor == "parent":
        dec = run.occ[node.anchor_ref]
        branch_index = [b.name for b in _decision(run, node.anchor_ref).branches].index(node.branch[1])
        rows = np.flatnonzero(dec.extra["branch"] == branch_index)
        out = dec.take(rows)
        out.parent = rows
        return out
    ref = node.anchor_ref
    if ref in run.plan.med_ids:
        enc_key, item = run.plan.med_ids[ref]
        base = run.occ[enc_key]
        rows = np.flatnonzero(base.extra[f"med{item}"])
    else:
        base = run.occ[ref]
        rows = np.arange(len(base))
    nth = node.event.timing.occurrence
    if nth is not None and len(rows):
        rows = rows[_nth_per_member(base.member[rows], base.day[rows], nth)]
    if node.branch is not None and node.branch[0] != ref:
        rows = rows[_in_branch(run, node, ref, base, rows)]
    out = base.take(rows)
    out.parent = rows
    out.end = run.end[out.member]
    if node.event.timing.from_end and "end_ts" in base.extra:  # from the stay's discharge day
        out.day = base.extra["end_ts"][rows] // 86400
    return out


def _in_branch(run: JourneyRun, node: Node, ref: str, base: Occurrences, rows: np.ndarray) -> np.ndarray:
    """Which anchor rows lie in the node's branch. When the decision hangs from the same event (an
    admission after the ED visit whose disposition chose 'admit'), per occurrence: a member's other ED
    visits that were sent home do not anchor an admission. Otherwise per member."""
    key, name = node.branch
    dec_node = next(n for n in run.plan.nodes if n.key == key)
    if dec_node.anchor == "event" and dec_node.anchor_ref == ref and key in run.occ:
        dec = run.occ[key]
        b = [br.name for br in dec_node.event.branches].index(name)
        chosen = np.zeros(len(base), bool)
        chosen[dec.parent[dec.extra["branch"] == b]] = True
        return chosen[rows]
    return run.branch_members[node.branch][base.member[rows]]


def _nth_per_member(member: np.ndarray, day: np.ndarray, nth: int) -> np.ndarray:
    """Positions (into the given rows) of each member's nth occurrence in time order."""
    order = np.lexsort((day, member))
    sorted_member = member[order]
    starts = np.r_[0, np.flatnonzero(sorted_member[1:] != sorted_member[:-1]) + 1]
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    return np.sort(order[rank == nth - 1])


def _decision(run: JourneyRun, key: str) -> DecisionEvent:
    return next(n.event for n in run.plan.nodes if n.key == key)


def _result_at(run: JourneyRun, node: Node, anchor: Occurrences):
    """Values of a measure at the anchoring occurrences (recorded there, or measured then)."""
    def values(measure: str) -> np.ndarray:
        if node.anchor in ("event", "parent") and node.anchor_ref in run.occ:
            ref = node.anchor_ref
            base = run.occ[ref]
            got = run.measures.observe(ref, [measure], base.member, base.day)[measure]
            return got[anchor.parent]
        return run.measures.observe(f"{node.key}@anchor", [measure], anchor.member, anchor.day)[measure]
    return values


def _run_node(run: JourneyRun, node: Node, first_day: dict) -> None:
    ev, m = node.event, run.m
    rng = block_rng(run.measures.seed, m.block, Stream.JOURNEYS, node.stream)
    anchor = _anchor(run, node)
    keep = when_mask(ev.when, m, anchor.member, anchor.day, run.flags, run.ctx, _result_at(run, node, anchor),
                     first_day)
    keep &= rng.random(len(anchor)) < ev.probability
    anchor = anchor.take(np.flatnonzero(keep)) if not keep.all() else anchor
    until = anchor.end
    if ev.timing.until_event is not None:
        until = np.minimum(until, first_day[ev.timing.until_event][anchor.member] - 1)
    occ = occurrences(ev.timing, anchor, rng, run.sub_ctx(anchor.member), until)
    occ.parent = anchor.parent[occ.parent] if node.anchor in ("event", "parent") else occ.parent
    cap = np.minimum(run.end, run.death)[occ.member]
    ok = (occ.day >= run.cov.low[occ.member]) & (occ.day <= cap)
    ok &= ~((occ.day >= run.cov.gap_low[occ.member]) & (occ.day <= run.cov.gap_high[occ.member]))
    occ = occ.take(np.flatnonzero(ok))
    if isinstance(ev, EncounterEvent | LabEvent):
        occ = encounter_times(run, node, occ, rng)
        occ = _on_the_calendar(run, ev, occ)
        for i, med in enumerate(getattr(ev, "medications", []) + getattr(ev, "discharge_medications", [])):
            mask = rng.random(len(occ)) < med.probability
            mask &= when_mask(med.when, m, occ.member, occ.day, run.flags, run.ctx)
            mask &= m.state.therapy.allows(med.drug, occ.member, occ.day)
            occ.extra[f"med{i}"] = mask
            if med.id:
                first_day[med.id] = first_day_per_member(m.n, occ.member[mask], occ.day[mask])
    elif isinstance(ev, MedicationEvent):
        ok = m.state.therapy.allows(ev.order.drug, occ.member, occ.day)
        occ = occ.take(np.flatnonzero(ok)) if not ok.all() else occ
    elif isinstance(ev, DecisionEvent):
        occ.extra["branch"] = _choose(run, node, occ, rng)
        for b, branch in enumerate(ev.branches):
            mask = np.zeros(m.n, bool)
            mask[occ.member[occ.extra["branch"] == b]] = True
            run.branch_members[(node.key, branch.name)] = mask
    elif isinstance(ev, DeathEvent):
        pass  # deaths are the member state's: a journey's death event only happens where the state says
    elif isinstance(ev, EnrollmentChangeEvent) and ev.change == "term":
        month_end = (occ.day.astype("datetime64[D]").astype("datetime64[M]") + 1).astype("datetime64[D]")
        np.minimum.at(run.term, occ.member, month_end.astype(np.int64) - 1)
        terminate(m.state, occ.member, occ.day)
    run.occ[node.key] = occ
    first_day[node.key] = first_day_per_member(m.n, occ.member, occ.day)


STAYS = ("inpatient", "observation")


def _on_the_calendar(run: JourneyRun, ev, occ: Occurrences) -> Occurrences:
    """One hospital at a time: stays are booked on the member's calendar (those that would overlap a
    booked stay do not happen, nor anything that hangs from them); other visits cannot fall inside one."""
    cal = run.m.state.calendar
    if getattr(ev, "setting", None) in STAYS:
        end = occ.extra["end_ts"] // 86400
        booked = cal.book(occ.member, occ.day, end)
        return occ.take(np.flatnonzero(booked)) if not booked.all() else occ
    inside = cal.overlaps(occ.member, occ.day, occ.day, strict=True)
    return occ.take(np.flatnonzero(~inside)) if inside.any() else occ


def _choose(run: JourneyRun, node: Node, occ: Occurrences, rng: np.random.Generator) -> np.ndarray:
    """A branch index per occurrence; the first matching rule sets the probabilities."""
    ev: DecisionEvent = node.event
    names = [b.name for b in ev.branches]
    p = np.tile(np.array([b.probability for b in ev.branches]), (len(occ), 1))
    decided = np.zeros(len(occ), bool)
    for rule in ev.rules:
        hit = ~decided & when_mask(rule.when, run.m, occ.member, occ.day, run.flags, run.ctx,
                                   _result_at(run, node, occ), run.measures.first_day)
        p[hit] = [rule.probabilities.get(x, 0.0) for x in names]
        decided |= hit
    cumulative = np.cumsum(p, axis=1)
    cumulative[:, -1] = 1.0
    u = rng.random(len(occ))
    return (cumulative < u[:, None]).sum(axis=1).astype(np.int32)
