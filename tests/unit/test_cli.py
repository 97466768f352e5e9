"""The CLI end to end: generate with a summary, templates, schema, cohorts, query,
tables, --version, -q/-v, and the rough edges users hit (missing files, confirmations)."""

from __future__ import annotations

import csv
import io
import json

import duckdb
import pyarrow.parquet as pq
import pytest
import yaml

from healthsim import api
from healthsim.cli.main import hoist_global_flags, main
from healthsim.cli.render import first_sentence, plural


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """300 medicare-diabetic members with the first-year journey (claims included)."""
    db = tmp_path_factory.mktemp("cli") / "c.duckdb"
    assert main(["generate", "--template", "medicare-diabetic", "--journey", "diabetic-first-year",
                 "--count", "300", "--seed", "4", "--db", str(db)]) == 0
    return db


def test_generate_prints_rows_checks_and_rates_and_progress_on_stderr(tmp_path, capsys):
    db = tmp_path / "g.duckdb"
    assert main(["generate", "--template", "medicare-diabetic", "--count", "200", "--seed", "4", "--db", str(db)]) == 0
    captured = capsys.readouterr()
    assert "rows written" in captured.out and "persons" in captured.out and "realised vs target" in captured.out
    assert "members/s" in captured.out and "rows/s" in captured.out
    assert "generating 200 members" in captured.err  # the non-terminal progress line, on stderr
    assert "generating" not in captured.out


def test_quiet_prints_nothing_and_verbose_times_each_step(tmp_path, capsys):
    db = tmp_path / "q.duckdb"
    assert main(["generate", "-q", "--template", "medicare-diabetic", "--count", "100", "--db", str(db)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert main(["--verbose", "generate", "--template", "medicare-diabetic", "--journey", "diabetic-first-year",
                 "--count", "100", "--db", str(db)]) == 0
    err = capsys.readouterr().err
    timings = err[err.index("timings (generating 100 members): total"):]
    for step in ("plan", "population", "patient journey", "claims", "write", "checks and commit"):
        assert f"\n  {step} " in timings, step
    assert main(["-q", "-v", "templates", "list"]) == 2  # contradictory


def test_global_flags_are_accepted_anywhere_but_not_after_double_dash():
    assert hoist_global_flags(["query", "SELECT 1", "-q"]) == ["-q", "query", "SELECT 1"]
    assert hoist_global_flags(["generate", "-v", "-n", "5"]) == ["-v", "generate", "-n", "5"]
    assert hoist_global_flags(["parse", "--", "-v"]) == ["parse", "--", "-v"]


def test_version_lists_package_and_key_libraries(capsys):
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"healthsim {api.versions()['healthsim']}")
    for lib in ("python", "duckdb", "pyarrow", "numpy", "duckdb storage"):
        assert f"  {lib} " in out


def test_completion_is_offered(capsys):
    assert main(["--help"]) == 0
    assert "--install-completion" in capsys.readouterr().out


def test_query_table_csv_json_parquet(store, tmp_path, capsys):
    sql = "SELECT sex, count(*) AS n FROM persons GROUP BY sex ORDER BY sex"
    with duckdb.connect(str(store), read_only=True) as con:
        expected = con.execute(sql).fetchall()
    assert main(["query", "--db", str(store), sql]) == 0
    out = capsys.readouterr().out
    assert "sex" in out and all(f" {n} " in out or out.rstrip().endswith(str(n)) for _, n in expected)
    assert "2 rows" in out

    assert main(["query", "--db", str(store), "--format", "csv", sql]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["sex"], int(r["n"])) for r in rows] == expected

    assert main(["query", "--db", str(store), "-f", "json", sql]) == 0
    assert [(r["sex"], r["n"]) for r in json.loads(capsys.readouterr().out)] == expected

    target = tmp_path / "r.parquet"
    assert main(["query", "--db", str(store), "-f", "parquet", "-o", str(target), sql]) == 0
    assert pq.read_table(target).to_pylist() == [{"sex": s, "n": n} for s, n in expected]


def test_query_table_shows_a_limited_number_of_rows_and_says_so(store, capsys):
    assert main(["query", "--db", str(store), "SELECT person_id FROM persons ORDER BY 1"]) == 0
    out = capsys.readouterr().out
    assert "50 rows shown" in out and "--limit" in out
    assert main(["query", "--db", str(store), "--limit", "3", "SELECT person_id FROM persons ORDER BY 1"]) == 0
    assert "3 rows shown" in capsys.readouterr().out


def test_query_is_read_only_and_errors_exit_2(store, tmp_path, capsys):
    assert main(["query", "--db", str(store), "DELETE FROM persons"]) == 2
    assert "only read-only SELECT" in capsys.readouterr().err
    assert main(["query", "--db", str(tmp_path / "typo.duckdb"), "SELECT 1"]) == 2
    assert "no cohort database" in capsys.readouterr().err
    assert main(["query", "--db", str(store), "-f", "xml", "SELECT 1"]) == 2
    assert main(["query", "--db", str(store), "-f", "parquet", "SELECT 1"]) == 2  # needs --out
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM persons").fetchone()[0] == 300


def test_tables_lists_row_counts_and_columns(store, capsys):
    assert main(["tables", "--db", str(store)]) == 0
    out = capsys.readouterr().out
    persons = next(line for line in out.splitlines() if line.split("│")[0].strip() == "persons")
    assert persons.split("│")[1].strip() == "300"
    assert "person_id" in persons and "birth_date" in out
    assert "claims" in out and "cohorts" in out
    assert main(["tables", "persons", "--db", str(store), "--cohort", "1"]) == 0
    out = capsys.readouterr().out
    assert "persons: 300 rows" in out and "birth_date" in out and "DATE" in out
    assert main(["tables", "persns", "--db", str(store)]) == 2
    assert "did you mean 'persons'" in capsys.readouterr().err
    assert main(["tables", "--db", str(store), "--cohort", "9"]) == 2


def test_cohorts_show_prints_the_spec_as_yaml_and_row_counts(store, capsys):
    assert main(["cohorts", "show", "1", "--db", str(store)]) == 0
    out = capsys.readouterr().out
    assert "profile_name: Medicare Diabetic Cohort" in out
    assert "{" not in out.split("rows")[-1]  # row counts as a table, not raw JSON
    assert "age mean" in out
    persons = next(line for line in out.splitlines() if line.strip().startswith("persons "))
    assert persons.split("│")[1].strip() == "300"
    assert main(["cohorts", "show", "1", "--spec", "--db", str(store)]) == 0
    spec = yaml.safe_load(capsys.readouterr().out)
    again = api.load_profile(spec)  # the stored spec re-loads as a profile
    assert again.count == 300 and again.seed == 4 and again.journeys


def test_cohorts_delete_asks_unless_yes(tmp_path, capsys, monkeypatch):
    db = tmp_path / "d.duckdb"
    for seed in (1, 2):
        assert main(["generate", "-q", "-t", "medicare-diabetic", "-n", "50", "-s", str(seed), "--db", str(db)]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert main(["cohorts", "delete", "1", "--db", str(db)]) == 0
    assert "nothing deleted" in capsys.readouterr().out
    assert [c["cohort_id"] for c in api.list_cohorts(db)] == [1, 2]
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # nobody to answer
    assert main(["cohorts", "delete", "1", "--db", str(db)]) == 2
    assert "--yes" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert main(["cohorts", "delete", "1", "--db", str(db)]) == 0
    assert [c["cohort_id"] for c in api.list_cohorts(db)] == [2]
    assert main(["cohorts", "delete", "2", "--yes", "--db", str(db)]) == 0
    assert "deleted cohort 2" in capsys.readouterr().out
    assert api.list_cohorts(db) == []
    assert main(["cohorts", "show", "2", "--db", str(db)]) == 2


def test_a_missing_store_is_an_error_not_an_empty_table(tmp_path, capsys):
    for args in (["cohorts", "list"], ["cohorts", "show", "1"], ["cohorts", "delete", "1", "--yes"],
                 ["tables"], ["export", "-f", "csv", "-o", str(tmp_path / "x")]):
        assert main([*args, "--db", str(tmp_path / "typo.duckdb")]) == 2, args
        assert "no cohort database at" in capsys.readouterr().err
    assert not (tmp_path / "typo.duckdb").exists()


def test_templates_list_and_show(capsys):
    assert main(["templates", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("medicare-diabetic", "commercial-healthy", "medicaid-pediatric"):
        assert name in out
    words = " ".join(out.split())
    for info in api.list_templates():  # whole first sentences, wrapped rather than cut mid-word
        shown = first_sentence(info.description)
        assert all(word in words for word in shown.split()), info.name
    assert main(["templates", "show", "medicaid-pediatric"]) == 0
    assert "F90.9" in capsys.readouterr().out


def test_first_sentence_and_plural():
    assert first_sentence("One two. Three four.") == "One two."
    long = "word " * 60
    cut = first_sentence(long, limit=30)
    assert cut.endswith(" …") and len(cut) <= 32 and "wor …" not in cut
    assert plural(1, "file") == "1 file" and plural(12, "file") == "12 files"
    assert plural(1000, "member") == "1,000 members"


def test_schema_profile_is_json_schema(capsys):
    assert main(["schema", "profile"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "ProfileSpec"
    assert {"profile_name", "count", "demographics", "conditions", "coverage", "seed"} <= set(schema["properties"])


def test_spec_errors_name_the_file_user_paths_one_got_and_did_you_mean(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({
        "profile_name": "bad", "count": 10,
        "demographics": {"agee": {"distribution": "normal", "mean": 50, "std_dev": 5}},
        "conditions": [{"code": "E11.9", "prevalence": 1.3}],
        "coverage": [{"type": "medicare_advantag", "share": 1.0}],
    }))
    assert main(["generate", str(bad), "--db", str(tmp_path / "x.duckdb")]) == 2
    err = " ".join(capsys.readouterr().err.replace("│", " ").split())
    assert f"invalid spec in {bad}: 3 problems" in err
    assert "demographics.agee: unknown field" in err and "demographics.age: Field required" not in err
    assert "conditions[0].prevalence" in err and err.count("(got 1.3)") == 1
    assert "coverage[0].type: not an allowed value (got 'medicare_advantag')" in err
    assert "did you mean 'medicare_advantage'" in err and "options" not in err
