"""Households: who shares a policy (subscriber, spouse, children), for a whole block at once.

Two ways, chosen by the profile's `households`:

- auto (default): households form among the members already drawn, so every marginal the
  profile fixed (age, sex, race, county, plan shares) stays exactly as drawn. Only members
  whose coverage enrolls families (commercial, exchange, Medicaid) take part, and only
  within the same plan option, county and (when drawn from the place) race and Hispanic
  origin. Children under 18 join an adult 18-45 years older when the group has one (a
  Medicaid child without an enrolled parent stays their own subscriber, as state Medicaid
  files do); young adults 18-25 join a parent's policy with DEPENDENT_18_25 probability
  (the ACA lets them stay to 26); adults pair as spouses with SPOUSE_SHARE probability,
  women and men matched by age rank, never more than MAX_SPOUSE_GAP years apart.
- size N: every household has exactly N members (the last of a block may be smaller):
  a subscriber, a spouse of the other sex from N >= 2, then children, with ages drawn to
  fit the roles ("a commercial family of 4").

Dependents take the subscriber's ZIP (so the same address), plan and coverage spans;
`relationship` is the X12 834 INS02 code (18 self, 01 spouse, 19 child).
"""

from __future__ import annotations

import numpy as np

from healthsim.engine.ages import exact_ages
from healthsim.engine.members import MemberBlock
from healthsim.engine.seeds import Stream, block_rng

FAMILY_COVERAGE = ("commercial", "exchange", "medicaid")
SELF, SPOUSE, CHILD = 0, 1, 2
X12_RELATIONSHIP = ("18", "01", "19")
SPOUSE_SHARE = 0.5
"""Share of adult members 22+ on family coverage whose spouse is on the same policy. About
half of U.S. adults are married (Census CPS 2022, ~50% of 18+, from memory) and employer
family coverage usually carries the spouse: a HealthSim approximation."""
DEPENDENT_18_25 = 0.5
"""Share of 18-25-year-old members on a parent's policy when the group has a parent: about
half of young adults with private coverage are dependents (from memory of Census CPS/ACS
tabulations after the ACA's age-26 rule); a HealthSim approximation."""
MAX_SPOUSE_GAP = 15
PARENT_GAP = (17.0, 50.0)  # a parent is this many years older than the child
MAX_CHILDREN = 6


def form_households(plan, m: MemberBlock, option: np.ndarray) -> np.ndarray:
    """Fill m.household / m.relationship; return each member's subscriber position in the block."""
    spec = plan.spec.households
    n = m.n
    head = np.arange(n)
    rel = np.zeros(n, np.int8)
    family_types = np.array([o.coverage_type in FAMILY_COVERAGE for o in plan.options])
    if spec.mode != "off" and spec.size is None and family_types.any():
        rng = block_rng(plan.seed, m.block, Stream.HOUSEHOLDS)
        eligible = family_types[option]
        group = _groups(m, option, eligible)
        head, rel = _pair_spouses(m, group, eligible, rng, head, rel)
        head, rel = _attach_children(m, group, eligible, rng, head, rel)
    elif spec.size is not None:
        head, rel = _fixed_roles(n, spec.size)
    m.household = m.person_id[head]
    m.relationship = rel
    return head


def _groups(m: MemberBlock, option: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Group number per member (-1: not on family coverage): plan option x county (x race and
    Hispanic origin when they came from the place)."""
    parts = [option.astype(np.int64), (m.county_row if m.county_row is not None else m.zip_row).astype(np.int64)]
    if m.race is not None:
        parts.append(m.race.astype(np.int64) * 2 + m.hispanic.astype(np.int64))
    key = np.zeros(m.n, np.int64)
    for p in parts:
        key = key * (int(p.max()) + 1 if len(p) else 1) + p
    _, group = np.unique(key, return_inverse=True)
    return np.where(eligible, group, -1)


def _pair_spouses(m, group, eligible, rng, head, rel):
    adult = eligible & (m.age >= 22)
    married = adult & (rng.random(m.n) < SPOUSE_SHARE)
    noise = rng.random(m.n)
    women = np.flatnonzero(married & (m.sex == "F"))
    men = np.flatnonzero(married & (m.sex == "M"))
    rank_w, rank_m = _rank_in_group(group, m.age, women), _rank_in_group(group, m.age, men)
    key_w = group[women] * 100_000 + rank_w
    key_m = group[men] * 100_000 + rank_m
    _, iw, im = np.intersect1d(key_w, key_m, return_indices=True)
    w, h = women[iw], men[im]
    close = np.abs(m.age[w] - m.age[h]) <= MAX_SPOUSE_GAP
    w, h = w[close], h[close]
    woman_subscribes = noise[w] < 0.5
    sub = np.where(woman_subscribes, w, h)
    spouse = np.where(woman_subscribes, h, w)
    head[spouse] = sub
    rel[spouse] = SPOUSE
    return head, rel


def _rank_in_group(group: np.ndarray, age: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... by age within each group, for the given member positions."""
    order = np.lexsort((age[rows], group[rows]))
    g = group[rows][order]
    first = np.r_[0, np.flatnonzero(np.diff(g)) + 1]
    rank_sorted = np.arange(len(g)) - np.repeat(first, np.diff(np.r_[first, len(g)]))
    rank = np.empty(len(rows), np.int64)
    rank[order] = rank_sorted
    return rank


def _attach_children(m, group, eligible, rng, head, rel):
    married = (rel != SELF) | (np.bincount(head, minlength=m.n) > 1)  # married people stay put
    kid = eligible & (m.age < 18) & ~married
    young = eligible & (m.age >= 18) & (m.age < 26) & (rng.random(m.n) < DEPENDENT_18_25) & ~married
    child = np.flatnonzero(kid | young)
    parents = np.flatnonzero(eligible & (m.age >= 18) & (rel == SELF) & ~(kid | young))
    if len(child) == 0 or len(parents) == 0:
        return head, rel
    gap = np.clip(rng.normal(30.0, 6.0, len(child)), *PARENT_GAP)
    target = m.age[child] + gap
    # parents sorted by (group, age); search each child's target age inside its own group
    order = np.lexsort((m.age[parents], group[parents]))
    p_sorted = parents[order]
    span = 1000.0
    key_p = group[p_sorted] * span + m.age[p_sorted]
    key_c = group[child] * span + target
    pos = np.searchsorted(key_p, key_c)
    best = np.full(len(child), -1)
    best_gap = np.full(len(child), np.inf)
    for cand in (pos - 1, pos):
        ok = (cand >= 0) & (cand < len(p_sorted))
        c = np.where(ok, cand, 0)
        p = p_sorted[c]
        same = ok & (group[p] == group[child])
        age_gap = m.age[p] - m.age[child]
        fits = same & (age_gap >= PARENT_GAP[0]) & (age_gap <= PARENT_GAP[1])
        dist = np.abs(m.age[p] - target)
        better = fits & (dist < best_gap)
        best = np.where(better, p, best)
        best_gap = np.where(better, dist, best_gap)
    found = best >= 0
    child, parent = child[found], head[best[found]]  # a spouse's children join the subscriber
    # at most MAX_CHILDREN per household: the extra stay their own subscribers
    order = np.argsort(parent, kind="stable")
    ranked = _rank_in_group(parent[order], np.zeros(len(order)), np.arange(len(order)))
    keep = np.empty(len(order), bool)
    keep[order] = ranked < MAX_CHILDREN
    head[child[keep]] = parent[keep]
    rel[child[keep]] = CHILD
    return head, rel


def _fixed_roles(n: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    pos = np.arange(n)
    head = pos - pos % size
    j = pos % size
    rel = np.where(j == 0, SELF, np.where(j == 1, SPOUSE, CHILD)).astype(np.int8)
    return head, rel


def fixed_size_demographics(plan, block: int, m: MemberBlock) -> None:
    """Households of exactly `size`: make ages and sexes fit the roles (in place on m).

    The subscriber keeps their drawn sex and an age clipped to 24-64; the spouse is of the
    other sex, 2 years older if a man (mean U.S. age gap at marriage, Census CPS, from
    memory) +- 3; children are born when the younger parent was 20-40 and are 0-25 (the
    age-26 dependent limit). Race and Hispanic origin are the subscriber's.
    """
    from healthsim.engine.columns import days

    size = plan.spec.households.size
    head, rel = _fixed_roles(m.n, size)
    rng = block_rng(plan.seed, block, Stream.HOUSEHOLDS, 1)
    age = m.age.copy()
    sub = rel == SELF
    age[sub] = np.clip(age[sub], 24.0, 64.0) + (age[sub] < 24) * rng.random(sub.sum()) * 15
    sp = rel == SPOUSE
    sex = m.sex.copy()
    sex[sp] = np.where(m.sex[head[sp]] == "F", "M", "F")
    shift = np.where(sex[sp] == "M", 2.0, -2.0) + rng.normal(0, 3, sp.sum())
    age[sp] = np.clip(age[head[sp]] + shift, 18.0, 90.0)
    ch = rel == CHILD
    parent_age = np.minimum(age[head[ch]], np.where(sp[np.minimum(head[ch] + 1, m.n - 1)],
                                                   age[np.minimum(head[ch] + 1, m.n - 1)], age[head[ch]]))
    at_birth = rng.uniform(20.0, 40.0, ch.sum())
    age[ch] = np.clip(parent_age - at_birth, 0.0, np.minimum(25.99, np.maximum(parent_age - 17.0, 0.0)))
    sex[ch] = np.where(rng.random(ch.sum()) < 0.51, "M", "F")
    if m.race is not None:
        m.race, m.hispanic = m.race[head], m.hispanic[head]
        m.expected = {}
    m.zip_row = m.zip_row[head]
    if m.county_row is not None:
        m.county_row = m.county_row[head]
    m.sex = sex.astype("<U1")
    m.birth_day = days(plan.as_of) - np.floor(age * 365.2425).astype(np.int64)
    m.age = exact_ages(m.birth_day, plan.as_of)  # calendar ages (engine/ages.py)


def households_table(plan, m: MemberBlock, persons):
    """One row per household of two or more members in the block."""
    import pyarrow as pa

    from healthsim.engine.columns import labels

    if m.household is None:
        return pa.table({"household_id": pa.array([], pa.int64()), "subscriber_id": pa.array([], pa.int64()),
                         "size": pa.array([], pa.int32()), "spouses": pa.array([], pa.int32()),
                         "children": pa.array([], pa.int32()), "plan_id": pa.array([], pa.string()),
                         "zip": pa.array([], pa.string())})
    head = (m.household - m.person_id[0]).astype(np.int64)
    size = np.bincount(head, minlength=m.n)
    spouses = np.bincount(head, m.relationship == SPOUSE, minlength=m.n).astype(np.int32)
    children = np.bincount(head, m.relationship == CHILD, minlength=m.n).astype(np.int32)
    rows = np.flatnonzero(size > 1)
    plan_index = m.plan_index[rows]
    plan_ids = [o.plan_id for o in plan.options]
    plan_col = labels(np.maximum(plan_index, 0).astype(np.int32), plan_ids).cast(pa.string())
    plan_col = pa.array(plan_col.to_numpy(zero_copy_only=False), pa.string(), mask=plan_index < 0)
    return pa.table({
        "household_id": m.person_id[rows], "subscriber_id": m.person_id[rows],
        "size": size[rows].astype(np.int32), "spouses": spouses[rows], "children": children[rows],
        "plan_id": plan_col, "zip": persons.column("zip").take(pa.array(rows)),
    })
