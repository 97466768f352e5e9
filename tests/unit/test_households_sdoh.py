"""Households and SDOH in a generated store: invariants over every row, joins back to the
shipped SVI/RUCC file, 834 dependents through pyx12 and FHIR Coverage subscribers (issue 11)."""

from __future__ import annotations

import duckdb
import pytest

from healthsim import api
from healthsim.reference._files import DATA_DIR
from healthsim.spec.load import validate_model
from healthsim.spec.profile import ProfileSpec


@pytest.fixture(scope="module")
def family_db(tmp_path_factory):
    """6,000 members in Georgia on commercial, exchange and Medicaid coverage, all ages."""
    spec = validate_model(ProfileSpec, {
        "profile_name": "Georgia families", "count": 6000, "seed": 5, "geography": {"states": ["GA"]},
        "coverage": [{"type": "commercial", "share": 0.6}, {"type": "medicaid", "share": 0.3},
                     {"type": "exchange", "share": 0.1}]})
    db = tmp_path_factory.mktemp("hh") / "h.duckdb"
    api.generate(spec, db)
    return db


def q(db, sql):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql).fetchall()


def test_households_form_and_hold_their_invariants(family_db):
    rel = dict(q(family_db, "SELECT relationship, count(*) FROM enrollments GROUP BY 1"))
    assert rel.get("01", 0) > 300 and rel.get("19", 0) > 300, rel
    # one subscriber per household: the household_id is a person who is their own subscriber
    assert q(family_db, """SELECT count(*) FROM persons p JOIN persons s ON s.cohort_id = p.cohort_id
               AND s.person_id = p.household_id WHERE s.household_id <> s.person_id""") == [(0,)]
    # dependents share the subscriber's address, last name, plan and coverage spans
    bad = q(family_db, """
        SELECT count(*) FROM persons d JOIN persons s ON s.person_id = d.household_id AND s.cohort_id = d.cohort_id
        JOIN enrollments ed ON ed.person_id = d.person_id AND ed.cohort_id = d.cohort_id
        JOIN enrollments es ON es.person_id = s.person_id AND es.cohort_id = s.cohort_id AND es.span_no = ed.span_no
        WHERE d.person_id <> s.person_id AND (d.address_line <> s.address_line OR d.zip <> s.zip
          OR d.last_name <> s.last_name OR ed.plan_id <> es.plan_id OR ed.start_date <> es.start_date
          OR (ed.end_date <> es.end_date AND NOT EXISTS (SELECT 1 FROM deaths x WHERE x.cohort_id = d.cohort_id
              AND x.person_id IN (d.person_id, s.person_id))))""")  # a death ends one member's coverage
    assert bad == [(0,)]
    # ages fit the roles: children are 17-50 years younger than the subscriber and under 26;
    # spouses are adults within 15 years of the subscriber; relationship codes match the roles
    assert q(family_db, """
        SELECT count(*) FROM persons d JOIN persons s ON s.person_id = d.household_id AND s.cohort_id = d.cohort_id
        JOIN enrollments e ON e.person_id = d.person_id AND e.cohort_id = d.cohort_id AND e.span_no = 1
        WHERE (e.relationship = '19' AND (d.age >= 26 OR s.age - d.age NOT BETWEEN 16 AND 51))
           OR (e.relationship = '01' AND (d.age < 18 OR abs(s.age - d.age) > 16))
           OR (e.relationship = '18') <> (d.person_id = s.person_id)""") == [(0,)]
    # the identities crosswalk names the subscriber and numbers the person codes
    assert q(family_db, """
        SELECT count(*) FROM identities i JOIN persons p USING (cohort_id, person_id)
        JOIN identities s ON s.person_id = p.household_id AND s.product = i.product AND s.cohort_id = i.cohort_id
        WHERE i.product = 'membersim' AND (i.subscriber_id <> s.identifier
          OR (p.person_id = p.household_id) <> (i.person_code = '01'))""") == [(0,)]
    # households table agrees with the persons
    assert q(family_db, """SELECT count(*) FROM households h WHERE size <> (SELECT count(*) FROM persons p
               WHERE p.household_id = h.household_id AND p.cohort_id = h.cohort_id)""") == [(0,)]
    # no Medicare-style coverage joins a household here, and nobody is in two
    assert q(family_db, "SELECT max(size) FROM households")[0][0] <= 9


def test_every_member_has_the_sdoh_of_their_county(family_db):
    """Join person_sdoh back to the shipped county file (SVI 2022 + RUCC 2023) on every row."""
    src = DATA_DIR / "county_sdoh.csv.gz"
    rows = q(family_db, f"""
        SELECT count(*), count(s.person_id), count(c.county_fips),
               sum((abs(s.svi_overall - c.svi_overall) > 1e-9 OR s.rucc_2023 <> c.rucc_2023
                    OR abs(s.svi_housing_transport - c.svi_housing_transport) > 1e-9
                    OR abs(s.area_poverty_rate - c.poverty_rate) > 1e-9)::int)
        FROM persons p LEFT JOIN person_sdoh s USING (cohort_id, person_id)
        LEFT JOIN read_csv('{src}', types={{'county_fips': 'VARCHAR'}}) c ON c.county_fips = s.county_fips
        WHERE p.county_fips = s.county_fips""")
    n, with_sdoh, joined, mismatched = rows[0]
    assert n == with_sdoh == joined == 6000 and mismatched == 0
    # person-level income fits the coverage: Medicaid adults below 138% FPL, one income per household
    assert q(family_db, """SELECT count(*) FROM person_sdoh s JOIN persons p USING (cohort_id, person_id)
        JOIN enrollments e USING (cohort_id, person_id) WHERE e.coverage_type = 'medicaid' AND p.age >= 18
        AND e.relationship = '18' AND s.income_fpl_ratio >= 1.38""") == [(0,)]
    assert q(family_db, """SELECT count(*) FROM person_sdoh d JOIN persons p USING (cohort_id, person_id)
        JOIN person_sdoh s ON s.person_id = p.household_id AND s.cohort_id = p.cohort_id
        WHERE d.income_fpl_ratio <> s.income_fpl_ratio""") == [(0,)]
    assert q(family_db, "SELECT count(*) FROM person_sdoh s JOIN persons p USING (cohort_id, person_id) "
                        "WHERE (p.age < 25) <> (s.education IS NULL)") == [(0,)]


def test_834_with_dependents_passes_pyx12(family_db, tmp_path):
    from tests.formats.validators import pyx12_errors, x12_segments

    api.export_cohort(family_db, "x12-834", tmp_path)
    files = sorted(tmp_path.rglob("834-*.x12"))
    assert files
    assert pyx12_errors(files[0]) == []
    ins = [s for f in files for s in x12_segments(f) if s[0] == "INS"]
    assert {(s[1], s[2]) for s in ins} == {("Y", "18"), ("N", "01"), ("N", "19")}


def test_fhir_coverage_names_the_subscriber(family_db, tmp_path):
    import json

    api.export_cohort(family_db, "fhir-ndjson", tmp_path)
    cov = [json.loads(line) for f in tmp_path.rglob("Coverage*.ndjson") for line in f.open()]
    dependents = [c for c in cov if c["relationship"]["coding"][0]["code"] != "self"]
    assert dependents and all(c["subscriber"] != c["beneficiary"] for c in dependents)
    assert all(c["subscriber"] == c["beneficiary"] for c in cov if c not in dependents)


def test_a_commercial_family_of_four(tmp_path):
    spec = validate_model(ProfileSpec, {"profile_name": "family", "count": 4, "seed": 3,
                                        "coverage": [{"type": "commercial", "share": 1}],
                                        "households": {"size": 4}})
    db = tmp_path / "f.duckdb"
    api.generate(spec, db)
    rows = q(db, """SELECT e.relationship, p.age, p.sex, p.household_id, p.zip, e.plan_id FROM persons p
                    JOIN enrollments e USING (cohort_id, person_id) ORDER BY person_id""")
    assert [r[0] for r in rows] == ["18", "01", "19", "19"]
    assert len({(r[3], r[4], r[5]) for r in rows}) == 1
    sub, spouse, kids = rows[0], rows[1], rows[2:]
    assert sub[1] >= 24 and spouse[1] >= 18 and sub[2] != spouse[2]
    assert all(k[1] < 26 and min(sub[1], spouse[1]) - k[1] >= 17 for k in kids)
