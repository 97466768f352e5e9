"""One block of the population executor: members -> the population tables.

`generate_block` is pure and deterministic in (plan, block): it draws every
value from streams seeded by (seed, block, stream), so any block can be made
alone, in any order, in any process, with the same result.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from healthsim.engine.attributes import sample_attributes, sample_sdoh
from healthsim.engine.conditions import sample_conditions
from healthsim.engine.coverage import sample_coverage
from healthsim.engine.households import fixed_size_demographics, households_table
from healthsim.engine.identities import identities_table
from healthsim.engine.members import MemberBlock
from healthsim.engine.persons import persons_table, sample_members
from healthsim.plan.population import PopulationPlan


@dataclass
class BlockResult:
    members: MemberBlock
    tables: dict[str, pa.Table]
    race_counts: Counter
    ethnicity_counts: Counter


def generate_block(plan: PopulationPlan, block: int, start: int, n: int) -> BlockResult:
    """All population tables for members start+1 .. start+n (block `block`).

    Order matters only through the data: coverage runs before the person rows because
    it forms households, and dependents take the subscriber's ZIP (every step draws from
    its own random stream, so the order never shifts anyone's numbers)."""
    m = sample_members(plan, block, start, n)
    if plan.spec.households.size is not None:
        fixed_size_demographics(plan, block, m)
    enrollments = sample_coverage(plan, m)
    attributes = sample_attributes(plan, m)
    tables = {}
    if m.county_row is not None:
        tables["person_sdoh"] = sample_sdoh(plan, m)
    persons = persons_table(plan, m)
    conditions = sample_conditions(plan, m)
    identities = identities_table(plan, m)
    tables.update({
        "persons": persons, "conditions": conditions, "enrollments": enrollments,
        "identities": identities, "person_attributes": attributes,
        "households": households_table(plan, m, persons),
    })
    return BlockResult(
        members=m,
        tables=tables,
        race_counts=_counts(persons.column("race")),
        ethnicity_counts=_counts(persons.column("ethnicity")),
    )


def _counts(column: pa.ChunkedArray) -> Counter:
    out: Counter = Counter()
    for chunk in column.chunks:
        codes = np.bincount(chunk.indices.to_numpy(), minlength=len(chunk.dictionary))
        for label, c in zip(chunk.dictionary.to_pylist(), codes, strict=True):
            out[label] += int(c)
    return out
