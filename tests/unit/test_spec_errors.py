"""Bad specs get a clear error naming the field, exit code 2, and no cohort."""

from __future__ import annotations

import copy

import pytest
import yaml

from healthsim import api
from healthsim.cli.main import main
from healthsim.errors import SpecError
from healthsim.templates import load_template

BASE = load_template("medicare-diabetic")


def mutated(path: str, value):
    doc = copy.deepcopy(BASE)
    node = doc
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    last = parts[-1]
    if value is DELETE:
        del node[last]
    elif last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return doc


DELETE = object()

CASES = [
    # (path, value, text the message must contain)
    ("demographics.agee", {"distribution": "constant", "value": 70}, "demographics.agee: unknown field"),
    ("conditions.0.code", "E11.99X", "unknown ICD-10-CM code 'E11.99X'"),
    ("count", -5, "count"),
    ("demographics.gender", {"distribution": "categorical", "weights": {"F": 0.6, "M": 0.6}}, "sum"),
    ("conditions.1.prevalence", 1.4, "conditions[1].prevalence"),
    ("demographics.age", {"distribution": "normall", "mean": 72, "std_dev": 8}, "did you mean 'normal'"),
    ("coverage.type", "medicare_advantagee", "did you mean 'medicare_advantage'"),
    ("geography", {"states": ["Calfornia"]}, "CA"),
]


@pytest.mark.parametrize(("path", "value", "expected"), CASES)
def test_invalid_spec_message_names_the_field(path, value, expected):
    with pytest.raises(SpecError) as info:
        api.load_profile(mutated(path, value))
    assert expected in str(info.value)


def test_unknown_code_suggests_a_near_miss():
    with pytest.raises(SpecError) as info:
        api.load_profile(mutated("conditions.0.code", "E11.99X"))
    assert "E11.9" in str(info.value).split("did you mean", 1)[1]


def test_given_must_refer_to_an_earlier_condition():
    doc = copy.deepcopy(BASE)
    doc["conditions"][0]["given"] = [{"code": "I10", "prevalence": 0.5}]
    with pytest.raises(SpecError, match="must be listed earlier"):
        api.load_profile(doc)


@pytest.mark.parametrize(("path", "value", "expected"), CASES)
def test_cli_exits_2_without_traceback_and_writes_no_cohort(tmp_path, capsys, path, value, expected):
    spec_file = tmp_path / "bad.yaml"
    spec_file.write_text(yaml.safe_dump(mutated(path, value)))
    db = tmp_path / "x.duckdb"
    code = main(["generate", str(spec_file), "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err and "invalid spec" in err
    assert api.list_cohorts(db) == []


def test_cli_usage_errors_exit_2(tmp_path, capsys):
    assert main(["generate", "--template", "no-such-template", "--db", str(tmp_path / "y.duckdb")]) == 2
    err = " ".join(capsys.readouterr().err.replace("│", " ").split())
    assert "no template 'no-such-template'. Available:" in err and "medicare-diabetic" in err
    assert main(["generate", "--template", "medicare-diabetc", "--db", str(tmp_path / "y.duckdb")]) == 2
    err = " ".join(capsys.readouterr().err.replace("│", " ").split())
    assert "did you mean 'medicare-diabetic'?" in err
    assert main(["generate", "--template", "medicare-diabetic", "--count", "-3",
                 "--db", str(tmp_path / "y.duckdb")]) == 2
    assert main(["cohorts", "show", "42", "--db", str(tmp_path / "y.duckdb")]) == 2


def test_seed_readme_example_loads():
    """The seed README's JSON profile is valid as written."""
    seed_example = {
        "profile_name": "Medicare Diabetic Cohort", "count": 100,
        "demographics": {
            "age": {"distribution": "normal", "mean": 72, "std_dev": 8},
            "gender": {"distribution": "categorical", "weights": {"M": 0.48, "F": 0.52}},
        },
        "conditions": [{"code": "E11.9", "prevalence": 1.0}, {"code": "I10", "prevalence": 0.72}],
        "coverage": {"type": "Medicare", "plan": "Medicare Advantage"},
    }
    spec = api.load_profile(seed_example)
    # "type: Medicare" with the plan "Medicare Advantage" is MA (spec/aliases.py), and the spec says so
    assert spec.coverage.options[0].type == "medicare_advantage"
    assert "medicare_advantage" in spec.description
    assert spec.demographics.age.mean() == pytest.approx(72)
