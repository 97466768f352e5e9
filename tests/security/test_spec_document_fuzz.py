"""Hypothesis fuzz of spec documents as bytes, over 1,200 examples: random structure in
YAML and JSON, several encodings, corrupted bytes, alias bombs, deep nesting, duplicate
keys, NaN/Infinity, huge numbers and strings, contradictory populations. Parsing and
validation only (no generation), so it runs in CI: every example ends in success or a
SpecError/HealthSimError (the CLI's exit 2), each within 5 s and 500 MB."""

from __future__ import annotations

import copy
import json
import os
import resource
import time

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthsim import api
from healthsim.errors import HealthSimError
from healthsim.spec.load import parse_document
from healthsim.templates import load_template


def fuzz(n: int) -> settings:
    """n examples, reproducible in CI (derandomized, no example database; HEALTHSIM_FUZZ=N explores
    N times as many fresh examples), no per-example deadline (the 5 s bound is asserted in `_check`)."""
    more = int(os.environ.get("HEALTHSIM_FUZZ", "0") or 0)
    return settings(max_examples=n * max(1, more), deadline=None, database=None,
                    suppress_health_check=list(HealthCheck), derandomize=not more)
TEMPLATES = [load_template(t.name) for t in api.list_templates("profile")]
KEYS = sorted({"profile_name", "name", "count", "seed", "as_of", "demographics", "age", "gender", "sex",
               "distribution", "weights", "min", "max", "mean", "std_dev", "conditions", "code", "prevalence",
               "coverage", "type", "plan", "share", "options", "enrollment", "geography", "states", "journeys",
               "template", "attributes", "claims", "given", "onset_min_age", "description", "zips", "counties"})
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**40), 10**40), st.floats(allow_nan=True, allow_infinity=True),
    TEXT, st.sampled_from(["nan", "inf", "-Infinity", "1e999", "2025-02-30", "0001-01-01", "9999-12-31",
                           "uniform", "categorical", "medicare", "E11.9", "O24.410", "C61", "TX", "F", "M"]),
    st.text(min_size=5000, max_size=6000).map(lambda s: s or "x"),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.one_of(st.sampled_from(KEYS), TEXT), inner, max_size=6)),
    max_leaves=40)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32", "latin-1", "utf-16-le"])


def _check(raw: bytes, fmt: str) -> None:
    """Parse and validate `raw`: success or one of our errors, quickly, in bounded memory."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:
        doc = parse_document(raw, fmt)
        api.load_request(doc)
    except HealthSimError as exc:
        assert str(exc) and len(str(exc)) < 20_000
    assert time.perf_counter() - started < 5, "one document took more than 5 s"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 500_000, "more than 500 MB"


def _dump(doc, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(doc, allow_nan=True, default=str)
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


@fuzz(500)
@given(doc=st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=8), fmt=st.sampled_from(["yaml", "json"]),
       encoding=ENCODINGS, flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=3))
def test_random_documents_in_any_encoding(doc, fmt, encoding, flips):
    try:
        raw = bytearray(_dump(doc, fmt).encode(encoding, errors="replace"))
    except (ValueError, OverflowError):  # a value the dumper itself cannot write
        return
    for at, byte in flips:  # corrupted bytes
        if raw:
            raw[at % len(raw)] = byte
    _check(bytes(raw), fmt)


def _set(doc, path, value):
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


@fuzz(400)
@given(which=st.integers(0, len(TEMPLATES) - 1), picks=st.lists(st.tuples(st.integers(0, 10**6), VALUES),
                                                                 min_size=1, max_size=4),
       fmt=st.sampled_from(["yaml", "json"]))
def test_mutated_templates(which, picks, fmt):
    doc = copy.deepcopy(TEMPLATES[which])
    for index, value in picks:
        paths = [p for p in _paths(doc) if p]
        try:
            _set(doc, paths[index % len(paths)], value)
        except (KeyError, IndexError, TypeError):
            pass
    try:
        raw = _dump(doc, fmt).encode("utf-8", errors="surrogatepass")
    except (ValueError, OverflowError, UnicodeError):
        return
    _check(raw, fmt)


RESTRICTED = ["O24.410", "O80", "Z33.1", "C61", "N40.0", "C50.911", "N95.1", "F03.90", "G30.9", "P07.30",
              "E11.9", "I10", "J45.909", "F90.0", "H66.90"]


@fuzz(200)
@given(female=st.floats(0, 1), lo=st.integers(0, 110), span=st.integers(0, 110),
       codes=st.lists(st.sampled_from(RESTRICTED), min_size=1, max_size=4, unique=True),
       prevalence=st.floats(0, 1), coverage=st.sampled_from(["medicare", "medicaid", "commercial", "dual"]))
def test_contradictory_populations_are_refused_or_consistent(female, lo, span, codes, prevalence, coverage):
    doc = {"profile_name": "fuzz", "count": 100, "coverage": {"type": coverage},
           "demographics": {"age": {"distribution": "uniform", "min": lo, "max": min(110, lo + span)},
                            "gender": {"distribution": "categorical", "weights": {"F": female, "M": 1 - female}}},
           "conditions": [{"code": c, "prevalence": prevalence} for c in codes]}
    try:
        spec = api.load_profile(doc)
    except HealthSimError as exc:
        assert "no member could have it" in str(exc) or "covers people 65" in str(exc) or "age" in str(exc), exc
        return
    from healthsim.spec.consistency import check_population

    assert check_population(spec) == []  # what loads is possible for somebody


BOMB_LINE = "{name}: &{name} [{items}]\n"


@fuzz(120)
@given(width=st.integers(2, 12), depth=st.integers(1, 12), nest=st.integers(1, 3000),
       kind=st.sampled_from(["bomb", "nest", "dup", "constant", "number", "long"]))
def test_crafted_attacks(width, depth, nest, kind):
    if kind == "bomb":
        text, prev = "", '"lol"'
        for d in range(depth):
            name = f"a{d}"
            text += BOMB_LINE.format(name=name, items=", ".join([prev] * width))
            prev = f"*{name}"
        raw, fmt = (text + f"profile_name: {prev}\n").encode(), "yaml"
    elif kind == "nest":
        raw, fmt = ('{"count": ' + "[" * nest + "]" * nest + "}").encode(), "json"
    elif kind == "dup":
        raw, fmt = ("count: 1\n" * (1 + nest % 5) + "profile_name: x\n").encode(), "yaml"
    elif kind == "constant":
        raw, fmt = json.dumps({"count": float(["nan", "inf", "-inf"][nest % 3])}).encode(), "json"
    elif kind == "number":
        raw, fmt = ("count: " + "9" * (nest + 10) + "\n").encode(), "yaml"
    else:
        raw, fmt = ("profile_name: " + "x" * (nest * 700) + "\n").encode(), "yaml"
    _check(raw, fmt)
