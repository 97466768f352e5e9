"""The member state as users see it in the tables: stages that replace each other, coding conventions,
labs that agree with the member and the event, multi-year windows, and journeys that fit the population
or are refused clearly."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthsim import api
from healthsim.engine.run import run_block
from healthsim.errors import HealthSimError
from healthsim.store.arrow_sql import query_tables
from healthsim.templates import list_templates, load_template

SEED_PROFILE = (Path(__file__).resolve().parents[1] / "language" / "data" / "seed_examples"
                / "generation-framework-readme__1.json")  # the seed README's profile JSON, verbatim


def _tables(doc_or_name, n: int, journeys: list[str], **update) -> dict:
    doc = load_template(doc_or_name, kind="profile") if isinstance(doc_or_name, str) else dict(doc_or_name)
    doc.update(update)
    spec = api.load_profile(doc, count=n, seed=5, journeys=journeys)
    tables, _ = run_block(api.build_run(spec), 0, 0, n)
    return tables


def _one(tables, sql):
    return query_tables(tables, sql).to_pylist()


@pytest.fixture(scope="module")
def year_of_care():
    doc = load_template("medicare-diabetic", kind="profile")
    doc.pop("attributes")  # A1c from the library's model of older adults with diabetes, not a control mix
    return _tables(doc, 4000, ["annual-care"])


def test_ckd_stages_replace_each_other(year_of_care):
    rows = _one(year_of_care, """SELECT person_id, code, onset_date, abatement_date FROM conditions
                                 WHERE family = 'ckd' ORDER BY person_id, onset_date""")
    by_person: dict[int, list] = {}
    for r in rows:
        by_person.setdefault(r["person_id"], []).append(r)
    progressed = 0
    for stages in by_person.values():
        for a, b in pairwise(stages):
            progressed += 1
            assert a["abatement_date"] is not None and (b["onset_date"] - a["abatement_date"]).days == 1
            assert b["code"] > a["code"]  # N18.30 -> N18.4 -> N18.5 -> N18.6: only forward
        assert sum(s["abatement_date"] is None for s in stages) == 1
    assert progressed > 20


def test_coding_conventions_on_encounters(year_of_care):
    (bad_e11,) = _one(year_of_care, """SELECT count(*) AS n FROM (SELECT encounter_id FROM diagnoses GROUP BY 1
        HAVING bool_or(code = 'E11.9') AND bool_or(code LIKE 'E11.%' AND code <> 'E11.9'))""")
    assert bad_e11["n"] == 0
    (bad_htn,) = _one(year_of_care, """SELECT count(*) AS n FROM diagnoses d WHERE d.code = 'I10' AND EXISTS (
        SELECT 1 FROM conditions c WHERE c.person_id = d.person_id AND c.family IN ('ckd', 'heart_failure')
          AND c.onset_date <= d.diagnosis_date AND coalesce(c.abatement_date, DATE '9999-01-01') >= d.diagnosis_date)""")
    assert bad_htn["n"] == 0
    combined = {r["code"] for r in _one(year_of_care, "SELECT DISTINCT code FROM diagnoses WHERE code LIKE 'I1%'")}
    assert {"I12.9", "I11.0", "I13.0"} <= combined
    (stages,) = _one(year_of_care, """SELECT max(n) AS n FROM (SELECT encounter_id, count(*) n FROM diagnoses
                                      WHERE code LIKE 'N18%' GROUP BY 1)""")
    assert stages["n"] == 1  # one CKD stage at a time


def test_preventive_visits_are_coded_by_payer_and_age():
    commercial = _tables("commercial-healthy", 1500, ["annual-care"])
    codes = {r["em_code"] for r in _one(commercial, "SELECT DISTINCT em_code FROM encounters WHERE em_code IS NOT NULL")}
    assert not codes & {"G0402", "G0438", "G0439"}
    assert codes & {"99385", "99395", "99386", "99396"}


def test_a1c_of_older_diabetics_follows_the_published_distribution(year_of_care):
    """About 60% of adults 65+ with diabetes have A1c below 7% (NHANES; Fang et al., NEJM 2021)."""
    (row,) = _one(year_of_care, """SELECT avg((value < 7)::INT) AS below7, count(*) AS n FROM (
        SELECT person_id, arg_min(value, time) AS value FROM observations WHERE loinc = '4548-4' GROUP BY 1)""")
    assert row["n"] > 1000
    assert 0.5 <= row["below7"] <= 0.7


def test_labs_agree_with_the_event_and_the_state(year_of_care):
    t = year_of_care
    def median(sql):
        return _one(t, f"SELECT median(value) AS v, count(*) AS n FROM ({sql})")[0]
    egfr = _one(t, """SELECT c.code, median(o.value) AS v FROM observations o JOIN conditions c
        ON c.person_id = o.person_id AND c.family = 'ckd' AND CAST(o.time AS DATE) BETWEEN c.onset_date
        AND coalesce(c.abatement_date, DATE '9999-01-01') WHERE o.loinc = '98979-8' GROUP BY 1""")
    bands = {"N18.30": (30, 60), "N18.4": (15, 30), "N18.5": (0, 15)}
    for r in egfr:
        if r["code"] in bands:
            lo, hi = bands[r["code"]]
            assert lo <= r["v"] < hi, r
    trop = median("""SELECT o.value FROM observations o JOIN diagnoses d USING (encounter_id)
                     WHERE o.loinc = '10839-9' AND d.code LIKE 'I21%'""")
    assert trop["n"] > 0 and trop["v"] > 0.04  # above the 99th-percentile cut-off on MI admissions
    lactate = median("""SELECT o.value FROM observations o JOIN diagnoses d USING (encounter_id)
                        WHERE o.loinc = '2524-7' AND d.code LIKE 'A41%'""")
    assert lactate["n"] > 0 and lactate["v"] > 2.0
    bnp = median("""SELECT o.value FROM observations o JOIN encounters e USING (encounter_id)
                    JOIN diagnoses d USING (encounter_id) WHERE o.loinc = '30934-4' AND e.type = 'inpatient'
                    AND d.code LIKE 'I50.2%'""")
    assert bnp["n"] > 0 and bnp["v"] > 400
    gi = median("""SELECT o.value FROM observations o JOIN diagnoses d USING (encounter_id)
                   WHERE o.loinc = '718-7' AND d.code LIKE 'K92%'""")
    other = median("SELECT value FROM observations WHERE loinc = '718-7'")
    assert gi["n"] > 0 and gi["v"] < other["v"] - 2
    (inr,) = _one(t, """SELECT avg((o.value BETWEEN 2 AND 3)::INT) AS share, count(*) AS n FROM observations o
                        JOIN medication_orders m ON m.person_id = o.person_id AND m.drug_class = 'anticoagulant'
                        AND CAST(o.time AS DATE) BETWEEN m.start_date AND m.end_date WHERE o.loinc = '6301-6'""")
    assert inr["n"] > 50 and inr["share"] > 0.5  # time in therapeutic range ~60-65% (ORBIT-AF)


def test_three_years_of_chf_care():
    """'300 Medicare members with CHF over 3 years': three years of enrollment, care, progression, deaths."""
    t = _tables("medicare-diabetic", 2000, ["chf-lifecycle", "annual-care"], window={"years": 3})
    years = {r["y"] for r in _one(t, "SELECT DISTINCT year(start_time) AS y FROM encounters")}
    assert years == {2023, 2024, 2025}
    (span,) = _one(t, "SELECT min(start_date) AS lo, max(end_date) AS hi FROM enrollments")
    assert str(span["lo"]) == "2023-01-01" and str(span["hi"]) == "2025-12-31"
    deaths = {r["y"] for r in _one(t, "SELECT DISTINCT year(death_date) AS y FROM deaths")}
    assert deaths == {2023, 2024, 2025}
    (states,) = _one(t, "SELECT count(DISTINCT person_id) AS n FROM journey_states WHERE journey = 'CHF Lifecycle'")
    assert states["n"] > 100


def test_a_first_year_journey_fits_only_new_diagnoses():
    """Without diabetics diagnosed in the window nobody gets diabetic-first-year, and nothing breaks."""
    t = _tables("commercial-healthy", 2000, ["diabetic-first-year"])
    (onsets,) = _one(t, """SELECT count(*) AS bad FROM encounters e JOIN conditions c
        ON c.person_id = e.person_id AND c.family = 'type2_diabetes'
        WHERE e.journey = 'Diabetic First Year' AND CAST(e.start_time AS DATE) < c.onset_date""")
    assert onsets["bad"] == 0


def test_the_seed_readme_profile_runs_with_the_first_year_journey():
    doc = json.loads(SEED_PROFILE.read_text())
    try:
        spec = api.load_profile(doc, count=300, journeys=["diabetic-first-year"])
        tables, _ = run_block(api.build_run(spec), 0, 0, 300)
    except HealthSimError as exc:  # a clear refusal is acceptable, a traceback is not
        assert str(exc)
    else:
        assert tables["persons"].num_rows == 300


PROFILES = [t.name for t in list_templates("profile")]
JOURNEYS = [t.name for t in list_templates("journey")]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profile=st.sampled_from(PROFILES), journeys=st.lists(st.sampled_from(JOURNEYS), min_size=1, max_size=3,
                                                            unique=True),
       count=st.integers(1, 150), seed=st.integers(0, 2**31), years=st.sampled_from([None, 1, 2]))
def test_random_profile_and_journey_combinations_run_or_are_refused(profile, journeys, count, seed, years):
    try:
        doc = load_template(profile, kind="profile")
        if years:
            doc["window"] = {"years": years}
        spec = api.load_profile(doc, count=count, seed=seed, journeys=journeys)
        tables, _ = run_block(api.build_run(spec), 0, 0, count)
    except HealthSimError:
        return
    assert tables["persons"].num_rows == count
    assert np.all(tables["persons"].column("person_id").to_numpy() >= 1)


def test_new_patient_visits_only_open_a_relationship(year_of_care):
    """99202-99205 / 9938x only at a member's first visit with that provider; every later visit is established."""
    (bad,) = _one(year_of_care, """WITH v AS (SELECT person_id, provider_id, em_code, start_time,
            row_number() OVER (PARTITION BY person_id, provider_id ORDER BY start_time) AS nth
            FROM encounters WHERE em_code IN ('99202','99203','99204','99205','99381','99382','99383','99384',
                                              '99385','99386','99387') AND provider_id IS NOT NULL)
        SELECT count(*) AS n FROM v WHERE nth > 1""")
    assert bad["n"] == 0
    (share,) = _one(year_of_care, """SELECT avg((em_code IN ('99202','99203','99204','99205'))::INT) AS new
        FROM encounters WHERE em_code BETWEEN '99202' AND '99215'""")
    assert 0.01 < share["new"] < 0.25  # mostly established: a chronic population knows its doctors
