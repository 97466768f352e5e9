"""270/271, 276/277 and 278 for every payer: zero errors from the structural checker
built from the 5010 guides, answers that agree with the claims, and a checker that
does catch broken files."""

from __future__ import annotations

from collections import Counter

import duckdb
import pytest
from tests.formats.conftest import COVERAGE_TYPES
from tests.formats.test_x12_payers import plan_of
from tests.formats.validators import structural_errors, x12_segments

from healthsim.formats.x12.checker import check_segments, segments
from healthsim.formats.x12.prior_auth import rules

PREFIXES = {"x12-270-271": ("270", "271"), "x12-276-277": ("276", "277"),
            "x12-278": ("278-requests", "278-responses")}


@pytest.mark.parametrize("fmt", list(PREFIXES))
@pytest.mark.parametrize("coverage_type", COVERAGE_TYPES)
def test_each_payers_inquiries_conform_to_the_guides(coverage_type, fmt, export_db, exported):
    payer = plan_of(export_db, coverage_type)["payer"]
    files = [p for prefix in PREFIXES[fmt] for p in exported(fmt).glob(f"{prefix}-{payer.payer_id}-*.x12")]
    if fmt == "x12-278" and not files:
        pytest.skip(f"no service needing prior authorization for {coverage_type} in this cohort")
    assert files, f"no {fmt} files for {coverage_type}"
    assert structural_errors(files) == []
    senders = {(s[6].strip(), s[8].strip()) for p in files for s in x12_segments(p) if s[0] == "ISA"}
    assert all(payer.payer_id in pair for pair in senders)


def test_eligibility_answers_the_plan_benefits(export_db, exported):
    with duckdb.connect(str(export_db), read_only=True) as con:
        deductibles = {str(r[0]) for r in con.execute("SELECT DISTINCT deductible FROM plans").fetchall()}
    ebs = [s for p in exported("x12-270-271").glob("271-*.x12") for s in x12_segments(p) if s[0] == "EB"]
    assert Counter(s[1] for s in ebs)["1"] > 0
    found = {float(s[7]) for s in ebs if s[1] == "C"}
    assert found == {float(d) for d in deductibles}


def test_claim_status_agrees_with_the_claims(export_db, exported):
    with duckdb.connect(str(export_db), read_only=True) as con:
        claims = {str(r[0]): r[1:] for r in con.execute(
            "SELECT claim_id, status, strftime(paid_date, '%Y%m%d') FROM claims").fetchall()}
    statuses = Counter()
    for p in exported("x12-276-277").glob("277-*.x12"):
        current = None
        for s in x12_segments(p):
            if s[0] == "STC":
                current = s
            elif s[0] == "REF" and s[1] == "1K":
                status, paid = claims[s[2]]
                code, as_of_inquiry = current[1], current[2]
                statuses[code] += 1
                if code == "F1:65":
                    assert status == "paid" and paid <= as_of_inquiry
                elif code.startswith("F2"):
                    assert status == "denied"
                else:
                    assert paid > as_of_inquiry
    assert statuses["P1:20"] and statuses["F1:65"] and statuses["F2:1"]


def test_prior_authorizations_agree_with_the_claims(export_db, exported):
    certified = set()
    for p in exported("x12-278").glob("278-responses-*.x12"):
        for s in x12_segments(p):
            if s[0] == "HCR" and s[1] == "A1":
                certified.add(s[2])
    assert certified
    g1 = {s[2] for fmt in ("x12-837p", "x12-837i") for p in exported(fmt).glob("*.x12")
          for s in x12_segments(p) if s[0] == "REF" and s[1] == "G1"}
    assert g1 == certified, "every certified visit's claims carry its number, and only those"
    ranges = " OR ".join(f"TRY_CAST(l.code AS INTEGER) BETWEEN {lo} AND {hi}"
                         for lo, hi in rules()["advanced_imaging"]["ranges"])
    with duckdb.connect(str(export_db), read_only=True) as con:
        no_request = con.execute(f"""SELECT DISTINCT c.encounter_id FROM claim_lines l JOIN claims c USING (claim_id)
            WHERE l.carc_codes LIKE '%CO-197%' AND ({ranges})""").fetchall()
    asked = {n[2:] for n in certified}
    assert not asked & {str(r[0]) for r in no_request}, "a visit denied for want of authorization was authorised"


GOOD_271 = ("ISA*00*          *00*          *ZZ*P1             *ZZ*HEALTHSIM      *251231*0021*^*00501*000000001*0*T*:~"
            "GS*HB*P1*HEALTHSIM*20251231*0021*1*X*005010X279A1~ST*271*0001*005010X279A1~"
            "BHT*0022*11*R1*20250116*0801~HL*1**20*1~NM1*PR*2*PLAN*****PI*P1~HL*2*1*21*1~"
            "NM1*1P*2*CLINIC*****XX*1234567893~HL*3*2*22*0~TRN*2*T1*9900000001~NM1*IL*1*DOE*JANE****MI*M1~"
            "EB*1*IND*30~SE*11*0001~GE*1*1~IEA*1*000000001~")


@pytest.mark.parametrize("broken, message", [
    (("EB*1*IND*30~", "EB*Z*IND*30~"), "EB01"),
    (("HL*3*2*22*0~", "HL*3*1*22*0~"), "HL02"),
    (("NM1*IL*1*DOE*JANE****MI*M1~", ""), "required NM1"),
    (("SE*11*0001~", "SE*10*0001~"), "SE01"),
    (("BHT*0022*11*R1*20250116*0801~", "BHT*0022*11*R1*20250231*0801~"), "BHT04"),
    (("HL*2*1*21*1~", "HL*2*1*21*0~"), "HL04"),
])
def test_checker_catches_broken_files(broken, message):
    assert check_segments(segments(GOOD_271)) == []
    errors = check_segments(segments(GOOD_271.replace(*broken)))
    assert any(message in e for e in errors), errors
