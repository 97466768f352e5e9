"""Payer x format: each coverage type's members through the independent validators in full.

The contract test (test_formats_contract) validates the every-payer cohort with
sampling for the slow validators (fhir.resources, the JSON Schema, hl7apy
STRICT); X12 is checked per payer in test_x12_payers and test_x12_inquiries.
Here, for every coverage type, the first members on that coverage (with claims)
have every one of their FHIR resources through R4B and the R4 JSON Schema and
their HL7 coverage messages and one of every other message type through hl7apy
STRICT, and their coverage is
written as that payer: FHIR Coverage type (PHDSC SOPT) and payor, EOB insurer,
HL7 IN1 payer ID, plan and insured's relationship, C-CDA policy activity."""

from __future__ import annotations

import duckdb
import pytest
from lxml import etree
from tests.formats.conftest import COVERAGE_TYPES
from tests.formats.validators import (
    hl7_messages,
    hl7_strict,
    load_bundle,
    r4b_validate,
    schema_errors,
)

from healthsim.formats.ccda.check import NS
from healthsim.formats.fhir.coverage import PAYER_TYPES, SOPT
from healthsim.formats.payers import payer_for

PER_PAYER = 2
HL7_RELATIONSHIP = {"18": "SEL", "01": "SPO", "19": "CHD"}


def members_of(db, coverage_type: str, n: int = PER_PAYER) -> list[dict]:
    """The first n members whose first span is on this coverage type and who have claims."""
    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute("""
            SELECT e.person_id, e.plan_id, e.plan, e.member_id, e.relationship,
                   (SELECT identifier FROM identities i WHERE i.person_id = e.person_id
                    AND i.product = 'patientsim') AS mrn
            FROM enrollments e WHERE e.coverage_type = ? AND e.span_no = 1
              AND EXISTS (SELECT 1 FROM claims c WHERE c.person_id = e.person_id)
            ORDER BY e.person_id LIMIT ?""", [coverage_type, n]).fetchall()
    cols = ("person_id", "plan_id", "plan", "member_id", "relationship", "mrn")
    return [dict(zip(cols, r, strict=True)) for r in found]


@pytest.fixture(scope="module")
def shared_payers(exported):
    shared = load_bundle(exported("fhir-bundles") / "bundles" / "shared.json")
    return {e["resource"]["id"]: e["resource"] for e in shared["entry"]
            if e["resource"]["resourceType"] == "Organization"}


@pytest.mark.parametrize("coverage_type", COVERAGE_TYPES)
def test_fhir_bundles_of_each_payers_members(coverage_type, export_db, exported, shared_payers):
    members = members_of(export_db, coverage_type)
    assert members, f"no {coverage_type} member with claims"
    for m in members:
        payer = payer_for(m["plan_id"], m["plan"])
        path = next(exported("fhir-bundles").glob(f"bundles/*/patient-{m['person_id']:08d}.json"))
        bundle = load_bundle(path)
        r4b_validate(bundle)
        kinds = set()
        for e in bundle["entry"]:
            res = e["resource"]
            assert schema_errors(res) == [], (coverage_type, res["resourceType"], schema_errors(res)[:3])
            kinds.add(res["resourceType"])
            if res["resourceType"] == "Coverage" and res["identifier"][0]["value"] == m["member_id"]:
                code = PAYER_TYPES[coverage_type][0]
                assert res["type"]["coding"][0] == {"system": SOPT, "code": code,
                                                    "display": PAYER_TYPES[coverage_type][1]}
                org = shared_payers[res["payor"][0]["reference"].split("/")[1]]
                assert org["identifier"][0]["value"] == payer.payer_id
            if res["resourceType"] == "ExplanationOfBenefit":
                org = shared_payers[res["insurer"]["reference"].split("/")[1]]
                assert org["identifier"][0]["value"].isdigit()
        assert {"Patient", "Coverage", "Claim", "ExplanationOfBenefit", "Encounter"} <= kinds, kinds


@pytest.mark.parametrize("coverage_type", COVERAGE_TYPES)
def test_hl7_messages_of_each_payers_members(coverage_type, export_db, exported):
    members = members_of(export_db, coverage_type)
    out = exported("hl7v2")
    messages = [m for p in sorted(out.glob("*.hl7")) for m in hl7_messages(p)]
    for m in members:
        payer = payer_for(m["plan_id"], m["plan"])
        mine = [er7 for er7 in messages if f"{m['mrn']}^^^HEALTHSIM^MR" in er7]
        assert mine and any("ADT^A28" in er7 for er7 in mine), (coverage_type, m)
        kinds = set()
        for er7 in mine:  # every message with the coverage (IN1) and one of each other type
            kind = er7.split("|", 9)[8]
            if "\rIN1|" in er7 or kind not in kinds:
                hl7_strict(er7)
                kinds.add(kind)
        in1 = [s.split("|") for er7 in mine for s in er7.split("\r") if s.startswith("IN1|")]
        first = [s for s in in1 if s[36] == m["member_id"]]
        assert first, (coverage_type, "no IN1 for the first span")
        for s in first:
            assert s[3] == payer.payer_id and s[2].split("^")[0] == m["plan_id"]
            assert s[17].split("^")[0] == HL7_RELATIONSHIP[m["relationship"] or "18"]


@pytest.mark.parametrize("coverage_type", COVERAGE_TYPES)
def test_ccda_payers_section_names_each_payer(coverage_type, export_db, exported):
    from healthsim.formats.ccda.templates import SOPT as CCDA_SOPT
    from healthsim.formats.ccda.templates import SOPT_CODES

    for m in members_of(export_db, coverage_type):
        payer = payer_for(m["plan_id"], m["plan"])
        doc = etree.parse(str(next(exported("ccda").glob(f"ccda/*/patient-{m['person_id']:08d}.xml")))).getroot()
        policies = doc.xpath('//v3:section[v3:code/@code="48768-6"]//v3:act[v3:templateId/@root='
                             '"2.16.840.1.113883.10.20.22.4.61"]', namespaces=NS)
        assert policies, (coverage_type, "no policy activity")
        first = policies[0]
        assert first.xpath("v3:code/@code", namespaces=NS) == [SOPT_CODES[coverage_type][0]]
        assert first.xpath("v3:code/@codeSystem", namespaces=NS) == [CCDA_SOPT]
        assert first.xpath(".//v3:performer//v3:id/@extension", namespaces=NS) == [payer.payer_id]
