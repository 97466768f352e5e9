"""Who is on a journey, when their clock starts, and the days their records may fall on.

Everything here is per block and per journey, as columns over the block's
members: the condition-prefix flags `when` clauses test, the distribution
context, the start day (by the spec's `start` anchor), and the window
[low, high] outside which no event is generated (coverage, enrollment gap,
journey duration, the cohort's as_of). Uninsured members are followed over the
profile's coverage period (they are seen as self-pay).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from healthsim.engine.columns import days
from healthsim.engine.members import MemberBlock
from healthsim.episodes.rates import rate_columns
from healthsim.episodes.timing import NEVER
from healthsim.plan.journey import JourneyPlan
from healthsim.plan.population import PopulationPlan
from healthsim.spec.journey_timing import When

DAYS_PER_YEAR = 365.25


@dataclass
class Coverage:
    """Per-member covered window and enrollment gap, from the enrollments table."""

    low: np.ndarray
    high: np.ndarray
    gap_low: np.ndarray  # first uncovered day between two spans (NEVER when none)
    gap_high: np.ndarray


def coverage_windows(pop: PopulationPlan, m: MemberBlock, enrollments: pa.Table) -> Coverage:
    p0, as_of = days(pop.period_start), days(pop.as_of)
    low = np.where(m.coverage_start >= 0, m.coverage_start, p0).astype(np.int64)
    high = np.minimum(np.where(m.coverage_end >= 0, m.coverage_end, days(pop.period_end)), as_of).astype(np.int64)
    gap_low = np.full(m.n, NEVER, np.int64)
    gap_high = np.full(m.n, NEVER, np.int64)
    if enrollments.num_rows:
        pid = enrollments.column("person_id").to_numpy()
        span = enrollments.column("span_no").to_numpy()
        start = enrollments.column("start_date").cast(pa.int32()).to_numpy().astype(np.int64)
        end = enrollments.column("end_date").cast(pa.int32()).to_numpy().astype(np.int64)
        idx = pid - m.person_id[0]
        first, second = span == 1, span == 2
        gap_low[idx[first]] = np.where(np.isin(idx[first], idx[second]), end[first] + 1, NEVER)
        gap_high[idx[second]] = start[second] - 1
        gap_low[gap_high == NEVER] = NEVER
    return Coverage(low, high, gap_low, gap_high)


def condition_flags(m: MemberBlock, prefixes) -> dict[str, np.ndarray]:
    """prefix -> whether each member has a condition whose code starts with it (at the end of their window).

    These are context columns for distributions (`conditional: on: I50`); `when` clauses ask the
    member state about the day of each event instead.
    """
    state = m.state
    member = np.arange(m.n)
    last = np.minimum(state.window_hi, state.death_day)
    return {prefix: state.has(prefix, member, last) for prefix in prefixes}


def context(pop: PopulationPlan, m: MemberBlock, flags: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    ctx = m.context()
    types = np.array([o.coverage_type for o in pop.options] + ["uninsured"], dtype=object)
    ctx["coverage_type"] = types[np.where(m.plan_index >= 0, m.plan_index, len(pop.options))]
    ctx.update(flags)
    ctx.update(rate_columns(m, ctx["coverage_type"], pop.seed))
    return ctx


def when_mask(w: When | None, m: MemberBlock, member: np.ndarray, day: np.ndarray, flags, ctx,
              result=None, first_day: dict | None = None) -> np.ndarray:
    """Whether each (member, day) satisfies `w`.

    `result(measure)` gives measured values at these rows; `first_day` maps event ids to each
    member's first day of that event (for `without_event`).
    """
    ok = np.ones(len(member), bool)
    if w is None:
        return ok
    if w.sex is not None:
        ok &= m.sex[member] == w.sex
    if w.min_age is not None or w.max_age is not None:
        age = (day - m.birth_day[member]) / DAYS_PER_YEAR
        ok &= age >= (w.min_age or 0)
        if w.max_age is not None:
            ok &= age < w.max_age + 1
    if w.condition:
        ok &= np.any([m.state.has(c, member, day) for c in w.condition], axis=0)
    if w.without_condition:
        ok &= ~np.any([m.state.has(c, member, day) for c in w.without_condition], axis=0)
    for name, values in (w.attribute or {}).items():
        column = ctx.get(name)
        ok &= np.isin(np.asarray(column)[member].astype(str), values) if column is not None else False
    if w.coverage:
        ok &= np.isin(ctx["coverage_type"][member].astype(str), w.coverage)
    if w.died_in_hospital is not None:
        ok &= m.state.death_in_hospital[member] == w.died_in_hospital
    if w.medication:
        classes = m.state.therapy.classes
        ok &= np.any([classes[c].on(member, day) if c in classes else np.zeros(len(member), bool)
                      for c in w.medication], axis=0)
    for event in w.without_event or []:
        if first_day is not None and event in first_day:
            ok &= first_day[event][member] > day
    if w.result is not None and result is not None:
        v = result(w.result.measure)
        if w.result.above is not None:
            ok &= v > w.result.above
        if w.result.below is not None:
            ok &= v < w.result.below
    return ok


def journey_members(plan: JourneyPlan, m: MemberBlock, flags, ctx, rng: np.random.Generator) -> np.ndarray:
    """Which members have this journey: the attachment's `when` and `share`, and eligibility."""
    member = np.arange(m.n)
    # conditions in an attachment or eligibility `when` are judged at the end of the member's window
    anchor_day = np.minimum(m.state.window_hi, m.state.death_day)
    ok = when_mask(plan.attach_when, m, member, anchor_day, flags, ctx)
    ok &= rng.random(m.n) < plan.share
    if plan.spec.eligibility is not None:
        as_of_age = np.floor(m.age)
        w = plan.spec.eligibility
        ok &= when_mask(w.model_copy(update={"min_age": None, "max_age": None}), m, member, anchor_day, flags, ctx)
        ok &= as_of_age >= (w.min_age or 0)
        if w.max_age is not None:
            ok &= as_of_age <= w.max_age
    return ok


def start_days(plan: JourneyPlan, m: MemberBlock, cov: Coverage, active: np.ndarray, ctx,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start day, still active, redated onset or -1) per member, by the spec's `start`."""
    s = plan.spec.start
    n = m.n
    span = np.maximum(cov.high - cov.low, 0)
    u = rng.random(n)
    offset = np.zeros(n, np.int64) if s.offset is None else np.rint(s.offset.sample(n, rng, ctx)).astype(np.int64)
    redated = np.full(n, -1, np.int64)
    if s.anchor == "coverage":
        room = np.where(span > s.min_follow_up, span - s.min_follow_up, span)
        start = cov.low + np.floor(u * (room + 1)).astype(np.int64)
    elif s.anchor == "coverage_start":
        start = cov.low + offset
    elif s.anchor == "date":
        start = np.full(n, days(s.on), np.int64) + offset
    elif s.anchor == "death":  # end-of-life care: days before the member state's death
        dies = m.state.death_day < NEVER
        active = active & dies
        # care that began before the window (a long hospice stay, billed a month at a time) is followed
        # from its first monthly anniversary inside the window (not all from the window's first day)
        begun = m.state.death_day + offset
        start = np.where(begun < cov.low, cov.low + (begun - cov.low) % 30, begun)
        active = active & (start <= m.state.death_day)
        start = np.where(dies, start, cov.low)
    else:
        # An episode that starts at a diagnosis follows the member state's onset: only members
        # diagnosed inside the window have it (`redate` is read as `skip`: moving an onset that the
        # state, the conditions table and every earlier record already carry would contradict them).
        onset = m.state.onset_of(s.condition)
        active = active & (onset < NEVER)
        start = np.where(onset < NEVER, onset + offset, cov.low)
        outside = (start < cov.low) | (start > cov.high)
        if s.if_outside in ("skip", "redate"):
            active = active & ~outside
        else:
            fallback = cov.low + np.floor(u * (span + 1)).astype(np.int64)
            start = np.where(outside, fallback, start)
    active = active & (start >= cov.low) & (start <= cov.high) & (start > m.birth_day)
    elig = plan.spec.eligibility
    if elig is not None and elig.condition and s.anchor != "condition_onset":
        # a journey for members with a condition starts no earlier than their diagnosis
        onset = np.min([m.state.onset_of(c) for c in elig.condition], axis=0)
        start = np.where(onset < NEVER, np.maximum(start, onset), start)
    if plan.repetition:  # the k-th year of a yearly journey starts k years after the first
        start = start + round(plan.repetition * 365.2425)
    active = active & (start >= cov.low) & (start <= cov.high)
    active &= ~((start >= cov.gap_low) & (start <= cov.gap_high))
    active &= start <= m.state.death_day
    return start.astype(np.int64), active, redated
