"""healthsim validate: which rows apply, how they are judged, and that the invariants see real errors."""

from __future__ import annotations

import json
import math
import shutil
from types import SimpleNamespace

import duckdb
import pytest

from healthsim import api
from healthsim.cli.main import main
from healthsim.validation.measure import Measurement
from healthsim.validation.run import _judge
from healthsim.validation.table import benchmark_table


def test_general_rows_do_not_apply_to_a_cohort_selected_on_diabetes(diabetic_result):
    r = diabetic_result
    assert r.selected_on == ("type2_diabetes",)
    by_id = {b.row.id: b for b in r.benchmarks}
    assert by_id["ed_visits_medicare_65_74"].status == "n/a"
    assert "selected on type2_diabetes" in by_id["ed_visits_medicare_65_74"].reason
    for rid in ("a1c_below_7_diabetic", "statin_use_diabetic", "ed_visits_medicare_diabetic"):
        assert by_id[rid].status in ("pass", "fail"), (rid, by_id[rid].reason)
    assert by_id["office_visits_commercial_18_44"].reason == "no members in this population"


def test_the_young_commercial_cohort_is_held_to_its_own_age_band(validation_store):
    r = api.validate(validation_store["db"], validation_store["commercial"])
    by_id = {b.row.id: b for b in r.benchmarks}
    assert not r.selected_on
    # ages 25-46 span too little of 18-64 ...
    assert by_id["ed_visits_commercial_18_64"].status == "n/a"
    assert "span too little" in by_id["ed_visits_commercial_18_64"].reason
    # ... but enough of 18-44
    assert by_id["ed_visits_commercial_18_44"].status in ("pass", "fail")


def test_ed_rate_and_its_error_match_a_direct_computation(validation_store, diabetic_result):
    b = next(x for x in diabetic_result.benchmarks if x.row.id == "ed_visits_medicare_diabetic")
    db, cid = validation_store["db"], validation_store["diabetic"]
    with duckdb.connect(str(db), read_only=True) as con:
        visits = con.execute("""SELECT p.person_id, count(e.encounter_id) FROM persons p
                                LEFT JOIN encounters e ON e.cohort_id = p.cohort_id AND e.person_id = p.person_id
                                  AND e.type = 'emergency' WHERE p.cohort_id = ? GROUP BY 1 ORDER BY 1""", [cid]).fetchall()
        # exposure is enrolled time up to death (coverage itself runs to the end of the month of death)
        years = dict(con.execute("""SELECT e.person_id, sum(greatest(0, least(e.end_date, coalesce(d.death_date,
                                    e.end_date)) - e.start_date + 1)) / 365.25 FROM enrollments e
                                    LEFT JOIN deaths d ON d.cohort_id = e.cohort_id AND d.person_id = e.person_id
                                    WHERE e.cohort_id = ? GROUP BY 1""", [cid]).fetchall())
    visits = [(p, v) for p, v in visits if p in years]  # a member who died before coverage began has none
    x = [v for _, v in visits]
    w = [years[p] for p, _ in visits]
    rate = sum(x) / sum(w)
    assert b.measurement.value == pytest.approx(rate, rel=1e-9)
    n = len(x)
    resid = sum((xi - rate * wi) ** 2 for xi, wi in zip(x, w))
    assert b.measurement.se == pytest.approx(math.sqrt(n / (n - 1) * resid) / sum(w), rel=1e-6)


@pytest.mark.parametrize("value,se,expected", [
    (0.80, 0.001, "pass"),   # inside the 15% tolerance of 0.834
    (0.60, 0.001, "fail"),   # outside, and the interval is tight
    (0.60, 0.10, "pass"),    # outside the tolerance, but the published value is inside the 99% interval
])
def test_a_row_passes_within_tolerance_or_within_its_sampling_interval(value, se, expected, monkeypatch):
    table = benchmark_table()
    row = table.row("hypertension_given_diabetes_medicare")
    fit = SimpleNamespace(population=table.populations[row.population], applies=True, table="x", reason="")
    monkeypatch.setattr("healthsim.validation.run.measure", lambda *a: Measurement(value, se, 500))
    assert _judge(None, table, row, fit).status == expected


def test_invariants_catch_a_fill_after_death(validation_store, tmp_path):
    db = tmp_path / "copy.duckdb"
    shutil.copy(validation_store["db"], db)
    cid = validation_store["diabetic"]
    before = {i.id: i.violations for i in api.validate(db, cid).invariants}
    with duckdb.connect(str(db)) as con:
        pid = con.execute("SELECT min(person_id) FROM persons WHERE cohort_id = ?", [cid]).fetchone()[0]
        con.execute("DELETE FROM deaths WHERE cohort_id = ? AND person_id = ?", [cid, pid])
        con.execute("INSERT INTO deaths (cohort_id, person_id, death_date) VALUES (?, ?, DATE '2025-01-02')", [cid, pid])
        later = con.execute("SELECT count(*) FROM pharmacy_claims WHERE cohort_id = ? AND person_id = ? "
                            "AND fill_date > DATE '2025-01-02'", [cid, pid]).fetchone()[0]
    after = {i.id: i for i in api.validate(db, cid).invariants}
    assert later > 0
    assert after["fill_after_death"].violations >= before["fill_after_death"] + later
    assert any(e.startswith(f"person {pid}:") for e in after["fill_after_death"].examples)
    assert not api.validate(db, cid).passed


def test_cli_prints_the_table_and_strict_exits_1_on_failures(validation_store, capsys, diabetic_result):
    db, cid = str(validation_store["db"]), str(validation_store["diabetic"])
    assert main(["validate", "--db", db, "--cohort", cid]) == 0
    out = capsys.readouterr().out
    assert "benchmarks" in out and "integrity invariants" in out and "Latest A1c" in out
    code = main(["validate", "--db", db, "--cohort", cid, "--strict"])
    capsys.readouterr()
    assert code == (0 if diabetic_result.passed else 1)
    assert main(["validate", "--db", db, "--cohort", cid, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["cohort_id"] == int(cid) and doc["benchmarks"] and doc["invariants"]
    assert all(b["source"] and b["year"] for b in doc["benchmarks"])


def test_cli_errors_are_clear(tmp_path, capsys):
    assert main(["validate", "--db", str(tmp_path / "missing.duckdb")]) == 2
    assert "no cohort database" in capsys.readouterr().err


def test_inpatient_claims_bill_a_varied_set_of_revenue_codes(validation_store, diabetic_result):
    """~17 revenue-code lines per Medicare inpatient claim (MedPAR structure), varying by stay."""
    b = next(x for x in diabetic_result.benchmarks if x.row.id == "lines_per_claim_inpatient")
    assert b.status == "pass", (b.realised, b.row.published)
    with duckdb.connect(str(validation_store["db"]), read_only=True) as con:
        counts = [n for (n,) in con.execute(
            "SELECT count(*) FROM claim_lines l JOIN claims c USING (cohort_id, claim_id) "
            "WHERE c.cohort_id = ? AND c.type_of_bill = '0111' GROUP BY l.claim_id",
            [validation_store["diabetic"]]).fetchall()]
    assert len(set(counts)) >= 5 and min(counts) >= 4
