"""Place-based demographics: one sex x age x race x Hispanic table per county, raked.

Method (docs/populationsim.md has the worked example):

1. Seed: the national July 2019 joint table (sex x Hispanic x race x 5 age bands,
   NC-EST2019-ASR6H), with Hispanic people split by race with the national Hispanic race
   mix, widened to 7 age bins (0-4, 5-17, 18-24, 25-44, 45-64, 65-84, 85+) with the
   national single-year age shape. It carries the associations the county data lacks:
   Hispanic and multiracial people are younger, White non-Hispanic people older, and so on.
2. County margins: the ACS 2015-19 age bands, spread to single years of age with the
   state's single-year shape (so 18-64 splits into 18-24 / 25-44 / 45-64), and the 14
   race x Hispanic cells of reference/data/county_demographics.csv.gz (published ACS
   race-alone and Hispanic shares, with the non-Hispanic race split from SVI 2020).
3. Iterative proportional fitting of the seed to both margins, every county at once
   (numpy over a (counties, 2, 7, 14) array), RAKE_ITERATIONS sweeps; the race x Hispanic
   margin is fitted last, so it is exact and the age margin is within RAKE_TOLERANCE.

Members draw their county from the ZIP they live in, then whatever the spec does not
give from their county's table conditioned on what it does give: a Medicare profile
with its own age distribution gets each county's race mix *for that age*, and a spec
that sets race still gets the county's Hispanic share for that race.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from healthsim.reference.population import AGE_BINS, MAX_AGE, TOP_AGE

RAKE_ITERATIONS = 40
RAKE_TOLERANCE = 1e-6
BIN_LOW = np.array([lo for lo, _ in AGE_BINS])
AGE_WIDTH = max(hi - lo + 1 for lo, hi in AGE_BINS[:-1])  # widest single-year bin (25-44: 20)
TAIL_WIDTH = MAX_AGE - TOP_AGE + 1
ACS_BAND_OF_AGE = np.digitize(np.arange(TOP_AGE + 1), [5, 18, 65, 85])  # 0-4, 5-17, 18-64, 65-84, 85+
BIN_OF_AGE = np.digitize(np.arange(TOP_AGE + 1), BIN_LOW[1:])


@dataclass(frozen=True)
class Demography:
    """What the engine samples place-based demographics from (one slot per county used)."""

    from_place: tuple[str, ...]  # marginals the place supplies: age, gender, race, ethnicity
    county_rows: np.ndarray      # (K,) rows of geography.counties() behind each slot
    zip_slot: np.ndarray         # per plan ZIP (PopulationPlan.zip_rows order): its slot
    joint: np.ndarray            # (K, 2 sexes F/M, 7 age bins, 14 race x Hispanic cells), sums to 1
    age_cdf: np.ndarray          # (K, 7, W): cumulative P(age = bin low + i | bin)
    published_race: np.ndarray   # (7,) the published race-alone shares of the geography
    published_hispanic: float
    label: str                   # e.g. 'Harris County, TX'
    weight: np.ndarray           # (K,) share of members expected in each slot

    def bin_of(self, age: np.ndarray) -> np.ndarray:
        return np.searchsorted(BIN_LOW, np.floor(age), side="right") - 1


def rake(seed: np.ndarray, age_margin: np.ndarray, cell_margin: np.ndarray,
         iterations: int = RAKE_ITERATIONS) -> np.ndarray:
    """IPF of a (2, 7, 14) seed to per-county age (K, 7) and cell (K, 14) margins -> (K, 2, 7, 14)."""
    t = np.broadcast_to(seed, (len(age_margin), *seed.shape)).copy()
    for _ in range(iterations):
        a = t.sum(axis=(1, 3))
        t *= np.divide(age_margin, a, out=np.zeros_like(a), where=a > 0)[:, None, :, None]
        c = t.sum(axis=(1, 2))
        t *= np.divide(cell_margin, c, out=np.zeros_like(c), where=c > 0)[:, None, None, :]
    return t


def seed_table() -> np.ndarray:
    """The national (2, 7, 14) seed: the 5 national bands widened to the 7 bins."""
    from healthsim.reference.population import national_joint, state_single_ages

    nat = national_joint()
    ages = state_single_ages()[1].sum(axis=0)
    f04 = ages[:5].sum() / ages[:18].sum()
    f6584 = ages[65:85].sum() / ages[65:].sum()
    out = np.empty((2, 7, 14))
    out[:, 0], out[:, 1] = nat[:, 0] * f04, nat[:, 0] * (1 - f04)
    out[:, 2:5] = nat[:, 1:4]
    out[:, 5], out[:, 6] = nat[:, 4] * f6584, nat[:, 4] * (1 - f6584)
    return out / out.sum()


def county_single_ages(rows: np.ndarray) -> np.ndarray:
    """(K, 86) P(age = 0..84, 85+) per county: the state's single-year shape scaled so each
    ACS band (0-4, 5-17, 18-64, 65-84, 85+) carries the county's published share."""
    from healthsim.reference.geography import counties
    from healthsim.reference.population import _positions, county_demographics, state_single_ages

    codes, table = state_single_ages()
    shape = table[_positions(codes, counties().state[rows])]  # (K, 86)
    band_sum = np.zeros((len(rows), 5))
    np.add.at(band_sum.T, ACS_BAND_OF_AGE, shape.T)
    bands = county_demographics().age_bands[rows]
    bands = bands / bands.sum(axis=1, keepdims=True)
    scale = np.divide(bands, band_sum, out=np.zeros_like(bands), where=band_sum > 0)
    return shape * scale[:, ACS_BAND_OF_AGE]


def _age_cdf(single: np.ndarray) -> np.ndarray:
    from healthsim.reference.population import old_age_tail

    k = len(single)
    p = np.zeros((k, len(AGE_BINS), max(AGE_WIDTH, TAIL_WIDTH)))
    for b, (lo, hi) in enumerate(AGE_BINS[:-1]):
        p[:, b, : hi - lo + 1] = single[:, lo:hi + 1]
    p[:, -1, :TAIL_WIDTH] = old_age_tail()
    total = p.sum(axis=2, keepdims=True)
    p = np.divide(p, total, out=np.full_like(p, 0.0), where=total > 0)
    p[:, :, 0] = np.where(total[:, :, 0] > 0, p[:, :, 0], 1.0)  # empty bin: its lowest age
    cdf = np.cumsum(p, axis=2)
    cdf[:, :, -1] = 1.0
    return cdf


@lru_cache(maxsize=8)
def _tables(rows_key: bytes) -> tuple[np.ndarray, np.ndarray]:
    from healthsim.reference.population import county_demographics

    rows = np.frombuffer(rows_key, dtype=np.int64)
    single = county_single_ages(rows)
    age_margin = np.zeros((len(rows), len(AGE_BINS)))
    np.add.at(age_margin.T, BIN_OF_AGE, single.T)
    cells = county_demographics().cells[rows]
    cells = cells / cells.sum(axis=1, keepdims=True)
    joint = rake(seed_table(), age_margin, cells)
    joint /= joint.sum(axis=(1, 2, 3), keepdims=True)
    return joint, _age_cdf(single)


def compile_demography(from_place: tuple[str, ...], zip_rows: np.ndarray, zip_p: np.ndarray,
                       reference_counties: tuple[str, ...] | None, label: str) -> Demography:
    """Tables for the counties the plan's ZIPs are in (or one pooled table for `reference_counties`
    when the reference place is not where members live)."""
    from healthsim.reference.geography import counties, zips
    from healthsim.reference.population import county_demographics

    c = counties()
    county_of_zip = np.searchsorted(c.county_fips, zips().county_fips[zip_rows])
    cd = county_demographics()
    if reference_counties is None:
        rows, zip_slot = np.unique(county_of_zip, return_inverse=True)
        weight = np.bincount(zip_slot, zip_p, len(rows))
        joint, age_cdf = _tables(rows.astype(np.int64).tobytes())
    else:
        ref = np.searchsorted(c.county_fips, np.asarray(reference_counties))
        ref_joint, ref_cdf = _tables(np.unique(ref).astype(np.int64).tobytes())
        weight = c.population[np.unique(ref)].astype(float)
        weight /= weight.sum()
        joint = (ref_joint * weight[:, None, None, None]).sum(axis=0, keepdims=True)
        age_cdf = _pooled_cdf(ref_cdf, ref_joint, weight)
        rows, zip_slot = np.unique(ref)[:1], np.zeros(len(zip_rows), np.int64)
        published_rows = np.unique(ref)
        return Demography(from_place, rows, zip_slot, joint, age_cdf,
                          (cd.race[published_rows] * weight[:, None]).sum(0),
                          float((cd.hispanic[published_rows] * weight).sum()), label, np.ones(1))
    return Demography(from_place, rows, zip_slot.astype(np.int64), joint, age_cdf,
                      (cd.race[rows] * weight[:, None]).sum(0), float((cd.hispanic[rows] * weight).sum()),
                      label, weight)


def child_share(d: Demography) -> float:
    """Expected share of members under 18 when ages come from the place."""
    return float((d.joint[:, :, :2].sum(axis=(1, 2, 3)) * d.weight).sum())


def _pooled_cdf(cdf: np.ndarray, joint: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Age-within-bin CDF of several counties pooled by their people in each bin."""
    in_bin = joint.sum(axis=(1, 3)) * weight[:, None]  # (K, 7)
    pdf = np.diff(cdf, axis=2, prepend=0.0)
    pooled = (pdf * in_bin[:, :, None]).sum(axis=0, keepdims=True)
    total = pooled.sum(axis=2, keepdims=True)
    pooled = np.divide(pooled, total, out=np.zeros_like(pooled), where=total > 0)
    out = np.cumsum(pooled, axis=2)
    out[:, :, -1] = 1.0
    return out
