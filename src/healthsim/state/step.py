"""MemberStateStep: the engine step that builds each block's member state first.

It runs before every product step, for every cohort (with or without journeys),
so that deaths, enrollment ends and the conditions table come from one place.
The state is attached to the block (`m.state`); journeys, NetworkSim, claims,
pharmacy and TrialSim read it from there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from healthsim.engine.members import MemberBlock
from healthsim.plan.population import PopulationPlan
from healthsim.state.build import build_state
from healthsim.state.tables import (
    conditions_table,
    deaths_table,
    empty_conditions,
    update_enrollments,
)


def member_context(pop: PopulationPlan, m: MemberBlock) -> dict:
    """Columns distributions may depend on: sex, age, attributes, coverage type."""
    ctx = m.context()
    types = np.array([o.coverage_type for o in pop.options] + ["uninsured"], dtype=object)
    ctx["coverage_type"] = types[np.where(m.plan_index >= 0, m.plan_index, len(pop.options))]
    return ctx


@dataclass
class MemberStateStep:
    population: PopulationPlan
    tables_later: bool = False
    """True when a later step (PatientJourneyStep) remakes the conditions table from the
    state as journeys left it: this step then skips making it (same output, ~10% less
    work per block)."""

    def static_tables(self) -> dict[str, pa.Table]:
        return {}

    def run_block(self, m: MemberBlock, tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
        state = build_state(self.population, m, member_context(self.population, m))
        m.state = state
        enrollments = update_enrollments(tables["enrollments"], m, state.death_day, state.term_day)
        _never_covered(m, enrollments)
        # with tables_later an empty conditions table holds the table's place (the order tables
        # are listed in) until the journey step replaces it
        conditions = empty_conditions() if self.tables_later else conditions_table(state, m)
        return {"conditions": conditions, "deaths": deaths_table(state, m), "enrollments": enrollments}


def _never_covered(m: MemberBlock, enrollments: pa.Table) -> None:
    """A member who died before their coverage would have begun was never a member of the plan."""
    covered = np.zeros(m.n, bool)
    covered[enrollments.column("person_id").to_numpy() - m.person_id[0]] = True
    lost = (m.plan_index >= 0) & ~covered
    if lost.any():
        m.plan_index = np.where(lost, -1, m.plan_index)
