"""Claims of a 10,000-member cohort (diabetic-first-year + surgical-episode), checked in SQL.

Every claim joins to an enrolled member, a real network provider and an
encounter; every line balances to the cent; accumulators stay within plan
limits; dates run service -> received -> paid; identities line up.
"""

from __future__ import annotations

import duckdb
import pytest
from tests.conftest import table_digest

from healthsim import api


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    spec = api.load_profile("medicare-diabetic", count=10_000, seed=21,
                            journeys=["diabetic-first-year", "surgical-episode"])
    return api.generate(spec, tmp_path_factory.mktemp("claims") / "c.duckdb")


def _one(cohort, sql: str):
    with duckdb.connect(str(cohort.db), read_only=True) as con:
        return con.sql(sql.replace("{c}", str(cohort.cohort_id))).fetchall()


def test_every_paid_claim_is_for_a_member_enrolled_on_the_service_date(cohort):
    assert _one(cohort, """
        SELECT count(*) FROM claims c WHERE c.cohort_id = {c} AND c.status = 'paid' AND NOT EXISTS (
          SELECT 1 FROM enrollments e WHERE e.cohort_id = c.cohort_id AND e.person_id = c.person_id
            AND c.service_from BETWEEN e.start_date AND e.end_date)""") == [(0,)]
    outside = _one(cohort, """
        SELECT c.denial_reason FROM claims c WHERE c.cohort_id = {c} AND NOT EXISTS (
          SELECT 1 FROM enrollments e WHERE e.cohort_id = c.cohort_id AND e.person_id = c.person_id
            AND c.service_from BETWEEN e.start_date AND e.end_date)""")
    assert {r[0] for r in outside} <= {"CO-26", "CO-27"}


def test_claims_join_to_network_providers_encounters_and_identities(cohort):
    assert _one(cohort, """
        SELECT count(*) FILTER (WHERE b.npi IS NULL),
               count(*) FILTER (WHERE c.rendering_npi IS NOT NULL AND r.npi IS NULL),
               count(*) FILTER (WHERE e.encounter_id IS NULL OR e.person_id <> c.person_id),
               count(*) FILTER (WHERE i.person_id IS NULL)
        FROM claims c
        LEFT JOIN (SELECT DISTINCT practice_npi AS npi FROM providers WHERE cohort_id = {c}
                   UNION SELECT npi FROM facilities WHERE cohort_id = {c}) b ON b.npi = c.billing_npi
        LEFT JOIN providers r ON r.cohort_id = c.cohort_id AND r.npi = c.rendering_npi
        LEFT JOIN encounters e ON e.cohort_id = c.cohort_id AND e.encounter_id = c.encounter_id
        LEFT JOIN identities i ON i.cohort_id = c.cohort_id AND i.product = 'membersim'
             AND i.identifier = c.member_id AND i.person_id = c.person_id
        WHERE c.cohort_id = {c}""") == [(0, 0, 0, 0)]


def test_every_line_balances_and_claims_are_the_sums_of_their_lines(cohort):
    assert _one(cohort, """
        SELECT count(*) FILTER (WHERE allowed > billed + 0.001),
               count(*) FILTER (WHERE abs(paid + deductible + copay + coinsurance - allowed) > 0.001),
               count(*) FILTER (WHERE least(paid, deductible, copay, coinsurance, allowed) < 0),
               count(*) FILTER (WHERE carc_codes SIMILAR TO 'CO-(16|18|29|50|97 M15|151|11|197|26|27).*'
                                AND (paid <> 0 OR allowed <> 0))
        FROM claim_lines WHERE cohort_id = {c}""") == [(0, 0, 0, 0)]
    assert _one(cohort, """
        SELECT count(*) FROM claims c JOIN (
          SELECT claim_id, sum(billed) b, sum(allowed) a, sum(paid) p,
                 sum(deductible + copay + coinsurance) m FROM claim_lines WHERE cohort_id = {c} GROUP BY 1) l
          USING (claim_id)
        WHERE c.cohort_id = {c} AND (abs(c.billed - l.b) > 0.005 OR abs(c.allowed - l.a) > 0.005
              OR abs(c.paid - l.p) > 0.005 OR abs(c.member_liability - l.m) > 0.005)""") == [(0,)]
    (denied_paid,) = _one(cohort, "SELECT count(*) FROM claims WHERE cohort_id = {c} AND status = 'denied' "
                                  "AND (paid <> 0 OR denial_reason IS NULL)")[0]
    assert denied_paid == 0


def test_member_accumulators_never_exceed_the_plan_limits(cohort):
    assert _one(cohort, """
        WITH acc AS (
          SELECT c.person_id, c.plan_id, year(l.service_date) AS yr, sum(l.deductible) AS ded,
                 sum(l.deductible + l.copay + l.coinsurance) AS oop
          FROM claims c JOIN claim_lines l ON l.cohort_id = c.cohort_id AND l.claim_id = c.claim_id
          WHERE c.cohort_id = {c} GROUP BY ALL)
        SELECT count(*) FROM acc JOIN plans p ON p.cohort_id = {c} AND p.plan_id = acc.plan_id
        WHERE acc.ded > p.deductible + 0.005 OR acc.oop > coalesce(p.oop_max, 1e12) + 0.005""") == [(0,)]


def test_claim_dates_run_from_service_to_receipt_to_payment(cohort):
    assert _one(cohort, """
        SELECT count(*) FILTER (WHERE service_to < service_from),
               count(*) FILTER (WHERE received_date <= service_to),
               count(*) FILTER (WHERE paid_date <= received_date),
               count(*) FILTER (WHERE denial_reason = 'CO-29' AND received_date - service_to < 90)
        FROM claims WHERE cohort_id = {c}""") == [(0, 0, 0, 0)]
    (median_lag,) = _one(cohort, "SELECT median(paid_date - service_to) FROM claims WHERE cohort_id = {c}")[0]
    assert 10 <= median_lag <= 40


def test_stays_carry_a_drg_and_a_plausible_knee_replacement_price(cohort):
    rows = dict(_one(cohort, """SELECT drg, median(allowed) FROM claims WHERE cohort_id = {c}
                                AND type_of_bill = '0111' AND status = 'paid' GROUP BY 1"""))
    assert "470" in rows and 11_000 <= rows["470"] <= 17_000  # MA pays about Medicare: ~$13,800
    assert _one(cohort, "SELECT count(*) FROM claims WHERE cohort_id = {c} AND type_of_bill = '0111' "
                        "AND drg IS NULL") == [(0,)]


def test_primary_care_visits_pay_under_the_pcp_benefit(cohort):
    (share,) = _one(cohort, """SELECT avg((l.benefit = 'pcp')::INT) FROM claim_lines l
        JOIN claims c USING (cohort_id, claim_id) JOIN encounters e USING (cohort_id, encounter_id)
        WHERE l.cohort_id = {c} AND e.specialty = 'primary_care' AND l.line_no = 1
        AND e.type = 'office' AND l.code LIKE '992%'""")[0]
    assert share > 0.99


def test_pharmacy_claims_are_well_formed_covered_and_balanced(cohort):
    from healthsim.products.pharmacy.ndc import ndc_is_well_formed

    ndcs = [r[0] for r in _one(cohort, "SELECT DISTINCT ndc FROM pharmacy_claims WHERE cohort_id = {c}")]
    assert ndcs and ndc_is_well_formed(ndcs).all()
    assert _one(cohort, """
        SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.cohort_id = r.cohort_id
                                AND e.person_id = r.person_id AND r.fill_date BETWEEN e.start_date AND e.end_date)),
               count(*) FILTER (WHERE r.fill_date > (SELECT as_of FROM cohorts WHERE cohort_id = {c})),
               count(*) FILTER (WHERE r.fill_date < o.start_date OR r.refill_no > o.refills
                                OR o.person_id <> r.person_id OR o.rxnorm <> r.rxnorm),
               count(*) FILTER (WHERE i.person_id IS NULL),
               count(*) FILTER (WHERE r.status = 'paid' AND abs(r.copay + r.plan_paid
                                                                - r.ingredient_cost - r.dispensing_fee) > 0.001),
               count(*) FILTER (WHERE r.copay > r.ingredient_cost + r.dispensing_fee + 0.001
                                OR r.deductible > r.copay + 0.001 OR least(r.copay, r.plan_paid) < 0),
               count(*) FILTER (WHERE r.status = 'rejected' AND (r.plan_paid <> 0 OR r.reject_code IS NULL))
        FROM pharmacy_claims r
        JOIN medication_orders o ON o.cohort_id = r.cohort_id AND o.order_id = r.order_id
        LEFT JOIN identities i ON i.cohort_id = r.cohort_id AND i.product = 'rxmembersim'
             AND i.identifier = r.cardholder_id AND i.person_id = r.person_id
        WHERE r.cohort_id = {c}""") == [(0, 0, 0, 0, 0, 0, 0)]
    assert _one(cohort, """SELECT count(*) FROM (SELECT person_id, year(fill_date), max(p.rx_deductible) lim,
        sum(r.deductible) ded FROM pharmacy_claims r JOIN (SELECT DISTINCT cohort_id, person_id, plan_id
        FROM enrollments) e USING (cohort_id, person_id)
        JOIN plans p ON p.cohort_id = r.cohort_id AND p.plan_id = e.plan_id
        WHERE r.cohort_id = {c} AND r.status = 'paid' GROUP BY 1, 2) WHERE ded > lim + 0.005""") == [(0,)]


def test_refills_follow_published_adherence_levels(cohort):
    """Proportion of days covered among metformin users with 2+ fills, over the days from the first fill to
    the end of the year, the stop of the prescription or death (the CMS Part D measure's denominator):
    CMS Star Ratings adherence data put ~80% of users at PDC >= 0.8, and claims studies 55-80%; HealthSim
    aims at 60-95%."""
    (adherent,) = _one(cohort, """WITH f AS (SELECT r.person_id, min(r.fill_date) first, sum(r.days_supply) ds,
            least(DATE '2025-12-31', coalesce(max(o.stop_date), DATE '2025-12-31'),
                  coalesce(any_value(d.death_date), DATE '2025-12-31')) AS last
        FROM pharmacy_claims r JOIN medication_orders o USING (cohort_id, order_id)
        LEFT JOIN deaths d ON d.cohort_id = r.cohort_id AND d.person_id = r.person_id
        WHERE r.cohort_id = {c} AND r.rxnorm = '861007' AND r.status <> 'rejected'
        GROUP BY 1 HAVING count(*) >= 2)
        SELECT avg((least(ds, last - first + 1) / (last - first + 1) >= 0.8)::INT) FROM f
        WHERE last - first >= 90""")[0]
    assert 0.6 <= adherent <= 0.95


@pytest.fixture(scope="module")
def diabetic_year(tmp_path_factory):
    spec = api.load_profile("new-type2-diabetes", count=21_000, seed=4, journeys=["diabetic-first-year"])
    return api.generate(spec, tmp_path_factory.mktemp("dfy") / "one.duckdb", chunk_blocks=1, workers=1)


def test_claims_are_the_same_for_any_chunking_and_workers(diabetic_year, tmp_path):
    one = diabetic_year
    many = api.generate(one.spec, tmp_path / "many.duckdb", chunk_blocks=2, workers=2)
    for name in ("claims", "claim_lines", "pharmacy_claims"):
        assert table_digest(one.db, one.cohort_id, name) == table_digest(many.db, many.cohort_id, name), name


def test_pmpm_of_the_diabetes_journey_is_plausible(diabetic_year):
    """Allowed per member per month of what diabetic-first-year bills, on an MA plan paying about
    Medicare rates: ~3-4 visits a year (99213/99214 at ~$90-125, CY2025 PFS) with A1c, metabolic,
    lipid and urine albumin panels (~$10-35 each, CLFS) is ~$400-700 a year, $30-60 PMPM medical;
    pharmacy is mostly generic metformin and statins, with some brand intensification.

    This is the journey's own care, not a beneficiary's whole year: total Medicare spending over
    enrollment is roughly $1,200-1,400 per member per month (2023 Medicare Trustees Report), and the
    ADA's Economic Costs of Diabetes in the U.S. in 2022 puts about $12,000 a year per person
    attributable to diabetes; reaching those needs journeys for all of a member's care."""
    (medical, pharmacy) = _one(diabetic_year, """
        WITH mm AS (SELECT sum(datediff('month', start_date, end_date) + 1) AS months FROM enrollments
                    WHERE cohort_id = {c})
        SELECT (SELECT sum(allowed) FROM claims WHERE cohort_id = {c}) / months,
               (SELECT sum(ingredient_cost + dispensing_fee) FROM pharmacy_claims
                WHERE cohort_id = {c} AND status = 'paid') / months FROM mm""")[0]
    assert 20 <= medical <= 80
    assert 10 <= pharmacy <= 80


def test_claim_diagnoses_are_the_encounters_in_rank_order(cohort):
    assert _one(cohort, """
        SELECT count(*) FROM claims c JOIN (
          SELECT encounter_id, string_agg(code, ' ' ORDER BY rank) AS codes FROM diagnoses
          WHERE cohort_id = {c} GROUP BY 1) d USING (encounter_id)
        WHERE c.cohort_id = {c} AND c.diagnosis_codes IS DISTINCT FROM d.codes""") == [(0,)]
