"""Encoding details the validators do not see: escaping, overpunch, maintenance codes, ids."""

from __future__ import annotations

import uuid
from datetime import date

from tests.formats.validators import hl7_strict, schema_errors

from healthsim.formats.fhir.common import uuid5_str
from healthsim.formats.hl7v2.adt import pid_segment
from healthsim.formats.hl7v2.er7 import esc, message, msh, segment
from healthsim.formats.ncpdp.d0 import overpunch, unoverpunch
from healthsim.formats.x12.envelope import clean, money
from healthsim.formats.x12.x834 import (
    audit_events,
    coverage_level,
    level_changes,
    maintenance_events,
)

PERSON = {"person_id": 7, "first_name": "Ann|Marie", "last_name": "O^Brien & Co\\", "birth_date": date(1950, 2, 3),
          "sex": "F", "race": "white", "ethnicity": "hispanic", "address_line": "1 Main St~Apt 2", "city": "Hartford",
          "state": "CT", "zip": "06101", "county_fips": "09003", "phone": "(860) 555-0101", "ssn": "912-34-5678"}


def test_hl7_escapes_delimiters_and_still_validates_strictly():
    assert esc("a|b^c&d~e\\f") == "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f"
    er7 = message([msh(__import__("datetime").datetime(2025, 1, 1, 9, 30), "ADT", "A04", "ADT_A01", "X1"),
                   segment("EVN", {2: "20250101"}), pid_segment(PERSON, []), segment("PV1", {1: "1", 2: "O"})])
    msg = hl7_strict(er7)
    assert msg.pid.pid_5.to_er7() == "O\\S\\Brien \\T\\ Co\\E\\^Ann\\F\\Marie"


def test_x12_values_cannot_break_segments():
    assert clean("a*b~c:d^e") == "A B C D E"
    assert [money(x) for x in (100, 80.5, 12.345, 0, -0.001)] == ["100", "80.5", "12.35", "0", "0"]


def test_ncpdp_overpunch_round_trips():
    assert overpunch(12.34) == "123D" and overpunch(0) == "00{" and overpunch(-5) == "50}"
    for x in (0.01, 1.0, 99.99, 1234.56, -3.21):
        assert unoverpunch(overpunch(x)) == x


def span(n, start, end, plan="P1"):
    return {"span_no": n, "start_date": date.fromisoformat(start), "end_date": date.fromisoformat(end),
            "plan_id": plan}


def test_834_add_change_term_reinstatement_and_reenrollment_codes():
    spans = [span(1, "2024-01-01", "2024-06-30"), span(2, "2024-07-01", "2024-09-30", "P2"),
             span(3, "2024-11-01", "2024-12-31", "P2"), span(4, "2025-06-01", "2025-12-31", "P3")]
    events = [(kind, reason, s["span_no"]) for kind, reason, s in maintenance_events(spans, date(2025, 12, 31))]
    # a plan change without a gap is a change (no term of the old span); a short lapse on the same
    # plan is term + reinstatement; a gap onto another plan is term + re-enrollment
    assert events == [("021", "28", 1), ("001", "22", 2), ("024", "07", 2), ("025", "41", 3),
                      ("024", "07", 3), ("021", "41", 4)]
    assert [e[0] for e in audit_events(spans, date(2025, 12, 31))] == ["030"]
    assert audit_events(spans, date(2025, 3, 1)) == []


def test_fast_uuid5_matches_the_standard_library():
    ns = uuid.uuid5(uuid.NAMESPACE_URL, "healthsim:test")
    names = ["persons/1", "encounters/4200000003", "x" * 300, "é/ü"] + [f"observations/{i}" for i in range(2000)]
    for name in names:  # every variant nibble occurs
        assert uuid5_str(ns.bytes, name) == str(uuid.uuid5(ns, name))


def test_json_schema_catches_a_broken_resource():
    bad = {"resourceType": "Patient", "id": "p1", "gender": "femme", "birthDate": "1950-02-30x", "foo": 1}
    assert len(schema_errors(bad)) >= 2


def test_834_coverage_level_follows_the_household_and_changes_with_it():
    sub = {**span(1, "2025-01-01", "2025-12-31"), "coverage_type": "commercial", "relationship": "18"}
    spouse = {**span(1, "2025-01-01", "2025-12-31"), "relationship": "01"}
    child = {**span(1, "2025-01-01", "2025-08-14"), "relationship": "19"}  # e.g. died in August
    newborn = {**span(1, "2025-10-03", "2025-12-31"), "relationship": "19"}
    other_plan = {**span(1, "2025-01-01", "2025-12-31", "P9"), "relationship": "19"}
    household = [spouse, child, newborn, other_plan]
    day = date.fromisoformat
    assert coverage_level("commercial", household, "P1", day("2025-03-01")) == "FAM"
    assert coverage_level("commercial", household, "P1", day("2025-09-01")) == "ESP"
    assert coverage_level("commercial", [], "P1", day("2025-03-01")) == "EMP"
    assert coverage_level("commercial", [child], "P1", day("2025-03-01")) == "ECH"
    assert coverage_level("exchange", [child], "P1", day("2025-03-01")) == "FAM"
    assert coverage_level("medicaid", [], "P1", day("2025-03-01")) == "IND"
    changes = [(c[0], c[1], c[3].isoformat(), c[4]) for c in level_changes(sub, household, day("2025-12-31"))]
    assert changes == [("001", "AI", "2025-08-15", "ESP"), ("001", "AI", "2025-10-03", "FAM")]
    assert level_changes(sub, household, day("2025-09-30")) == level_changes(sub, household, day("2025-12-31"))[:1]
