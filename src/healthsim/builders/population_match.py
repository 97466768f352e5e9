"""'Match the (actual / local) population of Harris County': PopulationSim's `source: populationsim`.

A request that asks to match a place's population gets the place's own people,
not a template's: ages, sex, race and ethnicity from the place's published
shares (demographics.source populationsim, nothing from the template), its
chronic-condition prevalence from CDC PLACES (the template's comorbidities are
dropped; conditions the request names stay), and, unless the request names a
coverage, the national coverage mix by age (below). Whatever the request
states itself (ages, sex, race, conditions, coverage) still wins. Without a
place it matches the nation's population.

Coverage by age when the request names none, as option shares (the engine
spreads each member over the options their age allows):
  under 65: employer/commercial 63%, Medicaid/CHIP 20%, exchange 6%, uninsured 11%
  65 and over: Original Medicare 55%, Medicare Advantage 39%, dual eligible 6%
Source: U.S. Census Bureau, Health Insurance Coverage in the United States: 2019
(P60-271; ACS 2019: 9.2% of all residents and ~11% of those under 65 uninsured,
~20% of those under 65 on Medicaid/CHIP) and KFF's Medicare Advantage 2019
update (~39% of beneficiaries in MA); rounded, recalled figures, not re-verified.
"""

from __future__ import annotations

import re

from healthsim.builders.text import RequestText

MATCH = re.compile(
    r"\b(?:(?:to\s+)?match(?:es|ing)?|mirror(?:s|ing)?|reflect(?:s|ing)?|(?:be\s+)?representative\s+of"
    r"|(?:look\s+)?like)\s+(?:the\s+)?(?:(?:actual|real|local|true|whole|general|resident|area(?:'s)?)\s+)*"
    r"(?:population|demographics|residents|people|census)(?:\s+(?:of|in|for))?\b")
US_UNDER_65 = 0.835  # Census 2020: 16.5% of residents are 65 or older
COVERAGE_BY_AGE = (
    ("commercial", 0.63, None, 64), ("medicaid", 0.20, None, 64), ("exchange", 0.06, None, 64),
    ("uninsured", 0.11, None, 64),
    ("medicare", 0.55, 65, None), ("medicare_advantage", 0.39, 65, None), ("dual", 0.06, 65, None),
)
CONDITION_SOURCE = "CDC PLACES 2022 county estimates (through PopulationSim)"


def take_match_place(rt: RequestText) -> bool:
    """True when the request asks to match a place's population (the phrase is taken)."""
    found = False
    for m in list(rt.matches(MATCH)):
        rt.take(m.start(), m.end(), "match population")
        found = True
    return found


def apply(doc: dict, facts, said: list, notes: list[str]) -> None:
    """Turn the composed profile document into one that matches the place's population."""
    if not getattr(facts, "match_place", False):
        return
    from healthsim.builders.request import Assumption

    demo = doc.setdefault("demographics", {})
    demo["source"] = "populationsim"
    stated = {"age": facts.age is not None, "sex": bool(facts.sex), "race": bool(facts.race),
              "ethnicity": bool(facts.ethnicity)}
    taken = [k for k, kept in stated.items() if not kept]
    for key in taken:
        for name in ((key, "gender") if key == "sex" else (key,)):
            demo.pop(name, None)
    place = _place_label(facts)
    said[:] = [a for a in said if a.field.removeprefix("demographics.") not in taken]
    if taken:
        said.append(Assumption(field="demographics", value=f"{', '.join(taken)} of {place}",
                               reason="'match the population': the place's published shares "
                                      "(ACS 2015-19 raked onto the national table; docs/populationsim.md)"))
    named = {c.code for c in facts.conditions if not c.negated}
    before = len(doc.get("conditions", []))
    doc["conditions"] = [c for c in doc.get("conditions", []) if str(c.get("code")) in named]
    if not doc["conditions"]:
        doc.pop("conditions")
        said[:] = [a for a in said if a.field != "conditions"]
        said.append(Assumption(field="conditions", value=f"the chronic-condition prevalence of {place}",
                               reason=f"'match the population': {CONDITION_SOURCE}"))
    elif before > len(doc["conditions"]):
        said[:] = [a for a in said if not (a.field == "conditions" and "template" in a.reason)]
        notes.append("match the population: the template's comorbidities were dropped; only the named "
                     "conditions are generated (name none to get the place's CDC PLACES prevalence)")
    if not facts.coverage:
        doc["coverage"] = {"options": [
            {"type": kind, "share": round(share * (US_UNDER_65 if low is None else 1 - US_UNDER_65), 4),
             **({"min_age": low} if low is not None else {}), **({"max_age": high} if high is not None else {})}
            for kind, share, low, high in COVERAGE_BY_AGE]}
        _round_to_one(doc["coverage"]["options"])
        said[:] = [a for a in said if a.field != "coverage"]
        said.append(Assumption(field="coverage", value="by age: under 65 commercial 63% / Medicaid 20% / "
                                                       "exchange 6% / uninsured 11%; 65+ Medicare",
                               reason="'match the population' with no coverage named: the U.S. mix by age "
                                      "(Census P60-271, 2019; KFF)"))


def _round_to_one(options: list[dict]) -> None:
    total = sum(o["share"] for o in options)
    options[0]["share"] = round(options[0]["share"] + 1 - total, 4)


def _place_label(facts) -> str:
    labels = [str(x) for x in getattr(facts, "place_labels", []) if x]
    if labels:
        return ", ".join(labels)
    parts = list(facts.counties or []) + list(facts.states or []) + ([facts.city] if facts.city else [])
    return ", ".join(parts) if parts else "the United States"


SDOH_WORDS = {("income", "low"): "household income below 200% of the federal poverty level",
              ("income", "poor"): "household income below the federal poverty level",
              ("income", "not_low"): "household income at 200% of the federal poverty level or more",
              ("svi", "high"): "counties with CDC/ATSDR SVI 2022 rank >= 0.75",
              ("svi", "low"): "counties with CDC/ATSDR SVI 2022 rank <= 0.25"}


def apply_sdoh(doc: dict, facts, said: list) -> None:
    """'low-income', 'high social vulnerability': the profile's sdoh section (members are drawn
    in the income band from their county's income distribution; counties weighted by their share
    of such people, or filtered by SVI: spec/population.py SdohSpec)."""
    sdoh = getattr(facts, "sdoh", None)
    if not sdoh:
        return
    from healthsim.builders.request import Assumption

    doc["sdoh"] = {**(doc.get("sdoh") or {}), **sdoh}
    for key, value in sdoh.items():
        said.append(Assumption(field=f"sdoh.{key}", value=value,
                               reason=SDOH_WORDS.get((key, value), "as the request says")))
