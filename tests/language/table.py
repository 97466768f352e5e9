"""Checking a parsed request against a row of the request tables (requests.yaml, heldout.yaml).

A row is the request text and what it must produce. `check(spec, row)` returns
the failures, each tagged with the dimension it belongs to (count, coverage,
age, sex, conditions, place, journey, format, other), so the held-out score can
say which part of a request was misread.

Strict mode (the held-out slice) also checks what the row does not mention:
an unstated place must stay nationwide, unstated journeys and formats must be
empty, and the codes every member has must be exactly `has` — a parser that
invents a condition, a state or a journey is wrong even if it also found the
right ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent
DIMENSIONS = ("count", "coverage", "age", "sex", "conditions", "place", "journey", "format", "other")
KEYS = {
    "count": "count", "coverage": "coverage", "age": "age", "sex": "sex",
    "has": "conditions", "prev": "conditions", "lacks": "conditions",
    "states": "place", "counties": "place", "zip_prefix": "place", "urban": "place",
    "journeys": "journey", "formats": "format",
}


def load_rows(name: str) -> list[dict]:
    rows = yaml.safe_load((HERE / name).read_text(encoding="utf-8"))
    for row in rows:
        unknown = set(row) - set(KEYS) - OTHER_KEYS - {"text", "id"}
        assert not unknown, f"{row['text']!r}: unknown keys {unknown}"
    return rows


OTHER_KEYS = {"template", "race", "ethnicity", "claims", "pharmacy", "unrecognized", "note", "seed",
              "severity", "name", "trial", "assumed", "count_assumed", "error", "recognized"}


def _code_matches(want: str, code: str) -> bool:
    """A 3-character code accepts any code of its category; else exact."""
    return code.startswith(want) if len(want) == 3 else code == want


def check(spec, row: dict, *, strict: bool = False) -> list[tuple[str, str]]:
    """[(dimension, what is wrong)] for a parsed RequestSpec against a row."""
    from healthsim.distributions import parse_distribution

    p = spec.profile
    out: list[tuple[str, str]] = []
    codes = {c.code: c.prevalence for c in p.conditions}
    everyone = {c for c, v in codes.items() if isinstance(v, int | float) and v >= 1.0}

    def fail(dim: str, msg: str) -> None:
        out.append((dim, msg))

    if "count" in row:
        if row["count"] is None:
            if not any(a.field == "count" for a in spec.assumptions):
                fail("count", f"count {p.count} was not stated but is not listed as assumed")
        elif p.count != row["count"]:
            fail("count", f"count {p.count} != {row['count']}")
    if "coverage" in row:
        got = {o.type for o in p.coverage.options}
        if got != set(row["coverage"]):
            fail("coverage", f"coverage {sorted(got)} != {sorted(row['coverage'])}")
    if "age" in row:
        got = parse_distribution(p.demographics.age.model_dump()).support()
        if got != pytest.approx(tuple(row["age"])):
            fail("age", f"age support {got} != {tuple(row['age'])}")
    for key in ("sex", "race", "ethnicity"):
        if key not in row:
            continue
        dist = getattr(p.demographics, "gender" if key == "sex" else key)
        if row[key] is None:
            if not any(a.field == f"demographics.{key}" for a in spec.assumptions):
                fail("sex" if key == "sex" else "other", f"{key} should be assumed, got {dist.weights}")
        else:
            got = {k: round(v, 6) for k, v in dist.weights.items()}
            if got != row[key]:
                fail("sex" if key == "sex" else "other", f"{key} {got} != {row[key]}")
    if "has" in row or strict:
        want = list(row.get("has") or [])
        for w in want:
            if not any(_code_matches(w, c) for c in everyone):
                fail("conditions", f"{w} not at 100% (100%: {sorted(everyone)})")
        if strict or "has" in row and row.get("has") == []:
            extra = [c for c in everyone if not any(_code_matches(w, c) for w in want)]
            if extra and (strict or row.get("has") == []):
                fail("conditions", f"unrequested codes at 100%: {sorted(extra)}")
    for code, share in (row.get("prev") or {}).items():
        got = [v for c, v in codes.items() if _code_matches(code, c)]
        if not got or got[0] != pytest.approx(share):
            fail("conditions", f"{code} prevalence {got[:1] or 'absent'} != {share}")
    for code in row.get("lacks") or []:
        if any(_code_matches(code, c) for c in codes):
            fail("conditions", f"{code} should be absent")
    geo = p.geography
    states = list(geo.states) if geo.states else None
    if "states" in row:
        if states != row["states"]:
            fail("place", f"states {states} != {row['states']}")
    elif strict and "counties" not in row and "zip_prefix" not in row and states:
        fail("place", f"no place asked for, got states {states}")
    if "counties" in row and sorted(geo.counties or []) != sorted(row["counties"]):
        fail("place", f"counties {geo.counties} != {row['counties']}")
    if "zip_prefix" in row:
        if not (geo.zips and all(z.startswith(row["zip_prefix"]) for z in geo.zips)):
            fail("place", f"zips {(geo.zips or [])[:5]} do not all start {row['zip_prefix']}")
    elif strict and "counties" not in row and (geo.zips or geo.counties) and "states" not in row:
        fail("place", "no place asked for, got zips/counties")
    if "urban" in row and geo.urban_share != row["urban"]:
        fail("place", f"urban_share {geo.urban_share} != {row['urban']}")
    # Journeys the parser read from the request; a default it assumed (and lists as an
    # assumption, e.g. the journey claims come from) is not a misreading.
    journeys = [j.template for j in spec.journeys if getattr(j, "origin", "request") != "assumed"]
    if ("journeys" in row or strict) and journeys != list(row.get("journeys") or []):
        fail("journey", f"journeys {journeys} != {row.get('journeys') or []}")
    if ("formats" in row or strict) and list(spec.outputs.formats) != list(row.get("formats") or []):
        fail("format", f"formats {spec.outputs.formats} != {row.get('formats') or []}")
    _check_other(spec, row, fail)
    return out


def _check_other(spec, row: dict, fail) -> None:
    p = spec.profile
    if "template" in row and spec.template != row["template"]:
        fail("other", f"template {spec.template} != {row['template']}")
    if "claims" in row and spec.outputs.claims is not row["claims"]:
        fail("other", f"claims {spec.outputs.claims} != {row['claims']}")
    if "pharmacy" in row and spec.outputs.pharmacy_claims is not row["pharmacy"]:
        fail("other", f"pharmacy claims {spec.outputs.pharmacy_claims} != {row['pharmacy']}")
    if "unrecognized" in row and spec.unrecognized != row["unrecognized"]:
        fail("other", f"unrecognized {spec.unrecognized} != {row['unrecognized']}")
    for word in row.get("recognized") or []:
        if any(word.lower() in u.lower() for u in spec.unrecognized):
            fail("other", f"{word!r} reported unrecognized")
    if "seed" in row and p.seed != row["seed"]:
        fail("other", f"seed {p.seed} != {row['seed']}")
    if "name" in row and p.profile_name != row["name"]:
        fail("other", f"name {p.profile_name!r} != {row['name']!r}")
    if "severity" in row:
        dist = p.attributes.get("diabetes_control")
        weights = dist.weights if dist is not None else {}
        if not weights or max(weights, key=weights.get) != row["severity"]:
            fail("other", f"severity {weights} does not lean {row['severity']}")
    if "note" in row and not any(row["note"].lower() in n.lower() for n in spec.notes):
        fail("other", f"no note containing {row['note']!r}: {spec.notes}")
    for field, text in (row.get("assumed") or {}).items():
        if not any(a.field == field and text.lower() in f"{a.value} {a.reason}".lower()
                   for a in spec.assumptions):
            fail("other", f"no assumption {field} ~ {text!r}")
    if "trial" in row and bool(getattr(spec, "trial", None)) is not row["trial"]:
        fail("other", f"trial {getattr(spec, 'trial', None)} != {row['trial']}")


def parse_row(row: dict):
    """The spec for a row (a row with `error` expects a RequestError containing it)."""
    from healthsim.builders import parse_request

    return parse_request(row["text"])
