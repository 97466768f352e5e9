"""Journeys in a request: template names, journey intents, timing, and what a journey contains.

Two kinds of mention:
- a template by name or a phrase that only means one template ("knee replacement",
  "maternity", "onboarding"; `journeys` in request_vocab.yaml, plus every installed
  template's name and title, read at run time);
- an *intent* ("recent hospitalization", "a year of care", "first year after
  diagnosis", "a journey for diabetic patients"), whose template depends on the
  condition named (`journey_intents`: hospitalization of a heart-failure member is
  the CHF lifecycle, anyone else's an ED visit with its admit branch). Intents are
  taken first and resolved after the conditions are known (`resolve_intents`).

Timing ("over 18 months", "quarterly visits") becomes journey adjustments, and
words describing a journey's content ("initial treatment", "lab monitoring") are
taken as part of the journey asked for, so they are never reported unrecognised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from healthsim.builders.facts import ConditionFact, JourneyFact
from healthsim.builders.text import RequestText
from healthsim.builders.vocab import lookup_phrase, phrase_pattern, vocab

DURATION = re.compile(r"\b(?:over|for|lasting|spanning|across|followed for|followed over)?\s*"
                      r"(\d{1,3}|one|two|three|four|five|six)[ -](months?|years?|weeks?)\b(?![ -]old)")
FREQUENCY_WORDS = r"(weekly|biweekly|monthly|bimonthly|quarterly|semi-?annual(?:ly)?|annual(?:ly)?|yearly)"
FREQUENCY = re.compile(rf"\b{FREQUENCY_WORDS}\s+(?:follow[- ]?ups?|visits?|check[- ]?ups?|appointments?)\b"
                       rf"|\b(?:visits?|follow[- ]?ups?)\s+(?:every\s+(\d{{1,2}})\s+months?|{FREQUENCY_WORDS})\b")
SMALL_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
FOLLOWED = re.compile(r"\bfollowed\b")
AGE_AFTER = re.compile(r"\s*(?:and|or)\s+(?:older|over|up|above|younger|under|below)\b|\s+of\s+age\b|\s*\+")
AGE_BEFORE = re.compile(r"\b(?:under|below|younger than|less than|older than|over|above|aged?|ages)\s*$")


ELIGIBLE = re.compile(r"[- ]?(?:eligible|candidates?)\b")


@dataclass(frozen=True)
class Intent:
    """A journey asked for by what it is about, not by name; resolved once conditions are known."""

    name: str
    text: str
    start: int


@lru_cache(maxsize=1)
def template_catalog() -> tuple[dict[str, str], dict[str, str]]:
    """(phrase -> profile template, phrase -> journey template) from the shipped templates."""
    from healthsim.templates import list_templates

    profiles, journeys = {}, {}
    for info in list_templates():
        if info.kind not in ("profile", "journey"):
            continue
        target = profiles if info.kind == "profile" else journeys
        for phrase in {info.name, info.name.replace("-", " "), info.title.lower()}:
            target[phrase.lower()] = info.name
    return profiles, journeys


def installed_journeys() -> list[str]:
    from healthsim.builders.templates_cache import template_names

    return list(template_names("journey"))


@lru_cache(maxsize=1)
def _intent_phrases() -> dict[str, str]:
    return {str(w).lower(): name for name, entry in vocab()["journey_intents"].items() for w in entry["words"]}


def take_journeys(rt: RequestText) -> tuple[list[JourneyFact], dict]:
    """Journey templates named, and timing stated."""
    _, shipped = template_catalog()
    by_phrase = {**{p: n for n, ps in vocab()["journeys"].items() for p in ps}, **shipped}
    found: dict[str, JourneyFact] = {}
    for m in list(rt.matches(phrase_pattern(by_phrase), allow_protected=True)):
        if ELIGIBLE.match(rt.low, m.end()):
            continue  # "hospice-eligible members": who they are, not a journey asked for
        name = lookup_phrase(by_phrase, m.group(0))
        rt.take(m.start(), m.end(), "journey")
        found.setdefault(name, JourneyFact(template=name, text=m.group(0)))
    adjustments = _take_adjustments(rt)
    if found or adjustments:
        _take_content(rt)
    return list(found.values()), adjustments


def take_intents(rt: RequestText) -> list[Intent]:
    """Journey intents ('recent hospitalization', 'a year of care'), resolved once the
    conditions are known. Taken after multi-word condition names, so 'high-risk
    pregnancies' stays a condition."""
    intents = []
    phrases = _intent_phrases()
    for m in list(rt.matches(phrase_pattern(phrases), allow_protected=True)):
        rt.take(m.start(), m.end(), "journey")
        intents.append(Intent(lookup_phrase(phrases, m.group(0)), m.group(0), m.start()))
    if intents:
        _take_content(rt)
    return intents


def _take_adjustments(rt: RequestText) -> dict:
    out: dict = {}
    v = vocab()
    for m in list(rt.matches(FREQUENCY)):
        word = (m.group(1) or m.group(3) or "").replace("-", "")
        months = v["frequencies"].get(word) if word else None
        out["visit_interval_months"] = months or int(m.group(2))
        rt.take(m.start(), m.end(), "journey")
    for m in list(rt.matches(DURATION)):
        if AGE_BEFORE.search(rt.low[max(0, m.start() - 16):m.start() + len(m.group(0)) - len(m.group(0).lstrip())]) \
                or AGE_AFTER.match(rt.low, m.end()):
            continue  # "under 6 months", "18 years and older": an age
        n = SMALL_WORDS.get(m.group(1)) or int(m.group(1))
        out["duration_months"] = round(n * v["durations"][m.group(2)], 2)
        rt.take(m.start(), m.end(), "journey")
    for m in list(rt.matches(FOLLOWED)):
        if out:
            rt.take(m.start(), m.end(), "journey")
    return out


def _take_content(rt: RequestText) -> None:
    for m in list(rt.matches(phrase_pattern(vocab()["journey_content"]), allow_protected=True)):
        rt.take(m.start(), m.end(), "journey")


def resolve_intents(intents: list[Intent], conditions: list[ConditionFact], named: list[JourneyFact],
                    installed: list[str]) -> tuple[list[JourneyFact], list[str]]:
    """Templates for the intents given the conditions named; (journeys, notes)."""
    table = vocab()["journey_intents"]
    defaults = vocab().get("default_journeys", {})
    cats = [c.code[:3] for c in conditions if not c.negated]
    out: list[JourneyFact] = []
    notes: list[str] = []
    have = {j.template for j in named}
    for intent in intents:
        templates = table[intent.name]["templates"]
        choice = next((templates[c] for c in cats if c in templates), None)
        if choice is None and intent.name == "generic":
            choice = next((defaults[c] for c in cats if c in defaults), None)
            if choice is None:
                if not named:
                    notes.append(f"{intent.text!r}: which journey? Installed: {', '.join(sorted(installed))}")
                continue
        choice = choice or templates.get("*")
        if choice is None or choice in have:
            continue
        if intent.name == "generic" and named:
            continue  # "a surgical episode journey": the word journey adds nothing
        have.add(choice)
        out.append(JourneyFact(template=choice, text=intent.text, how=f"intent:{intent.name}"))
    if any(i.name == "generic" for i in intents) and len(out) > 1:
        out = [j for j in out if j.how != "intent:generic"] or out[:1]
    return out, notes
