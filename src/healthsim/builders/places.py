"""Cities in a request ("in Chicago", "from Springfield, IL") -> the city's residential ZIPs.

Only capitalised words right after "in", "from", "around" or "near" are tried,
so ordinary words are never read as towns, and a state name ("in Texas",
"in New York") stays a state. A city name several states share goes to the
state the request names after it ("Springfield, IL"), else to the most
populous one (which the assumption says).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from healthsim.builders.text import RequestText

CANDIDATE = re.compile(r"\b(?:in|from|around|near|across)\s+((?:[A-Z][\w.'-]*)(?:\s+[A-Z][\w.'-]*){0,3})")
STATE_AFTER = re.compile(r"\s*,?\s*([A-Z]{2}\b|[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)")


@dataclass(frozen=True)
class City:
    name: str
    state: str
    zips: tuple[str, ...]
    ambiguous: bool


@cache
def _cities() -> dict[str, dict[str, tuple[list[str], float]]]:
    """lower-case city -> state -> (ZIPs, population weight)."""
    from healthsim.reference.geography import zips

    z = zips()
    out: dict[str, dict[str, tuple[list[str], float]]] = {}
    for code, city, state, weight in zip(z.zip.tolist(), z.city.tolist(), z.state.tolist(),
                                         z.weight.tolist(), strict=True):
        entry = out.setdefault(str(city).lower(), {}).setdefault(str(state), ([], 0.0))
        entry[0].append(code)
        out[str(city).lower()][str(state)] = (entry[0], entry[1] + weight)
    return out


ABBREVIATED = re.compile(r"^(st|ft|mt)\.?\s+", re.IGNORECASE)
SPELLED = {"st": "saint", "ft": "fort", "mt": "mount"}


def city_entry(name: str) -> dict[str, tuple[list[str], float]] | None:
    """The city's states, also when its first word is abbreviated ('St. Louis' is USPS 'Saint Louis')."""
    low = name.lower()
    found = _cities().get(low)
    if found is None and ABBREVIATED.match(low):
        found = _cities().get(ABBREVIATED.sub(lambda m: SPELLED[m.group(1)] + " ", low))
    return found


def take_city(rt: RequestText, state_names: dict[str, str]) -> City | None:
    """The first city the request names, with its ZIPs (the spans are taken)."""
    for m in CANDIDATE.finditer(rt.text):
        words = m.group(1).split()
        for n in range(len(words), 0, -1):
            name = " ".join(words[:n])
            start = m.start(1)
            end = start + len(name)
            by_state = city_entry(name)
            if name.lower() in state_names or not rt.free(start, end) or by_state is None:
                continue
            state, end = _stated_state(rt, end, by_state, state_names)
            if state is None:
                state = max(by_state, key=lambda s: by_state[s][1])
            rt.take(start, end, "geography")
            return City(name, state, tuple(sorted(by_state[state][0])), len(by_state) > 1)
    return None


def _stated_state(rt: RequestText, end: int, by_state: dict, state_names: dict[str, str]):
    m = STATE_AFTER.match(rt.text, end)
    if m:
        token = m.group(1)
        code = token if token in by_state else state_names.get(token.lower())
        if code in by_state and rt.free(m.start(1), m.end(1)):
            return code, m.end(1)
    return None, end


# ------------------------------------------------------------------ PopulationSim's resolver

METRO = re.compile(
    r"\b(DFW|NYC|nyc|[Bb]ay [Aa]rea|[Tt]win [Cc]ities|[Ii]nland [Ee]mpire|[Tt]ampa [Bb]ay|[Ss]ilicon [Vv]alley|"
    r"[Hh]ampton [Rr]oads|[Cc]hicagoland|[Rr]esearch [Tt]riangle|[Nn]ew [Yy]ork [Cc]ity)\b"
    r"|\b(?:(?:[Tt]he\s+)?[Gg]reater\s+)?([A-Z][\w.'-]*(?:[ -][A-Z][\w.'-]*){0,3})\s+"
    r"((?i:metro(?:politan)?(?:\s+area)?|area|msa|region))\b"
    r"|\b(?:[Tt]he\s+)?[Gg]reater\s+([A-Z][\w.'-]*(?:\s[A-Z][\w.'-]*){0,2})")


def take_places(rt: RequestText):
    """Every place a request names, as the parser's `PlaceFacts` (builders/extract_places.py).

    Metro areas first ("the Houston metro", "greater Boston", "Dallas-Fort Worth area", "DFW",
    "the Bay Area"), resolved by `reference.places` to their counties; then the parser's own
    order (counties, full state names before regions and towns, cities, state codes)."""
    from healthsim.builders import extract_places
    from healthsim.errors import NotFoundError
    from healthsim.reference.places import resolve_place

    out = extract_places.PlaceFacts()
    for m in list(METRO.finditer(rt.text)):
        if not rt.free(m.start(), m.end()):
            continue
        name = m.group(1) or m.group(2) or m.group(4)
        if name.lower() in extract_places.state_names():
            continue  # "the Texas area" is Texas, left to the state reader
        try:
            place = resolve_place(name, None if m.group(1) else "metro")
        except NotFoundError:
            continue
        rt.take(m.start(), m.end(), "geography")
        if place.kind == "city":
            out.zips += list(place.zips)
        else:
            out.counties += list(place.counties)
        out.labels.append(place.name)
        if place.ambiguous:
            out.notes.append(f"{place.name} assumed for {name!r}")
    rest = extract_places.take_places(rt)
    out.states += rest.states
    out.counties += rest.counties
    out.zips += rest.zips
    out.labels += rest.labels
    out.notes += rest.notes
    out.region = rest.region
    return out


SDOH_PHRASES = (
    (re.compile(r"\b(?:low[- ]income|lower[- ]income|low[- ]wage|below 200% (?:of )?(?:the )?(?:federal )?"
                r"poverty(?: level)?|near[- ]poor)\b", re.IGNORECASE), {"income": "low"}),
    (re.compile(r"\b(?:poor|impoverished|below (?:the )?poverty(?: line| level)?|in poverty)\b(?!\s+"
                r"(?:control|glycemic|health|adherence))", re.IGNORECASE), {"income": "poor"}),
    (re.compile(r"\b(?:high[- ]income|affluent|wealthy|well[- ]off)\b", re.IGNORECASE), {"income": "not_low"}),
    (re.compile(r"\b(?:high(?:ly)? (?:social(?:ly)? )?vulnerab(?:le|ility)|high[- ]SVI|socially vulnerable|"
                r"underserved|disadvantaged)\b", re.IGNORECASE), {"svi": "high"}),
    (re.compile(r"\b(?:low (?:social )?vulnerability|low[- ]SVI)\b", re.IGNORECASE), {"svi": "low"}),
)


def take_sdoh(rt: RequestText) -> dict:
    """The profile's `sdoh` section for social-determinant words in a request:
    'low-income' -> income below 200% FPL, 'poor' -> below 100%, 'affluent' -> 200%+,
    'high social vulnerability' / 'underserved' -> counties with SVI >= 0.75. Rural/urban
    stay with the parser (geography.urban_share)."""
    out: dict = {}
    for regex, value in SDOH_PHRASES:
        for m in list(regex.finditer(rt.text)):
            if rt.free(m.start(), m.end()):
                rt.take(m.start(), m.end(), "sdoh")
                for k, v in value.items():
                    out.setdefault(k, v)
    return out
