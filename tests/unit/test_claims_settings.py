"""The profile's `claims` settings switch claim kinds off and set denial rates."""

from __future__ import annotations

import duckdb

from healthsim import api


def _run(tmp_path, name, **claims):
    spec = api.load_profile("medicare-diabetic", count=1500, seed=3, journeys=["diabetic-first-year"])
    spec = api.load_profile({**api.spec_document(spec), "claims": claims})
    result = api.generate(spec, tmp_path / f"{name}.duckdb")
    with duckdb.connect(str(result.db), read_only=True) as con:
        denied = con.execute("SELECT avg((status = 'denied')::INT) FROM claims").fetchone()[0]
    return result.row_counts, denied


def test_clinical_only_cohort_has_no_claims(tmp_path):
    counts, _ = _run(tmp_path, "off", medical=False, pharmacy=False)
    assert counts["encounters"] > 0
    assert counts.get("claims", 0) == 0 and counts.get("pharmacy_claims", 0) == 0


def test_pharmacy_only(tmp_path):
    counts, _ = _run(tmp_path, "rx", medical=False)
    assert counts.get("claims", 0) == 0 and counts["pharmacy_claims"] > 0


def test_denial_rate_is_configurable(tmp_path):
    _, none_denied = _run(tmp_path, "zero", claim_denial_rate=0.0, line_denial_rate=0.0)
    _, many_denied = _run(tmp_path, "many", claim_denial_rate=0.30, line_denial_rate=0.0)
    # Denials for coverage reasons (CO-26/27) remain possible at a zero policy rate.
    assert none_denied < 0.03
    assert 0.25 < many_denied < 0.40
