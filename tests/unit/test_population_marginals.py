"""Realised statistics of a 20,000-member cohort match the medicare-diabetic spec."""

from __future__ import annotations

import math

import duckdb

from healthsim.engine.stats import Z99


def test_every_specified_marginal_is_inside_its_99_percent_interval(diabetic_20k):
    outside = [c for c in diabetic_20k.checks if not c.ok]
    names = {c.name.split(" (")[0] for c in diabetic_20k.checks}
    assert {"age mean", "age sd", "sex F", "sex M", "E11.9 prevalence", "I10 prevalence"} <= names
    assert not outside, outside


def test_age_and_sex_recomputed_from_the_store_match_targets(diabetic_20k):
    """Independent of the engine's own counters: recompute from persons rows."""
    spec = diabetic_20k.spec
    with duckdb.connect(str(diabetic_20k.db), read_only=True) as con:
        n, mean_age, sd_age, share_f = con.execute(
            "SELECT count(*), avg(datediff('day', birth_date, DATE '2025-12-31') / 365.2425), "
            "stddev_pop(datediff('day', birth_date, DATE '2025-12-31') / 365.2425), avg((sex = 'F')::INT) "
            "FROM persons WHERE cohort_id = ?", [diabetic_20k.cohort_id]).fetchone()
    age = spec.demographics.age
    assert n == 20_000
    assert abs(mean_age - age.mean()) < Z99 * math.sqrt(age.variance() / n)
    assert abs(sd_age - math.sqrt(age.variance())) < Z99 * math.sqrt(age.variance()) / math.sqrt(2 * n)
    assert abs(share_f - 0.52) < Z99 * math.sqrt(0.52 * 0.48 / n)


def test_condition_prevalence_from_the_store(diabetic_20k):
    """Prevalence by condition family: the member state codes hypertension with CKD as I12.9 and diabetes
    with its complications as E11.2x/E11.4x..., so a profile code's share is its family's. A member who
    dies before a diagnosis that would have fallen inside the window never gets it (a few in 10,000)."""
    with duckdb.connect(str(diabetic_20k.db), read_only=True) as con:
        shares = dict(con.execute(
            "SELECT family, count(DISTINCT person_id) / 20000.0 FROM conditions WHERE cohort_id = ? GROUP BY 1",
            [diabetic_20k.cohort_id]).fetchall())
    n = 20_000
    assert shares["type2_diabetes"] >= 0.998
    for family, p in (("hypertension", 0.72), ("hyperlipidemia", 0.70), ("copd", 0.12)):
        assert abs(shares[family] - p) < Z99 * math.sqrt(p * (1 - p) / n) + 0.002, family


def test_comorbidity_given_ckd_is_higher(diabetic_20k):
    with duckdb.connect(str(diabetic_20k.db), read_only=True) as con:
        with_ckd, without = con.execute("""
            SELECT avg(hf) FILTER (WHERE ckd), avg(hf) FILTER (WHERE NOT ckd) FROM (
              SELECT p.person_id,
                     bool_or(c.code = 'N18.30') AS ckd, max((c.family = 'heart_failure')::INT) AS hf
              FROM persons p LEFT JOIN conditions c USING (cohort_id, person_id)
              WHERE p.cohort_id = ? GROUP BY p.person_id)""", [diabetic_20k.cohort_id]).fetchone()
    assert abs(with_ckd - 0.28) < 0.04
    assert abs(without - 0.14) < 0.02
