"""Deaths come from the member state for every member: the SSA period life table times each member's
condition hazard mix, checked by age band and sex on a Medicare population."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from healthsim import api
from healthsim.conditions import library
from healthsim.engine.columns import days
from healthsim.engine.population import generate_block
from healthsim.state import MemberStateStep

N, BLOCK = 40_000, 10_000
TABLE = Path(__file__).resolve().parents[2] / "src/healthsim/reference/data/ssa_life_table.csv"


def _q(year: int) -> tuple[np.ndarray, np.ndarray]:
    with open(TABLE) as f:
        rows = [r for r in csv.DictReader(line for line in f if not line.startswith("#")) if int(r["year"]) == year]
    return (np.array([float(r["q_male"]) for r in rows]), np.array([float(r["q_female"]) for r in rows]))


def _expected_q(m, state, lo: int, year: int) -> np.ndarray:
    """Each member's chance of dying in the year: q(age, sex) x (1 + excess HR) / population mean HR.

    Written from the library and the SSA table directly (not the engine's functions), so the test
    checks the draw against the model it claims to follow."""
    qm, qf = _q(year)
    age = np.floor((lo - m.birth_day) / 365.25).astype(int)
    q = np.where(m.sex == "F", qf[np.clip(age, 0, 119)], qm[np.clip(age, 0, 119)])
    lib = library()
    norm = np.ones(m.n)
    hr = np.ones(m.n)
    member = np.arange(m.n)
    day = np.full(m.n, lo)
    for fam in lib.families.values():
        for band in fam.mortality.population_prevalence:
            norm += np.where((age >= band.min_age) & (age <= band.max_age), band.share * (fam.mortality.hazard_ratio - 1), 0)
    for track in state.tracks.values():
        fam = track.family
        ratio = np.full(m.n, fam.mortality.hazard_ratio)
        if track.stage_day is not None:
            by_stage = np.array([s.hazard_ratio or fam.mortality.hazard_ratio for s in fam.stages]
                                + [fam.mortality.hazard_ratio])
            ratio = by_stage[track.stage_at(member, day)]
        hr += np.where(track.active(member, day), ratio - 1, 0)
    return 1 - np.exp(np.log1p(-q) * hr / norm)


@pytest.fixture(scope="module")
def medicare_year():
    spec = api.load_profile("medicare-diabetic", count=N, seed=3)
    run = api.build_run(spec)
    lo = days(run.population.period_start)
    died, expected, band, female = [], [], [], []
    for b in range(N // BLOCK):
        res = generate_block(run.population, b, b * BLOCK, BLOCK)
        MemberStateStep(run.population).run_block(res.members, res.tables)
        m, st = res.members, res.members.state
        died.append(st.death_day < 2**60)
        expected.append(_expected_q(m, st, lo, run.population.period_start.year))
        age = (lo - m.birth_day) / 365.25
        band.append(np.digitize(age, [75, 85]))
        female.append(m.sex == "F")
    return tuple(np.concatenate(x) for x in (died, expected, band, female))


@pytest.mark.parametrize("band", [0, 1, 2], ids=["65-74", "75-84", "85+"])
@pytest.mark.parametrize("sex", ["F", "M"])
def test_deaths_by_age_band_and_sex_follow_the_life_table_and_hazards(medicare_year, band, sex):
    died, expected, bands, female = medicare_year
    cell = (bands == band) & (female == (sex == "F"))
    realised, target = died[cell].sum(), expected[cell].sum()
    assert target > 30, "cell too small to test"
    tolerance = max(0.15 * target, 2.576 * math.sqrt(target))  # 15%, or sampling noise where cells are small
    assert abs(realised - target) <= tolerance, (int(realised), round(float(target), 1))


def test_diabetic_medicare_members_die_more_often_than_the_plain_table(medicare_year):
    died = medicare_year[0]
    spec = api.load_profile("medicare-diabetic", count=BLOCK, seed=3)
    run = api.build_run(spec)
    res = generate_block(run.population, 0, 0, BLOCK)
    qm, qf = _q(run.population.period_start.year)
    age = np.floor((days(run.population.period_start) - res.members.birth_day) / 365.25).astype(int)
    plain = np.where(res.members.sex == "F", qf[age], qm[age]).mean()
    assert died.mean() > 1.05 * plain  # diabetes and its company carry excess mortality (HR ~1.6 for diabetes)
