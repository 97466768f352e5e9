"""MemberSim claims as an engine step: the journeys' encounters become adjudicated claims.

Runs after the journey step (which makes encounters, procedures, diagnoses and
lab orders) and the network step (which says who saw the member and where).
For each block it returns `claims` and `claim_lines`, and `pharmacy_claims`
for the medication orders (products/pharmacy); blocks without journeys return
nothing. Randomness (anesthesiologist and lab choice, claim lags) comes
from the block's CLAIMS stream; prices and denials are hashes of (seed, keys).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from healthsim.engine.columns import days
from healthsim.engine.members import MemberBlock
from healthsim.engine.seeds import Stream, block_rng
from healthsim.plan.population import PopulationPlan
from healthsim.products.claims.assemble import ClaimContext, build_claims
from healthsim.products.claims.benefits import BenefitArrays
from healthsim.products.claims.denials import DenialPolicy
from healthsim.products.claims.tables import claims_tables
from healthsim.products.network.pool import Network
from healthsim.products.pharmacy.claims import pharmacy_claims_table
from healthsim.reference.claims import payer_multipliers

NEEDS = ("encounters", "procedures", "diagnoses", "lab_orders", "enrollments")


@dataclass
class ClaimsStep:
    context: ClaimContext
    medical: bool = True
    pharmacy: bool = True

    @classmethod
    def from_plan(cls, plan: PopulationPlan, network: Network,
                  policy: DenialPolicy | None = None, *, medical: bool = True,
                  pharmacy: bool = True) -> ClaimsStep:
        options = plan.options
        return cls(ClaimContext(
            seed=plan.seed, network=network,
            benefits=BenefitArrays.from_designs([o.benefits for o in options]),
            payer_row=payer_multipliers().rows([o.coverage_type for o in options]),
            plan_ids=tuple(o.plan_id for o in options),
            coverage_types=tuple(o.coverage_type for o in options), as_of_day=days(plan.as_of),
            policy=policy or DenialPolicy()), medical, pharmacy)

    def static_tables(self) -> dict[str, pa.Table]:
        return {}

    def run_block(self, m: MemberBlock, tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
        if not all(name in tables for name in NEEDS) or tables["encounters"].num_rows == 0:
            return {}
        out = {}
        if self.medical:
            rng = block_rng(self.context.seed, m.block, Stream.CLAIMS)
            built = build_claims(self.context, m, tables, rng)
            out = {} if built is None else claims_tables(self.context, built, tables, rng)
        if self.pharmacy and "medication_orders" in tables and tables["medication_orders"].num_rows:
            rx = pharmacy_claims_table(self.context, m, tables, block_rng(self.context.seed, m.block,
                                                                         Stream.PHARMACY))
            if rx is not None:
                out["pharmacy_claims"] = rx
        return out
