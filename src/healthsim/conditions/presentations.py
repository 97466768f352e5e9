"""Acute presentations: how the reason for a visit moves the labs drawn there (conditions/data/_presentations.yaml).

A member's labs come from their state's trajectories; an acute event adds to them at that visit: troponin
on an MI admission, BNP in an HF exacerbation, haemoglobin down in a GI bleed, lactate in sepsis.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import yaml

from healthsim.conditions.library import DATA_DIR
from healthsim.distributions import Distribution, parse_distribution


@dataclass(frozen=True)
class Presentation:
    prefix: str
    measure: str
    change: Distribution


@lru_cache(maxsize=1)
def presentations() -> tuple[Presentation, ...]:
    with open(DATA_DIR / "_presentations.yaml", encoding="utf-8") as f:
        rows = yaml.safe_load(f)["presentations"]
    return tuple(Presentation(r["prefix"].upper(), r["measure"], parse_distribution(r["change"])) for r in rows)
