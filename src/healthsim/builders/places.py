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


def take_city(rt: RequestText, state_names: dict[str, str]) -> City | None:
    """The first city the request names, with its ZIPs (the spans are taken)."""
    for m in CANDIDATE.finditer(rt.text):
        words = m.group(1).split()
        for n in range(len(words), 0, -1):
            name = " ".join(words[:n])
            start = m.start(1)
            end = start + len(name)
            if name.lower() in state_names or not rt.free(start, end) or name.lower() not in _cities():
                continue
            by_state = _cities()[name.lower()]
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
