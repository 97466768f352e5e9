"""Place names -> geography: states, counties, cities, metro areas, ZIPs.

`resolve_place("Harris County, TX")` returns a `Place` whose `geography()` is the
profile's `geography` section (states / counties / zips). It is what a profile's
`demographics.reference` and the request parser (builders/places.py) use, so a
place means the same thing in a spec file, a sentence and the chat.

Rules, in order, so the most specific reading wins and a town never shadows a state:
1. a 5-digit county FIPS or ZIP, a 3-digit ZIP prefix;
2. the nation ("US", "United States", "nationwide");
3. a state by full name (multi-word names included) or USPS code;
4. "X County" / "X Parish" / "X Borough" / "X Census Area", with an optional ", ST" or
   ", State" (several states have a Harris County: without a state the most populous
   one is used and the place is marked ambiguous);
5. a metro area: "X metro", "X metro area", "the X area", "greater X", an alias
   ("DFW", "the Twin Cities", "Bay Area") or a CBSA's city pair ("Dallas-Fort Worth");
6. a city (USPS postal city): "Boston", "Springfield, IL" (a city in several states
   without a state goes to the most populous one, marked ambiguous).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa

from healthsim.errors import NotFoundError
from healthsim.reference._files import code_column, read_table, text_column

COUNTY_WORDS = ("county", "parish", "borough", "census area", "city and borough", "municipality")
METRO_ALIASES = {
    "tri-state area": "35620", "dfw": "19100",
    "the metroplex": "19100", "metroplex": "19100", "twin cities": "33460", "bay area": "41860",
    "sf bay area": "41860", "san francisco bay area": "41860", "inland empire": "40140",
    "tampa bay": "45300", "dc": "47900", "dmv": "47900", "research triangle": "39580",
    "the triangle": "39580", "south florida": "33100", "silicon valley": "41940",
    "hampton roads": "47260", "motor city": "19820", "chicagoland": "16980",
}
"""Common names of metro areas that are not a city's name (CBSA codes, OMB 2023)."""
NYC_BOROUGHS = ("36005", "36047", "36061", "36081", "36085")  # Bronx, Kings, New York, Queens, Richmond
CITY_ALIASES = {"nyc": "New York City", "new york city": "New York City", "new york ny": "New York City",
                "new york new york": "New York City", "the big apple": "New York City"}
NATION = ("us", "usa", "u s", "u s a", "united states", "united states of america", "the us",
          "the united states", "nationwide", "national", "the nation", "america")


@dataclass(frozen=True)
class Place:
    kind: str  # nation | state | county | metro | city | zip
    name: str
    states: tuple[str, ...] = ()
    counties: tuple[str, ...] = ()
    zips: tuple[str, ...] = ()
    ambiguous: bool = False
    note: str | None = None

    def geography(self) -> dict:
        """The profile `geography` section for this place."""
        if self.kind == "nation":
            return {}
        if self.kind == "state":
            return {"states": list(self.states)}
        if self.kind in ("city", "zip"):
            return {"zips": list(self.zips)}
        return {"counties": list(self.counties)}


def norm(text: str) -> str:
    """Lower case, 'St.'/'Ste.' spelled out, punctuation to spaces, single spaces."""
    t = str(text).lower().replace("’", "'")
    t = re.sub(r"\bste\.?\s", "sainte ", t)
    t = re.sub(r"\bst\.?\s", "saint ", t)
    t = re.sub(r"\bft\.?\s", "fort ", t)
    t = re.sub(r"[^a-z0-9' ]+", " ", t.replace("-", " "))
    return " ".join(t.split())


# ------------------------------------------------------------------ indexes

def _county_base(name: str) -> str:
    n = norm(name)
    for w in sorted(COUNTY_WORDS, key=len, reverse=True):
        if n.endswith(" " + w):
            return n[: -len(w) - 1]
    if n.endswith(" city"):  # independent cities: "Baltimore city", "St. Louis city"
        return n
    return n


@lru_cache(maxsize=1)
def _county_index() -> dict[str, list[int]]:
    """normalised base name ('harris', 'saint louis', 'baltimore city') -> county rows."""
    from healthsim.reference.geography import counties

    out: dict[str, list[int]] = {}
    for i, name in enumerate(counties().name):
        out.setdefault(_county_base(str(name)), []).append(i)
    return out


@lru_cache(maxsize=1)
def _cities() -> dict[str, dict[str, tuple[np.ndarray, float]]]:
    """normalised postal city -> state -> (ZIP rows, population weight)."""
    from healthsim.reference.geography import zips

    z = zips()
    key = np.array([norm(str(c)) for c in z.city], dtype=object)
    out: dict[str, dict[str, tuple[np.ndarray, float]]] = {}
    order = np.lexsort((z.state, key))
    k_sorted, s_sorted = key[order], z.state[order]
    bounds = np.flatnonzero(np.r_[True, (k_sorted[1:] != k_sorted[:-1]) | (s_sorted[1:] != s_sorted[:-1]), True])
    for a, b in itertools.pairwise(bounds):
        rows = order[a:b]
        out.setdefault(str(k_sorted[a]), {})[str(s_sorted[a])] = (rows, float(z.weight[rows].sum()))
    return out


@dataclass(frozen=True)
class MetroTable:
    cbsa: np.ndarray      # 'U5'
    name: np.ndarray      # object: largest postal city
    state: np.ndarray     # 'U2': that city's state
    states: np.ndarray    # object: 'TX' or 'NY|NJ'
    population: np.ndarray
    cities: np.ndarray    # object: 'Dallas, TX|Fort Worth, TX|Arlington, TX'
    counties: np.ndarray  # object: space-separated FIPS


@lru_cache(maxsize=1)
def metros() -> MetroTable:
    t = read_table("metros.csv.gz", {"cbsa": pa.string(), "name": pa.string(), "state": pa.string(),
                                     "states": pa.string(), "population": pa.int64(),
                                     "cities": pa.string(), "counties": pa.string()})
    return MetroTable(code_column(t, "cbsa", 5), text_column(t, "name"), code_column(t, "state", 2),
                      text_column(t, "states"), t.column("population").to_numpy(),
                      text_column(t, "cities"), text_column(t, "counties"))


@lru_cache(maxsize=1)
def _metro_index() -> dict[str, list[int]]:
    """metro names ('houston', 'dallas fort worth', 'dfw') -> metro rows, most populous first."""
    m = metros()
    out: dict[str, list[int]] = {}
    for i in range(len(m.cbsa)):
        cities = [c.rsplit(", ", 1)[0] for c in str(m.cities[i]).split("|")]
        keys = {norm(m.name[i])}
        if len(cities) > 1:
            keys.add(norm(f"{cities[0]} {cities[1]}"))
        for k in keys:
            out.setdefault(k, []).append(i)
    for alias, cbsa in METRO_ALIASES.items():
        out.setdefault(norm(alias), []).insert(0, int(np.flatnonzero(m.cbsa == cbsa)[0]))
    return out


# ------------------------------------------------------------------ resolution

KINDS = ("nation", "state", "county", "metro", "city", "zip")


def resolve_place(name: str, kind: str | None = None) -> Place:
    """The place a name means (see the module docstring for the order of readings).

    `kind` restricts the reading: resolve_place("48201", "county") is Harris County, TX,
    while "48201" alone is the Detroit ZIP (a 5-digit string is read as a ZIP first).
    """
    text = " ".join(str(name).split())
    if not text:
        raise NotFoundError("an empty place name")
    if kind is not None and kind not in KINDS:
        raise NotFoundError(f"unknown place type {kind!r}; allowed: {', '.join(KINDS)}")
    if kind == "county" and re.fullmatch(r"\d{5}", text):
        from healthsim.reference.geography import counties

        c = counties()
        i = int(np.searchsorted(c.county_fips, text))
        if i < len(c.county_fips) and c.county_fips[i] == text:
            return _county_place([i])
        raise NotFoundError(f"unknown county FIPS {text!r}")
    readers = {"zip": _code, "nation": _nation, "state": _state, "county": _county, "metro": _metro,
               "city": _city}
    if norm(text) in CITY_ALIASES and kind in (None, "city"):
        return _nyc()
    order = [readers[kind]] if kind else [_code, _nation, _state, _county, _metro, _city]
    if kind == "metro":
        order = [lambda t: _metro(t if re.search(r"(?i)\b(metro|area)$", t) else t + " metro")]
    for how in order:
        found = how(text)
        if found is not None:
            return found
    raise NotFoundError(f"unknown place {name!r}{_suggestion(text)}; try a state ('Texas'), a county "
                        "('Harris County, TX'), a city ('Boston, MA'), a metro area ('Houston metro') or a ZIP")


def _code(text: str) -> Place | None:
    from healthsim.reference.geography import counties, zip_indices, zips

    if re.fullmatch(r"\d{5}", text):
        c = counties()
        i = int(np.searchsorted(c.county_fips, text))
        z = zips()
        if text in set(z.zip[np.char.startswith(z.zip, text[:3])]):
            row = int(np.flatnonzero(z.zip == text)[0])
            return Place("zip", f"ZIP {text} ({z.city[row]}, {z.state[row]})", (str(z.state[row]),),
                         (str(z.county_fips[row]),), (text,))
        if i < len(c.county_fips) and c.county_fips[i] == text:
            return _county_place([i])
        raise NotFoundError(f"{text} is neither a residential ZIP nor a county FIPS code")
    if re.fullmatch(r"\d{3}", text):
        rows = zip_indices(zip_prefix=text)
        z = zips()
        return Place("zip", f"ZIP area {text}xx", tuple(sorted(set(z.state[rows].tolist()))),
                     tuple(sorted(set(z.county_fips[rows].tolist()))), (text,))
    return None


def _nation(text: str) -> Place | None:
    return Place("nation", "United States") if norm(text) in NATION else None


def _state(text: str) -> Place | None:
    from healthsim.reference.geography import state_abbr, states

    try:
        code = state_abbr(text)
    except NotFoundError:
        return None
    if len(text) == 2 and text != text.upper():
        return None  # 'in', 'or', 'me' in lower case are words, not states
    s = states()
    return Place("state", str(s.name[s.abbr == code][0]), (code,))


def _split_state(text: str) -> tuple[str, str | None]:
    """'Harris County, Texas' -> ('Harris County', 'TX'); a trailing state name or code."""
    from healthsim.reference.geography import state_abbr

    m = re.match(r"^(.*?)(?:,\s*|\s+)([A-Za-z][A-Za-z .]+)$", text)
    if m:
        for cut in range(len(m.group(2).split()), 0, -1):
            words = m.group(2).split()
            head, tail = " ".join(words[:-cut]), " ".join(words[-cut:])
            if len(tail) == 2 and tail != tail.upper():
                continue
            try:
                code = state_abbr(tail)
            except NotFoundError:
                continue
            rest = (m.group(1) + (" " + head if head else "")).strip().rstrip(",")
            if rest:
                return rest, code
    return text, None


def _county(text: str) -> Place | None:
    from healthsim.reference.geography import counties

    body, state = _split_state(text)
    n = norm(body)
    if not any(n.endswith(" " + w) for w in COUNTY_WORDS) and not n.endswith(" city"):
        return None
    rows = _county_index().get(_county_base(body), [])
    c = counties()
    if state:
        rows = [i for i in rows if c.state[i] == state]
    exact = [i for i in rows if norm(str(c.name[i])) == n]  # "Orleans Parish" is not Orleans County
    rows = exact or rows
    if not rows:
        if n.endswith(" city"):
            return None  # "Carson City" and friends are cities
        where = f" in {state}" if state else ""
        raise NotFoundError(f"no county named {body!r}{where}{_county_suggestion(body, state)}")
    if len(rows) > 1 and state is None:
        best = max(rows, key=lambda i: c.population[i])
        others = ", ".join(f"{c.name[i]}, {c.state[i]}" for i in rows if i != best)
        place = _county_place([best])
        return Place(**{**place.__dict__, "ambiguous": True,
                        "note": f"{place.name} assumed (also: {others}); say the state to choose"})
    return _county_place(rows[:1])


def _county_place(rows: list[int]) -> Place:
    from healthsim.reference.geography import counties

    c = counties()
    i = rows[0]
    if c.zip_count[i] == 0:
        raise NotFoundError(f"{c.name[i]}, {c.state[i]} has no residential ZIP of its own in the shipped "
                            "ZIP table")
    return Place("county", f"{c.name[i]}, {c.state[i]}", (str(c.state[i]),), (str(c.county_fips[i]),))


METRO_WORDS = re.compile(r"^(?:the\s+)?(?:greater\s+)?(.+?)(?:\s+(?:metro(?:politan)?(?:\s+area)?|msa|"
                         r"area|region))?$", re.IGNORECASE)


def _metro(text: str) -> Place | None:
    n = norm(text)
    explicit = bool(re.search(r"\b(metro|metropolitan|msa|area|region)$", n) or n.startswith(("greater ", "the greater ")))
    m = METRO_WORDS.match(n)
    key = norm(m.group(1)) if m else n
    key = re.sub(r"^the\s+", "", key)
    body, state = _split_state(key)
    rows = _metro_index().get(norm(body), [])
    aliased = norm(text) in {norm(a) for a in METRO_ALIASES} or norm(re.sub(r"^the\s+", "", n)) in {
        norm(a) for a in METRO_ALIASES}
    if aliased:
        rows = _metro_index().get(norm(re.sub(r"^the\s+", "", n)), rows)
    if not rows or not (explicit or aliased or " " in body and body.count(" ") >= 1 and _is_pair(body)):
        return None
    t = metros()
    if state:
        rows = [i for i in rows if state in str(t.states[i]).split("|")] or rows
    i = rows[0]
    return Place("metro", f"{t.name[i]} metro ({str(t.states[i]).replace('|', '-')})",
                 tuple(str(t.states[i]).split("|")), tuple(str(t.counties[i]).split()),
                 ambiguous=len(rows) > 1 and state is None)


def _is_pair(body: str) -> bool:
    """'dallas fort worth' is a metro's city pair (from its CBSA's two largest cities)."""
    t = metros()
    key = norm(body)
    for i in _metro_index().get(key, []):
        cities = [c.rsplit(", ", 1)[0] for c in str(t.cities[i]).split("|")]
        if len(cities) > 1 and norm(f"{cities[0]} {cities[1]}") == key:
            return True
    return False


def _nyc() -> Place:
    """New York City is five counties (boroughs), whose postal cities are not 'New York' outside
    Manhattan (Brooklyn, Bronx, Staten Island, Queens' neighbourhoods)."""
    from healthsim.reference.geography import zips

    z = zips()
    rows = np.flatnonzero(np.isin(z.county_fips, NYC_BOROUGHS))
    return Place("city", "New York City, NY", ("NY",), NYC_BOROUGHS, tuple(z.zip[rows].tolist()))


def _city(text: str) -> Place | None:
    from healthsim.reference.geography import zips

    body, state = _split_state(text)
    by_state = _cities().get(norm(body))
    if not by_state:
        return None
    if state and state not in by_state:
        raise NotFoundError(f"no residential ZIP for a city named {body!r} in {state}; it exists in "
                            f"{', '.join(sorted(by_state))}")
    chosen = state or max(by_state, key=lambda s: by_state[s][1])
    rows = by_state[chosen][0]
    z = zips()
    name = f"{z.city[rows[0]]!s}, {chosen}"
    ambiguous = state is None and len(by_state) > 1
    note = None
    if ambiguous:
        note = f"{name} assumed (a city of that name is also in {', '.join(s for s in sorted(by_state) if s != chosen)})"
    return Place("city", name, (chosen,), tuple(sorted(set(z.county_fips[rows].tolist()))),
                 tuple(z.zip[rows].tolist()), ambiguous, note)


# ------------------------------------------------------------------ suggestions

def _suggestion(text: str) -> str:
    from rapidfuzz import fuzz, process

    from healthsim.reference.geography import counties, states

    names = [str(n) for n in states().name]
    c = counties()
    names += [f"{c.name[i]}, {c.state[i]}" for i in range(len(c.name))]
    hit = process.extractOne(text, names, scorer=fuzz.WRatio, processor=str.lower, score_cutoff=85)
    return f"; did you mean {hit[0]!r}?" if hit else ""


def _county_suggestion(body: str, state: str | None) -> str:
    from rapidfuzz import fuzz, process

    from healthsim.reference.geography import counties

    c = counties()
    rows = [i for i in range(len(c.name)) if state is None or c.state[i] == state]
    names = [f"{c.name[i]}, {c.state[i]}" for i in rows]
    hit = process.extractOne(body, names, scorer=fuzz.WRatio, processor=str.lower, score_cutoff=80)
    return f"; did you mean {hit[0]!r}?" if hit else ""


def describe_geography(geography: dict) -> str:
    """A short label for a geography section ('Harris County, TX', 'TX, LA', 'United States')."""
    from healthsim.reference.geography import counties

    if geography.get("counties"):
        c = counties()
        idx = np.searchsorted(c.county_fips, geography["counties"])
        names = [f"{c.name[i]}, {c.state[i]}" for i in idx[:3]]
        more = len(geography["counties"]) - 3
        return "; ".join(names) + (f" (+{more} more counties)" if more > 0 else "")
    if geography.get("states"):
        return ", ".join(geography["states"])
    if geography.get("zips"):
        return f"{len(geography['zips'])} ZIPs"
    return "United States"
