"""Invariants that must hold on every row of a generated cohort."""

from __future__ import annotations

import duckdb
import pytest


@pytest.fixture(scope="module")
def con(diabetic_20k):
    c = duckdb.connect(str(diabetic_20k.db), read_only=True)
    yield c
    c.close()


def scalar(con, sql, cid):
    return con.execute(sql, [cid]).fetchone()[0]


def test_ssn_phone_never_look_real(con, diabetic_20k):
    cid = diabetic_20k.cohort_id
    assert scalar(con, "SELECT count(*) FROM persons WHERE cohort_id=? AND NOT regexp_full_match(ssn, '9\\d\\d-\\d\\d-\\d{4}')", cid) == 0
    assert scalar(con, "SELECT count(*) FROM persons WHERE cohort_id=? AND NOT regexp_full_match(phone, '\\(\\d{3}\\) 555-01\\d\\d')", cid) == 0


def test_onset_after_birth_and_not_after_as_of(con, diabetic_20k):
    cid = diabetic_20k.cohort_id
    bad = scalar(con, """SELECT count(*) FROM conditions c JOIN persons p USING (cohort_id, person_id)
                         WHERE c.cohort_id=? AND (c.onset_date <= p.birth_date OR c.onset_date > DATE '2025-12-31')""", cid)
    assert bad == 0


def test_type2_diabetes_onset_not_in_early_childhood(con, diabetic_20k):
    cid = diabetic_20k.cohort_id
    youngest = scalar(con, """SELECT min(datediff('day', p.birth_date, c.onset_date) / 365.2425)
                              FROM conditions c JOIN persons p USING (cohort_id, person_id)
                              WHERE c.cohort_id=? AND c.code='E11.9'""", cid)
    assert youngest >= 10


def test_every_person_has_a_real_zip_in_its_state(con, diabetic_20k):
    from healthsim.reference.geography import zips

    z = zips()
    valid = set(zip(z.zip.tolist(), z.state.tolist(), z.county_fips.tolist(), strict=True))
    rows = con.execute("SELECT DISTINCT zip, state, county_fips FROM persons WHERE cohort_id=?",
                       [diabetic_20k.cohort_id]).fetchall()
    assert rows and all(tuple(r) in valid for r in rows)


def test_enrollment_spans_inside_period_month_aligned_and_medicare_age(con, diabetic_20k):
    cid = diabetic_20k.cohort_id
    assert scalar(con, """SELECT count(*) FROM enrollments WHERE cohort_id=? AND (start_date > end_date
                          OR start_date < DATE '2025-01-01' OR end_date > DATE '2025-12-31'
                          OR day(start_date) <> 1 OR end_date <> last_day(end_date))""", cid) == 0
    # Medicare Advantage never starts before the month the member turns 65
    # (the month before, for members born on the 1st).
    assert scalar(con, """SELECT count(*) FROM enrollments e JOIN persons p USING (cohort_id, person_id)
                          WHERE e.cohort_id=? AND e.start_date < date_trunc('month', p.birth_date + INTERVAL 65 YEAR)
                                - CASE WHEN day(p.birth_date) = 1 THEN INTERVAL 1 MONTH ELSE INTERVAL 0 MONTH END""", cid) == 0
    # Spans of one person never overlap.
    assert scalar(con, """SELECT count(*) FROM enrollments a JOIN enrollments b
                          ON a.cohort_id=b.cohort_id AND a.person_id=b.person_id AND a.span_no < b.span_no
                          WHERE a.cohort_id=? AND b.start_date <= a.end_date""", cid) == 0


def test_identity_crosswalk_one_row_per_person_and_product(con, diabetic_20k):
    cid = diabetic_20k.cohort_id
    assert scalar(con, "SELECT count(*) FROM (SELECT person_id, product FROM identities WHERE cohort_id=? GROUP BY ALL HAVING count(*) > 1)", cid) == 0
    assert scalar(con, "SELECT count(DISTINCT identifier) = count(*) FROM identities WHERE cohort_id=?", cid)
    # every enrollment's member_id is that person's membersim identifier
    assert scalar(con, """SELECT count(*) FROM enrollments e LEFT JOIN identities i
                          ON i.cohort_id=e.cohort_id AND i.person_id=e.person_id AND i.product='membersim'
                          WHERE e.cohort_id=? AND (i.identifier IS NULL OR i.identifier <> e.member_id)""", cid) == 0
    assert scalar(con, "SELECT count(DISTINCT person_id) FROM identities WHERE cohort_id=? AND product='patientsim'", cid) == 20_000
