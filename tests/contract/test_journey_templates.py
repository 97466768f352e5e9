"""Every shipped journey template on 5,000 members: coherence invariants on every row (SQL),
determinism by seed, and independence from write chunking."""

from __future__ import annotations

import duckdb
import pytest
from tests.conftest import table_digest

from healthsim import api
from healthsim.templates import list_templates

JOURNEYS = [t.name for t in list_templates("journey")]
PROFILE = {"maternity-episode": "commercial-healthy", "new-member-onboarding": "commercial-healthy",
           "diabetic-first-year": "new-type2-diabetes",
           "ed-visit-branching": "commercial-healthy"}
CLINICAL = ("encounters", "diagnoses", "procedures", "lab_orders", "observations", "medication_orders",
            "referrals", "member_events", "journey_states", "deaths", "conditions", "enrollments")

INVARIANTS = {
    "events within life": """
        SELECT count(*) FROM encounters e JOIN persons p USING (cohort_id, person_id)
        LEFT JOIN deaths d USING (cohort_id, person_id)
        WHERE e.cohort_id = ? AND (e.start_time::DATE <= p.birth_date
              OR (d.death_date IS NOT NULL AND e.start_time::DATE > d.death_date))""",
    "encounters within enrollment (insured)": """
        SELECT count(*) FROM encounters e
        WHERE e.cohort_id = ? AND e.person_id IN (SELECT person_id FROM enrollments WHERE cohort_id = e.cohort_id)
          AND NOT EXISTS (SELECT 1 FROM enrollments n WHERE n.cohort_id = e.cohort_id AND n.person_id = e.person_id
                          AND e.start_time::DATE BETWEEN n.start_date AND n.end_date)""",
    "nothing after as_of": "SELECT count(*) FROM encounters WHERE cohort_id = ? AND end_time > TIMESTAMP '2026-01-01'",
    "end after start, discharge after admission": """
        SELECT count(*) FROM encounters WHERE cohort_id = ? AND (end_time <= start_time
               OR discharge_date < admit_date OR (type = 'inpatient' AND admit_date IS NULL)
               OR length_of_stay <> datediff('day', admit_date, discharge_date))""",
    "results after orders": """
        SELECT count(*) FROM observations o JOIN lab_orders l USING (cohort_id, order_id)
        WHERE o.cohort_id = ? AND (o.issued_time <= l.collected_time OR l.collected_time < l.ordered_time
              OR o.time <> l.collected_time OR l.encounter_id <> o.encounter_id)""",
    "orders within their encounter's day range": """
        SELECT count(*) FROM lab_orders l JOIN encounters e USING (cohort_id, encounter_id)
        WHERE l.cohort_id = ? AND (l.ordered_time < e.start_time OR l.ordered_time::DATE > e.end_time::DATE)""",
    "every child row has its encounter": """
        SELECT (SELECT count(*) FROM diagnoses d WHERE d.cohort_id = ? AND d.encounter_id NOT IN
                (SELECT encounter_id FROM encounters WHERE cohort_id = d.cohort_id))
             + (SELECT count(*) FROM procedures x WHERE x.cohort_id = $1 AND x.encounter_id NOT IN
                (SELECT encounter_id FROM encounters WHERE cohort_id = x.cohort_id))""",
    "no sex-inappropriate diagnosis or procedure": """
        SELECT count(*) FROM diagnoses d JOIN persons p USING (cohort_id, person_id)
        WHERE d.cohort_id = ? AND ((p.sex = 'M' AND (d.code LIKE 'O%' OR d.code LIKE 'Z3A%' OR d.code LIKE 'Z34%'
               OR d.code LIKE 'Z37%' OR d.code LIKE 'Z39%')) OR (p.sex = 'F' AND (d.code LIKE 'C61%' OR d.code LIKE 'N40%')))""",
    "diagnosis ranks start at 1 without gaps": """
        SELECT count(*) FROM (SELECT encounter_id, min(rank) mn, max(rank) mx, count(*) n FROM diagnoses
        WHERE cohort_id = ? GROUP BY 1) WHERE mn <> 1 OR mx <> n""",
    "medication orders within life and enrollment": """
        SELECT count(*) FROM medication_orders m JOIN persons p USING (cohort_id, person_id)
        LEFT JOIN deaths d USING (cohort_id, person_id)
        WHERE m.cohort_id = ? AND (m.start_date <= p.birth_date OR m.start_date > d.death_date
              OR m.end_date < m.start_date OR m.days_supply < 1)""",
    "enrollment ends by the month of death": """
        SELECT count(*) FROM enrollments n JOIN deaths d USING (cohort_id, person_id)
        WHERE n.cohort_id = ? AND n.end_date > last_day(d.death_date)""",
    "abnormal flags agree with reference ranges": """
        SELECT count(*) FROM observations WHERE cohort_id = ? AND category = 'laboratory' AND value IS NOT NULL
          AND ((abnormal_flag = 'N' AND (value < ref_low OR value > ref_high))
               OR (abnormal_flag = 'H' AND NOT value > ref_high) OR (abnormal_flag = 'L' AND NOT value < ref_low))""",
}


@pytest.fixture(scope="module")
def cohorts(tmp_path_factory):
    out = {}
    for name in JOURNEYS:
        db = tmp_path_factory.mktemp(name) / "j.duckdb"
        spec = api.load_profile(PROFILE.get(name, "medicare-diabetic"), count=5000, seed=17, journeys=[name])
        out[name] = api.generate(spec, db)
    return out


def test_the_issue_templates_are_shipped():
    assert {"diabetic-first-year", "surgical-episode", "new-member-onboarding", "chf-lifecycle",
            "maternity-episode", "ed-visit-branching"} <= set(JOURNEYS)


@pytest.mark.parametrize("name", JOURNEYS)
def test_template_rows_are_coherent(cohorts, name):
    result = cohorts[name]
    # end-of-life is for the ~1 in 5 decedents who die in hospital: a few dozen of 5,000 older members;
    # hospice for those who die elsewhere, a month of care at a time: a few hundred
    floor = {"end-of-life": 30, "hospice": 100}.get(name, 500)
    assert result.row_counts["encounters"] > floor, result.row_counts
    with duckdb.connect(str(result.db), read_only=True) as con:
        bad = {k: con.execute(sql, [result.cohort_id]).fetchone()[0] for k, sql in INVARIANTS.items()}
    assert not any(bad.values()), bad


@pytest.mark.parametrize("name", ["diabetic-first-year", "chf-lifecycle", "maternity-episode"])
def test_same_seed_same_rows_and_chunking_does_not_matter(cohorts, tmp_path, name):
    first = cohorts[name]
    spec = api.load_profile(PROFILE.get(name, "medicare-diabetic"), count=5000, seed=17, journeys=[name])
    again = api.generate(spec, tmp_path / "again.duckdb", chunk_blocks=1)
    spec_small = spec.model_copy()
    chunked = api.generate(spec_small, tmp_path / "chunked.duckdb", chunk_blocks=3)
    for table in CLINICAL:
        a = table_digest(first.db, first.cohort_id, table)
        assert a == table_digest(again.db, again.cohort_id, table), table
        assert a == table_digest(chunked.db, chunked.cohort_id, table), table
