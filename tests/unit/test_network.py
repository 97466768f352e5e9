"""NetworkSim: identifiers, pool sizing and placement, PCP attribution, lookups."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import table_digest

from healthsim import api
from healthsim.products.network import identifiers as ids
from healthsim.products.network.lookup import (
    attribute_pcps,
    pick_at_facility,
    pick_facilities,
    pick_providers,
)
from healthsim.products.network.nearest import EARTH_RADIUS_KM, nearest_k, unit_vectors
from healthsim.products.network.pool import build_network, pool_sizes
from healthsim.products.network.step import NetworkStep, child_share
from healthsim.reference.network import supply


def _luhn_ok(npi: str) -> bool:
    """Textbook Luhn over '80840' + NPI (independent of the vectorised code)."""
    digits = [int(c) for c in "80840" + npi][::-1]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


def _sql(db, query):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(query).fetchall()


def test_npi_check_digit_matches_the_cms_worked_example():
    assert ids.npi_check_digit(np.array([123456789]))[0] == 3  # CMS NPI check-digit example
    assert _luhn_ok("1234567893")


def test_every_npi_in_the_network_is_valid_unique_and_of_the_right_entity_type(diabetic_20k):
    r = diabetic_20k
    rows = _sql(r.db, f"""
        SELECT npi, 1 FROM providers WHERE cohort_id = {r.cohort_id}
        UNION ALL SELECT practice_npi, 2 FROM (SELECT DISTINCT practice_npi FROM providers
                                               WHERE cohort_id = {r.cohort_id})
        UNION ALL SELECT npi, 2 FROM facilities WHERE cohort_id = {r.cohort_id}
        UNION ALL SELECT npi, 2 FROM pharmacies WHERE cohort_id = {r.cohort_id}""")
    assert len(rows) > 100
    assert all(len(n) == 10 and n.isdigit() and _luhn_ok(n) for n, _ in rows)
    assert all(n[0] == str(kind) for n, kind in rows)
    assert len({n for n, _ in rows}) == len(rows)


def test_ncpdp_ids_and_ccns_follow_their_formats(diabetic_20k):
    r = diabetic_20k
    for (ncpdp,) in _sql(r.db, f"SELECT ncpdp_id FROM pharmacies WHERE cohort_id = {r.cohort_id}"):
        d = [int(c) for c in ncpdp]
        assert len(ncpdp) == 7 and (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]
    facilities = _sql(r.db, f"SELECT facility_type, ccn, beds, state FROM facilities "
                            f"WHERE cohort_id = {r.cohort_id}")
    for kind, ccn, beds, state in facilities:
        if kind in ids.CCN_RANGES:
            low, high = ids.CCN_RANGES[kind]
            assert len(ccn) == 6 and int(ccn[:2]) == ids.CMS_STATE_CODES[state]
            assert low <= int(ccn[2:]) <= high
            assert (beds > 0) if kind != "dialysis" else beds is None
        elif kind in ("asc", "lab"):
            assert len(ccn) == 10 and ccn[2] == ("C" if kind == "asc" else "D") and beds is None
        else:
            assert ccn is None
        if kind == "critical_access_hospital":
            assert beds <= 25
    assert len({(c,) for _, c, _, _ in facilities if c}) == sum(1 for f in facilities if f[1])


def test_every_covered_member_has_one_nearby_pcp_of_the_right_kind(diabetic_20k):
    r = diabetic_20k
    bad = _sql(r.db, f"""
        WITH covered AS (SELECT person_id, min(start_date) AS first_day FROM enrollments
                         WHERE cohort_id = {r.cohort_id} GROUP BY person_id)
        SELECT count(*) FILTER (WHERE a.person_id IS NULL),
               count(*) FILTER (WHERE a.effective_date <> c.first_day),
               count(*) FILTER (WHERE p.role NOT IN ('pcp_adult', 'pcp_both')),
               count(*) FILTER (WHERE a.provider_npi <> p.npi)
        FROM covered c LEFT JOIN pcp_attributions a
          ON a.cohort_id = {r.cohort_id} AND a.person_id = c.person_id
        LEFT JOIN providers p ON p.cohort_id = {r.cohort_id} AND p.provider_id = a.provider_id""")
    assert bad == [(0, 0, 0, 0)]
    (uninsured,) = _sql(r.db, f"""SELECT count(*) FROM pcp_attributions a WHERE cohort_id = {r.cohort_id}
        AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.cohort_id = a.cohort_id
                        AND e.person_id = a.person_id)""")[0]
    assert uninsured == 0


def test_children_are_attributed_to_pediatrics_or_family_medicine():
    plan = api.build_run(api.load_profile("medicaid-pediatric", count=3000, seed=4)).population
    net = NetworkStep.from_plan(plan).network
    rng = np.random.default_rng(1)
    zip_row = plan.zip_rows[:500]
    pid, _ = attribute_pcps(net, zip_row, np.full(500, 7.0), rng)
    kinds = supply().kind[net.providers.kind[pid - 1]]
    assert set(kinds) <= {"pediatrics", "family_medicine"} and "pediatrics" in set(kinds)


def test_pcp_supply_is_about_one_per_thousand_to_fifteen_hundred_members():
    t = supply()
    sizes = pool_sizes(t, 1_000_000, 0.22)
    pcps = sizes[np.isin(t.role, ("pcp_adult", "pcp_child", "pcp_both"))].sum()
    assert 1_000_000 / 1500 <= pcps <= 1_000_000 / 1000


def test_network_sites_lie_in_the_cohort_geography_and_cover_it():
    spec = api.load_profile("commercial-healthy", count=50_000, seed=2)
    spec = spec.model_copy(update={"geography": spec.geography.model_copy(update={"states": ["IL", "IN"]})})
    plan = api.build_run(spec).population
    net = NetworkStep.from_plan(plan).network
    allowed = set(plan.zip_rows.tolist())
    for sites in (net.practices.sites, net.facilities.sites, net.pharmacies.sites):
        assert set(sites.zip_row.tolist()) <= allowed
    rng = np.random.default_rng(0)
    _, km = pick_providers(net, "family_medicine", plan.zip_rows[:2000], rng)
    assert np.median(km) < 40


def test_the_network_depends_only_on_seed_geography_and_size():
    plan = api.build_run(api.load_profile("medicare-diabetic", count=5000, seed=9)).population
    a = build_network(9, plan.zip_rows, plan.zip_p, 5000, 0.0)
    b = build_network(9, plan.zip_rows, plan.zip_p, 5000, 0.0)
    c = build_network(10, plan.zip_rows, plan.zip_p, 5000, 0.0)
    assert np.array_equal(a.providers.npi, b.providers.npi)
    assert np.array_equal(a.facilities.sites.lat, b.facilities.sites.lat)
    assert not np.array_equal(a.providers.npi, c.providers.npi)
    assert child_share(plan) == 0.0


def test_network_tables_are_independent_of_write_chunking(tmp_path):
    spec = api.load_profile("commercial-healthy", count=21_000, seed=5)
    one = api.generate(spec, tmp_path / "one.duckdb", chunk_blocks=1, workers=1)
    many = api.generate(spec, tmp_path / "many.duckdb", chunk_blocks=3, workers=2)
    for name in ("providers", "facilities", "pharmacies", "pcp_attributions"):
        assert table_digest(one.db, one.cohort_id, name) == table_digest(many.db, many.cohort_id, name)


def test_hospital_based_providers_are_picked_at_their_own_hospital():
    plan = api.build_run(api.load_profile("medicare-diabetic", count=40_000, seed=3)).population
    net = NetworkStep.from_plan(plan).network
    rng = np.random.default_rng(2)
    fac, _ = pick_facilities(net, "hospital", plan.zip_rows[:300], rng)
    doc = pick_at_facility(net, "hospitalist", fac, rng)
    assert np.array_equal(net.providers.hospital[doc - 1], fac - 1)
    assert set(supply().kind[net.providers.kind[doc - 1]]) == {"hospitalist"}


coords = st.tuples(st.floats(-60, 70), st.floats(-179, 179))


@settings(max_examples=40, deadline=None)
@given(st.lists(coords, min_size=1, max_size=30), st.lists(coords, min_size=1, max_size=40),
       st.integers(1, 4))
def test_nearest_k_agrees_with_brute_force_haversine(queries, pool, k):
    q, p = np.array(queries), np.array(pool)
    idx, km = nearest_k(q[:, 0], q[:, 1], p[:, 0], p[:, 1], k)
    la1, lo1 = np.radians(q[:, :1]), np.radians(q[:, 1:])
    la2, lo2 = np.radians(p[:, 0])[None], np.radians(p[:, 1])[None]
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    brute = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    expect = np.sort(brute, axis=1)[:, : idx.shape[1]]
    assert np.allclose(km, expect, atol=1e-3)
    assert np.allclose(np.take_along_axis(brute, idx, 1), km, atol=1e-3)
    assert np.allclose(np.linalg.norm(unit_vectors(q[:, 0], q[:, 1]), axis=1), 1)


@given(st.lists(st.integers(0, 99_999_999), min_size=1, max_size=50))
def test_generated_npis_always_pass_the_luhn_check(index):
    npis = ids.make_npis(np.array(index), seed=7, entity_type=1)
    assert ids.npi_is_valid(npis).all()
    assert all(_luhn_ok(str(n)) for n in npis)
    assert not ids.npi_is_valid(npis + np.where(npis % 10 == 9, -1, 1)).any()


def test_unknown_specialty_is_a_clear_error():
    from healthsim.errors import NotFoundError

    plan = api.build_run(api.load_profile("commercial-healthy", count=500, seed=1)).population
    net = NetworkStep.from_plan(plan).network
    with pytest.raises(NotFoundError, match="unknown network kind"):
        pick_providers(net, "cardiologist", plan.zip_rows[:3], np.random.default_rng(0))


def test_encounters_get_the_right_provider_and_facility(tmp_path):
    spec = api.load_profile("medicare-diabetic", count=2000, seed=8,
                            journeys=["diabetic-first-year", "surgical-episode", "ed-visit-branching"])
    r = api.generate(spec, tmp_path / "j.duckdb")
    c = r.cohort_id
    bad = _sql(r.db, f"""
        SELECT count(*) FILTER (WHERE e.specialty = 'primary_care' AND a.person_id IS NOT NULL
                                AND e.provider_id <> a.provider_id),
               count(*) FILTER (WHERE e.specialty NOT IN ('laboratory') AND p.provider_id IS NULL),
               count(*) FILTER (WHERE e.facility_type IN ('hospital', 'asc', 'laboratory') AND f.facility_id IS NULL),
               count(*) FILTER (WHERE e.facility_type = 'hospital'
                                AND f.facility_type NOT IN ('hospital', 'critical_access_hospital')),
               count(*) FILTER (WHERE e.specialty IN ('hospitalist', 'emergency_medicine')
                                AND p.hospital_id <> e.facility_id),
               count(*) FILTER (WHERE e.specialty = 'orthopedic_surgery' AND p.specialty <> 'orthopaedic_surgery')
        FROM encounters e
        LEFT JOIN pcp_attributions a ON a.cohort_id = e.cohort_id AND a.person_id = e.person_id
        LEFT JOIN providers p ON p.cohort_id = e.cohort_id AND p.provider_id = e.provider_id
        LEFT JOIN facilities f ON f.cohort_id = e.cohort_id AND f.facility_id = e.facility_id
        WHERE e.cohort_id = {c}""")
    assert bad == [(0, 0, 0, 0, 0, 0)]
    moved = _sql(r.db, f"""SELECT count(*) FROM encounters e JOIN encounters ed
        ON ed.cohort_id = e.cohort_id AND ed.encounter_id = e.admitted_from_encounter_id
        WHERE e.cohort_id = {c} AND e.facility_id <> ed.facility_id""")
    assert moved == [(0,)]
    surgeons = _sql(r.db, f"""SELECT count(DISTINCT provider_id) FILTER (WHERE specialty = 'orthopedic_surgery'),
        count(DISTINCT person_id) FILTER (WHERE specialty = 'orthopedic_surgery') FROM encounters
        WHERE cohort_id = {c} GROUP BY person_id HAVING count(DISTINCT provider_id)
        FILTER (WHERE specialty = 'orthopedic_surgery') > 1""")
    assert surgeons == []  # one orthopaedic surgeon per member across consult, surgery, follow-up
