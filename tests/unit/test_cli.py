"""The CLI end to end: generate with a summary, templates, schema, cohorts."""

from __future__ import annotations

import json

from healthsim.cli.main import main


def test_generate_prints_rows_and_checks_then_cohorts_list_and_show(tmp_path, capsys):
    db = tmp_path / "c.duckdb"
    assert main(["generate", "--template", "medicare-diabetic", "--count", "300", "--seed", "4", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "rows written" in out and "persons" in out and "realised vs target" in out and "E11.9" in out
    assert main(["cohorts", "list", "--db", str(db)]) == 0
    assert "Medicare Diabetic Cohort" in capsys.readouterr().out
    assert main(["cohorts", "show", "1", "--db", str(db)]) == 0
    assert "age mean" in capsys.readouterr().out
    assert main(["cohorts", "delete", "1", "--db", str(db)]) == 0
    assert main(["cohorts", "show", "1", "--db", str(db)]) == 2


def test_templates_list_and_show(capsys):
    assert main(["templates", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("medicare-diabetic", "commercial-healthy", "medicaid-pediatric"):
        assert name in out
    assert main(["templates", "show", "medicaid-pediatric"]) == 0
    assert "F90.9" in capsys.readouterr().out


def test_schema_profile_is_json_schema(capsys):
    assert main(["schema", "profile"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "ProfileSpec"
    assert {"profile_name", "count", "demographics", "conditions", "coverage", "seed"} <= set(schema["properties"])
