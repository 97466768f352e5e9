"""FHIR for servers: the shared Bundle loads first and every patient Bundle refers
to it; batch and gzip options keep every resource valid; the derived histories
(immunizations, allergies) are age-appropriate and stable."""

from __future__ import annotations

from collections import Counter
from datetime import date

import orjson
from tests.formats.validators import load_bundle, validate_fhir_bundles, validate_fhir_ndjson

from healthsim.formats.derived.immunizations import doses


def test_gzip_ndjson_is_the_same_resources(export_db, exported):
    out = exported("fhir-ndjson", gzip=True)
    assert all(p.name.endswith(".ndjson.gz") for p in out.iterdir() if p.name != ".healthsim-export")
    validate_fhir_ndjson(out, export_db, per_type=50)


def test_batch_bundles_gzipped(export_db, exported):
    out = exported("fhir-bundles", bundle_type="batch", gzip=True)
    validate_fhir_bundles(out, export_db, sample=3, bundle_type="batch")


def test_shared_bundle_holds_the_network_and_payers(exported):
    shared = load_bundle(exported("fhir-bundles") / "bundles" / "shared.json")
    kinds = Counter(e["resource"]["resourceType"] for e in shared["entry"])
    assert set(kinds) == {"Organization", "Practitioner", "PractitionerRole", "Location"}


def test_eobs_have_the_carin_shape(exported):
    lines = (exported("fhir-ndjson") / "ExplanationOfBenefit.ndjson").read_bytes().splitlines()
    profiles = Counter()
    for line in lines:
        eob = orjson.loads(line)
        profiles[eob["meta"]["profile"][0].rsplit("/", 1)[1]] += 1
        assert eob["identifier"][0]["type"]["coding"][0]["code"] == "uc"
        assert eob["insurer"]["reference"].startswith("Organization/")
        assert "reference" in eob["provider"] or eob["type"]["coding"][0]["code"] == "pharmacy"
        categories = {a["category"]["coding"][0]["code"] for a in eob["total"]}
        assert {"submitted", "paidtoprovider", "memberliability"} <= categories
        assert any(s["category"]["coding"][0]["code"] == "clmrecvddate" for s in eob["supportingInfo"])
    assert {"C4BB-ExplanationOfBenefit-Professional-NonClinician", "C4BB-ExplanationOfBenefit-Pharmacy",
            "C4BB-ExplanationOfBenefit-Outpatient-Institutional"} <= set(profiles)


def test_immunizations_follow_age():
    key = b"test"
    child = {d.cvx for d in doses(key, 1, date(2023, 1, 10), date(2025, 12, 31))}
    senior = [d for p in range(1, 200) for d in doses(key, p, date(1950, 5, 1), date(2025, 12, 31))]
    young = [d for p in range(1, 200) for d in doses(key, p, date(1995, 5, 1), date(2025, 12, 31))]
    assert child & {"20", "10", "08", "03"}  # infant series, not adult vaccines
    assert not child & {"216", "187"}
    assert any(d.cvx == "216" for d in senior) and not any(d.cvx == "216" for d in young)
    assert all(d.when <= date(2025, 12, 31) for d in senior + young)
    flu_senior = sum(d.cvx == "141" for d in senior) / (2 * 199)
    flu_young = sum(d.cvx == "141" for d in young) / (2 * 199)
    assert 0.55 < flu_senior < 0.85 and 0.2 < flu_young < 0.5  # 70% vs 35% by age band
