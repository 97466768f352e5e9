"""Sampling persons: demographics, names, addresses, phones and SSNs.

Safe by construction: SSNs are unique and come from the never-issued 9xx area
outside the ITIN groups (engine/ssn.py), phone numbers
from the 555-0100..0199 range reserved for fiction, and addresses are made-up
house numbers on common street names inside real residential ZIPs.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from healthsim.engine.ages import completed_years, exact_ages
from healthsim.engine.columns import dates, days, digits, join, labels
from healthsim.engine.members import MemberBlock
from healthsim.engine.seeds import Stream, block_rng
from healthsim.engine.ssn import ssn_column
from healthsim.plan.population import PopulationPlan
from healthsim.spec.vocab import ETHNICITIES, RACES

DAYS_PER_YEAR = 365.2425
RACE_LABELS = tuple(RACES)
ETHNICITY_LABELS = tuple(ETHNICITIES)


def sample_members(plan: PopulationPlan, block: int, start: int, n: int) -> MemberBlock:
    """Sex, age, birth date and residence for members start+1 .. start+n."""
    rng = block_rng(plan.seed, block, Stream.DEMOGRAPHICS)
    demo = plan.spec.demographics
    sex = demo.gender.sample(n, rng).astype("<U1")
    age = np.clip(demo.age.sample(n, rng, {"sex": sex}), 0.0, 110.0)
    birth_day = days(plan.as_of) - np.floor(age * DAYS_PER_YEAR).astype(np.int64)
    geo_rng = block_rng(plan.seed, block, Stream.GEOGRAPHY)
    zip_row = plan.zip_rows[geo_rng.choice(len(plan.zip_rows), size=n, p=plan.zip_p)]
    person_id = np.arange(start + 1, start + n + 1, dtype=np.int64)
    exact_age = exact_ages(birth_day, plan.as_of)  # calendar ages: whole years exact on birthdays
    return MemberBlock(block, person_id, sex, exact_age, birth_day, zip_row)


def persons_table(plan: PopulationPlan, m: MemberBlock) -> pa.Table:
    """The persons rows for a block (names, race, address, contact details)."""
    from healthsim.reference.geography import zips

    rng = block_rng(plan.seed, m.block, Stream.NAMES)
    demo, z, n = plan.spec.demographics, zips(), m.n
    ctx = m.context()
    race = demo.race.sample(n, rng, ctx)
    ethnicity = demo.ethnicity.sample(n, rng, ctx)
    rows = m.zip_row
    return pa.table({
        "person_id": m.person_id,
        "first_name": _first_names(m.sex, rng),
        "last_name": _pick_names(*_last(), n, rng),
        "sex": labels((m.sex == "M").astype(np.int32), ["F", "M"]),
        "birth_date": dates(m.birth_day),
        "age": completed_years(m.birth_day, plan.as_of).astype(np.int32),
        "race": labels(_codes(race, RACE_LABELS), RACE_LABELS),
        "ethnicity": labels(_codes(ethnicity, ETHNICITY_LABELS), ETHNICITY_LABELS),
        "address_line": _addresses(n, rng),
        "city": z.city[rows],
        "state": z.state[rows],
        "county_fips": z.county_fips[rows],
        "zip": z.zip[rows],
        "urban": z.urban[rows].astype(bool),
        "latitude": z.lat[rows].astype(float),
        "longitude": z.lon[rows].astype(float),
        "phone": _phones(n, rng),
        "ssn": ssn_column(m.person_id, plan.seed),  # unique, never-issued, not ITIN (engine/ssn.py)
    })


def _codes(values: np.ndarray, vocabulary: tuple[str, ...]) -> np.ndarray:
    lookup = {v: i for i, v in enumerate(vocabulary)}
    uniq, inverse = np.unique(values.astype(str), return_inverse=True)
    return np.array([lookup[u] for u in uniq], dtype=np.int32)[inverse]


def _last():
    from healthsim.reference.names import last_names

    return last_names()


def _pick_names(names: np.ndarray, p: np.ndarray, n: int, rng: np.random.Generator) -> pa.Array:
    idx = rng.choice(len(names), size=n, p=p)
    return pa.DictionaryArray.from_arrays(pa.array(idx.astype(np.int32)), pa.array(names, pa.string()))


def _first_names(sex: np.ndarray, rng: np.random.Generator) -> pa.Array:
    from healthsim.reference.names import first_names

    f_names, f_p = first_names("F")
    m_names, m_p = first_names("M")
    vocab = np.concatenate([f_names, m_names])
    idx = np.where(
        sex == "F",
        rng.choice(len(f_names), size=len(sex), p=f_p),
        len(f_names) + rng.choice(len(m_names), size=len(sex), p=m_p),
    )
    return pa.DictionaryArray.from_arrays(pa.array(idx.astype(np.int32)), pa.array(vocab, pa.string()))


def _addresses(n: int, rng: np.random.Generator) -> pa.Array:
    from healthsim.reference.names import (
        street_name_probs,
        street_names,
        street_suffix_probs,
        street_suffixes,
    )

    streets, suffixes = street_names(), street_suffixes()
    number = np.minimum(np.exp(rng.uniform(np.log(10), np.log(20000), n)).astype(np.int64), 19999)
    street = labels(rng.choice(len(streets), n, p=street_name_probs()), streets).cast(pa.string())
    suffix = labels(rng.choice(len(suffixes), n, p=street_suffix_probs()), suffixes).cast(pa.string())
    line = join(pa.array(number).cast(pa.string()), " ", street, " ", suffix)
    apt = rng.random(n) < 0.15
    apt_text = join(" Apt ", pa.array(rng.integers(1, 40, n)).cast(pa.string()))
    empty = pa.array(np.full(n, "", dtype=object), pa.string())
    import pyarrow.compute as pc

    return join(line, pc.if_else(pa.array(apt), apt_text, empty))


def _phones(n: int, rng: np.random.Generator) -> pa.Array:
    area = rng.integers(201, 990, n)
    area = np.where(area % 100 == 11, area + 1, area)  # no N11 service codes
    return join("(", digits(area, 3), ") 555-01", digits(rng.integers(0, 100, n), 2))
