"""Running statistics for the end-of-run summary: realised vs target.

Counters are accumulated block by block from the engine's own columns (cheap
vectorised sums), merged at the end, and turned into checks: each specified
marginal with its target, its realised value and the 99% sampling interval
around the target for this many members. Condition targets are the expected
share among eligible members (sum of their probabilities), so age-banded and
comorbidity prevalences are compared fairly.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from healthsim.engine.conditions import eligible, member_prevalence
from healthsim.engine.coverage import option_probabilities
from healthsim.engine.members import MemberBlock
from healthsim.plan.population import PopulationPlan

Z99 = 2.5758


@dataclass
class RunStats:
    n: int = 0
    age_sum: float = 0.0
    age_sumsq: float = 0.0
    sex: Counter = field(default_factory=Counter)
    race: Counter = field(default_factory=Counter)
    ethnicity: Counter = field(default_factory=Counter)
    plan: Counter = field(default_factory=Counter)
    plan_expected: Counter = field(default_factory=Counter)
    plan_var: Counter = field(default_factory=Counter)
    cond_eligible: Counter = field(default_factory=Counter)
    cond_cases: Counter = field(default_factory=Counter)
    cond_expected: Counter = field(default_factory=Counter)
    cond_var: Counter = field(default_factory=Counter)
    rows: Counter = field(default_factory=Counter)
    expected: Counter = field(default_factory=Counter)  # place-based model probabilities (race, Hispanic)

    def add_block(self, plan: PopulationPlan, m: MemberBlock, persons_race, persons_eth) -> None:
        self.n += m.n
        self.age_sum += float(m.age.sum())
        self.age_sumsq += float((m.age**2).sum())
        self.sex.update(_counts(m.sex, str))
        self.race.update(persons_race)
        self.ethnicity.update(persons_eth)
        self.plan.update(_counts(m.plan_index, int))
        if len(plan.options) > 1:
            p = option_probabilities(plan, m)
            for i in range(len(plan.options)):
                self.plan_expected[i] += float(p[:, i].sum())
                self.plan_var[i] += float((p[:, i] * (1 - p[:, i])).sum())
        for key, values in m.expected.items():
            for i, v in enumerate(np.atleast_1d(values)):
                self.expected[f"{key}:{i}"] += float(v)
        for cond in plan.conditions:
            ok = eligible(cond, m)
            p = member_prevalence(cond, m)[ok]
            self.cond_eligible[cond.code] += int(ok.sum())
            self.cond_cases[cond.code] += int(m.conditions[cond.code].sum())
            self.cond_expected[cond.code] += float(p.sum())
            self.cond_var[cond.code] += float((p * (1 - p)).sum())

    def merge(self, other: RunStats) -> None:
        """Add another block's (or worker's) counters into this one."""
        for key, value in other.__dict__.items():
            if isinstance(value, Counter):
                getattr(self, key).update(value)
            else:
                setattr(self, key, getattr(self, key) + value)

    def as_dict(self) -> dict:
        return {k: (dict(v) if isinstance(v, Counter) else v) for k, v in self.__dict__.items()}


def _counts(values: np.ndarray, cast) -> dict:
    uniq, n = np.unique(values, return_counts=True)
    return {cast(u): int(c) for u, c in zip(uniq, n, strict=True)}


@dataclass(frozen=True)
class Check:
    """One specified marginal: target, realised, and its 99% sampling interval."""

    name: str
    target: float
    realised: float
    low: float
    high: float

    @property
    def ok(self) -> bool:
        return self.low <= self.realised <= self.high


def checks(plan: PopulationPlan, s: RunStats) -> list[Check]:
    out: list[Check] = []
    demo = plan.spec.demographics
    n = max(s.n, 1)
    mean, var = (demo.age.mean(), demo.age.variance()) if demo.age is not None else (None, None)
    if mean is not None and var is not None and var > 0:
        sd = math.sqrt(var)
        realised_mean = s.age_sum / n
        realised_sd = math.sqrt(max(s.age_sumsq / n - realised_mean**2, 0.0))
        out.append(_check("age mean", mean, realised_mean, sd / math.sqrt(n)))
        out.append(_check("age sd", sd, realised_sd, sd / math.sqrt(2 * max(n - 1, 1))))
    out += _shares("sex", demo.gender, s.sex, n)
    out += _shares("race", demo.race, s.race, n)
    out += _shares("ethnicity", demo.ethnicity, s.ethnicity, n)
    out += _place_checks(plan, s, n)
    if len(plan.options) > 1:
        for i, o in enumerate(plan.options):
            count = s.plan.get(i, 0) + (s.plan.get(-1, 0) if o.coverage_type == "uninsured" else 0)
            # targets follow the option's age limits: the expected share given who is old enough for it
            out.append(_check(f"coverage {o.plan_id} ({o.coverage_type})", s.plan_expected[i] / n, count / n,
                              math.sqrt(s.plan_var[i]) / n, share=True))
    for cond in plan.conditions:
        k = s.cond_eligible[cond.code]
        if k == 0:  # shown, not dropped: the spec asked for it and nobody could have it
            target = cond.prevalence if isinstance(cond.prevalence, float | int) else 0.0
            out.append(Check(f"{cond.code} prevalence (0 eligible: no member fit its sex/age rule)",
                             float(target), 0.0, 0.0, 0.0))
            continue
        target = s.cond_expected[cond.code] / k
        se = math.sqrt(s.cond_var[cond.code]) / k
        out.append(_check(f"{cond.code} prevalence (of {k:,} eligible)", target,
                          s.cond_cases[cond.code] / k, se, share=True))
    return out


PUBLISHED_RELATIVE = 0.15
PUBLISHED_ABSOLUTE = 0.02
"""How close a place-drawn share must come to the place's published share (issue 11's
acceptance rule: 15% relative, or 2 points for shares under 10%)."""


def _place_checks(plan: PopulationPlan, s: RunStats, n: int) -> list[Check]:
    """Race and Hispanic shares drawn from the place: against the model's expectation for
    these members (99% interval), and, when every marginal came from the place, against the
    place's published ACS shares (within the issue-11 tolerance)."""
    from healthsim.spec.vocab import RACES

    d = plan.demography
    if d is None:
        return []
    out = []
    labels = tuple(RACES)
    for key, names, counts in (("race", labels, s.race), ("hispanic", ("not_hispanic", "hispanic"), None)):
        if f"{key}:0" not in s.expected:
            continue
        for i, label in enumerate(names):
            if key == "hispanic":
                if label == "not_hispanic":
                    continue
                realised = s.ethnicity.get("hispanic", 0) / n
                p, var = s.expected[f"{key}:1"] / n, s.expected[f"{key}_var:1"]
            else:
                realised = counts.get(label, 0) / n
                p, var = s.expected[f"{key}:{i}"] / n, s.expected[f"{key}_var:{i}"]
            name = f"{'ethnicity hispanic' if key == 'hispanic' else 'race ' + label} (from {d.label})"
            out.append(_check(name, p, realised, math.sqrt(var) / n, share=True))
    if set(d.from_place) >= {"age", "gender", "race", "ethnicity"} and d.weight.size:
        published = list(zip(labels, d.published_race, strict=True)) + [("hispanic", d.published_hispanic)]
        for label, p in published:
            realised = (s.ethnicity.get("hispanic", 0) if label == "hispanic" else s.race.get(label, 0)) / n
            half = max(PUBLISHED_ABSOLUTE if p < 0.10 else PUBLISHED_RELATIVE * p, Z99 * math.sqrt(p * (1 - p) / n))
            out.append(Check(f"{label} share vs published ACS ({d.label})", float(p), realised,
                             max(p - half, 0.0), min(p + half, 1.0)))
    return out


def _check(name: str, target: float, realised: float, se: float, share: bool = False) -> Check:
    half = Z99 * se + 1e-12
    low, high = target - half, target + half
    if share:  # a proportion's interval stays inside [0, 1]
        low, high = max(low, 0.0), min(high, 1.0)
    return Check(name, target, realised, low, high)


def _share(name: str, p: float, count: int, n: int) -> Check:
    return _check(name, p, count / n, math.sqrt(p * (1 - p) / n), share=True)


def _shares(what: str, dist, counts: Counter, n: int) -> list[Check]:
    probs = getattr(dist, "probabilities", None)
    if probs is None:
        return []
    labels, p = probs()
    return [_share(f"{what} {label}", float(pi), counts.get(label, 0), n) for label, pi in zip(labels, p, strict=True)]
