"""The shipped benchmark table is complete, cited and self-consistent, and every metric runs."""

from __future__ import annotations

import re

import pytest

from healthsim.store.analysis import AnalysisSession
from healthsim.validation import cohort as cohort_frame
from healthsim.validation.run import measure
from healthsim.validation.table import (
    BenchmarkTableError,
    _parse_tolerance,
    benchmark_table,
    parse_call,
)

ISSUE_10_METRICS = {  # the issue's table, plus the extra rows it asks for
    "ed_visits", "admissions", "readmission_30d", "readmission_within_7d_share", "inpatient_allowed_per_stay",
    "paid_pmpm", "rx_fills_30day", "claim_share", "office_visits", "rx_share_of_allowed", "treated_class_share",
    "drug_class_use", "pdc_share", "cost_share_top", "share_aged", "deaths_per_100", "prevalence", "a1c_share",
    "lines_per_claim", "cesarean_share", "preventive_visit_share"}


def test_every_row_cites_a_source_and_year_and_says_when_from_memory():
    table = benchmark_table()
    assert len(table.rows) >= 60
    for row in table.rows:
        assert row.source.strip() and re.match(r"^(19|20)\d\d$", row.year), row.id
        assert row.url == "" or row.url.startswith("https://"), row.id
        if not row.url:  # a figure without an address must say where it came from
            assert row.from_memory or "issue 10" in row.source, row.id


def test_the_issue_metrics_and_populations_are_all_covered():
    table = benchmark_table()
    used = {r.metric for r in table.rows}
    assert ISSUE_10_METRICS <= used, ISSUE_10_METRICS - used
    pops = {r.population for r in table.rows}
    for needed in ("medicare_65plus", "medicare_diabetic_65plus", "commercial_18_64", "medicaid_children"):
        assert needed in pops
    families = {r.args[0] for r in table.rows if r.metric == "prevalence"}
    assert {"hypertension", "hyperlipidemia", "coronary_artery_disease", "type2_diabetes", "ckd", "heart_failure"} <= families


def test_tolerances_default_to_15_percent_and_wider_ones_say_why():
    for row in benchmark_table().rows:
        if row.tolerance_rel is not None and row.tolerance_rel > 0.15:
            assert re.search(r"\d+%|rough|informational|from memory|because", row.note), row.id
        low, high = row.bounds()
        assert low < row.published < high


def test_metric_calls_and_tolerances_parse():
    assert parse_call("pdc_share(statin, 0.8, 9)") == ("pdc_share", ("statin", "0.8", "9"))
    assert parse_call("ed_visits") == ("ed_visits", ())
    assert _parse_tolerance("15%") == (0.15, None)
    assert _parse_tolerance("±0.02") == (None, 0.02)
    with pytest.raises(ValueError):
        _parse_tolerance("fifteen")
    with pytest.raises(BenchmarkTableError):
        from healthsim.validation.table import _parse_row
        _parse_row({"id": "x", "population": "p", "metric": "m(", "published": "1", "tolerance": "15%",
                    "source": "s", "year": "2020"}, 2)


def test_every_row_runs_on_a_real_cohort(validation_store):
    """Contract: each row's SQL or function executes and yields a value or an empty count, never an error."""
    table = benchmark_table()
    for cid in (validation_store["diabetic"], validation_store["commercial"]):
        with AnalysisSession(validation_store["db"], cid) as session:
            frame = cohort_frame.build_frame(session)
            fits = {p: cohort_frame.fit_population(session, frame, pop) for p, pop in table.populations.items()}
            for row in table.rows:
                m = measure(session, table, row, fits["everyone"].table if row.population != "everyone"
                            else fits[row.population].table)
                assert m.units >= 0
                if m.value is not None:
                    assert m.value >= 0, row.id
