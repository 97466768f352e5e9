"""Integrity slips found by the fault probe (issue 17, item 10), over every row:
SSNs unique and never real (not ITINs), no enrollment before birth, ages exact on
birthdays, and files that a failed or refused command must not leave behind."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pytest

from healthsim import api
from healthsim.cli.main import main
from healthsim.engine import ssn
from healthsim.engine.ages import completed_years
from healthsim.engine.columns import days
from healthsim.errors import HealthSimError

ITIN_GROUPS = {*range(50, 66), *range(70, 89), 90, 91, 92, *range(94, 100)}


def test_ssns_are_unique_never_itin_and_independent_of_blocks():
    ids = np.arange(1, 1_000_001)
    column = ssn.ssn_column(ids, seed=11).to_numpy(zero_copy_only=False)
    assert len(set(column)) == len(ids)
    area = np.array([int(s[:3]) for s in column[:50_000]])
    group = np.array([int(s[4:6]) for s in column[:50_000]])
    serial = np.array([int(s[7:]) for s in column[:50_000]])
    assert area.min() >= 900 and area.max() <= 999 and serial.min() >= 1 and group.min() >= 1
    assert not set(group.tolist()) & ITIN_GROUPS
    # a member's number depends on (seed, person_id) only: any slice gives the same values
    assert ssn.ssn_column(ids[123_456:123_460], seed=11).to_pylist() == column[123_456:123_460].tolist()
    assert ssn.ssn_column(ids[:5], seed=12).to_pylist() != column[:5].tolist()


def test_the_permutation_covers_the_whole_space_without_collisions():
    sample = np.random.default_rng(0).choice(ssn.SPACE, 200_000, replace=False)
    out = ssn.permute(sample, seed=3)
    assert len(np.unique(out)) == len(sample) and out.min() >= 0 and out.max() < ssn.SPACE


@pytest.mark.parametrize("as_of", [date(2025, 12, 31), date(2025, 1, 1), date(2024, 2, 28), date(2024, 2, 29)])
def test_ages_are_whole_calendar_years(as_of):
    born = [date(y, m, d) for y in (1960, 2000, 2004) for m, d in
            ((1, 1), (2, 28), (2, 29) if y % 4 == 0 else (3, 1), (12, 31), (as_of.month, as_of.day))]
    expected = [as_of.year - b.year - ((as_of.month, as_of.day) < (b.month, b.day)) for b in born]
    assert completed_years(np.array([days(b) for b in born]), as_of).tolist() == expected


@pytest.fixture(scope="module")
def pediatric(tmp_path_factory):
    db = tmp_path_factory.mktemp("ped") / "p.duckdb"
    doc = api.load_profile("medicaid-pediatric", count=2_000, seed=8).model_dump(mode="json", by_alias=True,
                                                                                 exclude_none=True)
    doc["as_of"] = "2025-01-01"  # a New Year's Day: the day the old age formula was a year off
    api.generate(api.load_profile(doc), db)
    return db


def test_no_coverage_before_birth_and_ages_exact(pediatric):
    with duckdb.connect(str(pediatric), read_only=True) as con:
        before = con.execute("""SELECT count(*) FROM enrollments e JOIN persons p USING (cohort_id, person_id)
                                WHERE e.start_date < p.birth_date OR e.start_date > e.end_date""").fetchone()[0]
        wrong_age = con.execute("""SELECT count(*) FROM persons, cohorts c WHERE persons.age !=
            date_diff('year', birth_date, c.as_of) - CASE WHEN strftime(birth_date, '%m%d') > strftime(c.as_of, '%m%d')
            THEN 1 ELSE 0 END""").fetchone()[0]
        newborns = con.execute("SELECT count(*) FROM persons WHERE birth_date > DATE '2024-01-01'").fetchone()[0]
        dupes = con.execute("SELECT count(*) - count(DISTINCT ssn) FROM persons").fetchone()[0]
    assert before == 0 and wrong_age == 0 and dupes == 0
    assert newborns > 0  # the cohort does hold members born inside the coverage year


def test_refused_commands_create_no_files(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["cohorts", "delete", "1", "--db", "nope.duckdb", "--yes"]) == 2
    assert main(["cohorts", "list", "--db", "nope2.duckdb"]) == 2
    assert main(["query", "--db", "nope3.duckdb", "SELECT 1"]) == 2
    assert main(["export", "--db", "nope4.duckdb", "--format", "csv", "--out", "o"]) == 2
    (tmp_path / "afile").write_text("x")
    assert main(["generate", "30 diabetics as csv", "--db", "g.duckdb", "--out", "afile"]) == 2
    assert "is a file" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_a_run_that_fails_leaves_no_empty_store(tmp_path, monkeypatch):
    import healthsim.api as api_module

    def broken(blocks, size):
        yield from []
        raise RuntimeError("a block failed")

    monkeypatch.setattr(api_module, "chunked", broken)
    with pytest.raises(RuntimeError):
        api.generate(api.load_profile("commercial-healthy", count=20), tmp_path / "new.duckdb")
    assert list(tmp_path.iterdir()) == []
    # a store that already held cohorts keeps them
    monkeypatch.undo()
    api.generate(api.load_profile("commercial-healthy", count=20), tmp_path / "old.duckdb")
    monkeypatch.setattr(api_module, "chunked", broken)
    with pytest.raises(RuntimeError):
        api.generate(api.load_profile("commercial-healthy", count=20), tmp_path / "old.duckdb")
    assert [c["cohort_id"] for c in api.list_cohorts(tmp_path / "old.duckdb")] == [1]


def test_an_export_failure_after_generation_says_the_cohort_is_there(tmp_path, monkeypatch):
    from healthsim.formats import EXPORTERS

    def failing(self, source, stage):
        raise HealthSimError("simulated")

    monkeypatch.setattr(type(EXPORTERS["csv"]), "export", failing)
    spec = api.parse_request("30 diabetics as csv")
    with pytest.raises(HealthSimError, match="cohort 1 was generated and committed"):
        api.generate_request(spec, tmp_path / "s.duckdb", out=tmp_path / "exports")
    assert [c["cohort_id"] for c in api.list_cohorts(tmp_path / "s.duckdb")] == [1]
