"""Metrics that are not a ratio of sums: cost concentration and deaths against the life table.

Each function takes the session, the population's member table and the row's arguments and
returns a Measurement. Registered by name; metrics.yaml refers to them with `function:`.
"""

from __future__ import annotations

import csv
import functools
import math
from collections.abc import Callable
from importlib import resources

import numpy as np

from healthsim.store.analysis import AnalysisSession
from healthsim.validation.measure import Measurement

FUNCTIONS: dict[str, Callable[[AnalysisSession, str, tuple[str, ...]], Measurement]] = {}
_BOOTSTRAP = 200
_BOOTSTRAP_MAX_N = 50_000


def register(fn):
    FUNCTIONS[fn.__name__] = fn
    return fn


def member_paid(session: AnalysisSession, pop_table: str) -> np.ndarray:
    """Total paid (medical plan paid + pharmacy plan paid) per member of the population in the window."""
    cols = session.columns(f"""
        SELECT m.person_id,
               coalesce((SELECT sum(c.paid) FROM claims c WHERE c.person_id = m.person_id
                         AND c.service_from BETWEEN m.window_start AND m.end_date), 0)
             + coalesce((SELECT sum(f.plan_paid) FROM pharmacy_claims f WHERE f.person_id = m.person_id
                         AND f.status = 'paid' AND f.fill_date BETWEEN m.window_start AND m.end_date), 0) AS paid
        FROM {pop_table} m WHERE m.member_years > 0""")
    return np.asarray(cols.get("paid", np.zeros(0)), dtype=float)


def concentration_curve(paid: np.ndarray, points: int = 101) -> tuple[np.ndarray, np.ndarray]:
    """(share of members, share of paid) from the costliest member down: the Lorenz curve flipped."""
    if paid.size == 0 or paid.sum() <= 0:
        x = np.linspace(0, 1, points)
        return x, x
    ordered = np.sort(paid)[::-1]
    cum = np.concatenate([[0.0], np.cumsum(ordered)]) / ordered.sum()
    x = np.linspace(0, 1, points)
    return x, np.interp(x * ordered.size, np.arange(ordered.size + 1), cum)


def _top_share(paid: np.ndarray, pct: float) -> float:
    total = paid.sum()
    if total <= 0:
        return 0.0
    k = max(1, math.ceil(paid.size * pct / 100))
    return float(np.partition(paid, paid.size - k)[paid.size - k:].sum() / total)


def _share_with_se(paid: np.ndarray, stat: Callable[[np.ndarray], float]) -> Measurement:
    if paid.size < 2:
        return Measurement(None, None, int(paid.size))
    value = stat(paid)
    sample = paid
    rng = np.random.default_rng(20240617)  # fixed: the same cohort gets the same interval
    if sample.size > _BOOTSTRAP_MAX_N:  # the error shrinks as 1/sqrt(n): estimate on a subsample, rescale
        sample = rng.choice(paid, _BOOTSTRAP_MAX_N, replace=False)
    boots = [stat(rng.choice(sample, sample.size, replace=True)) for _ in range(_BOOTSTRAP)]
    se = float(np.std(boots, ddof=1)) * math.sqrt(sample.size / paid.size)
    return Measurement(value, se, int(paid.size))


@register
def cost_share_top(session: AnalysisSession, pop_table: str, args: tuple[str, ...]) -> Measurement:
    pct = float(args[0]) if args else 20.0
    return _share_with_se(member_paid(session, pop_table), lambda a: _top_share(a, pct))


@register
def cost_share_bottom(session: AnalysisSession, pop_table: str, args: tuple[str, ...]) -> Measurement:
    pct = float(args[0]) if args else 50.0
    return _share_with_se(member_paid(session, pop_table), lambda a: 1.0 - _top_share(a, 100.0 - pct))


@functools.cache
def _life_table() -> dict[tuple[int, int], tuple[float, float]]:
    with resources.files("healthsim.reference.data").joinpath("ssa_life_table.csv").open("r", encoding="utf-8") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return {(int(r["year"]), int(r["age"])): (float(r["q_male"]), float(r["q_female"])) for r in rows}


def life_table_q(ages: np.ndarray, sexes: np.ndarray, year: int) -> np.ndarray:
    table = _life_table()
    years = sorted({y for y, _ in table})
    year = min(max(year, years[0]), years[-1])
    top = max(a for y, a in table if y == year)
    male = np.array([table[(year, a)][0] for a in range(top + 1)])
    female = np.array([table[(year, a)][1] for a in range(top + 1)])
    idx = np.clip(ages.astype(int), 0, top)
    return np.where(sexes == "M", male[idx], female[idx])


@register
def deaths_vs_life_table(session: AnalysisSession, pop_table: str, args: tuple[str, ...]) -> Measurement:
    """Observed deaths / deaths expected from SSA q(x) for the members' ages, sexes and exposure.

    Exposure runs from the window's start; the window's year j (0 = first) holds the part of a
    member's member-years between j and j + 1, at the age the member had in the middle of that year
    (age at as_of less the years still to come, less half a year: q interpolated between ages).
    """
    cols = session.columns(f"""
        SELECT age, sex, member_years, CAST(death_date IS NOT NULL AND death_date <= window_end AS INTEGER) AS died,
               year(window_end) AS year, (window_end - window_start + 1) / 365.25 AS window_years
        FROM {pop_table} WHERE member_years > 0""")
    if not len(cols.get("age", [])):
        return Measurement(None, None, 0)
    ages, sexes = cols["age"].astype(float), cols["sex"].astype(str)
    exposure, died = cols["member_years"].astype(float), cols["died"].astype(float)
    end_year, years = int(cols["year"][0]), max(1, round(float(cols["window_years"][0])))
    expected = 0.0
    for j in range(years):
        part = np.clip(exposure - j, 0.0, 1.0)
        back = years - 1 - j  # whole years between this window year and as_of
        cal = end_year - back
        q = 0.5 * (life_table_q(np.maximum(ages - back - 1, 0), sexes, cal)
                   + life_table_q(np.maximum(ages - back, 0), sexes, cal))
        expected += float((q * part).sum())
    observed = float(died.sum())
    if expected <= 0:
        return Measurement(None, None, int(ages.size))
    return Measurement(observed / expected, math.sqrt(max(observed, 1.0)) / expected, int(ages.size),
                       observed, expected)
