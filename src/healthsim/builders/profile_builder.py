"""The Profile Builder: the seed's four-phase conversation as a pure state machine.

    1 intent and size            what population, how many
    2 demographics and geography ages, sex, where, urban/rural
    3 clinical and coverage      conditions, severity, coverage, journeys/claims
    4 review and confirm         the whole spec, then yes

`start(request)` parses the opening request; `reply(state, message)` parses
each answer with the same request parser and merges it over what was said
before, then recomposes the spec. A question whose answer the request already
gave is never asked, and a phase with nothing left to ask is skipped, so a
detailed one-line request goes straight to review. An empty reply accepts the
bracketed defaults; a reply nothing in it was understood re-asks the phase.
"""

from __future__ import annotations

import re

from healthsim.builders.compose import compose
from healthsim.builders.dialogue import (
    HELP,
    BuilderState,
    Question,
    Turn,
    changed,
    command_of,
    is_accept,
    is_decline,
    mentions,
    normalise_reply,
    not_understood,
    previous_phase,
)
from healthsim.builders.facts import AgeFact, Facts
from healthsim.builders.parser import parse_facts
from healthsim.builders.request import RequestSpec
from healthsim.builders.vocab import vocab
from healthsim.errors import HealthSimError

PHASES = {1: "intent and size", 2: "demographics and geography", 3: "clinical profile and coverage",
          4: "review and confirm"}
SEVERITY = {"typical": None} | {name: entry["weights"] for name, entry in vocab()["severity"].items()}


def start(request: str = "") -> Turn:
    """Open a dialogue from a one-line request (which may be empty)."""
    facts = parse_facts(request or "")
    state = BuilderState(kind="profile", phase=1, facts=facts, request=request or None)
    return _advance(state, from_phase=1, understood=changed(Facts(), facts), problems=_leftovers(facts))


def reply(state: BuilderState, message: str) -> Turn:
    """The next turn after the user's answer to the current phase."""
    if state.done:
        finished = "the dialogue is finished; start a new one to build another spec"
        return _finish(state).model_copy(update={"problems": [finished]})
    command = command_of(message)
    if command is not None:
        return _command(state, *command)
    text = normalise_reply(message)
    questions = questions_for(state, _spec_or_none(state))
    if state.phase == 4 and is_accept(text):
        return _finish(state)
    if is_accept(text) or (state.phase < 4 and is_decline(text)):
        settled = state.model_copy(update={"asked": state.asked + [q.key for q in questions]})
        return _advance(settled, from_phase=state.phase + 1)
    with_options, picked, rest = _apply_options(state.facts, questions, text)
    said = parse_facts(rest)
    new_facts = with_options.merged(said)
    notes = picked + changed(with_options, new_facts)
    if not notes:
        return _turn(state, [], [not_understood(message)] + _leftovers(said))
    try:
        compose(new_facts, request=state.request)
    except HealthSimError as exc:
        return _turn(state, [], [str(exc)])
    keys = [] if state.phase == 4 else [q.key for q in questions]
    settled = state.model_copy(update={"facts": new_facts, "asked": state.asked + keys})
    next_phase = 4 if state.phase == 4 else state.phase + 1
    return _advance(settled, from_phase=next_phase, understood=notes, problems=_leftovers(new_facts))


def _command(state: BuilderState, name: str, arg: str) -> Turn:
    """help / show / back / rename: answered without leaving the dialogue."""
    if name == "help":
        return _turn(state, [], [], info=HELP)
    if name == "show":
        spec = _spec_or_none(state)
        info = ["The spec so far:"] + (spec.summary_lines() if spec else [])
        info += [f"  assumed {a.render()}" for a in (spec.assumptions if spec else []) if a.field != "seed"]
        info += [f"  note: {n}" for n in (spec.notes if spec else [])]
        return _turn(state, [], [], info=info)
    if name == "rename":
        renamed = state.model_copy(update={"facts": state.facts.model_copy(update={"name": arg[:80]})})
        return _turn(renamed, [f"name {arg[:80]!r}"], [])
    target = previous_phase(state)
    spec = _spec_or_none(state)
    keys = {q.key for q in _all_questions(state.model_copy(update={"phase": target}), spec)} if spec else set()
    back = state.model_copy(update={"phase": target, "asked": [k for k in state.asked if k not in keys],
                                    "history": [p for p in state.history if p < target]})
    turn = _turn(back, [f"back to phase {target}"], [])
    if not turn.questions and spec is not None:
        head = "This phase's answers so far (say what to change, or press Enter):"
        turn = turn.model_copy(update={"info": [head, *spec.summary_lines()]})
    return turn


def _all_questions(state: BuilderState, spec: RequestSpec) -> list[Question]:
    make = {1: _phase1, 2: _phase2, 3: _phase3, 4: _phase4}[state.phase]
    return make(state.facts, spec)


def questions_for(state: BuilderState, spec: RequestSpec | None) -> list[Question]:
    """The open questions of the state's phase (those the request has not answered)."""
    if spec is None:
        return []
    asked, facts = set(state.asked), state.facts
    make = {1: _phase1, 2: _phase2, 3: _phase3, 4: _phase4}[state.phase]
    return [q for q in make(facts, spec) if q.key not in asked]


def _phase1(facts: Facts, spec: RequestSpec) -> list[Question]:
    from healthsim.builders.templates_cache import template_names

    out = []
    if not (facts.template or facts.coverage or facts.age or facts.conditions or facts.journeys):
        names = list(template_names("profile"))
        out.append(Question(key="population", default=spec.template, options=names,
                            text="What population: Medicare, Medicaid children, commercial adults, "
                                 "exchange, uninsured - or a template?"))
    if facts.count is None:
        out.append(Question(key="count", text="How many members?", default=f"{spec.profile.count:,}"))
    return out


def _phase2(facts: Facts, spec: RequestSpec) -> list[Question]:
    out = []
    if facts.age is None:
        if spec.template == "medicare-diabetic":
            out.append(Question(key="age", default="typical", options=["typical", "younger disabled"],
                                text="Age distribution: typical Medicare (65-85) or younger disabled?"))
        else:
            out.append(Question(key="age", text="Ages (e.g. '25-45', 'over 50', 'teenagers')?",
                                default=_assumed(spec, "demographics.age")))
    if facts.sex is None:
        out.append(Question(key="sex", text="Sex mix (e.g. 'women', '60% female')?",
                            default=_assumed(spec, "demographics.sex") or "template mix"))
    if facts.states is None and facts.region is None and not facts.counties and not facts.zips:
        out.append(Question(key="geography", default="nationwide",
                            text="Geographic focus: a state, county, city or region? Add 'match the local "
                                 "population' to take ages, sex, race and chronic conditions from the place"))
    elif not facts.match_place and facts.age is None:
        out.append(Question(key="match_place", default="no", options=["match the local population", "no"],
                            text="Match the local population (ages, sex, race and chronic conditions of "
                                 "the place, from Census ACS and CDC PLACES)?"))
    if facts.urban_share is None:
        out.append(Question(key="urban", text="Urban / rural mix?", options=["urban", "rural", "mixed"],
                            default=_assumed(spec, "geography.urban_share") or "as the population"))
    return out


def _phase3(facts: Facts, spec: RequestSpec) -> list[Question]:
    conds = spec.profile.conditions
    named = [c.code for c in facts.conditions if not c.negated]
    shown = ", ".join(named) or "none named"
    background = len([c for c in conds if c.code not in named])
    out = [Question(key="conditions", default="keep",
                    options=["keep", "only the named conditions"],
                    text=f"Conditions: {shown}, plus {background} typical comorbidities. "
                         "Add or remove any (e.g. 'add asthma', 'without COPD')?")]
    attrs = spec.profile.attributes
    if "diabetes_control" in attrs and facts.severity is None:
        out.append(Question(key="severity", default="typical", options=list(SEVERITY),
                            text="Severity mix: controlled vs poorly controlled diabetes "
                                 f"(typical = {_assumed(spec, 'attributes.diabetes_control')})?"))
    kinds = [k for k, _ in facts.coverage or []]
    if not kinds:
        out.append(Question(key="coverage", default=_assumed(spec, "coverage") or spec.template,
                            text="Coverage (Medicare Advantage, Original Medicare, Medicaid, "
                                 "commercial, exchange, dual, uninsured)?"))
    elif kinds == ["medicare"]:
        out.append(Question(key="medicare_kind", default="Original Medicare",
                            options=["Original Medicare", "Medicare Advantage"],
                            text="Original Medicare or Medicare Advantage?"))
    if not facts.journeys and not facts.claims:
        from healthsim.builders.extract_context import installed_journeys

        names = installed_journeys()
        out.append(Question(key="journeys", default="none", options=names + ["with claims"],
                            text="Journeys over time (encounters, labs, medications) or claims?"))
    return out


def _phase4(facts: Facts, spec: RequestSpec) -> list[Question]:
    return [Question(key="confirm", default="yes",
                     text="Generate this spec? Say yes, or what to change")]


def _apply_options(facts: Facts, questions: list[Question], reply: str) -> tuple[Facts, list[str], str]:
    """Answers that pick a question's named option ('younger disabled', 'mostly controlled'):
    (facts with them applied, what was picked, the reply without the option words)."""
    update: dict = {}
    picked: list[str] = []
    keys = {q.key for q in questions}
    choices = [
        ("age", "younger disabled", {"age": AgeFact(low=21, high=65, group="disabled", text="younger disabled")}),
        ("age", "disabled", {"age": AgeFact(low=21, high=65, group="disabled", text="younger disabled")}),
        ("conditions", "only the named conditions", {"background": False}),
        ("conditions", "no comorbidities", {"background": False}),
        ("conditions", "only", {"background": False}),
        ("urban", "mixed", {}),
        ("medicare_kind", "medicare advantage", {"coverage": [("medicare_advantage", None)]}),
        ("medicare_kind", "original medicare", {}),
        ("match_place", "match the local population", {"match_place": True}),
        ("match_place", "yes", {"match_place": True}),
        ("geography", "match the local population", {"match_place": True}),
    ] + [("severity", name, {"severity": w}) for name, w in SEVERITY.items() if w]
    for key, phrase, change in choices:
        if key in keys and mentions(reply, phrase):
            update.update(change)
            picked.append(phrase)
            reply = re.sub(r"(?<![\w])" + re.escape(phrase) + r"(?![\w])", " ", reply)
    return (facts.model_copy(update=update) if update else facts), picked, reply


def _advance(state: BuilderState, from_phase: int, understood: list[str] | None = None,
             problems: list[str] | None = None) -> Turn:
    """Move to the first phase from `from_phase` on that has an open question."""
    spec = _spec_or_none(state)
    if spec is None:
        err = _compose_error(state)
        state = state.model_copy(update={"phase": min(from_phase, 4)})
        return _turn(state, understood or [], (problems or []) + [err])
    phase = min(from_phase, 4)
    while phase < 4 and not questions_for(state.model_copy(update={"phase": phase}), spec):
        phase += 1
    return _turn(state.model_copy(update={"phase": phase}), understood or [], problems or [], spec)


def _finish(state: BuilderState) -> Turn:
    spec = compose(state.facts, request=state.request)
    done = state.model_copy(update={"done": True})
    return Turn(state=done, phase=4, phase_name=PHASES[4], assumptions=spec.assumptions,
                summary=spec.summary_lines(), spec=spec, done=True)


def _turn(state: BuilderState, understood: list[str], problems: list[str],
          spec: RequestSpec | None = None, info: list[str] | None = None) -> Turn:
    spec = spec or _spec_or_none(state)
    if not state.history or state.history[-1] != state.phase:
        state = state.model_copy(update={"history": [*state.history, state.phase]})
    questions = questions_for(state, spec) if spec else []
    summary = spec.summary_lines() if spec and state.phase == 4 else []
    if spec and state.phase == 4:
        summary += [f"  assumed {a.render()}" for a in spec.assumptions if a.field != "seed"]
        summary += [f"  note: {n}" for n in spec.notes]
    return Turn(state=state, phase=state.phase, phase_name=PHASES[state.phase], questions=questions,
                assumptions=spec.assumptions if spec else [], understood=understood,
                problems=problems, summary=summary, spec=spec, info=info or [])


def _spec_or_none(state: BuilderState) -> RequestSpec | None:
    try:
        return compose(state.facts, request=state.request)
    except HealthSimError:
        return None


def _compose_error(state: BuilderState) -> str:
    try:
        compose(state.facts, request=state.request)
    except HealthSimError as exc:
        return str(exc)
    return ""


def _assumed(spec: RequestSpec, field: str) -> str:
    for a in spec.assumptions:
        if a.field == field:
            return str(a.value)
    return ""


def _leftovers(facts: Facts) -> list[str]:
    return [f"not understood: {', '.join(facts.unrecognized)}"] if facts.unrecognized else []
