"""The Profile and Journey Builders: four phases, defaults, answers that change the spec."""

from __future__ import annotations

import pytest

from healthsim import api
from healthsim.builders import journey_builder, parse_request, profile_builder
from healthsim.builders.dialogue import BuilderState
from healthsim.distributions import parse_distribution

ONE_LINERS = [
    "200 Medicare diabetics with claims for demo",
    "Medicare diabetics",
    "kids with asthma",
    "1,000 commercial members aged 25-45 in Texas, urban",
    "women over 50 with breast cancer",
    "",
]


def _accept_all(turn, reply=profile_builder.reply, limit=10):
    phases, replies = [turn.phase], 0
    while not turn.done and replies < limit:
        turn = reply(turn.state, "")
        replies += 1
        phases.append(turn.phase)
    return turn, phases, replies


@pytest.mark.parametrize("text", ONE_LINERS)
def test_default_answers_reach_a_valid_spec_within_four_phases(text):
    turn, phases, replies = _accept_all(profile_builder.start(text))
    assert turn.done and turn.spec is not None
    assert replies <= 4 and len(set(phases)) <= 4 and phases == sorted(phases)
    if text:  # accepting every default changes nothing the request implied
        assert turn.spec.profile == parse_request(text).profile


def test_every_question_carries_a_default():
    turn = profile_builder.start("Medicare diabetics")
    seen = []
    while not turn.done:
        seen += turn.questions
        turn = profile_builder.reply(turn.state, "")
    assert seen and all(q.default for q in seen)
    texts = " ".join(q.render() for q in seen)
    assert "typical Medicare (65-85) or younger disabled? (typical / younger disabled) [typical]" in texts


def test_answers_change_the_spec_as_stated():
    turn = profile_builder.start("Medicare diabetics")
    assert turn.phase == 1 and [q.key for q in turn.questions] == ["count"]
    turn = profile_builder.reply(turn.state, "500")
    assert turn.phase == 2 and turn.spec.profile.count == 500
    turn = profile_builder.reply(turn.state, "younger disabled, in Texas and Oklahoma, 60% female, rural")
    p = turn.spec.profile
    assert turn.phase == 3
    assert parse_distribution(p.demographics.age.model_dump()).support() == (21, 65)
    assert p.geography.states == ["TX", "OK"] and p.geography.urban_share == 0.0
    assert p.demographics.gender.weights == {"F": 0.6, "M": 0.4}
    turn = profile_builder.reply(turn.state, "add asthma, without COPD, mostly controlled, Medicare Advantage")
    p = turn.spec.profile
    codes = {c.code: c.prevalence for c in p.conditions}
    assert turn.phase == 4 and codes["J45.909"] == 1.0 and "J44.9" not in codes
    assert p.attributes["diabetes_control"].weights == {"controlled": 0.7, "suboptimal": 0.2, "poor": 0.1}
    assert {o.type for o in p.coverage.options} == {"medicare_advantage"}
    turn = profile_builder.reply(turn.state, "seed 7")
    assert turn.phase == 4 and not turn.done and turn.spec.profile.seed == 7
    assert [q.key for q in turn.questions] == ["confirm"]
    turn = profile_builder.reply(turn.state, "yes")
    assert turn.done and turn.spec.profile.seed == 7 and turn.spec.profile.count == 500


def test_questions_the_request_answered_are_never_asked():
    text = ("500 Medicare Advantage diabetics aged 70-80, women, in Ohio, urban, mostly controlled, "
            "with claims")
    turn = profile_builder.start(text)
    asked = []
    while not turn.done:
        asked += [q.key for q in turn.questions]
        turn = profile_builder.reply(turn.state, "")
    assert not {"count", "population", "age", "sex", "geography", "urban", "severity", "coverage",
                "journeys"} & set(asked)
    assert asked == ["conditions", "confirm"]


def test_an_unintelligible_reply_reasks_the_same_phase():
    turn = profile_builder.start("Medicare diabetics")
    again = profile_builder.reply(turn.state, "xyzzy plugh")
    assert again.phase == turn.phase and again.problems and "did not understand" in again.problems[0]
    assert again.state == turn.state


def test_only_the_named_conditions_drops_the_background():
    turn = profile_builder.start("300 commercial members with asthma in Ohio")
    while turn.phase < 3:
        turn = profile_builder.reply(turn.state, "")
    turn = profile_builder.reply(turn.state, "only the named conditions")
    assert [c.code for c in turn.spec.profile.conditions] == ["J45.909"]


def test_builder_state_is_plain_data_that_survives_json():
    turn = profile_builder.start("Medicare diabetics")
    state = BuilderState.model_validate_json(turn.state.model_dump_json())
    assert profile_builder.reply(state, "500").spec.profile.count == 500


def test_finished_spec_saves_as_yaml_and_loads_back(tmp_path):
    turn, _, _ = _accept_all(profile_builder.start("200 Medicare diabetics in Ohio"))
    path = turn.spec.save(tmp_path / "spec.yaml")
    assert api.load_request(path).profile == turn.spec.profile


def test_journey_builder_adjusts_a_template_and_ends_in_a_valid_journey():
    turn = journey_builder.start("diabetics with a first year journey")
    assert turn.phase == 2 and {q.key for q in turn.questions} == {"duration", "phases"}
    turn = journey_builder.reply(turn.state, "18 months, drop stabilization")
    assert turn.phase == 3
    turn = journey_builder.reply(turn.state, "no labs")
    assert turn.phase == 4 and [q.key for q in turn.questions] == ["triggers", "confirm"]
    turn = journey_builder.reply(turn.state, "pharmacy claims")
    turn = journey_builder.reply(turn.state, "yes")
    assert turn.done
    doc = turn.journey_document
    assert doc["duration"] == 548 and [p["name"] for p in doc["phases"]] == ["diagnosis"]
    assert all("labs" not in e for p in doc["phases"] for e in p["events"])
    attached = turn.spec.profile.journeys[0]
    assert attached.spec is not None and attached.spec.duration == 548
    assert turn.spec.outputs.pharmacy_claims and not turn.spec.outputs.claims


def test_journey_builder_defaults_finish_within_four_phases():
    turn, phases, replies = _accept_all(journey_builder.start("CHF patients"), journey_builder.reply)
    assert turn.done and replies <= 4 and max(phases) == 4
    assert turn.spec.journeys[0].template == "chf-lifecycle"
    assert turn.spec.outputs.claims and turn.spec.outputs.pharmacy_claims


def test_journey_builder_picks_a_template_by_name():
    turn = journey_builder.start("300 members")
    assert turn.phase == 1 and turn.questions[0].key == "journey"
    turn = journey_builder.reply(turn.state, "maternity-episode")
    assert turn.state.journey["template"] == "maternity-episode" and turn.phase == 2


def test_journey_builder_without_templates_says_so():
    turn = journey_builder.start("diabetics", catalog={})
    assert turn.problems == ["no journey templates are installed in this version"] and not turn.questions


def _adjustment_cases():
    from healthsim.builders.journey_adjust import outline
    from healthsim.builders.templates_cache import template_document, template_names

    for name in template_names("journey"):
        phases = outline(template_document(name, "journey"))["phases"]
        for adjustments in ({"duration_months": 3}, {"duration_months": 6}, {"duration_months": 24},
                            {"labs": False}, {"labs": "detailed"}, {"medications": False},
                            {"visit_interval_months": 2},
                            *({"phases": [p]} for p in phases)):
            yield name, adjustments


@pytest.mark.parametrize(("name", "adjustments"), list(_adjustment_cases()))
def test_every_adjustment_of_every_journey_template_still_compiles(name, adjustments):
    from healthsim.builders.journey_adjust import adjusted, outline, validate_journey
    from healthsim.builders.templates_cache import template_document

    doc = validate_journey(adjusted(template_document(name, "journey"), adjustments))
    info = outline(doc)
    if "duration_months" in adjustments:
        assert doc["duration"] == round(adjustments["duration_months"] * 30.4375)
    if adjustments.get("labs") is False:
        assert info["labs"] == []
    if adjustments.get("medications") is False:
        assert info["medications"] == []
    if "phases" in adjustments:
        assert info["phases"] == adjustments["phases"]
