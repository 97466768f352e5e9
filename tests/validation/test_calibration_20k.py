"""Issue 10's done-when at full size: the four calibrated populations, 20,000 members each with their
default year of care (annual-care), held to the shipped benchmark table by `healthsim validate`.

One cohort per population is generated once for the module (four cohorts in one store) and every test
reads it. Slow (about 2-3 minutes on two idle cores), still run in CI.

Every integrity invariant must hold. Every gating benchmark row that applies must pass, except the rows
named in KNOWN_GAPS: calibration that is not done yet, each with the realised value measured when it was
written down. A known gap that starts passing is fine (remove it from the list); any other failing row
fails the test.

HEALTHSIM_REPORT_SCREENSHOT=docs/report.png also writes the top of the general Medicare cohort's report,
rendered in chromium, there (the README's picture).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from healthsim import api

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = 20_000
POPULATIONS = ("medicare-general", "medicare-diabetic", "commercial-healthy", "medicaid-pediatric")

# Benchmark row id -> why it still fails (realised value at 20,000 members, seed 42, measured 2026-12-03).
_COST_GAP = "medical volume and prices are short of the published spending (issue 10, open)"
KNOWN_GAPS: dict[str, dict[str, str]] = {
    "medicare-general": {
        "paid_pmpm_medicare_65plus": "$554 vs $1,196: " + _COST_GAP,
        "paid_pmpm_medicare_diabetic": "$897 vs $1,572: " + _COST_GAP,
        "rx_fills_medicare_65plus": "~26 vs 52: the drug library covers ~3.5 chronic drugs a member; PPIs, "
                                    "gabapentinoids, BPH, gout and osteoporosis drugs and acute fills are missing",
        "claim_share_professional_medicare": "40.8% vs 31%: follows from the Rx fill gap",
        "claim_share_outpatient_medicare": "3.5% vs 6%: too few hospital outpatient claims (hospital labs, "
                                          "clinic visits, infusions, therapy in hospital departments)",
        "claim_share_inpatient_medicare": "0.74% vs 0.4%: the admission rate is right; other claims are too few",
        "inpatient_allowed_per_stay_medicare": "$10,842 vs $12,800: case mix index ~1.2 (surgical stays ~11%)",
        "cost_top_1pct": "13.3% vs 21.7%: too few very costly members",
        "cost_top_5pct": "38.0% vs 48%: too few very costly members",
        "cost_bottom_50pct": "4.6% vs 3% (+-1.5): imaging and visits are spread over healthy members rather "
                             "than concentrated on the sick",
    },
    "medicare-diabetic": {
        "paid_pmpm_medicare_diabetic": "$841 vs $1,572: " + _COST_GAP,
        "inpatient_allowed_per_stay_medicare": "$10,848 vs $12,800: case mix index ~1.2",
    },
    "commercial-healthy": {
        "allowed_pmpm_commercial_18_44": "$133 vs $420: " + _COST_GAP + "; this profile is the healthy 25-45",
        "rx_share_commercial_18_44": "10.3% vs 20%: few commercial drug users, no specialty drugs",
        "cost_top_1pct": "34.0% vs 21.7%: a healthy cohort's spending sits in a few stays",
        "cost_top_5pct": "70.4% vs 48%: as above",
        "cost_top_20pct": "88.6% vs 80%: as above",
    },
    "medicaid-pediatric": {
        "cost_top_1pct": "18.0% vs 21.7% (MEPS all ages; children's own curve not in the table yet)",
        "cost_top_5pct": "38.0% vs 48% (MEPS all ages)",
        "cost_top_20pct": "69.2% vs 80% (MEPS all ages)",
        "cost_bottom_50pct": "5.2% vs 3% (MEPS all ages)",
    },
}


@pytest.fixture(scope="module")
def cohorts(tmp_path_factory):
    db = tmp_path_factory.mktemp("calibration") / "calibration.duckdb"
    out = {}
    for name in POPULATIONS:
        run = api.generate(api.load_profile(name, count=MEMBERS, seed=42, journeys=["annual-care"]), db)
        out[name] = api.validate(db, run.cohort_id)
    return db, out


@pytest.mark.parametrize("name", POPULATIONS)
def test_integrity_invariants_hold(cohorts, name):
    _db, results = cohorts
    result = results[name]
    assert result.members == MEMBERS
    assert not result.violations, [(v.as_dict() if hasattr(v, "as_dict") else v) for v in result.violations]


@pytest.mark.parametrize("name", POPULATIONS)
def test_every_applicable_benchmark_row_is_within_tolerance_or_a_known_gap(cohorts, name):
    _db, results = cohorts
    result = results[name]
    applied = [b for b in result.benchmarks if b.status in ("pass", "fail")]
    assert len(applied) >= 10, f"{name}: only {len(applied)} benchmark rows apply"
    failing = {b.row.id: f"{b.realised} vs {b.row.published}" for b in result.failures}
    unexpected = {k: v for k, v in failing.items() if k not in KNOWN_GAPS[name]}
    assert not unexpected, f"{name}: rows out of tolerance that are not known gaps: {unexpected}"


def test_the_general_cohorts_report_renders(cohorts, tmp_path):
    """The report of the 20,000-member general Medicare cohort in chromium: every plot drawn; its top is the
    README's picture when HEALTHSIM_REPORT_SCREENSHOT names a file."""
    from tests.validation.browser import assert_rendered, find_chromium, render

    db, results = cohorts
    report = api.report(db, tmp_path / "report.html", results["medicare-general"].cohort_id)
    target = os.environ.get("HEALTHSIM_REPORT_SCREENSHOT")
    r = render(report.path, find_chromium(), tmp_path / "report.png", ROOT / target if target else None)
    assert_rendered(r, report.charts)
