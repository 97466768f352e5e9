"""Every payer's X12 files pass pyx12, with the codes and the variety a claims system sees.

The every-payer cohort (conftest) is exported once per format; each coverage
type's files are validated on their own, so a code that one payer type gets
wrong (issue 13: CI in the 835's CLP06, MB on Medicare inpatient claims)
fails the test named for it."""

from __future__ import annotations

from collections import Counter

import duckdb
import pytest
from tests.formats.conftest import COVERAGE_TYPES
from tests.formats.validators import pyx12_errors, remittances, x12_segments

from healthsim.formats.payers import payer_for
from healthsim.formats.x12.filing import CLP06_CODES, SBR09_CODES

FORMATS = {"x12-837p": "837p", "x12-837i": "837i", "x12-835": "835", "x12-834": "834"}


def plan_of(db, coverage_type: str) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        plan_id, name = con.execute("SELECT plan_id, plan_name FROM plans WHERE coverage_type = ?",
                                    [coverage_type]).fetchall()[0]
    return {"plan_id": plan_id, "payer": payer_for(plan_id, name)}


def pyx12_map_codes(map_file: str, element: str) -> set[str]:
    """The code list pyx12's own map gives for an element (the guides' tables)."""
    import re
    from importlib import resources

    text = resources.files("pyx12").joinpath("map", map_file).read_text()
    found = re.search(rf'<element xid="{element}">(.*?)</element>', text, re.DOTALL)
    return set(re.findall(r"<code>(.*?)</code>", found.group(1)))


VARIETY = ("*7*", ":7*", ":8*", "*22*", "*19*", "PLB*", "*025*", "*001*", "*024*", "SBR*S*")


def sample(files):
    """pyx12 reads ~8,000 segments/s: the payer's first file and the one with the most
    variety (replacements, voids, reversals, crossovers, PLB, 834 maintenance types)."""
    richest = max(files, key=lambda p: (sum(p.read_text().count(m) for m in VARIETY), p.name))
    return sorted({files[0], richest})


def test_filing_code_lists_are_the_guides():
    assert SBR09_CODES == pyx12_map_codes("837.5010.X222.A1.xml", "SBR09")
    assert CLP06_CODES == pyx12_map_codes("835.5010.X221.A1.xml", "CLP06")


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("coverage_type", COVERAGE_TYPES)
def test_each_payers_files_pass_pyx12(coverage_type, fmt, export_db, exported):
    payer = plan_of(export_db, coverage_type)["payer"]
    files = sorted(exported(fmt).glob(f"{FORMATS[fmt]}-*{payer.payer_id}-*.x12"))
    assert files, f"no {fmt} files for the {coverage_type} payer"
    for path in sample(files):
        errors = pyx12_errors(path, is_835=fmt == "x12-835")
        assert errors == [], (coverage_type, path.name, errors[:5])
    segs = [s for p in files for s in x12_segments(p)]
    if fmt in ("x12-837p", "x12-837i"):
        claim_type = "professional" if fmt == "x12-837p" else "institutional"
        sbr09 = {s[9] for s in segs if s[0] == "SBR" and s[1] == "P"}
        expected = {"medicare": {"professional": "MB", "institutional": "MA"}.get(claim_type),
                    "medicare_advantage": "16", "dual": "16", "medicaid": "MC", "commercial": "CI",
                    "exchange": "CI"}[coverage_type]
        assert sbr09 == {expected}, (coverage_type, claim_type, sbr09)
    if fmt == "x12-835":
        txs = remittances(segs)
        assert {tx["sender"] for tx in txs} == {payer.payer_id}, "an 835 goes from the payer"
        clp06 = {c["filing"] for tx in txs for c in tx["claims"]}
        assert clp06 <= CLP06_CODES and "CI" not in clp06


def test_original_medicare_bills_part_a_on_inpatient_and_part_b_on_professional(export_db, exported):
    payer = plan_of(export_db, "medicare")["payer"]
    inst = [s for p in exported("x12-837i").glob(f"837i-{payer.payer_id}-*.x12") for s in x12_segments(p)]
    clms = [s for s in inst if s[0] == "CLM"]
    sbrs = [s for s in inst if s[0] == "SBR" and s[1] == "P"]
    assert any(c[5].startswith("11:") for c in clms), "no inpatient (TOB 11x) claim for Original Medicare"
    assert {s[9] for s in sbrs} == {"MA"}
    remits = [c for p in exported("x12-835").glob(f"835-{payer.payer_id}-*.x12")
              for tx in remittances(x12_segments(p)) for c in tx["claims"]]
    by_facility = Counter((c["filing"], c["pcn"][-1]) for c in remits)
    assert {f for f, _ in by_facility} == {"MA", "MB"}


def test_claim_variety_corrected_void_reversal_and_crossover(exported):
    subs = Counter()
    for fmt in ("x12-837p", "x12-837i"):
        for p in exported(fmt).glob("*.x12"):
            for s in x12_segments(p):
                if s[0] == "CLM":
                    subs[s[5].split(":")[2]] += 1
    assert subs["7"] and subs["8"] and subs["1"] > 20 * (subs["7"] + subs["8"])
    statuses = Counter(c["status"] for p in exported("x12-835").glob("*.x12")
                       for tx in remittances(x12_segments(p)) for c in tx["claims"])
    assert statuses["22"] == subs["7"] + subs["8"], "one reversal per replacement and per void"
    assert statuses["19"] and statuses["19"] == statuses["2"], "every forwarded claim is paid as secondary"


def test_replacements_and_voids_refer_to_a_claim_the_payer_remitted(exported):
    icns = {c["icn"] for p in exported("x12-835").glob("*.x12") for tx in remittances(x12_segments(p))
            for c in tx["claims"]}
    refs = {s[2] for fmt in ("x12-837p", "x12-837i") for p in exported(fmt).glob("*.x12")
            for s in x12_segments(p) if s[0] == "REF" and s[1] == "F8"}
    assert refs and refs <= icns
