"""Who is in the cohort and for how long: the member table every metric divides by.

One temporary table, `hs_members`, one row per person: sex, age at as_of, main coverage (the
coverage type of the enrollment span with the most days), the window, the death date, and the
exposure (member-years and member-months enrolled inside the window, up to death). Each
population of the benchmark table is a temporary view over it (`hs_pop_<id>`), filtered by
coverage, age, sex and condition family. Whether a population applies to this cohort is decided
here too: too few members, a general population against a cohort selected on a condition, or an
age range the cohort does not span.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from healthsim.store.analysis import AnalysisSession
from healthsim.validation.sql import family_predicate
from healthsim.validation.table import Population

SELECTED_SHARE = 0.90  # a condition family this share of the cohort has makes it a selected cohort


@dataclass(frozen=True)
class CohortFrame:
    cohort_id: int
    name: str
    members: int
    as_of: dt.date
    window_start: dt.date
    window_end: dt.date
    coverage: dict[str, int]
    selected_on: tuple[str, ...]  # condition families nearly everyone has
    spec: dict = field(default_factory=dict, repr=False)

    @property
    def window_years(self) -> float:
        return ((self.window_end - self.window_start).days + 1) / 365.25


@dataclass(frozen=True)
class PopulationFit:
    population: Population
    table: str
    members: int
    applies: bool
    reason: str = ""


def build_frame(session: AnalysisSession) -> CohortFrame:
    cid, name, spec_json, as_of, members = session.one(
        "SELECT cohort_id, name, spec, as_of, member_count FROM cohorts")
    spec = _json(spec_json)
    as_of = as_of or dt.date.today()
    start = _window_start(session, spec, as_of)
    session.execute(_MEMBERS_SQL, [start, as_of])
    coverage = dict(session.rows("SELECT coverage, count(*) FROM hs_members GROUP BY 1 ORDER BY 2 DESC"))
    return CohortFrame(cohort_id=cid, name=name, members=int(members), as_of=as_of, window_start=start,
                       window_end=as_of, coverage={str(k): int(v) for k, v in coverage.items()},
                       selected_on=_selected_families(session, int(members)), spec=spec)


def fit_population(session: AnalysisSession, frame: CohortFrame, pop: Population) -> PopulationFit:
    """Make the population's member view and say whether its rows apply to this cohort."""
    table = f"hs_pop_{pop.id}"
    where = [f"coverage IN ({', '.join(repr(c) for c in pop.coverage)})",
             f"age BETWEEN {int(pop.age[0])} AND {int(pop.age[1])}"]
    if pop.sex:
        where.append(f"sex = '{pop.sex}'")
    if pop.condition:
        where.append("person_id IN (SELECT person_id FROM conditions WHERE "
                     + family_predicate(pop.condition, "code") + ")")
    session.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM hs_members WHERE {' AND '.join(where)}")
    n, lo, hi = session.one(f"SELECT count(*), min(age), max(age) FROM {table}")
    fit = PopulationFit(pop, table, int(n or 0), True)
    if not n:
        return PopulationFit(pop, table, 0, False, "no members in this population")
    if n < pop.min_members:
        return PopulationFit(pop, table, int(n), False, f"too few members ({n} < {pop.min_members})")
    if pop.general and frame.selected_on:
        return PopulationFit(pop, table, int(n), False,
                             f"the cohort is selected on {', '.join(frame.selected_on)}; "
                             f"{pop.label} figures describe an unselected population")
    if pop.general and pop.age_coverage > 0:
        top = min(pop.age[1], 100)
        span = (min(hi, top) - max(lo, pop.age[0]) + 1) / (top - pop.age[0] + 1)
        if span < pop.age_coverage:
            return PopulationFit(pop, table, int(n), False,
                                 f"the cohort's ages {lo}-{hi} span too little of {pop.age[0]}-{pop.age[1]}")
    return fit


def _json(value) -> dict:
    if isinstance(value, dict):
        return value
    try:
        return json.loads(value) if value else {}
    except (TypeError, ValueError):
        return {}


def _window_start(session: AnalysisSession, spec: dict, as_of: dt.date) -> dt.date:
    """The spec's window when it states one; else the first enrollment day; else a year before as_of."""
    window = spec.get("window") if isinstance(spec.get("window"), dict) else None
    if window:
        if window.get("start"):
            return dt.date.fromisoformat(str(window["start"])[:10])
        if window.get("years"):
            years = int(window["years"])
            return _years_before(as_of, years) + dt.timedelta(days=1)
    if session.has_table("enrollments"):
        first = session.one("SELECT min(start_date) FROM enrollments")
        if first and first[0]:
            return max(first[0], _years_before(as_of, 10))
    return _years_before(as_of, 1) + dt.timedelta(days=1)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _selected_families(session: AnalysisSession, members: int) -> tuple[str, ...]:
    from healthsim.conditions.library import library

    if not members:
        return ()
    out = []
    for fam in library().families.values():
        n = session.one("SELECT count(DISTINCT person_id) FROM conditions WHERE "
                        + family_predicate(fam.id, "code"))[0]
        if n >= SELECTED_SHARE * members:
            out.append(fam.id)
    return tuple(out)


# Exposure: enrolled days inside [window start, min(window end, death)], summed over spans.
# Main coverage: the type of the span with the most days (ties: the later span).
_MEMBERS_SQL = """
CREATE OR REPLACE TEMP TABLE hs_members AS
WITH w AS (SELECT CAST(? AS DATE) AS ws, CAST(? AS DATE) AS we),
d AS (SELECT person_id, min(death_date) AS death_date FROM deaths GROUP BY person_id),
p AS (
  SELECT p.person_id, p.sex, p.age, p.birth_date, d.death_date, w.ws AS window_start, w.we AS window_end,
         least(w.we, coalesce(d.death_date, w.we)) AS end_date
  FROM persons p LEFT JOIN d USING (person_id), w),
spans AS (
  SELECT e.person_id, e.coverage_type,
         greatest(0, least(e.end_date, p.end_date) - greatest(e.start_date, p.window_start) + 1) AS days,
         e.end_date - e.start_date AS length, e.start_date
  FROM enrollments e JOIN p USING (person_id)),
cov AS (
  SELECT person_id, sum(days) AS days,
         arg_max(coverage_type, length * 100000 + (start_date - DATE '1900-01-01')) AS coverage
  FROM spans GROUP BY person_id)
SELECT p.person_id, p.sex, p.age, p.birth_date, p.death_date, p.window_start, p.window_end, p.end_date,
       coalesce(cov.coverage, 'uninsured') AS coverage,
       coalesce(cov.days, 0) / 365.25 AS member_years,
       coalesce(cov.days, 0) * 12 / 365.25 AS member_months
FROM p LEFT JOIN cov USING (person_id)
"""
