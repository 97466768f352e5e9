"""Whatever a spec file contains, loading it raises SpecError or succeeds — never a crash."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthsim import api
from healthsim.errors import SpecError
from healthsim.templates import load_template

BASE = load_template("medicare-diabetic")
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
    st.text(max_size=12), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def paths(node, prefix=()):
    """Every (path) into the nested template document."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, (*prefix, i))


ALL_PATHS = [p for p in paths(BASE) if p]


def set_path(doc, path, value):
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(ALL_PATHS), SCALARS), min_size=1, max_size=3))
def test_mutated_template_loads_or_raises_spec_error(mutations):
    doc = copy.deepcopy(BASE)
    for path, value in mutations:
        try:
            set_path(doc, path, value)
        except (KeyError, IndexError, TypeError):
            pass  # an earlier mutation replaced a parent: skip
    try:
        api.load_profile(doc)
    except SpecError as exc:
        assert exc.problems and all(p.render() for p in exc.problems)


@settings(max_examples=25, deadline=None)
@given(
    mean=st.floats(20, 90), sd=st.floats(1, 20), female=st.floats(0.01, 0.99),
    prevalence=st.floats(0, 1), seed=st.integers(0, 2**31),
)
def test_any_valid_small_profile_generates_consistent_rows(tmp_path_factory, mean, sd, female, prevalence, seed):
    spec = api.load_profile({
        "profile_name": "fuzz", "count": 300, "seed": seed,
        "demographics": {
            "age": {"distribution": "normal", "mean": mean, "std_dev": sd, "min": 18, "max": 100},
            "gender": {"distribution": "categorical", "weights": {"F": female, "M": 1 - female}},
        },
        "conditions": [{"code": "I10", "prevalence": prevalence}, {"code": "N40.0", "prevalence": 0.5}],
        "coverage": {"type": "commercial"},
    })
    result = api.generate(spec, tmp_path_factory.mktemp("fuzz") / "f.duckdb")
    assert result.row_counts["persons"] == 300
    assert result.row_counts["identities"] == 900
    import duckdb

    with duckdb.connect(str(result.db), read_only=True) as con:
        women_with_bph = con.execute("""SELECT count(*) FROM conditions c JOIN persons p USING (cohort_id, person_id)
                                        WHERE c.code = 'N40.0' AND p.sex = 'F'""").fetchone()[0]
    assert women_with_bph == 0
