"""Age-appropriate immunizations per person (data/immunizations.yaml: CDC schedules,
CVX codes, coverage shares with their survey sources).

Children (under 19 on as_of) get each series at the schedule's ages (months) that
they have reached (adults' childhood records are not carried);
everyone gets the seasonal vaccines (influenza, COVID-19) of this season and the
last by their age band's coverage; adults get Tdap within ten years and the
age-gated vaccines (pneumococcal at 65, zoster at 50). Nothing is dated before
birth, after as_of or after death.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources

import yaml

from healthsim.formats.derived import unit

CVX_SYSTEM = "http://hl7.org/fhir/sid/cvx"
CVX_OID = "2.16.840.1.113883.12.292"


@dataclass(frozen=True)
class Dose:
    person_id: int
    cvx: str
    name: str
    when: date
    dose: int


@lru_cache(maxsize=1)
def schedule() -> dict:
    return yaml.safe_load(resources.files(__package__).joinpath("data/immunizations.yaml").read_text())


def _months(born: date, months: int) -> date:
    y, m = divmod(born.month - 1 + months, 12)
    day = min(born.day, 28)
    return date(born.year + y, m + 1, day)


def _band(bands: list[dict], age: int) -> float:
    return next((b["share"] for b in bands if b["min_age"] <= age <= b["max_age"]), 0.0)


def doses(key: bytes, person_id: int, born: date, as_of: date, died: date | None = None) -> list[Dose]:
    """Every immunization of one person, in date order."""
    s, last = schedule(), min(as_of, died) if died else as_of
    out: list[Dose] = []

    def add(cvx, name, when, n):
        if born <= when <= last:
            out.append(Dose(person_id, cvx, name, when, n))

    age_now = (as_of - born).days // 365
    for v in s["children"] if age_now < 19 else ():
        if unit(key, person_id, v["cvx"], "series") < v["share"]:
            for n, months in enumerate(v["months"], start=1):
                jitter = int(unit(key, person_id, v["cvx"], n) * 28)
                add(v["cvx"], v["name"], _months(born, months) + timedelta(days=jitter), n)
    for v in s["seasonal"]:
        mm, dd = (int(x) for x in v["season_start"].split("-"))
        this = date(as_of.year, mm, dd) if as_of >= date(as_of.year, mm, dd) else date(as_of.year - 1, mm, dd)
        for season in (date(this.year - 1, mm, dd), this):
            age = (season - born).days // 365
            if age >= 0 and unit(key, person_id, v["cvx"], season.year) < _band(v["share"], age):
                add(v["cvx"], v["name"], season + timedelta(days=int(unit(key, person_id, v["cvx"], "d", season.year)
                                                                    * 75)), 1)
    for v in s["adults"]:
        if age_now < v["min_age"] or unit(key, person_id, v["cvx"], "adult") >= v["share"]:
            continue
        eligible = max(_months(born, 12 * v["min_age"]), date.fromisoformat(v["since"]))
        start = max(eligible, as_of - timedelta(days=365 * v["within_years"])) if v.get("within_years") else eligible
        span = max(0, (as_of - start).days)
        first = start + timedelta(days=int(unit(key, person_id, v["cvx"], "when") * span))
        for n in range(1, v.get("doses", 1) + 1):
            add(v["cvx"], v["name"], first + timedelta(days=60 * (n - 1)), n)
    return sorted(out, key=lambda d: (d.when, d.cvx, d.dose))
