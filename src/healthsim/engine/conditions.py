"""Sampling profile conditions: who has each code, and since when.

A condition applies only to members for whom it is clinically possible (sex
and age rules per code); among those, prevalence comes from the spec — one
probability, a table by age band and sex, or P(code | earlier code) for
comorbidity. Onset is drawn as years before as_of, capped so it never falls
before the code's minimum onset age (no type 2 diabetes at age 2).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from healthsim.engine.columns import dates, days, labels
from healthsim.engine.members import MemberBlock
from healthsim.engine.seeds import Stream, block_rng
from healthsim.plan.population import ConditionPlan, PopulationPlan
from healthsim.spec.conditions import PrevalenceTable

DAYS_PER_YEAR = 365.2425


def eligible(cond: ConditionPlan, m: MemberBlock) -> np.ndarray:
    """Members for whom the code is possible (sex and age rules)."""
    ok = (m.age >= cond.min_age) & (m.age < cond.max_age + 1)
    if cond.sex is not None:
        ok &= m.sex == cond.sex
    return ok


def member_prevalence(cond: ConditionPlan, m: MemberBlock) -> np.ndarray:
    """Each member's probability of the condition (before eligibility)."""
    if isinstance(cond.prevalence, PrevalenceTable):
        p = np.full(m.n, cond.prevalence.default)
        assigned = np.zeros(m.n, bool)
        age = np.floor(m.age)
        for band in cond.prevalence.bands:
            hit = ~assigned & (age >= band.age_min) & (age <= band.age_max)
            if band.sex is not None:
                hit &= m.sex == band.sex
            p[hit] = band.prevalence
            assigned |= hit
    else:
        p = np.full(m.n, float(cond.prevalence))
    p = local_adjustment(cond, m, p)
    if cond.given:
        given_p = np.full(m.n, -1.0)
        for other, prob in cond.given:
            given_p = np.where(m.conditions[_code(other, m)], np.maximum(given_p, prob), given_p)
        p = np.where(given_p >= 0, given_p, p)
    return p


def local_adjustment(cond: ConditionPlan, m: MemberBlock, p: np.ndarray) -> np.ndarray:
    """PopulationSim's hook: the odds of a condition a CDC PLACES measure covers scaled by the
    member's county (plan/sdoh.py local_odds; none under demographics.source explicit or
    local_prevalence: false). A prevalence of 1 (the cohort's index condition) stays 1."""
    if cond.local_odds is None or m.county_row is None:
        return p
    from healthsim.plan.sdoh import apply_odds

    return apply_odds(p, cond.local_odds[m.county_row])


def _code(index: int, m: MemberBlock) -> str:
    return list(m.conditions)[index]


def sample_conditions(plan: PopulationPlan, m: MemberBlock) -> pa.Table:
    """Fill m.conditions / m.onset_day and return the conditions rows."""
    rng = block_rng(plan.seed, m.block, Stream.CONDITIONS)
    onset_rng = block_rng(plan.seed, m.block, Stream.ONSETS)
    as_of = days(plan.as_of)
    ids, code_idx, onsets = [], [], []
    for i, cond in enumerate(plan.conditions):
        has = eligible(cond, m) & (rng.random(m.n) < member_prevalence(cond, m))
        years = cond.years_since_onset.sample(m.n, onset_rng, m.context())
        room = np.maximum(m.age - cond.min_age, 0.0)  # years between min onset age and as_of
        years = np.clip(years, 0.0, room)
        onset = as_of - np.floor(years * DAYS_PER_YEAR).astype(np.int64)
        onset = np.clip(onset, m.birth_day + int(np.ceil(cond.min_age * DAYS_PER_YEAR)), as_of)
        onset = np.maximum(onset, m.birth_day + 1)
        m.conditions[cond.code], m.onset_day[cond.code] = has, onset
        idx = np.flatnonzero(has)
        ids.append(m.person_id[idx])
        code_idx.append(np.full(len(idx), i, np.int32))
        onsets.append(onset[idx])
    codes = [c.code for c in plan.conditions]
    descriptions = [c.description for c in plan.conditions]
    ci = np.concatenate(code_idx) if code_idx else np.zeros(0, np.int32)
    return pa.table({
        "person_id": np.concatenate(ids) if ids else np.zeros(0, np.int64),
        "code": labels(ci, codes),
        "description": labels(ci, descriptions),
        "onset_date": dates(np.concatenate(onsets) if onsets else np.zeros(0, np.int64)),
        "source": labels(np.zeros(len(ci), np.int32), ["profile"]),
    })
