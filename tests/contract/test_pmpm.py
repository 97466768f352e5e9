"""Paid PMPM of a Medicare diabetic cohort with a whole year of care lies in a documented range (issue 4).

3,000 members of `medicare-diabetic` with `diabetic-first-year` and `annual-care`. Total paid PMPM
(medical claims paid + pharmacy plan paid, over member months counted from enrollments) must lie in
$700-1,500; the medical share in 50-85% and the pharmacy share in 15-50%; and the utilisation driving
it (ED visits and inpatient stays per member-year) must look like Medicare's. The ranges and their
public sources (CMS / Medicare Trustees / MedPAC / ADA figures, approximate) are in
docs/claims-and-network.md, section "PMPM".
"""

from __future__ import annotations

import duckdb
import pytest

from healthsim import api

PMPM_RANGE = (700.0, 1500.0)        # total paid PMPM, USD
MEDICAL_SHARE = (0.50, 0.85)
PHARMACY_SHARE = (0.15, 0.50)
ED_PER_MEMBER_YEAR = (0.5, 1.5)     # Medicare ~0.6; beneficiaries with diabetes and multimorbidity more
IP_PER_MEMBER_YEAR = (0.2, 0.5)     # Medicare ~0.25; beneficiaries with diabetes more


@pytest.fixture(scope="module")
def pmpm(tmp_path_factory):
    db = tmp_path_factory.mktemp("pmpm") / "pmpm.duckdb"
    spec = api.load_profile("medicare-diabetic", count=3000, seed=1,
                            journeys=["diabetic-first-year", "annual-care"])
    result = api.generate(spec, db)
    with duckdb.connect(str(db), read_only=True) as con:
        cid = [result.cohort_id]
        mm = con.execute("SELECT sum(datediff('month', start_date, end_date) + 1) FROM enrollments "
                         "WHERE cohort_id = ?", cid).fetchone()[0]
        medical = con.execute("SELECT coalesce(sum(paid), 0) FROM claims WHERE cohort_id = ?", cid).fetchone()[0]
        pharmacy = con.execute("SELECT coalesce(sum(plan_paid) FILTER (WHERE status = 'paid'), 0) "
                               "FROM pharmacy_claims WHERE cohort_id = ?", cid).fetchone()[0]
        ed, ip = con.execute("SELECT count(*) FILTER (WHERE type = 'emergency'), "
                             "count(*) FILTER (WHERE type = 'inpatient') FROM encounters WHERE cohort_id = ?",
                             cid).fetchone()
    return {"mm": mm, "medical": medical / mm, "pharmacy": pharmacy / mm, "total": (medical + pharmacy) / mm,
            "ed": ed / (mm / 12), "ip": ip / (mm / 12)}


def test_member_months_cover_about_a_year_each(pmpm):
    assert 3000 * 9 < pmpm["mm"] <= 3000 * 13, pmpm


def test_total_paid_pmpm_in_documented_range(pmpm):
    lo, hi = PMPM_RANGE
    assert lo <= pmpm["total"] <= hi, pmpm


def test_medical_and_pharmacy_shares_plausible(pmpm):
    med, rx = pmpm["medical"] / pmpm["total"], pmpm["pharmacy"] / pmpm["total"]
    assert MEDICAL_SHARE[0] <= med <= MEDICAL_SHARE[1], (med, pmpm)
    assert PHARMACY_SHARE[0] <= rx <= PHARMACY_SHARE[1], (rx, pmpm)


def test_utilisation_behind_it_looks_like_medicare(pmpm):
    assert ED_PER_MEMBER_YEAR[0] <= pmpm["ed"] <= ED_PER_MEMBER_YEAR[1], pmpm
    assert IP_PER_MEMBER_YEAR[0] <= pmpm["ip"] <= IP_PER_MEMBER_YEAR[1], pmpm


def test_journey_recorded_diagnoses_join_the_conditions_table(tmp_path):
    """A journey diagnosis with `record: true` lands in conditions beside the profile's own
    (dictionary-coded) rows — this once failed with an Arrow schema mismatch."""
    import duckdb

    from healthsim import api

    spec = api.load_profile("medicare-diabetic", count=4000, seed=1,
                            journeys=["diabetic-first-year", "annual-care"])
    result = api.generate(spec, tmp_path / "rec.duckdb")
    with duckdb.connect(str(result.db), read_only=True) as con:
        rows = con.execute("SELECT count(*), count(DISTINCT source) FROM conditions "
                           "WHERE code = 'N18.6' AND source LIKE 'journey:%'").fetchone()
        ckd4_first = con.execute("""SELECT count(*) FROM conditions n JOIN conditions c4
            ON n.cohort_id = c4.cohort_id AND n.person_id = c4.person_id AND c4.code = 'N18.4'
            WHERE n.code = 'N18.6'""").fetchone()[0]
    assert rows[0] > 0
    assert ckd4_first == rows[0]  # only stage-4 CKD members progress to kidney failure
