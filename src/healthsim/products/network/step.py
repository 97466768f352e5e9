"""NetworkSim as an engine step: the static network, and PCP attribution per block.

`NetworkStep.from_plan` builds the cohort's network once (it depends only on
the seed, the ZIPs the members live in, which it works out by repeating each
block's residence draw, and the cohort's share of children); the run loop
writes it as static tables. Each block then attributes its covered
members to a PCP near them and, when journeys ran, fills each encounter's
provider and facility (assign.py). Later steps (encounters, claims) reach the same
network through `step.network` and the functions in `lookup.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from healthsim.engine.columns import dates, digits
from healthsim.engine.members import MemberBlock
from healthsim.engine.seeds import Stream, block_rng
from healthsim.plan.population import PopulationPlan
from healthsim.products.network.assign import assign_encounters
from healthsim.products.network.local import occupancy
from healthsim.products.network.lookup import attribute_pcps
from healthsim.products.network.pool import NETWORK_BLOCK, Network, build_network
from healthsim.products.network.tables import network_tables
from healthsim.products.patient.em import new_or_established

AGE_SAMPLE = 20_000
"""Ages drawn from the profile to estimate its share of children (pool sizing only)."""
ATTRIBUTION_SUB = 1
ENCOUNTERS_SUB = 2


def child_share(plan: PopulationPlan) -> float:
    """Share of members under 18 implied by the profile's age distribution."""
    rng = block_rng(plan.seed, NETWORK_BLOCK, Stream.NETWORK, 0)
    demo = plan.spec.demographics
    if demo.age is None and plan.demography is not None:
        from healthsim.plan.demography import child_share as place_child_share

        return place_child_share(plan.demography)
    if demo.gender is None:  # ages from the spec, sex from the place: the age draw may not need sex
        sex = np.where(rng.random(AGE_SAMPLE) < 0.5, "F", "M")
        return float(np.mean(demo.age.sample(AGE_SAMPLE, rng, {"sex": sex}) < 18))
    sex = demo.gender.sample(AGE_SAMPLE, rng).astype("<U1")
    age = demo.age.sample(AGE_SAMPLE, rng, {"sex": sex})
    return float(np.mean(age < 18))


@dataclass
class NetworkStep:
    plan: PopulationPlan
    network: Network

    @classmethod
    def from_plan(cls, plan: PopulationPlan) -> NetworkStep:
        net = build_network(plan.seed, occupancy(plan), child_share(plan))
        return cls(plan, net)

    def static_tables(self) -> dict[str, pa.Table]:
        return network_tables(self.network)

    def run_block(self, m: MemberBlock, tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
        attributions, pcp_of_member = attribution_table(self.plan, self.network, m)
        out = {"pcp_attributions": attributions}
        if "encounters" in tables:  # journeys ran first: say who saw each member, and where
            rng = block_rng(self.plan.seed, m.block, Stream.NETWORK, ENCOUNTERS_SUB)
            out["encounters"] = new_or_established(
                assign_encounters(self.network, m, tables["encounters"], pcp_of_member, rng), m, pcp_of_member)
        return out


def attribution_table(plan: PopulationPlan, net: Network, m: MemberBlock) -> tuple[pa.Table, np.ndarray]:
    """One row per covered member of the block (their PCP from the first covered day), and
    the PCP's provider_id per member of the block (0 for the uninsured)."""
    covered = np.flatnonzero(m.plan_index >= 0)
    rng = block_rng(plan.seed, m.block, Stream.NETWORK, ATTRIBUTION_SUB)
    provider_id, km = attribute_pcps(net, m.zip_row[covered], m.age[covered], rng)
    pcp_of_member = np.zeros(m.n, np.int64)
    pcp_of_member[covered] = provider_id
    return pa.table({
        "person_id": m.person_id[covered],
        "provider_id": provider_id,
        "provider_npi": digits(net.providers.npi[provider_id - 1], 10),
        "effective_date": dates(m.coverage_start[covered]),
        "distance_km": np.round(km, 2),
    }), pcp_of_member
