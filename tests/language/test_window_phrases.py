"""A journey asked for over several years gets a cohort window that long (issue 9's
"300 Medicare members with CHF over 3 years"): enrollment, care, progression and deaths span
every year, not a one-year clip of a 36-month journey."""

from __future__ import annotations

import duckdb
import pytest

from healthsim import api


@pytest.mark.parametrize("text, years", [
    ("300 Medicare members with CHF over 3 years", 3),
    ("50 heart failure patients on Medicare followed for 2 years", 2),
    ("100 Medicare diabetics with claims", None),
])
def test_multi_year_requests_set_the_window(text, years):
    spec = api.parse_request(text)
    window = spec.profile.window
    assert (window.years if window else None) == years


def test_chf_over_three_years_spans_three_years(tmp_path):
    spec = api.parse_request("300 Medicare members with CHF over 3 years", count=120, seed=7)
    db = tmp_path / "chf.duckdb"
    api.generate_request(spec, db)
    with duckdb.connect(str(db), read_only=True) as con:
        first, last = con.sql("SELECT min(start_date), max(end_date) FROM enrollments").fetchall()[0]
        years = dict(con.sql("SELECT year(start_time), count(*) FROM encounters GROUP BY 1").fetchall())
        late_hf = con.sql("SELECT count(*) FROM diagnoses d JOIN encounters e USING (cohort_id, encounter_id) "
                          "WHERE d.code LIKE 'I50%' AND year(e.start_time) = year(DATE '2025-12-31') - 2"
                          ).fetchall()[0][0]
    assert (first.year, last.year) == (2023, 2025)
    assert set(years) == {2023, 2024, 2025} and min(years.values()) > 0.5 * max(years.values())
    assert late_hf > 0  # heart-failure care in the first year of the window, too


def test_a_stored_spec_reloads_with_its_window():
    """A cohort's stored spec document (which carries fields the original-format reader also knows,
    such as demographics.source) reloads with every HealthSim field, the window included."""
    spec = api.parse_request("300 Medicare members with CHF over 3 years", count=50).profile
    again = api.load_profile(api.spec_document(spec))
    assert again.window == spec.window and again.window.years == 3
    assert api.spec_document(again) == api.spec_document(spec)


@pytest.mark.parametrize("text, start, as_of", [
    ("diabetes patients from 2022 to 2024, 100 members", "2022-01-01", "2024-12-31"),
    ("COPD members between 2021 and 2023", "2021-01-01", "2023-12-31"),
    ("300 MA members, 2019-2021, with claims", "2019-01-01", "2021-12-31"),
    ("200 members with asthma since 2023", "2023-01-01", "2025-12-31"),
])
def test_calendar_years_set_the_window_and_are_never_a_count(text, start, as_of):
    spec = api.parse_request(text)
    p = spec.profile
    assert (str(p.window.start), str(p.as_of)) == (start, as_of)
    assert p.count not in {int(start[:4]), int(as_of[:4])}


def test_a_calendar_year_is_the_cohorts_year():
    p = api.parse_request("200 MA members in 2023").profile
    assert str(p.as_of) == "2023-12-31" and p.window is None


def test_from_2022_to_2024_spans_those_years(tmp_path):
    spec = api.parse_request("Medicare members with heart failure from 2022 to 2024 with claims", count=60, seed=3)
    db = tmp_path / "years.duckdb"
    api.generate_request(spec, db)
    with duckdb.connect(str(db), read_only=True) as con:
        years = dict(con.sql("SELECT year(start_time), count(*) FROM encounters GROUP BY 1").fetchall())
        first, last = con.sql("SELECT min(start_date), max(end_date) FROM enrollments").fetchall()[0]
    assert set(years) == {2022, 2023, 2024}
    assert first.year == 2022 and last.year == 2024
