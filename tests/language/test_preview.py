"""`healthsim preview`: a few members generated in memory, shown as readable records, nothing written."""

from __future__ import annotations

import json

from healthsim.cli.main import main


def test_the_seed_quick_generate_sentence_previews_one_readable_member(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["preview", "Generate a 65-year-old diabetic Medicare member"]) == 0
    out = capsys.readouterr().out
    assert "Member 1 of 1:" in out and "Member 2" not in out
    assert ", 65 (born " in out and "coverage: Original Medicare" in out
    assert "E11.9    Type 2 diabetes mellitus" in out and "(onset " in out
    assert "timeline (" in out and "labs: " in out and "claims: " in out and "billed $" in out
    assert not list(tmp_path.rglob("*.duckdb")) and not list(tmp_path.rglob("*.parquet"))


def test_preview_json_holds_each_members_record_trimmed(capsys):
    assert main(["preview", "medicare-diabetic", "--n", "2", "--json", "--seed", "3"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["members_shown"] == 2 and doc["seed"] == 3 and doc["cohort_count"] == 200
    for m in doc["members"]:
        assert {"name", "sex", "age", "birth_date", "address", "coverage", "conditions", "encounters", "claims",
                "totals"} <= set(m)
        assert any(c["code"] == "E11.9" for c in m["conditions"])
        assert all(len(m[k]) <= 12 for k in ("encounters", "claims", "pharmacy_claims"))


def test_preview_is_the_same_members_as_a_generated_cohort(tmp_path):
    """The preview makes block 0 with the engine's own run_block: the same people a run starts with."""
    import duckdb

    from healthsim import api
    from healthsim.preview import preview

    spec = api.load_request("commercial-healthy", count=4, seed=11)
    shown = preview(spec, 4)
    run = api.generate(spec.profile, tmp_path / "c.duckdb")
    with duckdb.connect(str(run.db), read_only=True) as con:
        names = [r[0] + " " + r[1] for r in con.execute(
            "SELECT first_name, last_name FROM persons ORDER BY person_id").fetchall()]
    assert [m["name"] for m in shown.members] == names


def test_preview_refuses_nonsense_and_caps_the_count(capsys):
    assert main(["preview", "medicare-diabetic", "--n", "0"]) == 2
    assert main(["preview", "medicare-diabetic", "--n", "25", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["members_shown"] == 20 and any("at most 20" in n for n in doc["notes"])
