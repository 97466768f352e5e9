"""Sampling coverage: plan choice and enrollment spans per member.

Spans follow payer practice: coverage starts on the first of a month and ends
on the last day of a month. Most members are covered the whole period; the
rest start late (new members), terminate early, or have a gap (two spans).
Medicare-based coverage cannot start before the month a member turns 65, and no
coverage starts before the member's birth.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from healthsim.engine.columns import dates, days, digits, join, labels, scramble
from healthsim.engine.households import X12_RELATIONSHIP, form_households
from healthsim.engine.members import MemberBlock
from healthsim.engine.seeds import Stream, block_rng
from healthsim.plan.population import COVERAGE_PREFIX, PopulationPlan

MEDICARE_BASED = {"medicare", "medicare_advantage", "dual"}
SPAN_KINDS = ("continuous", "late_start", "early_term", "gap")


def member_ids(plan: PopulationPlan, person_id: np.ndarray, salt: int) -> np.ndarray:
    """9-digit identifiers: a seed-dependent bijection of person_id (unique, not sequential)."""
    offset = (plan.seed * 2654435761 + salt * 40503) % 1_000_000_000
    return scramble(person_id, 1_000_000_000, 387_420_489 + 2 * salt, offset)


def _month_starts(start_day: int, end_day: int) -> np.ndarray:
    first = np.datetime64(np.datetime64(start_day, "D"), "M")
    last = np.datetime64(np.datetime64(end_day, "D"), "M")
    months = np.arange(first, last + 1)
    return months.astype("datetime64[D]").astype(np.int64)


def _month_turning(birth_day: np.ndarray, years: int) -> np.ndarray:
    """First day of the month Medicare coverage can begin at age `years`.

    That is the month of the birthday, or the month before it for members
    born on the 1st (SSA counts age as reached the day before the birthday).
    """
    birth = birth_day.astype("datetime64[D]")
    month = birth.astype("datetime64[M]") + years * 12
    born_on_first = (birth - birth.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) == 0
    month = np.where(born_on_first, month - 1, month)
    return month.astype("datetime64[D]").astype(np.int64)


def option_probabilities(plan: PopulationPlan, m: MemberBlock) -> np.ndarray:
    """(members x options) chance of each coverage option: the shares, spread over the options a
    member's age allows (Medicare from 65) — also the targets the run summary checks."""
    shares = np.array([o.share for o in plan.options], float)
    age = np.floor(m.age)
    allowed = np.column_stack([(age >= (o.min_age if o.min_age is not None else 0))
                               & (age <= (o.max_age if o.max_age is not None else 200)) for o in plan.options])
    p = allowed * shares[None, :]
    total = p.sum(axis=1, keepdims=True)
    return np.where(total > 0, p / np.where(total > 0, total, 1), shares[None, :] / shares.sum())


def _by_age(plan: PopulationPlan, m: MemberBlock, rng: np.random.Generator) -> np.ndarray:
    p = option_probabilities(plan, m)
    u = rng.random(m.n)
    return np.minimum((np.cumsum(p, axis=1) < u[:, None]).sum(axis=1), len(plan.options) - 1)


def sample_coverage(plan: PopulationPlan, m: MemberBlock) -> pa.Table:
    """Fill m.plan_index/member_id/coverage_start/end; return enrollment rows."""
    rng = block_rng(plan.seed, m.block, Stream.COVERAGE)
    n, p0, p1 = m.n, days(plan.period_start), days(plan.period_end)
    shares = np.array([o.share for o in plan.options])
    option = rng.choice(len(plan.options), size=n, p=shares / shares.sum())
    if any(o.min_age is not None or o.max_age is not None for o in plan.options):
        option = _by_age(plan, m, rng)
    uninsured = np.array([o.coverage_type == "uninsured" for o in plan.options])[option]
    e = plan.spec.coverage.enrollment
    kind = rng.choice(4, size=n, p=[e.continuous_share, e.late_start_share, e.early_term_share, e.gap_share])
    starts = _month_starts(p0, p1)
    k = len(starts)
    month_end = np.append(starts[1:] - 1, p1)
    # A late start or early end needs at least 2 months in the period; a gap needs 3.
    kind = np.where((k < 2) & (kind > 0), 0, kind)
    kind = np.where((k < 3) & (kind == 3), 0, kind)
    s1 = np.full(n, p0, np.int64)
    e1 = np.full(n, p1, np.int64)
    late, early, gap = kind == 1, kind == 2, kind == 3
    s1[late] = starts[rng.integers(1, max(k, 2), late.sum())]
    e1[early] = month_end[rng.integers(0, max(k - 1, 1), early.sum())]
    a = rng.integers(0, max(k - 2, 1), n)  # gap: span 1 ends in month a, span 2 starts at month b >= a + 2
    b = a + 2 + (rng.random(n) * np.maximum(k - a - 2, 1)).astype(np.int64)
    b = np.minimum(b, k - 1)
    e1[gap] = month_end[a[gap]]
    s2 = np.where(gap, starts[b], 0)
    # Medicare-based coverage begins the month a member turns 65.
    medicare = np.array([o.coverage_type in MEDICARE_BASED for o in plan.options])[option]
    t65 = _month_turning(m.birth_day, 65)
    late65 = medicare & (t65 > s1) & (t65 <= p1)
    s1 = np.where(late65, t65, s1)
    # Nobody is covered before birth: a newborn's coverage starts on the birth date (Medicaid and
    # employer plans cover a newborn from birth); a member born after the period has none in it.
    s1 = np.maximum(s1, m.birth_day)
    s2 = np.where(gap, np.maximum(s2, m.birth_day), s2)
    uninsured = uninsured | (m.birth_day > p1)
    gap = gap & ~(s1 > e1) & (s2 <= p1)  # span 1 would end before coverage starts: one span instead
    e1 = np.where(e1 < s1, p1, e1)
    # households: dependents share the subscriber's plan, coverage spans and address
    head = form_households(plan, m, option)
    option, uninsured, s1, e1, s2, gap = (a[head] for a in (option, uninsured, s1, e1, s2, gap))
    m.zip_row = m.zip_row[head]
    if m.county_row is not None:
        m.county_row = m.county_row[head]
    m.plan_index = np.where(uninsured, -1, option)
    ids = member_ids(plan, m.person_id, salt=1)
    m.member_id = ids
    prefixes = [COVERAGE_PREFIX[o.coverage_type] for o in plan.options]
    m.coverage_start = np.where(uninsured, -1, s1)
    m.coverage_end = np.where(uninsured, -1, np.where(gap, p1, e1))
    return _enrollment_rows(plan, m, option, ids, prefixes, s1, e1, s2, gap, uninsured)


def relationship_codes(m: MemberBlock) -> np.ndarray:
    """Per member index into X12_RELATIONSHIP (0 '18' self, 1 '01' spouse, 2 '19' child)."""
    return np.zeros(m.n, np.int32) if m.relationship is None else m.relationship.astype(np.int32)


def _enrollment_rows(plan, m, option, ids, prefixes, s1, e1, s2, gap, uninsured) -> pa.Table:
    covered = np.flatnonzero(~uninsured)
    second = np.flatnonzero(gap & ~uninsured)
    rows = np.concatenate([covered, second])
    order = np.argsort(rows, kind="stable")
    rows = rows[order]
    start = np.concatenate([s1[covered], s2[second]])[order]
    end = np.concatenate([e1[covered], np.full(len(second), days(plan.period_end))])[order]
    span = np.concatenate([np.ones(len(covered), np.int32), np.full(len(second), 2, np.int32)])[order]
    opt = option[rows]
    member_id = join(labels(opt, prefixes).cast(pa.string()), digits(ids[rows], 9))
    return pa.table({
        "person_id": m.person_id[rows],
        "member_id": member_id,
        "coverage_type": labels(opt, [o.coverage_type for o in plan.options]),
        "plan": labels(opt, [o.plan_name for o in plan.options]),
        "plan_id": labels(opt, [o.plan_id for o in plan.options]),
        "start_date": dates(start),
        "end_date": dates(end),
        "span_no": span,
        "relationship": labels(relationship_codes(m)[rows], list(X12_RELATIONSHIP)),
    })


def plans_table(plan: PopulationPlan) -> pa.Table:
    """One row per plan option, with its benefit design flattened to columns."""
    from healthsim.spec.coverage import SERVICE_TYPES

    cols: dict[str, list] = {
        "plan_id": [], "plan_name": [], "coverage_type": [], "plan_year": [], "deductible": [],
        "oop_max": [], "coinsurance": [], "rx_deductible": [],
    }
    for s in SERVICE_TYPES:
        cols[f"copay_{s}"] = []
    for o in plan.options:
        b = o.benefits
        for key, value in (("plan_id", o.plan_id), ("plan_name", o.plan_name),
                           ("coverage_type", o.coverage_type), ("plan_year", plan.period_start.year),
                           ("deductible", b.deductible), ("oop_max", b.oop_max),
                           ("coinsurance", b.coinsurance), ("rx_deductible", b.rx_deductible)):
            cols[key].append(value)
        for s in SERVICE_TYPES:
            cols[f"copay_{s}"].append(b.copays.get(s))  # null: deductible + coinsurance apply
    return pa.table(cols)
