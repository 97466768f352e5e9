"""U.S. states, counties and residential ZIP codes as cached numpy columns.

`zips()` is what the engine samples from: pick rows with `zip_indices(...)`,
renormalise `weight[rows]`, and draw with numpy. Weights are population proxies
(people), built as described in docs/reference-data.md: county populations are
Census figures, ZIP shares within a county are estimated from place populations,
and `urban` is a proxy flag. Coverage is the 50 states and DC (no territories).
Codes are fixed-width numpy strings ('U5' ZIP and county FIPS, 'U2' state) so
filters are vectorised; names are object arrays. All arrays are read-only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa

from healthsim.errors import NotFoundError
from healthsim.reference._files import code_column, number_column, read_table, text_column

TERRITORIES = {"PR": "Puerto Rico", "GU": "Guam", "VI": "U.S. Virgin Islands",
               "AS": "American Samoa", "MP": "Northern Mariana Islands"}


@dataclass(frozen=True)
class StateTable:
    """50 states + DC, in FIPS order; population is the 2020 Census count."""

    abbr: np.ndarray        # 'U2' USPS code
    name: np.ndarray        # object
    fips: np.ndarray        # 'U2'
    population: np.ndarray  # int64


@dataclass(frozen=True)
class CountyTable:
    """Counties (vintage-2019 FIPS); population is scaled to each state's 2020 count."""

    county_fips: np.ndarray  # 'U5'
    name: np.ndarray         # object
    state: np.ndarray        # 'U2'
    population: np.ndarray   # int64
    zip_count: np.ndarray    # int32: residential ZIPs in zips() (0 for a few small counties)


@dataclass(frozen=True)
class ZipTable:
    """Active standard (residential) ZIPs, sorted by ZIP."""

    zip: np.ndarray          # 'U5', leading zeros kept
    city: np.ndarray         # object: USPS preferred city name
    state: np.ndarray        # 'U2'
    county_fips: np.ndarray  # 'U5'
    county_name: np.ndarray  # object
    lat: np.ndarray          # float64, centroid
    lon: np.ndarray          # float64
    weight: np.ndarray       # float64: estimated residents (a proxy, see module docstring)
    urban: np.ndarray        # bool: proxy urban flag

    def __len__(self) -> int:
        return len(self.zip)


@lru_cache(maxsize=1)
def states() -> StateTable:
    t = read_table("us_states.csv", {"abbr": pa.string(), "name": pa.string(),
                                     "fips": pa.string(), "population": pa.int64()})
    return StateTable(code_column(t, "abbr", 2), text_column(t, "name"),
                      code_column(t, "fips", 2), number_column(t, "population", "int64"))


@lru_cache(maxsize=1)
def counties() -> CountyTable:
    t = read_table("us_counties.csv.gz", {"county_fips": pa.string(), "name": pa.string(),
                                          "state": pa.string(), "population": pa.int64(),
                                          "zip_count": pa.int32()})
    return CountyTable(code_column(t, "county_fips", 5), text_column(t, "name"),
                       code_column(t, "state", 2), number_column(t, "population", "int64"),
                       number_column(t, "zip_count", "int32"))


@lru_cache(maxsize=1)
def zips() -> ZipTable:
    t = read_table("us_zips.csv.gz", {
        "zip": pa.string(), "city": pa.string(), "state": pa.string(),
        "county_fips": pa.string(), "lat": pa.float64(), "lon": pa.float64(),
        "weight": pa.float64(), "urban": pa.int8()})
    fips = code_column(t, "county_fips", 5)
    c = counties()
    county_name = c.name[np.searchsorted(c.county_fips, fips)]
    county_name.setflags(write=False)
    urban = number_column(t, "urban", "bool")
    return ZipTable(code_column(t, "zip", 5), text_column(t, "city"), code_column(t, "state", 2),
                    fips, county_name, number_column(t, "lat", "float64"),
                    number_column(t, "lon", "float64"), number_column(t, "weight", "float64"),
                    urban)


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[.,]", " ", text).lower().split())


@lru_cache(maxsize=1)
def _state_keys() -> dict[str, str]:
    s = states()
    keys = {_norm(str(n)): str(a) for n, a in zip(s.name, s.abbr)}
    keys |= {str(a).lower(): str(a) for a in s.abbr}
    keys |= {str(f): str(a) for f, a in zip(s.fips, s.abbr)}
    keys |= {"washington dc": "DC", "d c": "DC", "washington d c": "DC"}
    return keys


def state_abbr(name_or_abbr: str) -> str:
    """USPS code for a state name, code or FIPS, any case ('california', 'ca', '06' -> 'CA')."""
    text = _norm(str(name_or_abbr))
    found = _state_keys().get(text)
    if found:
        return found
    upper = text.upper()
    territory = TERRITORIES.get(upper) or next(
        (n for n in TERRITORIES.values() if n.lower() == text), None)
    if territory:
        raise NotFoundError(f"{territory} is not covered: the shipped geography is the 50 "
                            "states and DC")
    raise NotFoundError(f"unknown U.S. state {name_or_abbr!r}{_nearest_state(text)}")


def _nearest_state(text: str) -> str:
    from rapidfuzz import fuzz, process

    s = states()
    names = [str(n) for n in s.name]
    hit = process.extractOne(text, names, scorer=fuzz.WRatio, processor=str.lower,
                             score_cutoff=75)
    if hit is None:
        return ""
    return f"; did you mean {str(s.abbr[hit[2]])!r} ({hit[0]})?"


def _as_list(value: str | Iterable[str]) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value]


def zip_indices(state: str | Iterable[str] | None = None,
                county_fips: str | Iterable[str] | None = None,
                zip_prefix: str | Iterable[str] | None = None,
                urban: bool | None = None) -> np.ndarray:
    """Rows of `zips()` inside a geography (every filter given must hold; lists mean any of).

    Raises NotFoundError for an unknown state or county, a malformed FIPS or ZIP
    prefix, or a combination no residential ZIP satisfies. The caller renormalises
    `zips().weight[rows]` to sample from the result.
    """
    z = zips()
    keep = np.ones(len(z), dtype=bool)
    if state is not None:
        keep &= np.isin(z.state, [state_abbr(s) for s in _as_list(state)])
    if county_fips is not None:
        keep &= np.isin(z.county_fips, [_checked_county(f) for f in _as_list(county_fips)])
    if zip_prefix is not None:
        any_prefix = np.zeros(len(z), dtype=bool)
        for p in _as_list(zip_prefix):
            if not re.fullmatch(r"\d{1,5}", p):
                raise NotFoundError(f"a ZIP prefix is 1 to 5 digits (got {p!r})")
            any_prefix |= np.char.startswith(z.zip, p)
        keep &= any_prefix
    if urban is not None:
        keep &= z.urban == bool(urban)
    rows = np.flatnonzero(keep)
    if len(rows) == 0:
        given = {k: v for k, v in {"state": state, "county_fips": county_fips,
                                       "zip_prefix": zip_prefix, "urban": urban}.items() if v is not None}
        raise NotFoundError(f"no residential ZIP matches {given}")
    return rows


def _checked_county(fips: str) -> str:
    if not re.fullmatch(r"\d{5}", fips):
        raise NotFoundError(f"a county FIPS code is 5 digits, state + county (got {fips!r})")
    c = counties()
    i = int(np.searchsorted(c.county_fips, fips))
    if i >= len(c.county_fips) or c.county_fips[i] != fips:
        raise NotFoundError(f"unknown county FIPS {fips!r}")
    if c.zip_count[i] == 0:
        raise NotFoundError(f"county {fips} ({c.name[i]}, {c.state[i]}) has no residential ZIP "
                            "of its own in the shipped ZIP table")
    return fips
