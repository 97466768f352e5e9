"""Bad export requests fail cleanly: exit code 2, a message, and no files left behind."""

from __future__ import annotations

import pytest

from healthsim import api
from healthsim.cli.main import main
from healthsim.errors import HealthSimError
from healthsim.formats import base


def leftovers(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


def test_unknown_cohort_exits_2_and_writes_nothing(export_db, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["export", "--db", str(export_db), "--cohort", "99", "--format", "csv", "--out", str(out)]) == 2
    assert "no cohort 99" in capsys.readouterr().err
    assert leftovers(out) == []


def test_unknown_format_exits_2_with_suggestion(export_db, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["export", "--db", str(export_db), "--format", "fhir-ndjsn", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "unknown format" in err and "fhir-ndjson" in err
    assert leftovers(out) == []


def test_unwritable_output_directory_exits_2(export_db, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert main(["export", "--db", str(export_db), "--format", "csv", "--out", str(blocker / "out")]) == 2
    assert "cannot create output directory" in capsys.readouterr().err
    assert blocker.read_text() == "not a directory"


def test_missing_database_exits_2(tmp_path):
    assert main(["export", "--db", str(tmp_path / "nope.duckdb"), "--format", "csv", "--out", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "nope.duckdb").exists()


def test_failure_midway_leaves_previous_files_and_no_partial_ones(export_db, tmp_path, monkeypatch):
    out = tmp_path / "out"
    api.export_cohort(export_db, "csv", out)
    before = {p: p.read_bytes() for p in out.iterdir()}
    exporter = base.EXPORTERS["csv"]
    original = exporter.export

    def fail_after_writing(source, stage):
        original(source, stage)
        (stage / "persons.csv").write_text("half")
        raise HealthSimError("disk full (simulated)")

    monkeypatch.setattr(exporter, "export", fail_after_writing)
    with pytest.raises(HealthSimError, match="simulated"):
        api.export_cohort(export_db, "csv", out)
    assert {p: p.read_bytes() for p in out.iterdir()} == before  # no staging folder, old files intact


def test_cli_export_prints_counts(export_db, tmp_path, capsys):
    assert main(["export", "--db", str(export_db), "--format", "x12-834", "--out", str(tmp_path / "x")]) == 0
    out = capsys.readouterr().out
    assert "as x12-834" in out and "adds" in out


def test_every_format_is_offered(capsys):
    assert main(["export", "--help"]) == 0
    text = capsys.readouterr().out
    for name in api.list_formats():
        assert name in text
