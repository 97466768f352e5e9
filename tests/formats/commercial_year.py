"""Issue 13's "done when" for a commercial population with a year of care, as one check.

`commercial_year_profile(n)` is commercial members of all working ages in
families (households from PopulationSim's place-based demography), enrollment
with late starts, early terms and gaps, and a year of care (annual care, ED
visits, surgical episodes). `check_commercial_year(exports, db, max_claims)`
asserts over the exported files what a claims-system QA team needs to see:
corrected (frequency 7) and void (8) claims with their REF*F8, 835 reversals
(CLP02 22) for each of them, dependents in the 834 (INS01 N with their
relationship, and HD05 coverage levels from the household), 834 maintenance
types beyond 021/024 (001 change, 025 reinstatement, 030 audit), and no ST/SE holding more than `max_claims`
claims or members.

tests/formats/test_commercial_year.py runs it on a few hundred members (with a
small claims_per_st so the split is exercised); benchmarks/bench_export.py
--check runs it on 10,000 members with the default 5,000.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.formats.validators import check_envelope, count, remittances, x12_segments

from healthsim import api
from healthsim.spec.load import validate_model
from healthsim.spec.profile import ProfileSpec

JOURNEYS = ("annual-care", "ed-visit-branching", "surgical-episode")


def commercial_year_profile(count_: int, seed: int = 13):
    spec = validate_model(ProfileSpec, {
        "profile_name": "Commercial families, a year of care", "count": count_, "seed": seed,
        "as_of": "2025-12-31", "geography": {"states": ["GA"]},
        "coverage": {"options": [{"type": "commercial", "plan": "HealthSim PPO", "share": 0.7},
                                 {"type": "commercial", "plan": "HealthSim HMO", "share": 0.3}],
                     "enrollment": {"continuous_share": 0.8, "late_start_share": 0.07,
                                    "early_term_share": 0.07, "gap_share": 0.06}}})
    doc = spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    available = {t.name for t in api.list_templates() if t.kind == "journey"}
    return api.load_profile(doc, journeys=[j for j in JOURNEYS if j in available])


def _segments(out: Path, pattern: str):
    for path in sorted(out.glob(pattern)):
        yield from x12_segments(path)


def check_commercial_year(exports: dict[str, Path], db, max_claims: int = 5000) -> dict[str, int]:
    """exports: format -> export folder for x12-834, x12-837p, x12-837i, x12-835.
    Asserts each property; returns the counts found (for a report)."""
    found: Counter = Counter()
    for fmt in ("x12-834", "x12-837p", "x12-837i", "x12-835"):
        for path in sorted(exports[fmt].glob("*.x12")):
            segs = x12_segments(path)
            check_envelope(segs, max_claims=max_claims)  # raises on an ST over max_claims
            per_st = Counter()
            st = 0
            for s in segs:
                if s[0] == "ST":
                    st += 1
                elif s[0] in ("CLM", "INS", "CLP"):
                    per_st[st] += 1
            found[f"{fmt} transaction sets"] += st
            found[f"{fmt} largest set"] = max(found[f"{fmt} largest set"], max(per_st.values(), default=0))
    assert found["x12-835 largest set"] <= max_claims, ("an 835 ST with too many claims", found)

    # 834: dependents and maintenance variety
    ins = [s for s in _segments(exports["x12-834"], "*.x12") if s[0] == "INS"]
    kinds = Counter(s[3] for s in ins)
    found.update({f"834 INS03 {k}": v for k, v in kinds.items()})
    dependents = [s for s in ins if s[1] == "N"]
    found["834 dependents"] = len(dependents)
    assert dependents, "no dependent (INS01 N) in the 834"
    assert {s[2] for s in dependents} <= {"01", "19", "15", "17", "53", "G8"}, {s[2] for s in dependents}
    want = count(db, "SELECT count(DISTINCT person_id) FROM enrollments WHERE relationship <> '18'")
    assert want and len(dependents) >= want, ("each dependent in the store gets an INS", len(dependents), want)
    assert {"021", "024", "030"} <= set(kinds) and kinds["025"] + kinds["001"], kinds
    assert kinds["025"] or not count(db, """SELECT count(*) FROM enrollments a JOIN enrollments b
        ON a.person_id = b.person_id AND b.span_no = a.span_no + 1 AND a.plan_id = b.plan_id
        AND b.start_date > a.end_date + 1 AND b.start_date <= a.end_date + 92"""), \
        "a short lapse on the same plan is reinstated (025)"
    found["834 reinstatements possible"] = kinds["025"]

    # HD05: the policy's coverage level; a dependent's policy covers more than the employee
    levels, member = Counter(), None
    for s in _segments(exports["x12-834"], "834-*.x12"):
        if s[0] == "INS":
            member = s
        elif s[0] == "HD":
            levels[(member[1], s[5])] += 1
    found.update({f"834 HD05 {sub}/{level}": n for (sub, level), n in levels.items()})
    assert {level for (sub, level) in levels if sub == "N"} <= {"ESP", "ECH", "FAM"}, levels
    employee = {level for (sub, level) in levels if sub == "Y"}
    assert "EMP" in employee and employee & {"ESP", "ECH", "FAM"}, levels

    # 837: corrected and void claims, each referring to an original
    freq = Counter()
    f8 = 0
    for fmt in ("x12-837p", "x12-837i"):
        for s in _segments(exports[fmt], "*.x12"):
            if s[0] == "CLM":
                freq[s[5].split(":")[2]] += 1
            elif s[0] == "REF" and s[1] == "F8":
                f8 += 1
    found.update({f"837 frequency {k}": v for k, v in freq.items()})
    assert freq["7"] and freq["8"], ("no corrected or void claims", freq)
    assert f8 == freq["7"] + freq["8"], "every replacement and void carries the original's REF*F8"

    # 835: a reversal for each replacement and void
    statuses = Counter(c["status"] for tx in remittances(list(_segments(exports["x12-835"], "*.x12")))
                       for c in tx["claims"])
    found.update({f"835 CLP02 {k}": v for k, v in statuses.items()})
    assert statuses["22"] == freq["7"] + freq["8"], ("one reversal per replacement and void", statuses, freq)
    return dict(found)
