"""Issue 13, done when: a commercial population with a year of care gives corrected and
void claims, reversals, dependents, 834 maintenance types beyond 021/024, and no ST over
its claim limit (here 150, so a few hundred members exercise the split; the 10,000-member
run with the default 5,000 is `benchmarks/bench_export.py --check`)."""

from __future__ import annotations

from collections import Counter

import duckdb
import pytest
from tests.formats.commercial_year import check_commercial_year, commercial_year_profile
from tests.formats.validators import hl7_messages, hl7_strict, pyx12_errors

from healthsim import api
from healthsim.formats.run import export_cohort

FORMATS = ("x12-834", "x12-837p", "x12-837i", "x12-835")
PER_ST = 150


@pytest.fixture(scope="module")
def commercial(tmp_path_factory):
    root = tmp_path_factory.mktemp("commercial")
    db = root / "c.duckdb"
    api.generate(commercial_year_profile(250), db)
    exports = {}
    for fmt in FORMATS:
        exports[fmt] = root / fmt
        export_cohort(db, fmt, exports[fmt], options={"claims_per_st": PER_ST})
    return db, exports


def test_commercial_year_has_the_variety_and_split_transactions(commercial):
    db, exports = commercial
    found = check_commercial_year(exports, db, max_claims=PER_ST)
    assert found["x12-837p transaction sets"] > 1 and found["x12-837p largest set"] == PER_ST


def test_834_with_dependents_and_reinstatements_passes_pyx12(commercial):
    """(837 files split at claims_per_st pass pyx12 in test_export_options; every payer's
    837/835 in test_x12_payers.)"""
    _, exports = commercial
    for path in sorted(exports["x12-834"].glob("834-*.x12")):
        assert pyx12_errors(path) == [], path.name


def test_dependents_are_insured_under_their_subscriber_in_hl7(commercial, tmp_path):
    """IN1 of a dependent: the insured (IN1-16/18/43) is the household's subscriber and IN1-17
    the patient's relationship to them (HL7 table 0063); a subscriber is their own insured."""
    db, _ = commercial
    out = tmp_path / "hl7"
    export_cohort(db, "hl7v2", out)
    with duckdb.connect(str(db), read_only=True) as con:
        people = {r[0]: r[1:] for r in con.execute("""SELECT i.identifier, p.household_id, p.last_name, p.first_name,
            strftime(p.birth_date, '%Y%m%d'), p.sex FROM persons p JOIN identities i USING (cohort_id, person_id)
            WHERE i.product = 'patientsim'""").fetchall()}
        by_person = {r[0]: r for r in con.execute(
            "SELECT person_id, last_name, first_name, strftime(birth_date, '%Y%m%d'), sex FROM persons").fetchall()}
        relationship = dict(con.execute("SELECT member_id, relationship FROM enrollments").fetchall())
    seen = Counter()
    for er7 in (m for p in sorted(out.glob("adt_a28-*.hl7")) for m in hl7_messages(p)):
        segs = {s.split("|")[0]: s.split("|") for s in er7.split("\r") if s}
        if "IN1" not in segs:
            continue
        mrn = next(r.split("^")[0] for r in segs["PID"][3].split("~") if r.endswith("^HEALTHSIM^MR"))
        household = people[mrn][0]
        in1 = segs["IN1"]
        expected = {"18": "SEL", "01": "SPO", "19": "CHD"}[relationship[in1[36]]]
        assert in1[17].split("^")[0] == expected
        sub = by_person[household]
        assert (in1[16], in1[18], in1[43]) == (f"{sub[1]}^{sub[2]}", sub[3], sub[4]), (mrn, in1)
        seen[expected] += 1
        if expected != "SEL" and seen[expected] <= 3:
            hl7_strict(er7)
    assert seen["SEL"] and seen["CHD"], seen
