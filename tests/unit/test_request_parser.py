"""The request parser, table-driven: each request and the spec facts it must produce.

Expectation keys (all optional): count, template, coverage (set of types), states,
sex (weights), race, ethnicity, age ((low, high) support of the age distribution),
urban (urban_share), has (codes everyone has: prevalence 1.0), prev ({code: share}),
lacks (codes absent), journeys, formats, claims, pharmacy, unrecognized, note (a
substring of some note).
"""

from __future__ import annotations

import pytest

from healthsim.builders import RequestError, parse_request
from healthsim.distributions import parse_distribution

CASES: list[tuple[str, dict]] = [
    # --- counts in every form ---
    ("200 Medicare diabetics with claims for demo",
     {"count": 200, "coverage": {"medicare"}, "has": ["E11.9"], "claims": True, "unrecognized": []}),
    ("1,000 commercial members", {"count": 1000, "coverage": {"commercial"}}),
    ("2k exchange members", {"count": 2000, "coverage": {"exchange"}}),
    ("3 million Medicare Advantage members", {"count": 3_000_000, "coverage": {"medicare_advantage"}}),
    ("1.5 million commercial lives", {"count": 1_500_000}),
    ("a thousand members", {"count": 1000}),
    ("seventy-five members with copd", {"count": 75, "has": ["J44.9"]}),
    ("two hundred and fifty seniors", {"count": 250, "age": (65, 100)}),
    ("12 hundred patients with gout", {"count": 1200, "has": ["M10.9"]}),
    ("a dozen pregnant women in Georgia", {"count": 12, "has": ["Z33.1"], "sex": {"F": 1.0}, "states": ["GA"]}),
    ("Generate a 65-year-old diabetic Medicare member",
     {"count": 1, "age": (65, 66), "has": ["E11.9"], "coverage": {"medicare"}}),
    ("an uninsured 30-year-old with appendicitis", {"count": 1, "age": (30, 31), "coverage": {"uninsured"},
                                                    "has": ["K37"]}),
    ("a diabetic patient", {"count": 1, "has": ["E11.9"]}),
    ("one patient with sickle cell disease", {"count": 1, "has": ["D57.1"]}),
    ("Medicare diabetics", {"count": 200, "template": "medicare-diabetic"}),  # template default count
    # --- coverage ---
    ("500 Medicaid members aged 19 to 64 with depression",
     {"coverage": {"medicaid"}, "age": (19, 65), "has": ["F32.A"]}),
    ("MA members with dementia in FL", {"coverage": {"medicare_advantage"}, "states": ["FL"], "has": ["F03.90"]}),
    ("Medicare Advantage members in MA", {"coverage": {"medicare_advantage"}, "states": ["MA"]}),
    ("Medicare FFS beneficiaries with ESRD", {"coverage": {"medicare"}, "has": ["N18.6"]}),
    ("dual-eligible members with CHF", {"coverage": {"dual"}, "has": ["I50.9"]}),
    ("dual eligible for Medicare and Medicaid", {"coverage": {"dual"}}),
    ("ACA marketplace members in California with asthma",
     {"coverage": {"exchange"}, "states": ["CA"], "has": ["J45.909"]}),
    ("uninsured adults with hypertension", {"coverage": {"uninsured"}, "age": (18, 65), "has": ["I10"]}),
    ("employer-sponsored members with migraines", {"coverage": {"commercial"}, "has": ["G43.909"]}),
    ("CHIP kids with ADHD", {"coverage": {"medicaid"}, "template": "medicaid-pediatric", "has": ["F90.9"]}),
    ("70% Medicare Advantage and 30% dual eligibles with CHF",
     {"coverage": {"medicare_advantage", "dual"}, "has": ["I50.9"]}),
    # --- ages ---
    ("1,000 commercial members aged 25-45 in Texas, urban",
     {"count": 1000, "age": (25, 46), "states": ["TX"], "urban": 1.0}),
    ("members ages 18-34 in the Pacific Northwest", {"age": (18, 35), "states": ["OR", "WA", "ID"]}),
    ("people in their 50s with high blood pressure", {"age": (50, 60), "has": ["I10"]}),
    ("adults 65+ with afib", {"template": "medicare-diabetic", "has": ["I48.91"], "lacks": ["E11.9"]}),
    ("patients older than 80 with CKD 4", {"age": (80, 100), "has": ["N18.4"]}),
    ("women over 50 with breast cancer", {"sex": {"F": 1.0}, "age": (50, 100), "has": ["C50.919"]}),
    ("kids under 12 with asthma in rural Kentucky",
     {"age": (0, 12), "states": ["KY"], "urban": 0.0, "has": ["J45.909"]}),
    ("teenagers with type 1 diabetes", {"age": (13, 20), "has": ["E10.9"]}),
    ("infants with RSV", {"age": (0, 2), "has": ["J21.0"]}),
    ("toddlers in Ohio with ear infections", {"age": (1, 4), "states": ["OH"], "has": ["H66.90"]}),
    ("seniors with dementia in Ohio", {"age": (65, 100), "states": ["OH"], "has": ["F03.90"]}),
    ("children aged 5 to 12 with autism", {"age": (5, 13), "has": ["F84.0"]}),
    ("middle-aged men with hyperlipidemia", {"sex": {"M": 1.0}, "age": (45, 65), "has": ["E78.5"]}),
    ("Medicare members, younger disabled", {"age": (21, 65), "coverage": {"medicare"}}),
    ("members between 40 and 60 years old", {"age": (40, 61)}),
    # --- sex, race, ethnicity ---
    ("60% female exchange members", {"sex": {"F": 0.6, "M": 0.4}}),
    ("men and women with asthma", {"sex": None, "has": ["J45.909"]}),
    ("250 Black women with hypertension in Maryland",
     {"count": 250, "sex": {"F": 1.0}, "race": {"black": 1.0}, "states": ["MD"], "has": ["I10"]}),
    ("Hispanic members in Texas with diabetes", {"ethnicity": {"hispanic": 1.0}, "states": ["TX"]}),
    ("men over 70 with prostate cancer and BPH", {"sex": {"M": 1.0}, "has": ["C61", "N40.0"]}),
    ("patients with prostate cancer", {"sex": {"M": 1.0}, "has": ["C61"]}),  # sex implied by the code
    # --- conditions: abbreviations, lay words, misspellings, stages, cancers, anything ---
    ("2k dual-eligible seniors with CHF, COPD and CKD stage 4 in Florida and GA",
     {"count": 2000, "has": ["I50.9", "J44.9", "N18.4"], "states": ["FL", "GA"]}),
    ("500 members with CKD stage 3b and anemia", {"has": ["N18.32", "D64.9"]}),
    ("patients with stage 3 chronic kidney disease", {"has": ["N18.30"]}),
    ("members with hypertention, diabetis and astma", {"has": ["I10", "E11.9", "J45.909"], "unrecognized": []}),
    ("patients with alzhiemers in IN", {"has": ["G30.9"], "states": ["IN"]}),
    ("people with sugar", {"has": ["E11.9"]}),
    ("T2DM patients with MDD", {"has": ["E11.9", "F32.9"]}),
    ("1000 veterans with PTSD and opioid use disorder", {"has": ["F43.10", "F11.20"]}),
    ("patients with alcohol use disorder", {"has": ["F10.20"]}),
    ("patients with stage 4 lung cancer", {"has": ["C34.90"], "unrecognized": []}),
    ("women with ovarian cancer", {"has": ["C56.9"]}),
    ("patients with pancreatic cancer", {"has": ["C25.9"]}),
    ("members with colon cancer", {"has": ["C18.9"]}),
    ("patients with sarcoidosis", {"has": ["D86.9"]}),  # not in the synonym table: found by search
    ("patients with diabetic gastroparesis", {"has": ["K31.84"]}),
    ("members with heart disease and lung disease", {"has": ["I51.9", "J98.4"]}),
    ("women aged 40 to 60 with lupus and fibromyalgia", {"has": ["M32.9", "M79.7"], "sex": {"F": 1.0}}),
    ("obese members with sleep apnea", {"has": ["E66.9", "G47.33"]}),
    ("400 Hispanic women with gestational diabetes in TX and NM",
     {"has": ["O24.419"], "states": ["TX", "NM"], "sex": {"F": 1.0}}),
    ("Medicare members without diabetes with COPD", {"has": ["J44.9"], "lacks": ["E11.9"]}),
    ("non-smokers with asthma", {"has": ["J45.909"], "lacks": ["F17.210"], "unrecognized": []}),
    ("exchange members with 30% obesity and no diabetes", {"prev": {"E66.9": 0.3}, "lacks": ["E11.9"]}),
    ("commercial members, COPD in 25%", {"prev": {"J44.9": 0.25}}),
    ("patients with diabetes and diabetic foot ulcers", {"has": ["E11.621"], "lacks": ["E11.9"]}),
    ("100 heart failure patients with reduced ejection fraction", {"has": ["I50.22"], "lacks": ["I50.9"]}),
    ("kids with food allergies and eczema", {"has": ["Z91.018", "L20.9"], "unrecognized": []}),
    ("young women with PCOS", {"age": (18, 35), "sex": {"F": 1.0}, "has": ["E28.2"]}),
    ("200 members with type 2 diabetes and high A1c", {"severity": "poor", "unrecognized": []}),
    ("Medicare diabetics, mostly controlled", {"severity": "controlled"}),
    # --- geography ---
    ("2.5k exchange members in the Southwest", {"count": 2500, "states": ["AZ", "NM", "TX", "OK", "NV"]}),
    ("young adults with anxiety in NYC", {"states": ["NY"], "has": ["F41.9"]}),
    ("members in New York and New Jersey", {"states": ["NY", "NJ"]}),
    ("members in CA, OR and WA", {"states": ["CA", "OR", "WA"]}),
    ("rural Medicaid kids", {"urban": 0.0}),
    ("80% urban commercial members", {"urban": 0.8}),
    ("dual eligibles in Puerto Rico", {"coverage": {"dual"}, "note": "Puerto Rico is not covered"}),
    ("10,000 people in Chicago", {"count": 10_000, "zip_prefix": "60", "unrecognized": []}),
    ("members from Springfield, MA with asthma", {"zip_prefix": "011", "has": ["J45.909"]}),
    ("kids in Kansas City", {"zip_prefix": "64"}),
    ("seniors in New York", {"states": ["NY"]}),  # a state name stays a state
    # --- journeys and triggers ---
    ("Create a diabetic first-year journey for 50 patients",
     {"count": 50, "journeys": ["diabetic-first-year"], "has": ["E11.9"]}),
    ("100 patients with knee replacement surgery with claims and pharmacy claims",
     {"journeys": ["surgical-episode"], "claims": True, "pharmacy": True}),
    ("100 new members onboarding", {"journeys": ["new-member-onboarding"]}),
    ("CHF patients over 18 months with quarterly visits", {"has": ["I50.9"], "journeys": ["chf-lifecycle"]}),
    ("maternity episode for 300 women", {"journeys": ["maternity-episode"], "has": ["Z33.1"]}),
    ("ED visits for 500 members", {"journeys": ["ed-visit-branching"]}),
    ("diabetics with claims and rx claims", {"claims": True, "pharmacy": True}),
    # --- output formats ---
    ("500 Medicaid kids with asthma in California as FHIR", {"formats": ["fhir-bundles"], "states": ["CA"]}),
    ("members with CHF as 837 and 835", {"formats": ["x12-837p", "x12-835"], "has": ["I50.9"]}),
    ("patients as HL7 ADT messages", {"formats": ["hl7v2"]}),
    ("trial subjects as SDTM", {"formats": ["sdtm"]}),
    ("export 100 members as parquet and csv", {"count": 100, "formats": ["parquet", "csv"]}),
    ("ndjson for 100 patients", {"count": 100, "formats": ["fhir-ndjson"]}),
    # --- templates, seeds and the rest ---
    ("medicaid-pediatric with 300 members", {"template": "medicaid-pediatric", "count": 300}),
    (("Build a profile for 100 commercial members age 25-45, mix of healthy and chronic conditions, "
     "urban geography"), {"count": 100, "age": (25, 46), "urban": 1.0, "unrecognized": []}),
    ("300 seniors with COPD, seed 7", {"count": 300, "seed": 7}),
    ("healthy seniors", {"age": (65, 100), "lacks": ["E11.9", "I10", "E78.5"]}),
    ("1,000 healthy commercial members", {"has": [], "prev": {"J45.909": 0.08}}),
    ("300 members with asthma and some frobnication", {"has": ["J45.909"], "unrecognized": ["frobnication"]}),
]


def _check(spec, expected: dict) -> None:
    p = spec.profile
    codes = {c.code: c.prevalence for c in p.conditions}
    for key, want in expected.items():
        if key == "count":
            assert p.count == want
        elif key == "template":
            assert spec.template == want
        elif key == "coverage":
            assert {o.type for o in p.coverage.options} == want
        elif key == "states":
            assert p.geography.states == want
        elif key in ("sex", "race", "ethnicity"):
            dist = getattr(p.demographics, "gender" if key == "sex" else key)
            if want is None:
                assert any(a.field == f"demographics.{key}" for a in spec.assumptions)
            else:
                assert {k: round(v, 6) for k, v in dist.weights.items()} == want
        elif key == "age":
            assert parse_distribution(p.demographics.age.model_dump()).support() == pytest.approx(want)
        elif key == "urban":
            assert p.geography.urban_share == want
        elif key == "has":
            for code in want:
                assert codes.get(code) == 1.0, f"{code} not at 100% in {codes}"
        elif key == "prev":
            for code, share in want.items():
                assert codes.get(code) == pytest.approx(share)
        elif key == "lacks":
            for code in want:
                assert code not in codes
        elif key == "journeys":
            assert [j.template for j in spec.journeys] == want
        elif key == "formats":
            assert spec.outputs.formats == want
        elif key == "claims":
            assert spec.outputs.claims is want
        elif key == "pharmacy":
            assert spec.outputs.pharmacy_claims is want
        elif key == "unrecognized":
            assert spec.unrecognized == want
        elif key == "seed":
            assert p.seed == want
        elif key == "zip_prefix":
            assert p.geography.zips and all(z.startswith(want) for z in p.geography.zips)
        elif key == "severity":
            weights = p.attributes["diabetes_control"].weights
            assert max(weights, key=weights.get) == want
        elif key == "note":
            assert any(want in n for n in spec.notes), spec.notes
        else:
            raise AssertionError(f"unknown expectation {key}")


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_request_parses_to_the_expected_spec(text, expected):
    _check(parse_request(text), expected)


def test_table_has_at_least_sixty_requests():
    assert len(CASES) >= 60


def test_every_unstated_field_is_listed_as_an_assumption():
    spec = parse_request("200 Medicare diabetics")
    assumed = {a.field for a in spec.assumptions}
    assert {"demographics.age", "demographics.sex", "geography.states", "conditions", "seed"} <= assumed
    assert "count" not in assumed and "coverage" not in assumed
    assert any(a.field == "count" for a in parse_request("Medicare diabetics").assumptions)


@pytest.mark.parametrize("text", ["", "   ", "hello world", "asdf qwerty zxcv", "!!!", "the of and"])
def test_a_request_with_nothing_recognisable_gets_examples(text):
    with pytest.raises(RequestError) as err:
        parse_request(text)
    assert "Try, for example" in str(err.value) and "Medicare diabetics" in str(err.value)


def test_a_count_beyond_the_maximum_is_a_clear_error():
    with pytest.raises(RequestError, match="more than one run allows"):
        parse_request("3 billion members")


def test_overrides_replace_what_the_text_said():
    spec = parse_request("200 seniors with COPD", count=5, seed=9)
    assert (spec.profile.count, spec.profile.seed) == (5, 9)


def test_spec_saves_and_loads_as_yaml(tmp_path):
    from healthsim import api

    spec = parse_request("300 Medicare diabetics in Ohio as csv")
    path = spec.save(tmp_path / "req.yaml")
    again = api.load_request(path)
    assert again.profile == spec.profile and again.outputs == spec.outputs
    with pytest.raises(RequestError):
        spec.save(tmp_path / "req.txt")


def test_every_synonym_names_a_real_icd10cm_code():
    from healthsim.builders.vocab import condition_synonyms
    from healthsim.reference import icd10

    bad = {p: c for p, c in condition_synonyms().items() if icd10.lookup(c) is None}
    assert not bad
