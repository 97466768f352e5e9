"""`healthsim parse`, `generate "TEXT"` and `chat` (driven by piped input, as a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from healthsim import api
from healthsim.cli.main import main

HEALTHSIM = [sys.executable, "-m", "healthsim.cli.main"]


def _run(args: list[str], stdin: str = "", timeout: int = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "160"}
    return subprocess.run(HEALTHSIM + args, check=False, input=stdin, capture_output=True, text=True,
                          timeout=timeout, env=env)


def _members(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT cohort_id, member_count, name FROM cohorts ORDER BY 1").fetchall()


def test_chat_with_piped_answers_builds_saves_and_generates_a_cohort(tmp_path):
    db, spec = tmp_path / "chat.duckdb", tmp_path / "spec.yaml"
    answers = "60 Medicare diabetics in Ohio\n\nin Texas, 60% female\n\nyes\n"
    done = _run(["chat", "--db", str(db), "--save", str(spec)], stdin=answers)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Phase 2 of 4 - demographics and geography" in out and "Phase 4 of 4 - review and confirm" in out
    assert "typical Medicare (65-85) or younger disabled?" in out
    assert "Got it: sex 60% F / 40% M; states TX" in out
    assert "rows written" in out and "spec saved to" in out
    assert _members(db) == [(1, 60, "Medicare diabetics in Texas")]  # named from the subject, as edited
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT DISTINCT state FROM persons").fetchall() == [("TX",)]
    assert "- Texas" not in spec.read_text() and "states:\n    - TX" in spec.read_text()


def test_chat_takes_defaults_when_input_ends(tmp_path):
    db = tmp_path / "c.duckdb"
    done = _run(["chat", "40 commercial members with asthma", "--db", str(db)], stdin="")
    assert done.returncode == 0, done.stderr
    assert _members(db) == [(1, 40, "Commercial members with asthma")]
    assert (tmp_path / "specs" / "commercial-members-with-asthma.yaml").exists()


def test_chat_without_any_request_is_a_usage_error(tmp_path):
    done = _run(["chat", "--db", str(tmp_path / "x.duckdb")], stdin="")
    assert done.returncode == 2 and "no request given" in done.stderr


def test_parse_prints_the_full_spec_as_json(capsys):
    assert main(["parse", "300 women over 50 with breast cancer in Ohio as FHIR", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["profile"]["count"] == 300 and doc["profile"]["geography"]["states"] == ["OH"]
    assert doc["outputs"]["formats"] == ["fhir-bundles"]
    assert any(a["field"] == "coverage" for a in doc["assumptions"])


def test_parse_shows_assumptions_and_rejects_nonsense(capsys):
    assert main(["parse", "200 Medicare diabetics"]) == 0
    assert "assumed demographics.age" in capsys.readouterr().out
    assert main(["parse", "qwerty uiop"]) == 2
    assert "Try, for example" in capsys.readouterr().err


def test_generate_accepts_a_request_sentence(tmp_path, capsys):
    db = tmp_path / "g.duckdb"
    assert main(["generate", "30 kids with asthma in Texas", "--db", str(db), "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "assumed template: medicaid-pediatric" in out and "rows written" in out
    assert _members(db) == [(1, 30, "Kids with asthma in Texas")]


def test_generate_runs_a_saved_request_spec(tmp_path, capsys):
    db, path = tmp_path / "s.duckdb", tmp_path / "req.yaml"
    assert main(["parse", "25 seniors with COPD as csv", "--save", str(path)]) == 0
    assert main(["generate", str(path), "--db", str(db), "--out", str(tmp_path / "exp")]) == 0
    assert "exported csv" in capsys.readouterr().out
    assert (tmp_path / "exp" / "csv").is_dir() and _members(db)[0][1] == 25


def test_chat_with_edits_back_and_rename_produces_the_cohort_it_describes(tmp_path):
    db = tmp_path / "edits.duckdb"
    answers = (
        "80 Medicare diabetics in Ohio\n"            # the opening request
        "help\n"                                     # commands are listed; nothing changes
        "in Texas\n"                                 # phase 2: a new place replaces Ohio
        "back\n"                                     # phase 3 -> phase 2 again
        "60% female, rural\n"                        # phase 2 again
        "change COPD to 20%, Medicare Advantage\n"   # phase 3: an edit and a coverage answer
        "rename Texas MA pilot\n"                    # phase 4
        "show\n"
        "yes\n"
    )
    done = _run(["chat", "--db", str(db), "--dry-run", "--save", str(tmp_path / "s.yaml")], stdin=answers)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Commands: back" in out and "Got it: back to phase 2" in out
    assert out.count("Profile Builder · Phase 2 of 4 - demographics and geography") == 3  # start, help, back
    assert "Got it: name 'Texas MA pilot'" in out and "The spec so far:" in out
    spec = api.load_request(tmp_path / "s.yaml")
    p = spec.profile
    assert p.profile_name == "Texas MA pilot" and p.count == 80
    assert p.geography.states == ["TX"] and p.geography.urban_share == 0.0
    assert p.demographics.gender.weights == {"F": 0.6, "M": 0.4}
    assert {o.type for o in p.coverage.options} == {"medicare_advantage"}
    assert {c.code: c.prevalence for c in p.conditions}["J44.9"] == 0.2
    assert main(["generate", str(tmp_path / "s.yaml"), "--db", str(db)]) == 0
    with duckdb.connect(str(db), read_only=True) as con:
        name, n, tx = con.execute("SELECT c.name, count(*), count(*) FILTER (WHERE p.state = 'TX') FROM persons p "
                                  "JOIN cohorts c USING (cohort_id) GROUP BY 1").fetchone()
    assert (name, n, tx) == ("Texas MA pilot", 80, 80)
