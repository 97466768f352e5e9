"""Allergies and intolerances per person (data/allergies.yaml: allergens with their
code, category, typical reaction and prevalence source). A person without any gets
one "no known allergy" record. Recorded on a date between birth (or as_of minus ten
years) and as_of."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources

import yaml

from healthsim.formats.derived import unit

SYSTEMS = {"rxnorm": ("http://www.nlm.nih.gov/research/umls/rxnorm", "2.16.840.1.113883.6.88"),
           "snomed": ("http://snomed.info/sct", "2.16.840.1.113883.6.96")}


@dataclass(frozen=True)
class Allergy:
    person_id: int
    system: str
    code: str
    display: str
    category: str | None       # medication, food, environment; None for "no known allergy"
    reaction: dict | None
    severity: str | None
    recorded: date

    @property
    def known(self) -> bool:
        return self.category is not None


@lru_cache(maxsize=1)
def table() -> dict:
    return yaml.safe_load(resources.files(__package__).joinpath("data/allergies.yaml").read_text())


def allergies(key: bytes, person_id: int, born: date, as_of: date) -> list[Allergy]:
    t = table()
    start = max(born, as_of - timedelta(days=3650))
    span = max(0, (as_of - start).days)

    def when(tag) -> date:
        return start + timedelta(days=int(unit(key, person_id, "allergy-date", tag) * span))

    out = [Allergy(person_id, a["system"], a["code"], a["display"], a["category"], a.get("reaction"),
                   a.get("severity"), when(a["code"]))
           for a in t["allergens"] if unit(key, person_id, "allergy", a["code"]) < a["share"]]
    if not out:
        n = t["no_known"]
        out.append(Allergy(person_id, n["system"], n["code"], n["display"], None, None, None, when("nka")))
    return out
