"""Every shipped profile template loads, validates and runs 1,000 members."""

from __future__ import annotations

import duckdb
import pytest

from healthsim import api
from healthsim.templates import list_templates

PROFILES = [t.name for t in list_templates("profile")]


def test_the_seed_templates_are_shipped():
    assert {"medicare-diabetic", "commercial-healthy", "medicaid-pediatric"} <= set(PROFILES)


@pytest.mark.parametrize("name", PROFILES)
def test_template_runs_and_respects_its_own_age_range(tmp_path, name):
    spec = api.load_profile(name, count=1000, seed=1)
    assert spec.sources or any(c.source for c in spec.conditions), "templates cite their figures"
    result = api.generate(spec, tmp_path / "t.duckdb")
    assert result.row_counts["persons"] == 1000
    lo, hi = spec.demographics.age.support()
    with duckdb.connect(str(result.db), read_only=True) as con:
        min_age, max_age = con.execute("SELECT min(age), max(age) FROM persons").fetchone()
        sex_violations = con.execute("""
            SELECT count(*) FROM conditions c JOIN persons p USING (cohort_id, person_id)
            WHERE (c.code LIKE 'O%' OR c.code LIKE 'N7%' OR c.code LIKE 'N8%') AND p.sex = 'M'
               OR (c.code LIKE 'C61%' OR c.code LIKE 'N40%') AND p.sex = 'F'""").fetchone()[0]
    assert lo - 1 <= min_age and max_age <= hi
    assert sex_violations == 0
    # At 1,000 members, allow for the 1% expected misses of many 99% checks.
    misses = [c for c in result.checks if not c.ok]
    assert len(misses) <= max(1, len(result.checks) // 10), misses
