"""The request table (requests.yaml): >= 300 requests as people write them, each with the
spec facts it must produce. This is the table the parser is tuned on; heldout.yaml is not."""

from __future__ import annotations

import pytest
from tests.language.table import check, load_rows, parse_row

from healthsim.builders import RequestError, parse_request

ROWS = load_rows("requests.yaml")


@pytest.mark.parametrize("row", ROWS, ids=[r["text"][:70] for r in ROWS])
def test_request_parses_to_the_expected_spec(row):
    failures = check(parse_row(row), row)
    assert not failures, failures


def test_the_table_has_at_least_300_requests():
    assert len(ROWS) >= 300
    assert len({r["text"] for r in ROWS}) >= 300


def test_every_unstated_field_is_listed_as_an_assumption():
    spec = parse_request("200 Medicare diabetics")
    assumed = {a.field for a in spec.assumptions}
    assert {"demographics.age", "demographics.sex", "geography.states", "conditions", "seed"} <= assumed
    assert "count" not in assumed
    # 'Medicare' unqualified: the kind of Medicare is an assumption, and says which
    coverage = [a for a in spec.assumptions if a.field == "coverage"]
    assert coverage and "Original Medicare" in coverage[0].value and "Medicare Advantage" in coverage[0].reason
    assert not any(a.field == "coverage" for a in parse_request("200 MA diabetics").assumptions)
    assert any(a.field == "count" for a in parse_request("Medicare diabetics").assumptions)


@pytest.mark.parametrize("text", ["", "   ", "hello world", "asdf qwerty zxcv", "!!!", "the of and"])
def test_a_request_with_nothing_recognisable_gets_examples(text):
    with pytest.raises(RequestError) as err:
        parse_request(text)
    assert "Try, for example" in str(err.value) and "Medicare diabetics" in str(err.value)


def test_a_count_beyond_the_maximum_is_a_clear_error():
    with pytest.raises(RequestError, match="more than one run allows"):
        parse_request("3 billion members")


def test_overrides_replace_what_the_text_said():
    spec = parse_request("200 seniors with COPD", count=5, seed=9)
    assert (spec.profile.count, spec.profile.seed) == (5, 9)


def test_spec_saves_and_loads_as_yaml(tmp_path):
    from healthsim import api

    spec = parse_request("300 Medicare diabetics in Ohio as csv")
    path = spec.save(tmp_path / "req.yaml")
    again = api.load_request(path)
    assert again.profile == spec.profile and again.outputs == spec.outputs
    with pytest.raises(RequestError):
        spec.save(tmp_path / "req.txt")


def test_every_synonym_names_a_real_icd10cm_code():
    from healthsim.builders.vocab import condition_synonyms
    from healthsim.reference import icd10

    bad = {p: c for p, c in condition_synonyms().items() if icd10.lookup(c) is None}
    assert not bad
