"""Who dies in the window, when, of what, and where.

Every member faces the SSA period life table's q(x) for their single year of age,
sex and calendar year (reference/data/ssa_life_table.csv), times their condition
hazard ratio over the population's mean ratio at that age (conditions/model.py
`Mortality`: excess hazards add; the mean comes from each family's
`population_prevalence`). The window is cut into years; each year's hazard is
constant, taken at the year's start (stage and conditions active then). One
Exp(1) draw per member against the cumulative hazard places the death day, so a
multi-year window is a proper competing risk. The cause is one of the member's
conditions with probability proportional to its excess hazard, otherwise a
general cause (conditions/data/_causes.yaml); about a fifth of older people die
as hospital inpatients (CDC NCHS Data Brief 384, 2020), flagged for the terminal
admission.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import yaml

from healthsim.conditions.library import DATA_DIR, library
from healthsim.engine.members import MemberBlock
from healthsim.engine.seeds import Stream, block_rng
from healthsim.reference._files import read_commented_csv
from healthsim.state.model import NEVER, Track

DAYS_PER_YEAR = 365.25
SUB_MORTALITY = 4
IN_HOSPITAL_SHARE = 0.20  # deaths as hospital inpatients (CDC NCHS Data Brief 384: ~20% inpatient, 2018)


@lru_cache(maxsize=1)
def life_table() -> tuple[np.ndarray, np.ndarray, int]:
    """(q by [year - first, age] for men, for women, first year)."""
    rows = read_commented_csv("ssa_life_table.csv")
    years = sorted({int(r["year"]) for r in rows})
    qm = np.zeros((len(years), 120))
    qf = np.zeros((len(years), 120))
    for r in rows:
        y, a = int(r["year"]) - years[0], int(r["age"])
        qm[y, a], qf[y, a] = float(r["q_male"]), float(r["q_female"])
    return qm, qf, years[0]


@lru_cache(maxsize=1)
def general_causes() -> tuple[list[str], np.ndarray]:
    with open(DATA_DIR / "_causes.yaml", encoding="utf-8") as f:
        causes = yaml.safe_load(f)["causes"]
    w = np.array([c["weight"] for c in causes], float)
    return [c["code"] for c in causes], w / w.sum()


def q_of(age: np.ndarray, female: np.ndarray, year: int) -> np.ndarray:
    qm, qf, first = life_table()
    y = int(np.clip(year - first, 0, qm.shape[0] - 1))
    a = np.clip(age.astype(np.int64), 0, 119)
    return np.where(female, qf[y, a], qm[y, a])


def population_norm(age: np.ndarray) -> np.ndarray:
    """Mean hazard ratio of the general population at each age (1 + sum of prevalence x excess)."""
    norm = np.ones(len(age))
    for fam in library().families.values():
        excess = fam.mortality.hazard_ratio - 1.0
        for band in fam.mortality.population_prevalence:
            norm += np.where((age >= band.min_age) & (age < band.max_age + 1), band.share * excess, 0.0)
    return norm


def excess_hazards(tracks: dict[str, Track], member: np.ndarray, day: np.ndarray) -> dict[str, np.ndarray]:
    """Each family's excess hazard ratio (HR - 1) for the members on the day (0 where inactive)."""
    out = {}
    for fid, track in tracks.items():
        fam = track.family
        hr = np.full(len(member), fam.mortality.hazard_ratio)
        if track.stage_day is not None:
            stage = track.stage_at(member, day)
            by_stage = np.array([s.hazard_ratio or fam.mortality.hazard_ratio for s in fam.stages]
                                + [fam.mortality.hazard_ratio])
            hr = by_stage[stage]
        excess = np.where(track.active(member, day), hr - 1.0, 0.0)
        if np.any(excess != 0):
            out[fid] = excess
    return out


def draw_deaths(m: MemberBlock, tracks: dict[str, Track], seed: int, lo: int, hi: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(death day or NEVER, cause code or None, died in hospital) per member."""
    n = m.n
    rng = block_rng(seed, m.block, Stream.STATE, SUB_MORTALITY)
    target = rng.exponential(1.0, n)
    cause_u, general_u, place_u = rng.random(n), rng.random(n), rng.random(n)
    member = np.arange(n)
    female = m.sex == "F"
    cumulative = np.zeros(n)
    death = np.full(n, NEVER, np.int64)
    seg_start = lo
    while seg_start <= hi:
        seg_end = min(seg_start + 365, hi + 1)  # exclusive
        day = np.full(n, seg_start, np.int64)
        age = (day - m.birth_day) / DAYS_PER_YEAR
        year = int(np.datetime64(int(seg_start), "D").astype("datetime64[Y]").astype(int) + 1970)
        q = q_of(np.floor(np.maximum(age, 0)), female, year)
        excess = excess_hazards(tracks, member, day)
        hr = 1.0 + sum(excess.values(), np.zeros(n))
        rate = -np.log1p(-np.minimum(q, 0.999)) / DAYS_PER_YEAR * hr / population_norm(age)
        rate = np.where(day >= m.birth_day, rate, 0.0)
        length = seg_end - seg_start
        after = cumulative + rate * length
        dies = (death == NEVER) & (after >= target) & (rate > 0)
        offset = np.floor(np.minimum((target - cumulative) / np.maximum(rate, 1e-12), 1e9)).astype(np.int64)
        death = np.where(dies, seg_start + np.clip(offset, 0, length - 1), death)
        cumulative = after
        seg_start = seg_end
    death = np.where(death < NEVER, np.maximum(death, m.birth_day + 1), NEVER)
    cause = _causes(tracks, death, cause_u, general_u)
    return death, cause, (death < NEVER) & (place_u < IN_HOSPITAL_SHARE)


def _causes(tracks: dict[str, Track], death: np.ndarray, u: np.ndarray, general_u: np.ndarray) -> np.ndarray:
    rows = np.flatnonzero(death < NEVER)
    cause = np.full(len(death), None, dtype=object)
    if not len(rows):
        return cause
    excess = excess_hazards(tracks, rows, death[rows])
    fids = sorted(excess)
    table = np.column_stack([np.maximum(excess[f], 0) for f in fids] + [np.ones(len(rows))]) if fids \
        else np.ones((len(rows), 1))
    cum = np.cumsum(table, axis=1) / table.sum(axis=1, keepdims=True)
    pick = (cum < u[rows, None]).sum(axis=1)
    codes, p = general_causes()
    general = np.array(codes, dtype=object)[np.minimum(np.searchsorted(np.cumsum(p), general_u[rows]),
                                                       len(codes) - 1)]
    own = np.array([tracks[f].family.mortality.cause or tracks[f].family.codes.default for f in fids] + [None],
                   dtype=object)
    chosen = own[pick]
    cause[rows] = np.where(chosen == None, general, chosen)
    return cause
