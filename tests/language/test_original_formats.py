"""Every example of the seed README and the documents it links to loads or parses, verbatim.

The JSON examples are copied unchanged into data/seed_examples/ by
tools/extract_seed_examples.py; each is recognised (spec/aliases.detect),
translated, and validated by the same models a spec file goes through — a
profile also compiles (its geography resolves), a journey also compiles (its
codes, references and windows check). The few blocks that are not specs
(generated-record illustrations) must be recognised as such. The seed's
sentence examples parse into the facts they state.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from healthsim.spec import aliases

EXAMPLES = Path(__file__).parent / "data" / "seed_examples"
FILES = sorted(EXAMPLES.glob("*.json"))
NOT_SPECS = {"output_sample"}  # illustrations of generated records in journey-executor.md


def documents(path: Path) -> list[object]:
    """The JSON document(s) in an example: one, or one per line (the timing-options blocks)."""
    text = re.sub(r"//[^\n]*", "", path.read_text(encoding="utf-8"))
    text = text.replace("[...]", "[]").replace("{...}", "{}")  # an elided part, read as a reader would: empty
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def load(doc: dict) -> tuple[str, object, list[str]]:
    """Load a document the way HealthSim does; (kind, loaded object, notes)."""
    from healthsim.distributions import parse_distribution
    from healthsim.plan.journey import compile_journey
    from healthsim.plan.population import compile_profile
    from healthsim.spec.journey import JourneySpec
    from healthsim.spec.journey_timing import Timing
    from healthsim.spec.load import validate_model
    from healthsim.spec.profile import ProfileSpec

    n = aliases.normalise(doc)
    if n.kind in ("profile", "request"):
        profile = validate_model(ProfileSpec, n.document, source="example")
        compile_profile(profile)
        for j in profile.journeys:
            if j.spec is not None:
                compile_journey(j.spec)
        return n.kind, profile, n.notes
    if n.kind in ("journey", "journey_fragment"):
        journey = validate_model(JourneySpec, n.document, source="example")
        compile_journey(journey)
        return n.kind, journey, n.notes
    if n.kind == "journey_ref":
        from healthsim.templates import load_template

        assert load_template(n.document["template"], kind="journey")
        return n.kind, n.document, n.notes
    if n.kind == "distribution":
        return n.kind, parse_distribution(n.document), n.notes
    if n.kind == "distributions":
        return n.kind, {k: parse_distribution(v) for k, v in n.document.items()}, n.notes
    if n.kind == "event":
        wrapped = {"journey_name": "one event", "phases": [{"name": "p", "events": [n.document]}]}
        journey = validate_model(JourneySpec, wrapped, source="example")
        compile_journey(journey)
        return n.kind, journey, n.notes
    if n.kind == "execution":
        return n.kind, n.document, n.notes
    if n.kind == "claim_example":
        return n.kind, {k: parse_distribution(v) for k, v in n.document.items()}, n.notes
    if n.kind in ("pattern", "sync"):  # recognised; the notes say what HealthSim does instead
        assert n.notes and ("pattern" in n.notes[0] or "sync" in n.notes[0]), n.notes
        return n.kind, n.document, n.notes
    if n.kind == "unknown" and set(doc) <= {"day", "week", "month", "hour", "after", "before", "days", "hours",
                                           "recurrence", "variance", "variance_pct"}:
        # a timing option of the journey builder ({"day": 0}, {"recurrence": "monthly"} ...)
        event = aliases.normalise({"type": "encounter", "timing": doc} if "recurrence" not in doc else
                                  {"type": "encounter", **doc}, "event")
        timing = event.document.get("timing") or {}
        if "relative_to" in timing:
            timing = {k: v for k, v in timing.items() if k != "relative_to"}
        return "timing", validate_model(Timing, timing, source="example"), event.notes
    return n.kind, None, n.notes


def test_every_seed_document_example_is_copied():
    assert len(FILES) >= 98  # the README, the 6 builder/executor/distribution documents, the journeys patterns, 15 templates


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_seed_example_loads(path):
    for doc in documents(path):
        kind, loaded, _ = load(doc)
        if kind in NOT_SPECS:
            continue
        assert loaded is not None, f"{path.name}: not recognised ({kind})"


def test_the_seed_readme_journey_loads_with_a_note_of_what_was_normalised():
    from healthsim.spec.journey import JourneySpec

    doc = documents(EXAMPLES / "generation-framework-readme__2.json")[0]
    assert doc["phases"][0]["events"] == ["initial_visit", "labs", "diagnosis", "rx_metformin"]
    kind, journey, notes = load(doc)
    assert kind == "journey" and isinstance(journey, JourneySpec)
    first = journey.phases[0].events[0]
    assert first.type == "encounter" and {lab.panel for lab in first.labs} >= {"a1c", "lipid"}
    assert [m.drug for m in first.medications] == ["861007"]  # metformin 500 mg
    assert any(d.condition == "E11" for d in first.diagnoses)
    stabilization = journey.phases[1]
    assert stabilization.window == (30, 180)
    assert stabilization.events[0].timing.every == 91
    assert any("names" in n for n in notes)


def test_original_spellings_are_translated_and_noted():
    from healthsim.distributions import parse_distribution

    n = aliases.normalise({"type": "log_normal", "mean": 5000, "std_dev": 8000, "min": 0})
    assert n.document == {"distribution": "lognormal", "mean": 5000, "std_dev": 8000}
    assert any("type" in x for x in n.notes) and any("log_normal" in x for x in n.notes)
    explicit = aliases.normalise({"type": "explicit", "values": [{"value": "48201", "weight": 0.4},
                                                                 {"value": "48113", "weight": 0.6}]})
    assert parse_distribution(explicit.document).weights == {"48201": 0.4, "48113": 0.6}
    cond = aliases.normalise({"type": "conditional", "rules": [
        {"if": "severity == 'controlled'", "distribution": {"type": "normal", "mean": 6.5, "std_dev": 0.3}},
        {"if": "severity == 'uncontrolled'", "distribution": {"type": "normal", "mean": 8.5, "std_dev": 1}}]})
    d = parse_distribution(cond.document)
    assert d.on == "severity" and set(d.cases) == {"controlled", "uncontrolled"}


def test_the_nested_profile_document_becomes_the_profile_it_describes():
    kind, profile, notes = load(documents(EXAMPLES / "profile-builder__1.json")[0])
    assert kind == "profile" and profile.count == 200
    assert profile.geography.states == ["TX"]
    codes = {c.code: c.prevalence for c in profile.conditions}
    assert codes["E11.9"] == 1.0 and codes["I10"] == 0.75 and codes["E78.5"] == 0.70
    assert {o.type: o.share for o in profile.coverage.options} == {"medicare_advantage": 0.55, "medicare": 0.45}
    assert profile.attributes["diabetes_control"].weights == {"controlled": 0.3, "suboptimal": 0.5, "poor": 0.2}
    n = aliases.normalise(documents(EXAMPLES / "profile-builder__1.json")[0])
    assert n.formats == ["fhir-bundles", "hl7v2", "x12-837p", "csv"] and n.claims
    assert any("plan_distribution" in x for x in notes)


def test_a_county_reference_becomes_the_county():
    _, profile, _ = load(documents(EXAMPLES / "profile-executor__2.json")[0])
    assert profile.geography.counties == ["48201"]


def test_the_profile_and_journey_combination_attaches_the_template():
    kind, profile, _ = load(documents(EXAMPLES / "journey-builder__output3.json")[0])
    assert kind == "request" and [j.template for j in profile.journeys] == ["diabetic-first-year"]


def test_spec_files_in_the_original_shape_load_through_the_api(tmp_path):
    from healthsim import api

    path = tmp_path / "seed.json"
    path.write_text((EXAMPLES / "profile-builder__1.json").read_text(encoding="utf-8"), encoding="utf-8")
    req = api.load_request(path)
    assert req.profile.count == 200 and req.outputs.claims
    assert "x12-837p" in req.outputs.formats
    assert any("plan_distribution" in n for n in req.notes)
    assert "original HealthSim" in (req.profile.description or "")


# The seed's sentence examples (README, builders, quick-generate): each parses into what it says.
SEED_SENTENCES = {
    "Generate a 65-year-old diabetic Medicare member": {"count": 1, "codes": ["E11.9"]},
    "Generate a diabetic patient": {"count": 1, "codes": ["E11.9"]},
    "Create a Medicare member with CHF": {"count": 1, "codes": ["I50.9"]},
    "Give me a commercial family with pharmacy claims": {},
    "Quick generate 5 trial subjects": {"count": 5, "trial": True},
    "Make me a patient with these conditions: E11.9, I10, E78.5": {"count": 1, "codes": ["E11.9", "I10", "E78.5"]},
    "Create a Medicare member with CHF and recent hospitalization": {"count": 1, "codes": ["I50.9"],
                                                                    "journeys": ["chf-lifecycle"]},
    "Give me a commercial family of 4 with pharmacy claims": {},
    "Quick generate a Phase III oncology trial subject": {"count": 1, "trial": True},
    "Generate 50 Medicare diabetics with specific comorbidity rates": {"count": 50, "codes": ["E11.9"]},
    "I need Medicare diabetic patients for testing": {"codes": ["E11.9"]},
    "Texas only, use standard comorbidities, mix of severity": {},
    "I need 50 diabetic patients for testing": {"count": 50, "codes": ["E11.9"]},
    "Match the actual population of Harris County for my simulation": {},
    "200 Medicare diabetics with first year of care journey": {"count": 200, "journeys": ["diabetic-first-year"]},
    "Create a journey for diabetic patients": {"journeys": ["diabetic-first-year"]},
    "First year journey for newly diagnosed Type 2 diabetes": {"journeys": ["diabetic-first-year"]},
    "Use the standard pattern but add more lab detail": {"journey_reply": True},
    "Create a simple surgical episode journey": {"journeys": ["surgical-episode"]},
    "Create an ER chest pain journey with admit/discharge branches": {"journeys": ["ed-visit-branching"]},
    "Build a profile for 100 commercial members:\n- Age 25-45\n- Mix of healthy and chronic conditions\n"
    "- Urban geography": {"count": 100},
    "Create a diabetic first-year journey for 50 patients:\n- New diagnosis\n- Initial treatment\n"
    "- Quarterly follow-ups\n- Lab monitoring": {"count": 50, "journeys": ["diabetic-first-year"],
                                                   "codes": ["E11.9"]},
    "Execute this profile": {"error": True},
    "Dry run this profile": {"error": True},
}


@pytest.mark.parametrize("text", list(SEED_SENTENCES), ids=[t[:50] for t in SEED_SENTENCES])
def test_seed_sentences_parse(text):
    from healthsim.builders import RequestError, parse_request

    want = SEED_SENTENCES[text]
    if want.get("journey_reply"):  # the seed's Journey Builder phase-3 answer
        from healthsim.builders import journey_builder

        turn = journey_builder.start("First year journey for newly diagnosed Type 2 diabetes")
        while turn.phase < 3:
            turn = journey_builder.reply(turn.state, "")
        turn = journey_builder.reply(turn.state, text)
        assert not turn.problems, turn.problems
        assert turn.state.journey["adjustments"].get("labs") == "detailed"
        return
    if want.get("error"):  # commands about an existing spec, not requests: a clear error with examples
        with pytest.raises(RequestError, match="Try, for example"):
            parse_request(text)
        return
    spec = parse_request(text)
    assert not spec.unrecognized, spec.unrecognized
    if "count" in want:
        assert spec.profile.count == want["count"]
    everyone = {c.code for c in spec.profile.conditions if c.prevalence == 1.0}
    assert set(want.get("codes", [])) <= everyone
    if "journeys" in want:
        assert [j.template for j in spec.journeys] == want["journeys"]
    if want.get("trial"):
        assert spec.trial is not None


def test_original_sdoh_factors_become_z_code_conditions_at_their_shares(tmp_path):
    """The seed's `sdoh: {source, factors}` (medicaid-pediatric) is read, not refused: each factor
    share is a Z-code condition at that prevalence, and a cohort carries it in about that share."""
    import duckdb

    from healthsim import api
    from healthsim.spec.load import validate_model
    from healthsim.spec.profile import ProfileSpec

    doc = documents(EXAMPLES / "medicaid-pediatric__1.json")[0]
    n = aliases.normalise(doc)
    profile = validate_model(ProfileSpec, n.document, source="example")
    shares = {c.code: c.prevalence for c in profile.conditions}
    assert shares["Z59.41"] == 0.22 and shares["Z59.819"] == 0.15 and shares["Z59.82"] == 0.18
    assert any("limited_english dropped" in note for note in n.notes)
    profile = profile.model_copy(update={"count": 600, "journeys": []})
    db = tmp_path / "p.duckdb"
    api.generate(profile, db)
    with duckdb.connect(str(db), read_only=True) as con:
        n_food = con.sql("SELECT count(DISTINCT person_id) FROM conditions WHERE code = 'Z59.41'").fetchall()[0][0]
    # 600 members at 22%: 99.9% interval about +-9.7 points
    assert 0.12 * 600 <= n_food <= 0.32 * 600, n_food


def test_numeric_rule_tests_become_interval_cases_that_sample_by_range():
    """age-distributions.md: `{"if": "age >= 40 && age < 65", ...}` is a range of a numeric column."""
    import numpy as np

    from healthsim.distributions import parse_distribution

    n = aliases.normalise({"visits": {"type": "conditional", "rules": [
        {"if": "age < 18", "distribution": {"type": "constant", "value": 4}},
        {"if": "age >= 18 && age < 65", "distribution": {"type": "constant", "value": 3}},
        {"if": "65 <= age", "distribution": {"type": "constant", "value": 8}}]}})
    dist = n.document["visits"]
    assert dist["on"] == "age" and list(dist["cases"]) == ["(-inf, 18)", "[18, 65)", "[65, inf)"]
    drawn = parse_distribution(dist).sample(5, np.random.default_rng(0), {"age": np.array([0, 17.9, 18, 64, 90])})
    assert drawn.tolist() == [4, 4, 3, 3, 8]
    with pytest.raises(ValueError, match="column < number"):
        aliases.normalise({"x": {"type": "conditional", "rules": [{"if": "age ~ 3", "distribution": {
            "type": "constant", "value": 1}}]}})


def test_derived_amounts_multipliers_claim_examples_patterns_and_sync_are_read_with_notes():
    n = aliases.normalise({"billed": {"type": "log_normal", "mean": 500, "std_dev": 400},
                           "paid": {"type": "derived", "formula": "allowed - member"}})
    assert list(n.document) == ["billed"] and any("derived amount" in x for x in n.notes)
    months = aliases.normalise({"monthly_adjustment": {"type": "categorical", "weights": {"jan": 1.2, "feb": 0.8}}})
    assert months.document["monthly_adjustment"]["weights"] == {"jan": 0.6, "feb": 0.4}
    claim = aliases.normalise({"claim_type": "professional", "cpt": "99213",
                               "billed_amount": {"type": "log_normal", "mean": 150, "std_dev": 50}})
    assert claim.kind == "claim_example" and list(claim.document) == ["billed_amount"]
    assert aliases.normalise({"pattern": "cyclic", "cycle": {}}).kind == "pattern"
    sync = aliases.normalise({"sync": {"patient_to_member": {}}})
    assert sync.kind == "sync" and "one member state" in sync.notes[0]
