"""Extractors for everything around the people: templates, seed, dates, outputs,
journeys, geography and coverage.

Like the people extractors, each takes spans from the `RequestText` and returns
plain values. Journey and template names come from the shipped templates at run
time (`templates.list_templates`), so a template added later is understood
without touching this module.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from healthsim.builders.facts import JourneyFact
from healthsim.builders.text import RequestText
from healthsim.builders.vocab import (
    grouped,
    label_of,
    lookup_phrase,
    pattern,
    phrase_pattern,
    vocab,
)

SEED = re.compile(r"\b(?:random\s+)?seed\s*(?:=|:|of|is|number)?\s*(\d{1,18})\b")
AS_OF = re.compile(r"\bas\s+of\s+(\d{4})(?:-(\d{2})-(\d{2}))?\b")
YEAR = re.compile(r"\b(?:in|during|for|since|year|from)\s+((?:19|20)\d{2})\b")
NAME = re.compile(r"\b(?:called|named|titled)\s+(?:\"([^\"]{1,80})\"|'([^']{1,80})'|([\w-]{1,40}))")
DURATION = re.compile(r"\b(?:over|for|lasting|spanning|across)?\s*(\d{1,3}|one|two|three|four|five|six)"
                      r"[ -](months?|years?|weeks?)\b(?![ -]old)")
FREQUENCY_WORDS = r"(weekly|biweekly|monthly|bimonthly|quarterly|semi-?annual(?:ly)?|annual(?:ly)?|yearly)"
FREQUENCY = re.compile(rf"\b{FREQUENCY_WORDS}\s+(?:follow[- ]?ups?|visits?|check[- ]?ups?|appointments?)\b"
                       rf"|\b(?:visits?|follow[- ]?ups?)\s+(?:every\s+(\d{{1,2}})\s+months?|{FREQUENCY_WORDS})\b")
SMALL_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


def take_seed(rt: RequestText) -> int | None:
    for m in rt.matches(SEED, allow_protected=True):
        rt.take(m.start(), m.end(), "seed")
        return int(m.group(1))
    return None


def take_as_of(rt: RequestText) -> date | None:
    """'as of 2024' (Dec 31) or 'as of 2024-06-30'; bare years elsewhere are just taken."""
    found = None
    for m in list(rt.matches(AS_OF)):
        rt.take(m.start(), m.end(), "as_of")
        year, month, day = int(m.group(1)), m.group(2), m.group(3)
        try:
            found = date(year, int(month), int(day)) if month else date(year, 12, 31)
        except ValueError:
            found = None
    for m in list(rt.matches(YEAR)):
        rt.take(m.start(1), m.end(1), "year")
    return found


def take_name(rt: RequestText) -> str | None:
    for m in rt.matches(NAME, allow_protected=True):
        rt.take(m.start(), m.end(), "name")
        raw = rt.original_span(*next(m.span(g) for g in (1, 2, 3) if m.group(g)))
        return raw.strip() or None
    return None


@lru_cache(maxsize=1)
def _template_catalog() -> tuple[dict[str, str], dict[str, str]]:
    """(phrase -> profile template, phrase -> journey template) from the shipped templates."""
    from healthsim.templates import list_templates

    profiles, journeys = {}, {}
    for info in list_templates():
        target = profiles if info.kind == "profile" else journeys
        for phrase in {info.name, info.name.replace("-", " "), info.title.lower()}:
            target[phrase.lower()] = info.name
    return profiles, journeys


def installed_journeys() -> list[str]:
    from healthsim.builders.templates_cache import template_names

    return list(template_names("journey"))


def take_template(rt: RequestText) -> str | None:
    profiles, _ = _template_catalog()
    if not profiles:
        return None
    for m in rt.matches(phrase_pattern(profiles), allow_protected=True):
        rt.take(m.start(), m.end(), "template")
        return lookup_phrase(profiles, m.group(0))
    return None


def take_journeys(rt: RequestText) -> tuple[list[JourneyFact], dict]:
    """Journey templates the request asks for, and any duration/frequency it states."""
    _, shipped = _template_catalog()
    by_phrase = {**{p: n for n, ps in vocab()["journeys"].items() for p in ps}, **shipped}
    found: dict[str, JourneyFact] = {}
    for m in list(rt.matches(phrase_pattern(by_phrase), allow_protected=True)):
        phrase = m.group(0)
        name = lookup_phrase(by_phrase, phrase)
        rt.take(m.start(), m.end(), "journey")
        found.setdefault(name, JourneyFact(template=name, text=phrase))
    return list(found.values()), _take_journey_adjustments(rt)


def _take_journey_adjustments(rt: RequestText) -> dict:
    out: dict = {}
    v = vocab()
    for m in list(rt.matches(FREQUENCY)):
        word = (m.group(1) or m.group(3) or "").replace("-", "")
        months = v["frequencies"].get(word) if word else None
        out["visit_interval_months"] = months or int(m.group(2))
        rt.take(m.start(), m.end(), "journey")
    for m in list(rt.matches(DURATION)):
        n = SMALL_WORDS.get(m.group(1)) or int(m.group(1))
        out["duration_months"] = round(n * v["durations"][m.group(2)], 2)
        rt.take(m.start(), m.end(), "journey")
    return out


def take_flag(rt: RequestText, key: str) -> bool | None:
    """True when any phrase of the flat list `key` ('claims', 'pharmacy_claims') occurs."""
    hit = None
    for m in list(rt.matches(pattern(key), allow_protected=True)):
        rt.take(m.start(), m.end(), key)
        hit = True
    return hit


def take_formats(rt: RequestText) -> list[str]:
    regex, _ = grouped("formats")
    out = []
    for m in list(rt.matches(regex, allow_protected=True)):
        rt.take(m.start(), m.end(), "format")
        out.append(label_of("formats", m.group(0)))
    for m in list(rt.matches(re.compile(r"\b(?:as|in|to)\s+(?:json|yaml)\b"))):
        rt.take(m.start(), m.end(), "format")
    return list(dict.fromkeys(out))


# --- geography --------------------------------------------------------------

@lru_cache(maxsize=1)
def state_names() -> dict[str, str]:
    from healthsim.reference.geography import states

    s = states()
    names = {str(n).lower(): str(a) for n, a in zip(s.name, s.abbr)}
    names |= {"washington dc": "DC", "washington d.c.": "DC", "d.c.": "DC"}
    return names


def take_territories(rt: RequestText) -> list[str]:
    """Notes for U.S. territories, which the shipped geography does not cover."""
    from healthsim.reference.geography import TERRITORIES

    names = {name.lower(): name for name in TERRITORIES.values()}
    notes = []
    for m in list(rt.matches(phrase_pattern(names))):
        rt.take(m.start(), m.end(), "geography")
        notes.append(f"{lookup_phrase(names, m.group(0))} is not covered: the shipped geography is the "
                     "50 states and DC")
    return notes


def take_geography(rt: RequestText) -> tuple[list[str] | None, str | None, list[tuple[int, int, float]]]:
    """(states, region label, urban mentions as (start, end, urban share))."""
    states: list[str] = []
    region = None
    regions = {name.lower(): name for name in vocab()["regions"]}
    for m in list(rt.matches(phrase_pattern(regions))):
        label = lookup_phrase(regions, m.group(0))
        rt.take(m.start(), m.end(), "geography")
        region = region or label
        states += vocab()["regions"][label]
    names = state_names()
    for m in list(rt.matches(phrase_pattern(names))):
        rt.take(m.start(), m.end(), "geography")
        states.append(lookup_phrase(names, m.group(0)))
    states += _take_state_codes(rt)
    urban = []
    regex, _ = grouped("urban")
    for m in list(rt.matches(regex)):
        rt.take(m.start(), m.end(), "urban")
        urban.append((m.start(), m.end(), float(label_of("urban", m.group(0)))))
    return (list(dict.fromkeys(states)) or None), region, urban


STATE_CODE = re.compile(r"(?<![\w.])([A-Z]{2})(?![\w])")
_PLACE_CONTEXT = re.compile(r"(?:\b(?:in|from|across|of|and|or|to)|[,/&])\s*$")


def _take_state_codes(rt: RequestText) -> list[str]:
    """Two capital letters that are a state code; ambiguous ones ('IN', 'OR', 'MA') only
    right after 'in'/'from'/'across' or in a list of places."""
    names = set(state_names().values())
    ambiguous = set(vocab()["ambiguous_state_codes"])
    out = []
    for m in STATE_CODE.finditer(rt.text):
        code = m.group(1)
        if code not in names or not rt.free(m.start(), m.end()):
            continue
        before = rt.text[max(0, m.start() - 12):m.start()].lower()
        after_place = bool(_PLACE_CONTEXT.search(before)) or rt.taken_before(m.start()) == "geography"
        if code in ambiguous and not after_place:
            continue
        rt.take(m.start(), m.end(), "geography")
        out.append(code)
    return out


# --- coverage ---------------------------------------------------------------

def take_coverage(rt: RequestText) -> list[tuple[int, int, str]]:
    """Coverage mentions as (start, end, coverage type); 'MA' in capitals is Medicare Advantage."""
    regex, _ = grouped("coverage")
    out = [(m.start(), m.end(), label_of("coverage", m.group(0))) for m in list(rt.matches(regex))]
    for start, end, _ in out:
        rt.take(start, end, "coverage")
    for m in re.finditer(r"(?<![\w.])MA(?![\w])", rt.text):
        if rt.free(m.start(), m.end()):
            rt.take(m.start(), m.end(), "coverage")
            out.append((m.start(), m.end(), "medicare_advantage"))
    kinds = {k for *_, k in out}
    if "dual" in kinds:  # "dual eligible for Medicare and Medicaid" is one coverage
        out = [o for o in out if o[2] not in ("medicare", "medicaid")]
    return sorted(out)
