"""Issue 13, done when: a commercial population with a year of care gives corrected and
void claims, reversals, dependents, 834 maintenance types beyond 021/024, and no ST over
its claim limit (here 150, so a few hundred members exercise the split; the 10,000-member
run with the default 5,000 is `benchmarks/bench_export.py --check`)."""

from __future__ import annotations

import pytest
from tests.formats.commercial_year import check_commercial_year, commercial_year_profile
from tests.formats.validators import pyx12_errors

from healthsim import api
from healthsim.formats.run import export_cohort

FORMATS = ("x12-834", "x12-837p", "x12-837i", "x12-835")
PER_ST = 150


@pytest.fixture(scope="module")
def commercial(tmp_path_factory):
    root = tmp_path_factory.mktemp("commercial")
    db = root / "c.duckdb"
    api.generate(commercial_year_profile(250), db)
    exports = {}
    for fmt in FORMATS:
        exports[fmt] = root / fmt
        export_cohort(db, fmt, exports[fmt], options={"claims_per_st": PER_ST})
    return db, exports


def test_commercial_year_has_the_variety_and_split_transactions(commercial):
    db, exports = commercial
    found = check_commercial_year(exports, db, max_claims=PER_ST)
    assert found["x12-837p transaction sets"] > 1 and found["x12-837p largest set"] == PER_ST


def test_834_with_dependents_and_reinstatements_passes_pyx12(commercial):
    """(837 files split at claims_per_st pass pyx12 in test_export_options; every payer's
    837/835 in test_x12_payers.)"""
    _, exports = commercial
    for path in sorted(exports["x12-834"].glob("834-*.x12")):
        assert pyx12_errors(path) == [], path.name
