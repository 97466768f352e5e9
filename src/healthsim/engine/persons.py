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


def zip_picks(plan: PopulationPlan, block: int, n: int) -> np.ndarray:
    """Each member's residence as an index into plan.zip_rows: the first draw of the block's
    GEOGRAPHY stream. NetworkSim repeats it for every block (cheap) to know, before any
    block runs, which ZIPs the cohort lives in and how many members each holds."""
    return block_rng(plan.seed, block, Stream.GEOGRAPHY).choice(len(plan.zip_rows), size=n, p=plan.zip_p)


def sample_members(plan: PopulationPlan, block: int, start: int, n: int) -> MemberBlock:
    """Sex, age, birth date and residence (and, from the place, race and ethnicity) for
    members start+1 .. start+n."""
    if plan.demography is not None:
        return _sample_from_place(plan, block, start, n)
    rng = block_rng(plan.seed, block, Stream.DEMOGRAPHICS)
    demo = plan.spec.demographics
    sex = demo.gender.sample(n, rng).astype("<U1")
    age = np.clip(demo.age.sample(n, rng, {"sex": sex}), 0.0, 110.0)
    birth_day = days(plan.as_of) - np.floor(age * DAYS_PER_YEAR).astype(np.int64)
    pick = zip_picks(plan, block, n)
    person_id = np.arange(start + 1, start + n + 1, dtype=np.int64)
    exact_age = exact_ages(birth_day, plan.as_of)  # calendar ages: whole years exact on birthdays
    m = MemberBlock(block, person_id, sex, exact_age, birth_day, plan.zip_rows[pick])
    m.county_row = plan.zip_county[pick] if plan.zip_county is not None else None
    return m


SEXES = np.array(["F", "M"])


def _sample_from_place(plan: PopulationPlan, block: int, start: int, n: int) -> MemberBlock:
    """Place-based demographics (plan/demography.py): the ZIP first, then what the spec does
    not give from the member's county table, conditioned on what it does give."""
    d, demo = plan.demography, plan.spec.demographics
    rng = block_rng(plan.seed, block, Stream.DEMOGRAPHICS)
    pick = zip_picks(plan, block, n)
    slot = d.zip_slot[pick]
    prng = block_rng(plan.seed, block, Stream.POPULATION)
    joint = d.joint.reshape(len(d.joint), 2, len(d.age_cdf[0]), 2, 7)  # slot, sex, bin, hispanic, race
    fixed: dict[int, np.ndarray] = {}
    if demo.gender is not None:
        fixed[1] = (demo.gender.sample(n, rng).astype("<U1") == "M").astype(np.int64)
    age = None
    if demo.age is not None:
        if 1 not in fixed and "sex" in demo.age.requires():
            fixed[1] = _draw(joint, slot, {}, prng.random(n))[1]
        ctx = {"sex": SEXES[fixed[1]]} if 1 in fixed else {}
        age = np.clip(demo.age.sample(n, rng, ctx), 0.0, 110.0)
        fixed[2] = np.clip(d.bin_of(age), 0, joint.shape[2] - 1)
    if demo.race is not None:
        race = demo.race.sample(n, block_rng(plan.seed, block, Stream.POPULATION, 1), {})
        fixed[4] = _codes(race, RACE_LABELS).astype(np.int64)
    if demo.ethnicity is not None:
        eth = demo.ethnicity.sample(n, block_rng(plan.seed, block, Stream.POPULATION, 2), {})
        fixed[3] = (np.asarray(eth).astype(str) == "hispanic").astype(np.int64)
    cells, expected = _draw(joint, slot, fixed, prng.random(n), want_expected=True)
    if age is None:
        u = prng.random(n)
        cdf = d.age_cdf[slot, cells[2]]
        offset = (cdf <= u[:, None]).sum(axis=1)
        from healthsim.plan.demography import BIN_LOW

        age = BIN_LOW[cells[2]] + offset + prng.random(n)
    else:
        prng.random(n), prng.random(n)  # keep the stream's layout the same either way
    age = np.clip(age, 0.0, 110.0)
    birth_day = days(plan.as_of) - np.floor(age * DAYS_PER_YEAR).astype(np.int64)
    person_id = np.arange(start + 1, start + n + 1, dtype=np.int64)
    exact_age = exact_ages(birth_day, plan.as_of)
    m = MemberBlock(block, person_id, SEXES[cells[1]].astype("<U1"), exact_age, birth_day,
                    plan.zip_rows[pick])
    m.county_row = plan.zip_county[pick]
    m.race, m.hispanic = cells[4].astype(np.int32), cells[3].astype(bool)
    m.expected = expected
    return m


def _draw(joint: np.ndarray, slot: np.ndarray, fixed: dict[int, np.ndarray], u: np.ndarray,
          want_expected: bool = False):
    """Sample the free axes of `joint` (slot, *dims) for each member, given their slot and the
    fixed axes' codes. Returns {axis: codes} for every axis 1.. (fixed ones echoed), and with
    `want_expected` the summed model probabilities of race and Hispanic (for the run summary).

    Members sharing (slot, fixed codes) share one conditional row, so the work is a gather
    of the distinct rows and one searchsorted over their concatenated CDFs."""
    axes = list(range(1, joint.ndim))
    fixed_axes = sorted(fixed)
    free_axes = [a for a in axes if a not in fixed]
    if not free_axes:  # the spec gave sex, age, race and ethnicity: nothing left to draw
        return (dict(fixed), {}) if want_expected else dict(fixed)
    shape = joint.shape
    keys = [slot] + [fixed[a] for a in fixed_axes]
    dims = [shape[0]] + [shape[a] for a in fixed_axes]
    key = np.ravel_multi_index(keys, dims)
    uniq, inverse = np.unique(key, return_inverse=True)
    parts = np.unravel_index(uniq, dims)
    moved = np.moveaxis(joint, [0] + fixed_axes, list(range(1 + len(fixed_axes))))
    rows = moved[tuple(parts)].reshape(len(uniq), -1)  # (U, prod(free dims))
    total = rows.sum(axis=1, keepdims=True)
    rows = np.where(total > 0, rows / np.where(total > 0, total, 1), 1.0 / rows.shape[1])
    cdf = np.cumsum(rows, axis=1)
    cdf[:, -1] = 1.0
    width = cdf.shape[1]
    flat = (cdf + np.arange(len(uniq))[:, None]).ravel()
    pos = np.searchsorted(flat, inverse + np.minimum(u, 1 - 1e-12), side="right") - inverse * width
    pos = np.clip(pos, 0, width - 1)
    free_codes = np.unravel_index(pos, [shape[a] for a in free_axes])
    out = dict(zip(free_axes, free_codes, strict=True)) | fixed
    if not want_expected:
        return out
    grid = rows.reshape(len(uniq), *[shape[a] for a in free_axes])
    counts = np.bincount(inverse, minlength=len(uniq)).astype(float)
    expected = {}
    for axis, name, size in ((4, "race", 7), (3, "hispanic", 2)):
        if axis in fixed:
            continue
        other = tuple(i + 1 for i, a in enumerate(free_axes) if a != axis)
        p = grid.sum(axis=other)  # (U, size)
        expected[name] = (p * counts[:, None]).sum(axis=0)
        expected[name + "_var"] = (p * (1 - p) * counts[:, None]).sum(axis=0)
    return out, expected


def persons_table(plan: PopulationPlan, m: MemberBlock) -> pa.Table:
    """The persons rows for a block (names, race, address, contact details)."""
    from healthsim.reference.geography import zips

    rng = block_rng(plan.seed, m.block, Stream.NAMES)
    demo, z, n = plan.spec.demographics, zips(), m.n
    if m.race is not None:
        race_codes, eth_codes = m.race, (~m.hispanic).astype(np.int32)
    else:
        ctx = m.context()
        race_codes = _codes(demo.race.sample(n, rng, ctx), RACE_LABELS)
        eth_codes = _codes(demo.ethnicity.sample(n, rng, ctx), ETHNICITY_LABELS)
    rows = m.zip_row
    first = _first_names(m.sex, rng)
    last = _pick_names(*_last(), n, rng)
    address = _addresses(n, rng)
    household = m.person_id if m.household is None else m.household
    if m.household is not None:  # a household shares its subscriber's family name and address
        head = pa.array((m.household - m.person_id[0]).astype(np.int64))
        last, address = last.take(head), address.take(head)
    return pa.table({
        "person_id": m.person_id,
        "first_name": first,
        "last_name": last,
        "sex": labels((m.sex == "M").astype(np.int32), ["F", "M"]),
        "birth_date": dates(m.birth_day),
        "age": completed_years(m.birth_day, plan.as_of).astype(np.int32),
        "race": labels(race_codes, RACE_LABELS),
        "ethnicity": labels(eth_codes, ETHNICITY_LABELS),
        "address_line": address,
        "city": z.city[rows],
        "state": z.state[rows],
        "county_fips": z.county_fips[rows],
        "zip": z.zip[rows],
        "urban": z.urban[rows].astype(bool),
        "latitude": z.lat[rows].astype(float),
        "longitude": z.lon[rows].astype(float),
        "phone": _phones(n, rng),
        "ssn": ssn_column(m.person_id, plan.seed),  # unique, never-issued, not ITIN (engine/ssn.py)
        "household_id": household,
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
