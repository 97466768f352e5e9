"""Each member's own rate of care per service: the context columns `rate:<service>`.

The utilization table (conditions/data/_utilization.yaml) gives population rates by payer and
age with their sources; a member's rate is that row's rate, times the member's frailty (a gamma
draw with mean 1, the same for every service, so heavy use of one kind of care goes with heavy use
of the others), times the member's conditions' ratios over the population's at that age:

    (1 + sum over the member's conditions of (ratio - 1))
    / (1 + sum over all families of (ratio - 1) x population prevalence at the member's age)

the normalisation the member state uses for mortality. Conditions are those the state has at the
end of the member's window (as condition flags are). Chances (readmission) take no frailty: they are
per stay, and the stays already come from frail members more often. `rate:specialist_<specialty>` is
the visits a year the member's conditions bring to that specialty (the condition files'
utilization.specialist_visits_per_year).
"""

from __future__ import annotations

import numpy as np

from healthsim.conditions import library
from healthsim.conditions.utilization import Service, utilization
from healthsim.engine.members import MemberBlock
from healthsim.engine.seeds import Stream, block_rng


def rate_columns(m: MemberBlock, coverage_type: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    table = utilization()
    rng = block_rng(seed, m.block, Stream.UTILIZATION)
    k = table.frailty_shape
    frailty = rng.gamma(k, 1.0 / k, m.n)
    age = np.floor(np.maximum(np.asarray(m.age, float), 0)).astype(np.int64)
    cov = np.asarray(coverage_type).astype(str)
    active = _active_families(m)
    out = {}
    for name, service in table.services.items():
        rate = _base(service, cov, age) * _condition_factor(service, active, age)
        out[f"rate:{name}"] = rate if service.probability else rate * frailty
    out.update(_specialist_rates(active, m.n, frailty))
    return out


def _specialist_rates(active: dict[str, np.ndarray], n: int, frailty: np.ndarray) -> dict[str, np.ndarray]:
    """`rate:specialist_<specialty>`: the most visits a year any of the member's conditions brings to
    that specialty (utilization.specialist_visits_per_year; a member with heart failure and atrial
    fibrillation sees one cardiologist), times frailty."""
    out: dict[str, np.ndarray] = {}
    for fam in library().families.values():
        u = fam.utilization
        if u.specialist is None or not u.specialist_visits_per_year:
            continue
        key = f"rate:specialist_{u.specialist}"
        cur = out.setdefault(key, np.zeros(n))
        if fam.id in active:
            out[key] = np.maximum(cur, np.where(active[fam.id], u.specialist_visits_per_year, 0.0))
    return {k: v * frailty for k, v in out.items()}


def _base(service: Service, cov: np.ndarray, age: np.ndarray) -> np.ndarray:
    """The first matching row's rate per member (0 where no row applies)."""
    out = np.zeros(len(cov))
    done = np.zeros(len(cov), bool)
    for row in service.rates:
        hit = ~done & np.isin(cov, row.coverage) & (age >= row.age[0]) & (age <= row.age[1])
        out[hit] = row.per_year
        done |= hit
    return out


def _active_families(m: MemberBlock) -> dict[str, np.ndarray]:
    state = m.state
    if state is None:
        return {}
    member = np.arange(m.n)
    last = np.minimum(state.window_hi, state.death_day)
    return {fid: track.active(member, last) for fid, track in state.tracks.items()}


def _condition_factor(service: Service, active: dict[str, np.ndarray], age: np.ndarray) -> np.ndarray:
    if service.condition_ratio is None:
        return np.ones(len(age))
    num, den = np.ones(len(age)), np.ones(len(age))
    for fam in library().families.values():
        ratio = getattr(fam.utilization, service.condition_ratio)
        if ratio is None:
            continue
        if fam.id in active:
            num += np.where(active[fam.id], ratio - 1.0, 0.0)
        for band in fam.mortality.population_prevalence:
            den += np.where((age >= band.min_age) & (age < band.max_age + 1), band.share * (ratio - 1.0), 0.0)
    return num / den
