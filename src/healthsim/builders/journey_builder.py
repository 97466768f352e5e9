"""The Journey Builder: pick a journey template and adjust it, in four phases.

    1 journey                        which template (from those installed)
    2 duration and phases            how long; which phases to keep
    3 visits, labs and medications   visit rhythm; keep or drop orders
    4 triggers and review            claims / pharmacy claims, then yes

Like the Profile Builder it is a pure state machine (`start`, `reply`) whose
state is plain data; the chosen template's document travels in the state, so
a reply needs nothing else. Questions the request answered ("a diabetic
first-year journey over 18 months with claims") are not asked. It ends in a
journey document validated as a JourneySpec and a RequestSpec that runs it.
"""

from __future__ import annotations

import re

from healthsim.builders import journey_adjust as adjust
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
    profile_edits,
)
from healthsim.builders.facts import Facts, JourneyFact
from healthsim.builders.parser import parse_facts
from healthsim.builders.vocab import vocab
from healthsim.errors import HealthSimError

PHASES = {1: "journey", 2: "duration and phases", 3: "visits, labs and medications",
          4: "triggers and review"}
DROP_WORDS = ("drop", "without", "no", "remove", "skip", "exclude", "not")
MORE_LABS = re.compile(r"\b(?:more|detailed|comprehensive|extra|additional|full)\s+lab(?:s|oratory)?(?:\s+(?:detail|"
                       r"work|panels?|monitoring))?\b|\blab(?:s)?\s+detail\b")


def start(request: str = "", catalog: dict[str, dict] | None = None, facts: Facts | None = None) -> Turn:
    """Open a journey dialogue, from a request or the facts a Profile Builder gathered.

    `catalog` (name -> journey document) defaults to the installed templates.
    """
    catalog = _installed() if catalog is None else catalog
    facts = parse_facts(request or "") if facts is None else facts
    named = [j.template for j in facts.journeys if j.template in catalog]
    choice = named[0] if named else _default(facts, catalog)
    journey = {"catalog": sorted(catalog), "template": choice, "chosen": bool(named),
               "base": catalog.get(choice), "adjustments": dict(facts.journey_adjustments)}
    state = BuilderState(kind="journey", facts=facts, request=request or None, journey=journey)
    if not catalog:
        return _turn(state, ["no journey templates are installed in this version"])
    return _advance(state, 1)


def reply(state: BuilderState, message: str, catalog: dict[str, dict] | None = None) -> Turn:
    if state.done:
        return _finish(state).model_copy(update={"problems": ["the dialogue is finished; start a new one"]})
    command = command_of(message)
    if command is not None:
        return _command(state, *command)
    text = normalise_reply(message)
    questions = questions_for(state)
    if state.phase == 4 and is_accept(text):
        return _finish(state)
    keys = [] if state.phase == 4 else [q.key for q in questions]
    if is_accept(text) or (state.phase < 4 and is_decline(text)):
        return _advance(state.model_copy(update={"asked": state.asked + keys}), state.phase + 1)
    journey, facts, notes = _apply(state, questions, text, message, catalog)
    said = parse_facts(message)
    edited = profile_edits(facts, said)
    notes += [n for n in changed(facts, edited) if not n.startswith("journey")]
    facts = edited
    if not notes:
        return _turn(state, [not_understood(message)])
    new = state.model_copy(update={"journey": journey, "facts": facts, "asked": state.asked + keys})
    problem = _check(new)
    if problem:
        return _turn(state, [problem])
    return _advance(new, 4 if state.phase == 4 else state.phase + 1, understood=notes)


def _command(state: BuilderState, name: str, arg: str) -> Turn:
    """help / show / back / rename, as in the Profile Builder."""
    if name == "help":
        return _turn(state, [], info=HELP)
    if name == "show":
        info = ["The journey so far:"] + _summary(state)
        try:
            info += compose(_spec_facts(state), request=state.request).summary_lines()
        except HealthSimError as exc:
            info.append(f"! {exc}")
        return _turn(state, [], info=info)
    if name == "rename":
        renamed = state.model_copy(update={"facts": state.facts.model_copy(update={"name": arg[:80]})})
        return _turn(renamed, [], [f"name {arg[:80]!r}"])
    target = previous_phase(state)
    keys = {"1": ["journey"], "2": ["duration", "phases"], "3": ["visits", "labs", "medications"],
            "4": ["triggers"]}
    drop = {k for p, ks in keys.items() if int(p) >= target for k in ks}
    journey = dict(state.journey)
    if target == 1:
        journey["chosen"] = False
    back = state.model_copy(update={"phase": target, "asked": [k for k in state.asked if k not in drop],
                                    "history": [p for p in state.history if p < target], "journey": journey})
    return _turn(back, [], [f"back to phase {target}"])


def questions_for(state: BuilderState) -> list[Question]:
    j, asked = state.journey, set(state.asked)
    base = j.get("base") or {}
    info = adjust.outline(adjust.adjusted(base, j["adjustments"])) if base else {}
    out: list[Question] = []
    if state.phase == 1 and not j.get("chosen"):
        out.append(Question(key="journey", text="Which journey?", options=j["catalog"],
                            default=j.get("template") or "none"))
    elif state.phase == 2 and base:
        if "duration_months" not in j["adjustments"]:
            out.append(Question(key="duration", text="Duration?",
                                default=_months(info["duration_days"])))
        if len(info["phases"]) > 1:
            out.append(Question(key="phases", default="all", text="Phases: " + ", ".join(info["phases"])
                                + ". Keep all, or say which to keep or drop?"))
    elif state.phase == 3 and base:
        if info["visit_every_days"] and "visit_interval_months" not in j["adjustments"] and info["kind"] != "protocol":
            out.append(Question(key="visits", text="Follow-up visit frequency?",
                                default=f"every {_months(info['visit_every_days'])}"))
        if info["labs"] and "labs" not in j["adjustments"]:
            out.append(Question(key="labs", text=f"Lab orders ({', '.join(info['labs'][:5])}): keep or drop?",
                                default="keep"))
        if info["medications"] and "medications" not in j["adjustments"]:
            out.append(Question(key="medications", default="keep",
                                text=f"Medication orders ({_drug_names(info['medications'], 4)}): keep or drop?"))
    elif state.phase == 4:
        if state.facts.claims is None and state.facts.pharmacy_claims is None:
            out.append(Question(key="triggers", text="Triggers: make claims from these events?",
                                options=["claims", "pharmacy claims", "both", "none"], default="both"))
        out.append(Question(key="confirm", text="Use this journey? Say yes, or what to change",
                            default="yes"))
    return [q for q in out if q.key not in asked or q.key == "confirm"]


def _apply(state: BuilderState, questions: list[Question], text: str, message: str,
           catalog: dict[str, dict] | None):
    j = {**state.journey, "adjustments": dict(state.journey["adjustments"])}
    facts, notes = state.facts, []
    keys = {q.key for q in questions}
    said = parse_facts(message)
    picked = [t for t in j["catalog"] if mentions(text, t) or mentions(text, t.replace("-", " "))]
    picked += [x.template for x in said.journeys if x.template in j["catalog"]]
    if picked and picked[0] != j.get("template"):
        cat = _installed() if catalog is None else catalog
        j.update(template=picked[0], chosen=True, base=cat.get(picked[0]))
        notes.append(f"journey {picked[0]}")
    for key, value in said.journey_adjustments.items():
        j["adjustments"][key] = value
        notes.append(f"{key.replace('_', ' ')} {value}")
    m = re.fullmatch(r"(\d{1,3})", text)
    if m and "duration" in keys and "duration_months" not in said.journey_adjustments:
        j["adjustments"]["duration_months"] = int(m.group(1))
        notes.append(f"duration {m.group(1)} months")
    if "phases" in keys:
        notes += _phases(j, text)
    if MORE_LABS.search(text):
        j["adjustments"]["labs"] = "detailed"
        notes.append("labs detailed (A1c, CMP, lipids, urine albumin at each monitoring visit)")
    for key in ("labs", "medications"):
        if key in keys and _dropped(text, key[:3] if key == "medications" else "lab"):
            j["adjustments"][key] = False
            notes.append(f"no {key}")
    if "triggers" in keys or said.claims or said.pharmacy_claims:
        facts, more = _triggers(facts, text, said)
        notes += more
    return j, facts, notes


def _phases(j: dict, text: str) -> list[str]:
    names = adjust.outline(j["base"])["phases"]
    named = [n for n in names if mentions(text, n.lower())]
    if not named:
        return []
    keep = named if re.search(r"\b(only|keep|just)\b", text) and not any(
        re.search(rf"\b{w}\b", text) for w in DROP_WORDS) else [n for n in names if n not in named]
    j["adjustments"]["phases"] = keep
    return ["phases " + ", ".join(keep)]


def _dropped(text: str, stem: str) -> bool:
    return bool(re.search(rf"\b({'|'.join(DROP_WORDS)})\b[^.;,]*\b{stem}", text)
                or re.search(rf"\b{stem}\w*\s*(?::|-)?\s*(drop|no|none|off)\b", text))


def _triggers(facts: Facts, text: str, said: Facts) -> tuple[Facts, list[str]]:
    if re.search(r"\b(none|no claims|nothing)\b", text):
        claims, pharmacy = False, False
    elif mentions(text, "both"):
        claims, pharmacy = True, True
    else:
        claims = bool(said.claims) or (mentions(text, "claims") and not mentions(text, "pharmacy claims"))
        pharmacy = bool(said.pharmacy_claims)
        if not (claims or pharmacy):
            return facts, []
    update = {"claims": claims, "pharmacy_claims": pharmacy}
    shown = [x for x, on in (("claims", claims), ("pharmacy claims", pharmacy)) if on]
    return facts.model_copy(update=update), ["triggers " + (", ".join(shown) or "none")]


def _check(state: BuilderState) -> str | None:
    try:
        _document(state)
    except HealthSimError as exc:
        return str(exc)
    return None


def _document(state: BuilderState) -> dict | None:
    j = state.journey
    if not j.get("base"):
        return None
    return adjust.validate_journey(adjust.adjusted(j["base"], j["adjustments"]),
                                   source=f"journey {j['template']}")


def _spec_facts(state: BuilderState) -> Facts:
    j = state.journey
    journeys = [JourneyFact(template=j["template"], adjustments=j["adjustments"])] if j.get("template") else []
    facts = state.facts.model_copy(update={"journeys": journeys, "journey_adjustments": {}})
    if facts.claims is None and facts.pharmacy_claims is None:
        facts = facts.model_copy(update={"claims": True, "pharmacy_claims": True})
    return facts


def _finish(state: BuilderState) -> Turn:
    done = state.model_copy(update={"done": True})
    spec = compose(_spec_facts(state), request=state.request)
    return Turn(state=done, phase=4, phase_name=PHASES[4], spec=spec, done=True,
                journey_document=_document(state), assumptions=spec.assumptions,
                summary=_summary(state) + spec.summary_lines())


def _advance(state: BuilderState, phase: int, understood: list[str] | None = None) -> Turn:
    phase = min(phase, 4)
    while phase < 4 and not questions_for(state.model_copy(update={"phase": phase})):
        phase += 1
    return _turn(state.model_copy(update={"phase": phase}), [], understood or [])


def _turn(state: BuilderState, problems: list[str], understood: list[str] | None = None,
          info: list[str] | None = None) -> Turn:
    if not state.history or state.history[-1] != state.phase:
        state = state.model_copy(update={"history": [*state.history, state.phase]})
    summary = _summary(state) if state.phase == 4 else []
    return Turn(state=state, phase=state.phase, phase_name=PHASES[state.phase],
                questions=questions_for(state) if state.journey.get("catalog") else [],
                understood=understood or [], problems=problems, summary=summary, info=info or [])


def _summary(state: BuilderState) -> list[str]:
    j = state.journey
    if not j.get("base"):
        return [f"journey: {j.get('template') or 'none'}"]
    info = adjust.outline(adjust.adjusted(j["base"], j["adjustments"]))
    every = f", visits every {_months(info['visit_every_days'])}" if info["visit_every_days"] else ""
    return [f"journey {j['template']} ({info['kind']}): {_months(info['duration_days'])}{every}",
            f"  phases: {', '.join(info['phases']) or '(lifecycle)'}",
            (f"  labs: {', '.join(info['labs']) or 'none'}; medications: "
             f"{_drug_names(info['medications']) or 'none'}")]


def _default(facts: Facts, catalog: dict[str, dict]) -> str | None:
    table = vocab().get("default_journeys", {})
    for c in facts.conditions:
        if table.get(c.code[:3]) in catalog:
            return table[c.code[:3]]
    return next(iter(sorted(catalog)), None)


def _installed() -> dict[str, dict]:
    from healthsim.builders.templates_cache import template_document, template_names

    return {name: template_document(name, "journey") for name in template_names("journey")}


def _drug_names(rxcuis: list[str], limit: int | None = None) -> str:
    """'metformin, atorvastatin, ...' for RxNorm codes (the ingredients, once each)."""
    from healthsim.reference.clinical import drugs

    known = drugs()
    names = list(dict.fromkeys(known[r].ingredient if r in known else f"RxNorm {r}" for r in rxcuis))
    shown = names[:limit] if limit else names
    return ", ".join(shown) + (f" and {len(names) - len(shown)} more" if len(shown) < len(names) else "")


def _months(days: float) -> str:
    """A span as people say it: '12 months', '3 months', '2 weeks', '10 days'."""
    months = days / adjust.DAYS_PER_MONTH
    if days >= 28 and abs(months - round(months)) < 0.1:
        n = round(months)
        return f"{n} month{'s' if n != 1 else ''}"
    if days >= 7 and days % 7 == 0:
        n = days // 7
        return f"{n:.0f} week{'s' if n != 1 else ''}"
    return f"{days:.0f} day{'s' if days != 1 else ''}"
