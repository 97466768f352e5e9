"""Compile a ProfileSpec into a PopulationPlan the engine samples from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from healthsim.distributions import Distribution, parse_distribution
from healthsim.errors import FieldProblem, SpecError
from healthsim.plan.benefits import default_benefits, default_plan_name
from healthsim.spec.conditions import PrevalenceTable
from healthsim.spec.coverage import BenefitDesign
from healthsim.spec.profile import ProfileSpec

DEFAULT_YEARS_SINCE_ONSET = {"distribution": "gamma", "shape": 2.0, "scale": 4.0}
"""Years since diagnosis when a condition does not say: mean 8 y, mode 4 y —
the typical duration mix of prevalent chronic disease in a cross-section."""

COVERAGE_PREFIX = {
    "medicare": "MC", "medicare_advantage": "MA", "medicaid": "MD", "commercial": "CM",
    "exchange": "EX", "dual": "DS", "uninsured": "UN",
}


@dataclass(frozen=True)
class ConditionPlan:
    code: str
    description: str
    prevalence: float | PrevalenceTable
    given: tuple[tuple[int, float], ...]  # (index of an earlier condition, P(this | that))
    sex: str | None
    min_age: int
    max_age: int
    years_since_onset: Distribution


@dataclass(frozen=True)
class PlanOption:
    plan_id: str
    plan_name: str
    coverage_type: str
    share: float
    benefits: BenefitDesign


@dataclass(frozen=True)
class PopulationPlan:
    spec: ProfileSpec
    seed: int
    count: int
    as_of: date
    zip_rows: np.ndarray  # indices into reference zips()
    zip_p: np.ndarray  # probability of each of those rows
    conditions: tuple[ConditionPlan, ...]
    options: tuple[PlanOption, ...]
    period_start: date
    period_end: date


def compile_profile(spec: ProfileSpec) -> PopulationPlan:
    """Resolve everything the engine needs; raise SpecError if the spec cannot run."""
    from healthsim.spec.consistency import check_population

    impossible = check_population(spec)  # also checked on load; specs built in code come here directly
    if impossible:
        raise SpecError(impossible, source=spec.profile_name)
    zip_rows, zip_p = _geography(spec)
    conditions = tuple(_conditions(spec))
    start = spec.coverage.enrollment.start or date(spec.as_of.year, 1, 1)
    end = spec.coverage.enrollment.end or spec.as_of
    return PopulationPlan(
        spec=spec, seed=spec.seed, count=spec.count, as_of=spec.as_of,
        zip_rows=zip_rows, zip_p=zip_p,
        conditions=conditions, options=tuple(_options(spec)),
        period_start=start, period_end=end,
    )


def _geography(spec: ProfileSpec) -> tuple[np.ndarray, np.ndarray]:
    from healthsim.reference.geography import zips

    geo, table = spec.geography, zips()
    states = geo.states if isinstance(geo.states, list) else (list(geo.states) if geo.states else None)
    rows = np.arange(len(table.zip))
    if states:
        rows = rows[np.isin(table.state[rows], states)]
    if geo.counties:
        rows = rows[np.isin(table.county_fips[rows], geo.counties)]
    if geo.zips:
        z = table.zip[rows].astype(str)
        keep = np.zeros(len(rows), bool)
        for pattern in geo.zips:
            keep |= np.char.startswith(z, pattern)
        rows = rows[keep]
    if len(rows) == 0:
        raise SpecError([FieldProblem("geography", "no residential ZIP matches these filters",
                                      geo.model_dump(exclude_none=True))])
    w = table.weight[rows].astype(float)
    if isinstance(geo.states, dict):
        st = table.state[rows]
        for s, share in geo.states.items():
            m = st == s
            total = w[m].sum()
            if total <= 0:
                raise SpecError([FieldProblem("geography.states", f"no ZIPs for state {s}")])
            w[m] *= share / total
    if geo.urban_share is not None:
        urban = table.urban[rows].astype(bool)
        for mask, share in ((urban, geo.urban_share), (~urban, 1 - geo.urban_share)):
            total = w[mask].sum()
            if share > 0 and total <= 0:
                kind = "urban" if mask is urban else "rural"
                raise SpecError([FieldProblem("geography.urban_share", f"no {kind} ZIPs in this geography",
                                              geo.urban_share)])
            if total > 0:
                w[mask] *= share / total
    return rows, w / w.sum()


def _conditions(spec: ProfileSpec) -> list[ConditionPlan]:
    from healthsim.reference.code_rules import rule_for
    from healthsim.reference.icd10 import lookup

    index = {c.code: i for i, c in enumerate(spec.conditions)}
    out = []
    for c in spec.conditions:
        rule = rule_for(c.code)
        min_age = c.onset_min_age if c.onset_min_age is not None else rule.onset_min_age
        years = c.years_since_onset or parse_distribution(DEFAULT_YEARS_SINCE_ONSET)
        out.append(ConditionPlan(
            code=c.code, description=c.name or lookup(c.code).description,
            prevalence=c.prevalence, given=tuple((index[g.code], g.prevalence) for g in c.given),
            sex=rule.sex, min_age=int(max(min_age, rule.min_age) if c.onset_min_age is None else min_age),
            max_age=int(rule.max_age), years_since_onset=years,
        ))
    return out


def _options(spec: ProfileSpec) -> list[PlanOption]:
    out, counters = [], {}
    for o in spec.coverage.options:
        n = counters[o.type] = counters.get(o.type, 0) + 1
        out.append(PlanOption(
            plan_id=f"{COVERAGE_PREFIX[o.type]}-{n:02d}",
            plan_name=o.plan or default_plan_name(o.type),
            coverage_type=o.type, share=o.share,
            benefits=o.benefits or default_benefits(o.type),
        ))
    return out
