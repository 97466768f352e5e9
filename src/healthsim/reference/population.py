"""County demographics, SDOH and PLACES prevalence, state single-year ages, the national joint table.

All county tables have one row per county of `geography.counties()`, in the same
(FIPS) order, so a member's county row indexes every one of them. Shares are
fractions 0-1. What each column is, its source and vintage: the MANIFEST rows
and tools/build_population_reference.py.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa

from healthsim.reference._files import DATA_DIR, code_column, frozen, read_table
from healthsim.spec.vocab import RACES

RACE_LABELS = tuple(RACES)
AGE_BINS = ((0, 4), (5, 17), (18, 24), (25, 44), (45, 64), (65, 84), (85, 110))
"""The age bins place-based demographics are raked in: the union of the ACS county bands
(0-4, 5-17, 18-64, 65-84, 85+) and the national joint table's (<18, 18-24, 25-44, 45-64, 65+)."""
TOP_AGE = 85  # state single-year tables stop at "85 and over"
MAX_AGE = 105


@dataclass(frozen=True)
class CountyDemographics:
    county_fips: np.ndarray  # 'U5', the order of geography.counties()
    race: np.ndarray         # (n, 7) published race-alone shares, RACES order
    hispanic: np.ndarray     # (n,) published Hispanic share
    age_bands: np.ndarray    # (n, 5) 0-4, 5-17, 18-64, 65-84, 85+
    cells: np.ndarray        # (n, 14): not Hispanic x 7 races, then Hispanic x 7 races
    population: np.ndarray   # (n,) ACS 2015-19 population


@dataclass(frozen=True)
class CountySdoh:
    county_fips: np.ndarray
    columns: dict[str, np.ndarray]  # name -> (n,) float (rucc_2023 as float too)
    svi_vintage: np.ndarray         # 'U4'


SDOH_AREA_COLUMNS = (
    "rucc_2023", "svi_overall", "svi_socioeconomic", "svi_household", "svi_minority",
    "svi_housing_transport", "median_household_income", "poverty_rate", "poverty_rate_under_18",
    "poverty_rate_65_plus", "below_150_fpl", "uninsured_rate", "bachelors_rate", "hs_grad_rate",
    "no_hs_diploma", "unemployment_rate", "housing_burden", "no_vehicle", "limited_english",
    "no_internet", "disability",
)


def _check_order(fips: np.ndarray) -> None:
    from healthsim.reference.geography import counties

    if not np.array_equal(fips, counties().county_fips):
        raise RuntimeError("county tables are out of step with us_counties.csv.gz: "
                           "re-run tools/build_population_reference.py")


@lru_cache(maxsize=1)
def county_demographics() -> CountyDemographics:
    cols = ([f"race_{r}" for r in RACE_LABELS] + ["hispanic", "age_0_4", "age_5_17", "age_18_64",
            "age_65_84", "age_85_plus"] + [f"nh_{r}" for r in RACE_LABELS] + [f"h_{r}" for r in RACE_LABELS])
    t = read_table("county_demographics.csv.gz", {"county_fips": pa.string(), "acs_population": pa.int64(),
                                                  **{c: pa.float64() for c in cols}})
    fips = code_column(t, "county_fips", 5)
    _check_order(fips)

    def block(names: list[str]) -> np.ndarray:
        return frozen(np.column_stack([t.column(c).to_numpy() for c in names]))

    return CountyDemographics(
        county_fips=fips, race=block(cols[:7]), hispanic=frozen(t.column("hispanic").to_numpy()),
        age_bands=block(cols[8:13]), cells=block(cols[13:]),
        population=frozen(t.column("acs_population").to_numpy()))


@lru_cache(maxsize=1)
def county_sdoh() -> CountySdoh:
    t = read_table("county_sdoh.csv.gz", {"county_fips": pa.string(), "svi_vintage": pa.string(),
                                          **{c: pa.float64() for c in SDOH_AREA_COLUMNS}})
    fips = code_column(t, "county_fips", 5)
    _check_order(fips)
    return CountySdoh(fips, {c: frozen(t.column(c).to_numpy()) for c in SDOH_AREA_COLUMNS},
                      code_column(t, "svi_vintage", 4))


@lru_cache(maxsize=1)
def county_places() -> dict[str, np.ndarray]:
    """PLACES measure (lower case, e.g. 'diabetes_adj', 'bphigh_crude') -> (n,) prevalence."""
    with open(DATA_DIR / "county_places.csv.gz", "rb") as f:
        header = _gz_header(f.read())
    t = read_table("county_places.csv.gz", {"county_fips": pa.string(),
                                            **{c: pa.float64() for c in header[1:]}})
    _check_order(code_column(t, "county_fips", 5))
    return {c: frozen(t.column(c).to_numpy()) for c in header[1:]}


def _gz_header(data: bytes) -> list[str]:
    import gzip

    return gzip.decompress(data).split(b"\n", 1)[0].decode().split(",")


@lru_cache(maxsize=1)
def state_single_ages() -> tuple[np.ndarray, np.ndarray]:
    """(state codes 'U2' in geography.states() order, (51, 86) population by age 0..84, 85+)."""
    from healthsim.reference.geography import states

    t = read_table("state_ages.csv.gz", {"state": pa.string(), "age": pa.int32(), "population": pa.int64()})
    st = code_column(t, "state", 2)
    age = t.column("age").to_numpy()
    pop = t.column("population").to_numpy().astype(float)
    codes = states().abbr
    table = np.zeros((len(codes), TOP_AGE + 1))
    table[_positions(codes, st), age] = pop
    return codes, frozen(table)


def _positions(vocabulary: np.ndarray, values: np.ndarray) -> np.ndarray:
    order = np.argsort(vocabulary)
    return order[np.searchsorted(vocabulary, values, sorter=order)]


@lru_cache(maxsize=1)
def old_age_tail() -> np.ndarray:
    """P(age = 85 + i | 85 and over), i = 0..MAX_AGE-85: survivors l(x) of the 2019 SSA
    period life table (both sexes averaged), i.e. a stationary-population shape."""
    with open(DATA_DIR / "ssa_life_table.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(line for line in f if not line.startswith("#"))
                if r["year"] == "2019"]
    q = np.array([(float(r["q_male"]) + float(r["q_female"])) / 2 for r in rows])
    survivors = np.concatenate([[1.0], np.cumprod(1 - q)])[:len(q)]
    tail = survivors[TOP_AGE:MAX_AGE + 1]
    return frozen(tail / tail.sum())


@lru_cache(maxsize=1)
def national_joint() -> np.ndarray:
    """Seed for raking: (2 sexes F/M, 5 national age bands, 14 race x Hispanic cells) counts.

    Hispanic people are not split by race in the national table: they are split with the
    population-weighted Hispanic race mix of the county cells. The table has no
    non-Hispanic "other race": that cell is seeded with the two-or-more profile scaled to
    the county cells' national share, so raking can reach a county's figure.
    """
    with open(DATA_DIR / "us_population_joint.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    bands = ("0-17", "18-24", "25-44", "45-64", "65+")
    seed = np.zeros((2, 5, 14))
    hisp = np.zeros((2, 5))
    for r in rows:
        s = 0 if r["sex"] == "F" else 1
        b = bands.index(r["age_band"])
        if r["hispanic"] == "hispanic":
            hisp[s, b] += float(r["population"])
        else:
            seed[s, b, RACE_LABELS.index(r["race"])] = float(r["population"])
    cd = county_demographics()
    w = cd.population.astype(float)
    mix = (cd.cells * w[:, None]).sum(0) / w.sum()
    other = RACE_LABELS.index("other")
    two = RACE_LABELS.index("two_or_more")
    seed[:, :, other] = seed[:, :, two] * mix[other] / max(mix[two], 1e-12)
    h_mix = mix[7:] / mix[7:].sum()
    seed[:, :, 7:] = hisp[:, :, None] * h_mix[None, None, :]
    return frozen(seed)


@dataclass(frozen=True)
class PlacesMeasure:
    measure: str                  # 'diabetes'
    prefixes: tuple[str, ...]     # ICD-10-CM prefixes adjusted by it
    code: str | None              # code generated under source: populationsim
    relative_by_age: tuple[float, float, float]  # 18-44, 45-64, 65+ (18-44 = 1)


@lru_cache(maxsize=1)
def places_measures() -> tuple[PlacesMeasure, ...]:
    from healthsim.reference._files import read_commented_csv

    return tuple(PlacesMeasure(r["measure"], tuple(r["prefixes"].split()), r["code"] or None,
                               (float(r["rel_18_44"]), float(r["rel_45_64"]), float(r["rel_65_plus"])))
                 for r in read_commented_csv("places_measures.csv"))


def places_measure_for(code: str) -> PlacesMeasure | None:
    """The PLACES measure an ICD-10-CM code's prevalence is adjusted by (longest prefix wins)."""
    best, length = None, 0
    for m in places_measures():
        for p in m.prefixes:
            if code.startswith(p) and len(p) > length:
                best, length = m, len(p)
    return best
