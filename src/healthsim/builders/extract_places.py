"""Places in a request -> states, counties, ZIPs and a region (the parser's own resolver).

`builders/places.py` (PopulationSim's, richer: metros, more city forms) takes
over when it offers `take_places`; this module is the fallback and the
reference for its interface (`PlaceFacts`, see COORDINATION.md).

The order is what keeps places apart:
1. counties: "Harris County, Texas", "Cook County IL", "Maricopa County" (a county
   name several states share goes to the one the request names, else the most
   populous, which the notes say), so the state after a county only qualifies it;
2. full state names, longest first, so "South Dakota", "New Mexico" and "West
   Virginia" win over the region "South", towns called "New" or "West", and
   "Virginia" (but "Kansas City" stays a city); a misspelt state name right after
   "in"/"from" ("in Pennsylvannia") is corrected last, when it is close to exactly
   one state;
3. regions (Census regions and divisions, "the Deep South", "New England" — which is
   also a town in North Dakota), unless a capitalised word follows ("South Bend");
4. cities after in/from/near (`places.take_city`: the city's residential ZIPs);
5. two-letter codes: capitals anywhere ("TX"), lower case only right after "in"
   ("in tx"); codes that are English words (IN, OR, ME, OK...) only after
   "in"/"from" or inside a list of places.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from healthsim.builders.text import RequestText
from healthsim.builders.vocab import lookup_phrase, phrase_pattern, vocab

COUNTY = re.compile(r"\b([A-Z][\w.'-]*(?:[ -][A-Z][\w.'-]*){0,3})\s+(County|Parish|Borough)\b"
                    r"(?:\s*,?\s*(?:in\s+)?([A-Z]{2}\b|[A-Z][a-z]+(?:\s[A-Z][a-z]+)?))?")
FUZZY_AFTER = re.compile(r"\b(?:in|from|across|of)\s+([A-Za-z][a-z]{3,}(?:\s[A-Za-z][a-z]+)?)\b")
STATE_CODE = re.compile(r"(?<![\w.])([A-Z]{2})(?![\w])")
MA_PLAN = re.compile(r"[\s-]*(?:plans?|members?|enrollees?|lives|beneficiar(?:y|ies)|population|patients?|pts|"
                     r"cohort|product|contracts?|hmo|ppo|pd|pffs|snp|book|business|membership)\b")
LOWER_CODE = re.compile(r"\b(?:in|from|across)\s+([a-z]{2})\b(?![\w'])")
_PLACE_CONTEXT = re.compile(r"(?:\b(?:in|from|across|of|and|or|to)|[,/&])\s*$")


@dataclass
class PlaceFacts:
    """What a request says about where members live."""

    states: list[str] = field(default_factory=list)
    counties: list[str] = field(default_factory=list)
    zips: list[str] = field(default_factory=list)
    region: str | None = None
    labels: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def state_names() -> dict[str, str]:
    from healthsim.reference.geography import states

    s = states()
    names = {str(n).lower(): str(a) for n, a in zip(s.name, s.abbr, strict=True)}
    names |= {"washington dc": "DC", "washington d.c.": "DC", "d.c.": "DC", "washington state": "WA",
              "the district of columbia": "DC", "the district": "DC"}
    return names


def take_places(rt: RequestText) -> PlaceFacts:
    """Every place the request names (spans taken as 'geography')."""
    out = PlaceFacts()
    _territories(rt, out)
    _counties(rt, out)
    _state_names(rt, out)
    take_regions(rt, out)
    _city(rt, out)
    _state_codes(rt, out)
    _misspelt_states(rt, out)
    out.states = list(dict.fromkeys(out.states))
    return out


def _territories(rt: RequestText, out: PlaceFacts) -> None:
    from healthsim.reference.geography import TERRITORIES

    names = {name.lower(): name for name in TERRITORIES.values()}
    for m in list(rt.matches(phrase_pattern(names))):
        rt.take(m.start(), m.end(), "geography")
        out.notes.append(f"{lookup_phrase(names, m.group(0))} is not covered: the shipped geography is "
                         "the 50 states and DC")


def _state_names(rt: RequestText, out: PlaceFacts) -> None:
    names = state_names()
    for m in list(rt.matches(phrase_pattern(names))):
        if _county_follows(rt, m.end()) or _city_named_after(rt, m.group(0), m.end()) or \
                _qualifies_city(rt, m.start(), lookup_phrase(names, m.group(0))):
            continue  # "Washington County", "Kansas City", "Springfield, Illinois": the city takes it
        rt.take(m.start(), m.end(), "geography")
        out.states.append(lookup_phrase(names, m.group(0)))
    for m in list(rt.matches(re.compile(r"\bstate\b"))):
        if rt.taken_before(m.start()) == "geography":
            rt.take(m.start(), m.end(), "geography")


def _city_named_after(rt: RequestText, state: str, end: int) -> bool:
    from healthsim.builders.places import _cities

    nxt = re.match(r"\s+([A-Z][a-z]+)", rt.text[end:end + 20])
    return bool(nxt) and f"{state} {nxt.group(1)}".lower() in _cities()


CITY_BEFORE = re.compile(r"([A-Z][\w.'-]*(?:\s[A-Z][\w.'-]*){0,2})\s*,?\s*$")


def _qualifies_city(rt: RequestText, start: int, code: str) -> bool:
    """True when the state name follows a city of that state ('Springfield, Illinois')."""
    from healthsim.builders.places import _cities

    m = CITY_BEFORE.search(rt.text[max(0, start - 40):start])
    if not m:
        return False
    words = m.group(1).split()
    return any(code in _cities().get(" ".join(words[i:]).lower(), {}) for i in range(len(words)))


def _county_follows(rt: RequestText, end: int) -> bool:
    return bool(re.match(r"\s+(?:county|parish|borough)\b", rt.low[end:end + 10]))


@lru_cache(maxsize=1)
def _counties_by_name() -> dict[str, list[tuple[str, str, int]]]:
    """'harris' -> [(fips, state, population)], most populous first."""
    from healthsim.reference.geography import counties

    c = counties()
    out: dict[str, list[tuple[str, str, int]]] = {}
    for fips, name, state, pop in zip(c.county_fips.tolist(), c.name.tolist(), c.state.tolist(),
                                      c.population.tolist(), strict=True):
        base = re.sub(r"\s+(county|parish|borough|census area|city and borough|municipality)$", "",
                      str(name).lower())
        out.setdefault(base, []).append((str(fips), str(state), int(pop)))
    for entries in out.values():
        entries.sort(key=lambda e: -e[2])
    return out


def _counties(rt: RequestText, out: PlaceFacts) -> None:
    by_name = _counties_by_name()
    names = state_names()
    for m in list(COUNTY.finditer(rt.text)):
        words = m.group(1).split()
        for n in range(len(words), 0, -1):  # "in Harris County": try "in Harris", then "Harris"
            name = " ".join(words[-n:])
            start = m.end(1) - len(name)
            entries = by_name.get(name.lower())
            if not entries or not rt.free(start, m.end(2)):
                continue
            state_text = m.group(3)
            state = None
            end = m.end(2)
            if state_text:
                code = state_text if state_text.isupper() else names.get(state_text.lower())
                if code and any(e[1] == code for e in entries):
                    state, end = code, m.end(3)
            chosen = next(e for e in entries if state is None or e[1] == state)
            if state is None and len(entries) > 1:
                out.notes.append(f"{name} {m.group(2)}: chose {chosen[1]} (the most populous of "
                                 f"{len(entries)} counties of that name; name the state to change it)")
            rt.take(start, end, "geography")
            out.counties.append(chosen[0])
            out.labels.append(f"{name} {m.group(2)}, {chosen[1]}")
            break


NEAR_CITY = re.compile(r"\b(?:suburbs? of|outside(?: of)?|around|greater|metro|the)\s+((?:[A-Z][\w.'-]*)(?:\s+[A-Z][\w.'-]*){0,3})"
                       r"(?:\s+(?:area|metro|metropolitan area|suburbs))?")


def _city(rt: RequestText, out: PlaceFacts) -> None:
    from healthsim.builders.places import take_city

    city = take_city(rt, state_names()) or _city_near(rt)
    if city:
        out.zips = list(city.zips)
        out.labels.append(f"{city.name}, {city.state}")
        if city.ambiguous:
            out.notes.append(f"{city.name}: chose {city.state} (the most populous place of that name "
                             "unless a state follows it)")


def _city_near(rt: RequestText):
    """'suburbs of Chicago', 'outside Denver', 'the Houston area': the city's ZIPs."""
    from healthsim.builders.places import City, city_entry

    for m in NEAR_CITY.finditer(rt.text):
        words = m.group(1).split()
        for n in range(len(words), 0, -1):
            name = " ".join(words[:n])
            start = m.start(1)
            end = start + len(name)
            by_state = city_entry(name)
            if not by_state or name.lower() in state_names() or not rt.free(start, end):
                continue
            state = max(by_state, key=lambda s: by_state[s][1])
            tail = re.match(r"\s+(?:area|metro|metropolitan area|suburbs)\b", rt.text[end:])
            rt.take(start, end + (tail.end() if tail else 0), "geography")
            return City(name, state, tuple(sorted(by_state[state][0])), len(by_state) > 1)
    return None


def take_regions(rt: RequestText, out: PlaceFacts) -> None:
    regions = {name.lower(): name for name in vocab()["regions"]}
    for m in list(rt.matches(phrase_pattern(regions))):
        if re.match(r"[ -][A-Z][a-z]", rt.text[m.end():m.end() + 3]):
            continue  # "South Bend", "West Palm Beach": a place name, not the region
        if _state_name_at(rt.low, m.start(), m.end()):
            continue  # "west virginia", "south dakota" in lower case: the state, not the region
        label = lookup_phrase(regions, m.group(0))
        rt.take(m.start(), m.end(), "geography")
        out.region = out.region or label
        out.states += vocab()["regions"][label]
        for s in list(rt.matches(re.compile(r"\bstates?\b"))):
            if rt.taken_before(s.start()) == "geography":
                rt.take(s.start(), s.end(), "geography")


def _state_name_at(low: str, start: int, end: int) -> bool:
    """True when a state name of several words longer than [start, end) starts at `start`
    ('north carolina' over the region 'north'; not 'new york' inside the region 'new york city')."""
    return any(" " in name and start + len(name) > end and low.startswith(name, start)
               and not low[start + len(name):start + len(name) + 1].isalnum() for name in state_names())


def _state_codes(rt: RequestText, out: PlaceFacts) -> None:
    codes = set(state_names().values())
    ambiguous = set(vocab()["ambiguous_state_codes"])
    for m in STATE_CODE.finditer(rt.text):
        code = m.group(1)
        if code not in codes or not rt.free(m.start(), m.end()):
            continue
        before = rt.text[max(0, m.start() - 12):m.start()].lower()
        after_place = bool(_PLACE_CONTEXT.search(before)) or rt.taken_before(m.start()) == "geography"
        if code in ambiguous and not after_place:
            continue
        if code == "MA" and MA_PLAN.match(rt.low, m.end()):
            continue  # "MA plan", "MA members": Medicare Advantage, not Massachusetts
        rt.take(m.start(), m.end(), "geography")
        out.states.append(code)
    lower_ambiguous = {c.lower() for c in ambiguous}
    for m in list(rt.matches(LOWER_CODE)):
        code = m.group(1)
        if code.upper() in codes and code not in lower_ambiguous:
            rt.take(m.start(1), m.end(1), "geography")
            out.states.append(code.upper())
            _lower_list(rt, m.end(1), codes, out)


LIST_NEXT = re.compile(r"\s*(?:,|and|or|&|/)\s*(?:and\s+|or\s+)?([a-z]{2})\b(?![\w'])")


def _lower_list(rt: RequestText, end: int, codes: set[str], out: PlaceFacts) -> None:
    """'in tx, ok and nm': codes listed after a lower-case state code are states too."""
    while (m := LIST_NEXT.match(rt.low, end)) and m.group(1).upper() in codes and rt.free(m.start(1), m.end(1)):
        rt.take(m.start(1), m.end(1), "geography")
        out.states.append(m.group(1).upper())
        end = m.end(1)


def _misspelt_states(rt: RequestText, out: PlaceFacts) -> None:
    """'in Pennsylvannia', 'in Texs': a close misspelling of one state name, after in/from."""
    from rapidfuzz import fuzz, process

    names = [n for n in state_names() if not n.startswith(("the ", "washington d", "d.c"))]
    for m in list(FUZZY_AFTER.finditer(rt.low)):
        word_start = m.start(1)
        for text in (m.group(1), m.group(1).split()[0]):
            end = word_start + len(text)
            if not rt.free(word_start, end) or len(text) < 4:
                continue
            hits = process.extract(text, names, scorer=fuzz.ratio, limit=2, score_cutoff=80)
            if hits and (len(hits) == 1 or hits[0][1] - hits[1][1] >= 5):
                from healthsim.builders.conditions import medical_words

                if text in medical_words() and hits[0][1] < 90:
                    continue
                rt.take(word_start, end, "geography")
                code = state_names()[hits[0][0]]
                out.states.append(code)
                out.notes.append(f"{rt.text[word_start:end]!r} read as {hits[0][0].title()} ({code})")
                break
