"""Extractors for everything around the people: templates, seed, dates, names, purposes,
trials, outputs, coverage.

Like the people extractors, each takes spans from the `RequestText` and returns
plain values. Template names come from the shipped templates at run time
(`templates.list_templates`), so a template added later is understood without
touching this module. Places live in `extract_places`; journeys in
`extract_journeys`.
"""

from __future__ import annotations

import re
from datetime import date

from healthsim.builders.extract_journeys import installed_journeys, template_catalog
from healthsim.builders.facts import TrialFact
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
_Y = r"((?:19|20)\d{2})"
PERIOD = re.compile(rf"\b(?:(?:from|between)\s+(?:the\s+years?\s+)?)?{_Y}\s*(?:-|to|and|through|thru|until|till)\s*{_Y}\b")
SINCE = re.compile(rf"\b(?:since|starting(?:\s+in)?|beginning(?:\s+in)?)\s+{_Y}\b")
CALENDAR_YEAR = re.compile(rf"\b(?:in|during|for|throughout|calendar\s+year|cy|plan\s+year)\s+{_Y}\b(?!\s*(?:-|to)\s*\d)")
_QUOTED = r"(?:\"([^\"]{1,80})\"|'([^']{1,80})'|([\w][\w.-]{0,59}))"
NAME = re.compile(r"\b(?:(?:save|saved|store|stored|keep)\s+(?:it\s+|this\s+|them\s+)?as"
                  r"(?:\s+(?:a\s+)?cohort)?(?:\s+(?:called|named))?"
                  r"|call\s+it|name\s+it|called|named|titled|cohort\s+name(?:d)?(?:\s*[:=])?"
                  r"|name\s*[:=])\s*" + _QUOTED)
TEMPLATE_WORD = re.compile(r"^\s*(?:template|profile)\b")
TRIAL_SIZE = re.compile(r"\b(\d{1,3}(?:,\d{3})*)\s*-?\s*arm(?:s|ed)?\b")

__all__ = [
    "installed_journeys",
    "take_as_of",
    "take_coverage",
    "take_flag",
    "take_formats",
    "take_name",
    "take_period",
    "take_purpose",
    "take_seed",
    "take_template",
    "take_trial",
    "template_catalog",
]


def take_seed(rt: RequestText) -> int | None:
    for m in rt.matches(SEED, allow_protected=True):
        rt.take(m.start(), m.end(), "seed")
        return int(m.group(1))
    return None


def take_period(rt: RequestText) -> tuple[dict | None, date | None, str | None]:
    """The calendar span a request asks for, as (window document, as_of, note):
    'from 2022 to 2024' / '2022-2024' -> window from 2022-01-01 to 2024-12-31 (as_of);
    'since 2021' -> from 2021-01-01 up to as_of; 'in 2023' / 'for plan year 2023' -> the
    calendar year 2023 (as_of 2023-12-31). Years are taken, so they are never read as counts."""
    for m in list(rt.matches(PERIOD)):
        first, last = int(m.group(1)), int(m.group(2))
        if first > last:
            continue
        rt.take(m.start(), m.end(), "as_of")
        return ({"start": date(first, 1, 1).isoformat()}, date(last, 12, 31),
                f"'{m.group(0)}': the cohort covers {first}-{last} (window {first}-01-01 to {last}-12-31)")
    for m in list(rt.matches(SINCE)):
        rt.take(m.start(), m.end(), "as_of")
        return {"start": date(int(m.group(1)), 1, 1).isoformat()}, None, None
    for m in list(rt.matches(CALENDAR_YEAR)):
        rt.take(m.start(), m.end(), "as_of")
        year = int(m.group(1))
        return None, date(year, 12, 31), f"'{m.group(0)}': the cohort covers the calendar year {year}"
    return None, None, None


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
    """'called "Demo"', 'save as cohort "x"', 'name it pilot-2', 'named demo-cohort'."""
    for m in rt.matches(NAME, allow_protected=True):
        group = next(g for g in (1, 2, 3) if m.group(g))
        raw = rt.original_span(*m.span(group)).strip().rstrip(".,;:")
        if not raw or raw.lower() in ("cohort", "a", "the"):
            continue
        rt.take(m.start(), m.end(), "name")
        return raw
    return None


def take_purpose(rt: RequestText) -> list[str]:
    """Purposes stated ('for a demo', 'for load testing'): noted, change no value."""
    regex, _ = grouped("purposes")
    out = []
    for m in list(rt.matches(regex)):
        rt.take(m.start(), m.end(), "purpose")
        out.append(label_of("purposes", m.group(0)))
    return list(dict.fromkeys(out))


def take_template(rt: RequestText) -> str | None:
    """A profile template named as such: its hyphenated name ('medicare-diabetic'), or its
    name or title in words followed by 'template'/'profile'. 'Medicare diabetic members'
    alone is a coverage and a condition, not the template."""
    profiles, _ = template_catalog()
    if not profiles:
        return None
    for m in rt.matches(phrase_pattern(profiles), allow_protected=True):
        written = rt.text[m.start():m.end()]
        follows = TEMPLATE_WORD.match(rt.low, m.end())
        if "-" not in written and not follows:
            continue
        end = follows.end() if follows else m.end()
        rt.take(m.start(), end, "template")
        return lookup_phrase(profiles, m.group(0))
    for m in list(rt.matches(re.compile(r"\b(?:the\s+)?(?:template|profile)\b"))):
        if rt.taken_before(m.start()) == "template":
            rt.take(m.start(), m.end(), "template")
    return None


def take_trial(rt: RequestText, formats: list[str]) -> TrialFact | None:
    """A clinical-trial request (TrialSim): trial words, a phase, or SDTM output."""
    found = False
    for m in list(rt.matches(phrase_pattern(vocab()["trial_words"]), allow_protected=True)):
        rt.take(m.start(), m.end(), "trial")
        found = True
    phase = None
    phases = {str(p).lower(): label for label, ps in vocab()["trial_phase"].items() for p in ps}
    for m in list(rt.matches(phrase_pattern(phases), allow_protected=True)):
        rt.take(m.start(), m.end(), "trial")
        phase = phase or lookup_phrase(phases, m.group(0))
    if phase and not found and not re.search(r"\b(?:study|studies|subjects?|participants?|drug)\b", rt.low):
        return None
    if not found and re.search(r"\b(?:study|studies)\b", rt.low) and re.search(
            r"\b(?:subjects?|participants?|randomi[sz](?:ed|ation)|arms?|enrolled in)\b", rt.low):
        found = True  # "an oncology study: 40 subjects": study subjects are a trial's
    if not (found or phase or "sdtm" in formats):
        return None
    arms = None
    for m in list(rt.matches(TRIAL_SIZE)):
        arms = int(m.group(1).replace(",", ""))
        rt.take(m.start(), m.end(), "trial")
    for m in list(rt.matches(re.compile(r"\b(?:study|studies)\b"))):
        rt.take(m.start(), m.end(), "trial")
    return TrialFact(phase=phase, arms=arms)


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
    bare_x12 = []
    for m in list(rt.matches(regex, allow_protected=True)):
        rt.take(m.start(), m.end(), "format")
        out.append(label_of("formats", m.group(0)))
        if m.group(0) in ("x12", "edi"):
            bare_x12.append(len(out) - 1)
    if bare_x12 and any(f.startswith("x12-") for i, f in enumerate(out) if i not in bare_x12):
        out = [f for i, f in enumerate(out) if i not in bare_x12]  # "X12 278": the transaction names it
    for m in list(rt.matches(re.compile(r"\b(?:as|in|to)\s+(?:json|yaml)\b"))):
        rt.take(m.start(), m.end(), "format")
    return list(dict.fromkeys(out))


# --- coverage ---------------------------------------------------------------

def take_coverage(rt: RequestText) -> tuple[list[tuple[int, int, str]], list[str]]:
    """Coverage mentions as (start, end, coverage type), and states a Medicaid programme names
    ('Medi-Cal' is California's). 'MA' in capitals is Medicare Advantage."""
    programs = vocab()["state_programs"]
    states = [code for name, code in programs.items()
              if re.search(r"(?<![\w])" + re.escape(name) + r"(?![\w])", rt.low)]
    regex, _ = grouped("coverage")
    out = [(m.start(), m.end(), label_of("coverage", m.group(0))) for m in list(rt.matches(regex))]
    for start, end, _ in out:
        rt.take(start, end, "coverage")
    for m in re.finditer(r"(?<![\w.])MA(?![\w])", rt.text):
        if rt.free(m.start(), m.end()) and not _place_before(rt, m.start()):
            rt.take(m.start(), m.end(), "coverage")
            out.append((m.start(), m.end(), "medicare_advantage"))
    kinds = {k for *_, k in out}
    if "dual" in kinds:  # "dual eligible for Medicare and Medicaid" is one coverage
        out = [o for o in out if o[2] not in ("medicare", "medicaid")]
    return sorted(out), states


def _place_before(rt: RequestText, start: int) -> bool:
    return bool(re.search(r"\b(?:in|from|across)\s*$", rt.low[max(0, start - 8):start]))
