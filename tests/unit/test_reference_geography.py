"""Shipped geography: states, counties and residential ZIPs agree with each other."""

from __future__ import annotations

import time

import numpy as np
import pytest

from healthsim.errors import NotFoundError
from healthsim.reference import geography as geo

CENSUS_2020_US_RESIDENT_POPULATION = 331_449_281  # 50 states + DC, 2020 Census


def test_states_are_the_50_and_dc():
    s = geo.states()
    assert len(s.abbr) == 51 and len(set(s.abbr.tolist())) == 51 and "DC" in s.abbr


def test_state_populations_sum_to_the_2020_census_total():
    total = geo.states().population.sum()
    assert abs(total - CENSUS_2020_US_RESIDENT_POPULATION) / CENSUS_2020_US_RESIDENT_POPULATION < 0.01


def test_every_zip_is_five_digits_in_a_known_state_and_county():
    z, s = geo.zips(), geo.states()
    assert len(z) > 29_000
    assert all(len(x) == 5 and x.isdigit() for x in z.zip.tolist())
    assert len(np.unique(z.zip)) == len(z)
    assert np.isin(z.state, s.abbr).all()
    fips_of = dict(zip(s.abbr.tolist(), s.fips.tolist()))
    assert all(len(f) == 5 and f.isdigit() for f in z.county_fips.tolist())
    assert all(f[:2] == fips_of[st] for f, st in zip(z.county_fips.tolist(), z.state.tolist()))
    assert np.isin(z.county_fips, geo.counties().county_fips).all()


def test_zip_leading_zeros_are_kept():
    z = geo.zips()
    assert z.zip[0].startswith("0") and z.state[0] == "MA"


def test_weights_are_positive_and_coordinates_plausible():
    z = geo.zips()
    assert (z.weight > 0).all() and np.isfinite(z.weight).all()
    assert ((z.lat > 18) & (z.lat < 72)).all() and ((z.lon > -180) & (z.lon < -65)).all()


def test_zip_weights_add_up_to_county_populations():
    z, c = geo.zips(), geo.counties()
    fips, inverse = np.unique(z.county_fips, return_inverse=True)
    sums = np.bincount(inverse, weights=z.weight)
    pop = c.population[np.searchsorted(c.county_fips, fips)]
    assert np.allclose(sums, pop, rtol=0.01, atol=5)


def test_counties_sum_to_their_state_population():
    c, s = geo.counties(), geo.states()
    for abbr, pop in zip(s.abbr.tolist(), s.population.tolist()):
        assert abs(c.population[c.state == abbr].sum() - pop) <= 100, abbr


def test_urban_share_is_close_to_the_census_share():
    z = geo.zips()
    share = z.weight[z.urban].sum() / z.weight.sum()
    assert 0.75 < share < 0.85  # 2020 Census: 80.0% urban
    assert geo.zips().urban[np.searchsorted(z.zip, "10025")]  # Manhattan


@pytest.mark.parametrize(("given", "abbr"), [
    ("California", "CA"), ("california", "CA"), ("ca", "CA"), ("CA", "CA"), ("06", "CA"),
    ("District of Columbia", "DC"), ("Washington, D.C.", "DC"), ("new york", "NY"),
])
def test_state_abbr_accepts_names_codes_and_fips(given, abbr):
    assert geo.state_abbr(given) == abbr


def test_unknown_state_suggests_the_nearest():
    with pytest.raises(NotFoundError, match=r"did you mean 'CA' \(California\)"):
        geo.state_abbr("Calfornia")


def test_territories_are_reported_as_not_covered():
    with pytest.raises(NotFoundError, match="Puerto Rico is not covered"):
        geo.state_abbr("PR")


def test_zip_indices_filters_combine():
    z = geo.zips()
    rows = geo.zip_indices(state=["NY", "new jersey"], urban=True)
    assert set(z.state[rows].tolist()) == {"NY", "NJ"} and z.urban[rows].all()
    manhattan = geo.zip_indices(zip_prefix="100")
    assert all(x.startswith("100") for x in z.zip[manhattan].tolist())
    la = geo.zip_indices(county_fips="06037")
    assert (z.county_fips[la] == "06037").all() and len(la) > 200


def test_zip_indices_without_filters_is_every_zip():
    assert len(geo.zip_indices()) == len(geo.zips())


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"county_fips": "6037"}, "5 digits"),
    ({"county_fips": "99999"}, "unknown county"),
    ({"zip_prefix": "1a"}, "1 to 5 digits"),
    ({"state": "DC", "urban": False}, "no residential ZIP"),
    ({"state": "Narnia"}, "unknown U.S. state"),
])
def test_zip_indices_explains_bad_filters(kwargs, message):
    with pytest.raises(NotFoundError, match=message):
        geo.zip_indices(**kwargs)


def test_tables_are_read_only():
    with pytest.raises(ValueError):
        geo.zips().weight[0] = 1.0


def test_loading_geography_is_fast():
    for f in (geo.states, geo.counties, geo.zips):
        f.cache_clear()
    start = time.perf_counter()
    geo.zips()
    assert time.perf_counter() - start < 0.5
