"""Hostile and absurd spec documents: every one is refused with a SpecError naming the
problem (the CLI's exit 2), quickly and in little memory — never a traceback, a hang,
or a cohort that silently lacks what the spec asked for."""

from __future__ import annotations

import copy
import resource
import time

import pytest

from healthsim import api
from healthsim.errors import SpecError
from healthsim.spec.load import parse_document, read_document
from healthsim.templates import load_template

BOMB = b"""a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""
# (file name, bytes, words the message must contain)
DOCUMENTS = [
    ("bomb.yaml", BOMB, "aliases"),
    ("binary.yaml", bytes(range(256)) * 4, "binary"),
    ("latin1.yaml", "profile_name: caf\xe9\ncount: 10\n".encode("latin-1"), "not UTF-8"),
    ("utf16-no-bom.json", '{"count": 10}'.encode("utf-16-le"), "binary"),
    ("deep.yaml", b"a: " + b"[" * 5000 + b"]" * 5000, "nested"),
    ("deep.json", b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested"),
    ("deep-map.yaml", b"".join(b"  " * i + b"k:\n" for i in range(300)), "nested"),
    ("recursive.yaml", b"a: &a [*a]\n", "recursive"),
    ("dup.yaml", b"profile_name: x\ncount: 10\ncount: 10000\n", "duplicate key 'count' at line 3"),
    ("dup.json", b'{"count": 1, "count": 2}', "duplicate key"),
    ("nan.json", b'{"count": NaN}', "NaN"),
    ("inf.json", b'{"count": -Infinity}', "Infinity"),
    ("bad-date.yaml", b"as_of: 2025-02-30\n", "day is out of range"),
    ("bigint.yaml", b"count: " + b"9" * 5000 + b"\n", "too long"),
    ("bigint.json", b'{"count": ' + b"9" * 5000 + b"}", "not valid JSON"),
    ("list.yaml", b"- a\n- b\n", "mapping"),
    ("empty.yaml", b"", "mapping"),
    ("syntax.yaml", b"a: [1, 2\nb: {", "not valid YAML"),
    ("syntax.json", b'{"a": 1,,}', "not valid JSON"),
    ("huge.yaml", b"profile_name: " + b"x" * 2_100_000, "larger than"),
]


@pytest.mark.parametrize("name,raw,words", DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_hostile_documents_are_refused_quickly_and_cheaply(tmp_path, name, raw, words):
    path = tmp_path / name
    path.write_bytes(raw)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(SpecError) as caught:
        read_document(path)
    assert time.perf_counter() - started < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 300_000  # KiB
    message = str(caught.value)
    assert words in message and len(message) < 1_000 and "Traceback" not in message


def test_byte_order_marks_are_read_as_text():
    doc = "profile_name: café\ncount: 10\n"
    for encoding in ("utf-8-sig", "utf-16", "utf-32"):
        assert parse_document(doc.encode(encoding), "yaml") == {"profile_name": "café", "count": 10}


def test_a_directory_and_an_unreadable_path_are_spec_errors(tmp_path):
    (tmp_path / "x.yaml").mkdir()
    with pytest.raises(SpecError, match="is a directory"):
        read_document(tmp_path / "x.yaml")
    with pytest.raises(SpecError, match="file not found"):
        read_document(tmp_path / "missing.yaml")


def test_yaml_merge_keys_are_not_duplicates():
    doc = parse_document(b"base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n")
    assert doc["derived"] == {"x": 1, "y": 3}


BASE = load_template("medicare-diabetic")


def _mutated(**changes) -> dict:
    doc = copy.deepcopy(BASE)
    for path, value in changes.items():
        node = doc
        parts = path.split("__")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
        node[int(parts[-1]) if parts[-1].isdigit() else parts[-1]] = value
    return doc


ABSURD = [
    ("count true", _mutated(count=True), "count: expected a number, got true"),
    ("seed false", _mutated(seed=False), "seed: expected a number, got false"),
    ("NaN prevalence", _mutated(conditions__0__prevalence=float("nan")), "not a finite number"),
    ("'nan' prevalence", _mutated(conditions__0__prevalence="nan"), "nan"),
    ("inf weight", _mutated(demographics__gender={"distribution": "categorical",
                                                  "weights": {"F": float("inf"), "M": 0.5}}), "finite"),
    ("state weights past 1", _mutated(geography={"states": {"TX": 1.5, "OK": -0.5}}), "between 0 and 1"),
    ("as_of in year 1", _mutated(as_of="0001-12-31"), "1900-2100"),
    ("as_of in 9999", _mutated(as_of="9999-12-31"), "1900-2100"),
    ("enrollment in 1800", _mutated(coverage__enrollment={"start": "1800-01-01", "end": "1800-12-31"}),
     "1900-2100"),
    ("5 MB name", _mutated(profile_name="x" * 5_000_000), "at most 200"),
    ("long key", _mutated(**{"k" * 300: 1}), "a key of 300 characters"),
    ("male pregnancy", _mutated(demographics__gender={"distribution": "categorical", "weights": {"M": 1.0}},
                                demographics__age={"distribution": "uniform", "min": 20, "max": 40},
                                conditions=[{"code": "O24.410", "prevalence": 1.0}]),
     "O24.410 applies only to females"),
    ("female prostate cancer", _mutated(demographics__gender={"distribution": "categorical",
                                                              "weights": {"F": 1.0}},
                                        conditions=[{"code": "C61", "prevalence": 0.3}]),
     "C61 applies only to males"),
    ("infants with dementia", _mutated(demographics__age={"distribution": "uniform", "min": 0, "max": 2},
                                       coverage={"type": "medicaid"},
                                       conditions=[{"code": "F03.90", "prevalence": 0.5}]),
     "its ages are 0-2"),
    ("Medicare for children", _mutated(demographics__age={"distribution": "uniform", "min": 0, "max": 10},
                                       conditions=[]), "covers people 65 and over"),
    ("journey in 1800", _mutated(journeys=[{"spec": {
        "journey_name": "j", "start": {"anchor": "date", "on": "1800-01-01"},
        "phases": [{"name": "p", "events": [{"id": "e", "type": "encounter", "setting": "office"}]}]}}]),
     "1900-2100"),
    ("journey after as_of", _mutated(journeys=[{"spec": {
        "journey_name": "j", "start": {"anchor": "date", "on": "2099-01-01"},
        "phases": [{"name": "p", "events": [{"id": "e", "type": "encounter", "setting": "office"}]}]}}]),
     "after as_of"),
]


@pytest.mark.parametrize("label,doc,words", ABSURD, ids=[a[0] for a in ABSURD])
def test_absurd_specs_are_refused_naming_the_field(label, doc, words):
    with pytest.raises(SpecError) as caught:
        api.load_profile(doc)
    message = str(caught.value)
    assert words in message, message
    assert len(message) < 2_000


def test_the_alias_bomb_is_refused_inside_a_dict_too():
    """A Python caller (or the MCP JSON layer) can hand over shared references: the walk
    is bounded by count, not by the size of what the references expand to."""
    leaf = ["lol"] * 10
    for _ in range(8):
        leaf = [leaf] * 10
    started = time.perf_counter()
    with pytest.raises(SpecError, match="more than 50,000 values"):
        api.load_profile(_mutated(description_list=leaf))
    assert time.perf_counter() - started < 2


def test_a_partial_overlap_runs_and_the_checks_name_the_eligible(tmp_path):
    """Prostate cancer in a mostly female population is possible: it runs, and the check
    says how many members were eligible (a target never vanishes from the table)."""
    doc = _mutated(count=60, journeys=[], demographics__gender={"distribution": "categorical",
                                                                "weights": {"F": 0.9, "M": 0.1}},
                   conditions=[{"code": "C61", "prevalence": 0.2}])
    result = api.generate(api.load_profile(doc), tmp_path / "c.duckdb")
    names = [c.name for c in result.checks if c.name.startswith("C61")]
    assert len(names) == 1 and "eligible" in names[0]
