"""The only place random generators are made.

Members are generated in fixed-size blocks. Each (seed, block, stream) triple
gets its own PCG64 stream from `SeedSequence(seed, spawn_key=(block, stream))`,
so a block's values never depend on how many blocks run together, in which
order, or in which process: the output is identical for any chunking and any
number of workers. Streams are named and numbered once, here; a new stream gets
a new number so adding one never shifts the values of the others.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

BLOCK_SIZE = 10_000
"""Members per block. A constant of the engine, not a run option: changing it
changes every cohort, so it is recorded with each cohort."""


class Stream(IntEnum):
    """Named random streams within a block. Never renumber; only append."""

    DEMOGRAPHICS = 1
    NAMES = 2
    GEOGRAPHY = 3
    CONDITIONS = 4
    ONSETS = 5
    COVERAGE = 6
    IDENTITIES = 7
    JOURNEYS = 8
    CLINICAL = 9
    NETWORK = 10
    CLAIMS = 11
    PHARMACY = 12
    TRIALS = 13
    POPULATION = 14  # place-based demographics (sex, age, race, Hispanic from the county tables)
    SDOH = 15  # person-level social determinants (income, education, food security)
    HOUSEHOLDS = 16  # household formation
    STATE = 20  # member state: progression, complications, episodic conditions, mortality, therapy
    UTILIZATION = 21  # a member's propensity to use care (frailty) for the year-of-care rates
    SSN = 30  # the keys of the cohort's SSN permutation (engine/ssn.py; block 0 only)


def block_rng(seed: int, block: int, stream: Stream | int, sub: int = 0) -> np.random.Generator:
    """A generator for one (seed, block, stream[, sub]) — the same every time."""
    ss = np.random.SeedSequence(int(seed), spawn_key=(int(block), int(stream), int(sub)))
    return np.random.Generator(np.random.PCG64(ss))


def block_bounds(count: int, block_size: int = BLOCK_SIZE) -> list[tuple[int, int, int]]:
    """(block index, first member offset, member count) for every block of a run."""
    return [
        (b, start, min(block_size, count - start))
        for b, start in enumerate(range(0, count, block_size))
    ]
