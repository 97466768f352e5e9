"""Plan benefit designs as arrays indexed by plan (MemberBlock.plan_index).

Adjudication looks up each line's deductible, out-of-pocket maximum,
coinsurance and copay by integer plan and service-type index, so a design is
turned into a few small arrays once per run. Amounts are int64 cents.

Service types are the profile's `SERVICE_TYPES` (pcp, specialist, er, lab, ...)
plus two codes a claim line may carry instead:
- `DEDUCTIBLE_COINSURANCE` (-1): no copay applies; the line goes to the
  deductible, then coinsurance (surgery fees, maternity, DME, ...);
- `PREVENTIVE` (-2): no member cost sharing at all (ACA section 2713 and
  Medicare preventive services: wellness visits, screenings, vaccines).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from healthsim.spec.coverage import SERVICE_TYPES, BenefitDesign

DEDUCTIBLE_COINSURANCE = -1
PREVENTIVE = -2
NO_COPAY = -1
NO_CAP = np.int64(1) << 60
"""Out-of-pocket 'maximum' of a design without one (Original Medicare)."""


def service_index(names: Sequence[str] | np.ndarray) -> np.ndarray:
    """SERVICE_TYPES names -> indices ('preventive' -> PREVENTIVE, other unknown -> -1)."""
    lookup = {s: i for i, s in enumerate(SERVICE_TYPES)} | {"preventive": PREVENTIVE}
    uniq, inverse = np.unique(np.asarray(names, dtype=object).astype(str), return_inverse=True)
    codes = np.array([lookup.get(u, DEDUCTIBLE_COINSURANCE) for u in uniq], dtype=np.int16)
    return codes[inverse]


def _cents(x: float) -> int:
    return round(float(x) * 100)


@dataclass(frozen=True)
class BenefitArrays:
    deductible_cents: np.ndarray  # (plans,) int64
    oop_max_cents: np.ndarray     # (plans,) int64; NO_CAP when none
    coinsurance: np.ndarray       # (plans,) float64
    copay_cents: np.ndarray       # (plans, len(SERVICE_TYPES)) int64; NO_COPAY where not listed
    rx_deductible_cents: np.ndarray

    @property
    def plans(self) -> int:
        return len(self.deductible_cents)

    @classmethod
    def from_designs(cls, designs: Sequence[BenefitDesign]) -> BenefitArrays:
        """From the profile's designs in plan-option order (e.g. [o.benefits for o in plan.options])."""
        copays = np.full((len(designs), len(SERVICE_TYPES)), NO_COPAY, np.int64)
        for p, d in enumerate(designs):
            for s, amount in d.copays.items():
                copays[p, SERVICE_TYPES.index(s)] = _cents(amount)
        return cls(
            deductible_cents=np.array([_cents(d.deductible) for d in designs], np.int64),
            oop_max_cents=np.array([NO_CAP if d.oop_max is None else _cents(d.oop_max) for d in designs],
                                   np.int64),
            coinsurance=np.array([d.coinsurance for d in designs], float),
            copay_cents=copays,
            rx_deductible_cents=np.array([_cents(d.rx_deductible) for d in designs], np.int64),
        )

    @classmethod
    def from_plans_table(cls, plans: pa.Table) -> BenefitArrays:
        """From canonical `plans` rows (in row order): null copay = not listed."""
        def column(name: str) -> list:
            return plans.column(name).to_pylist()

        designs = []
        for i in range(plans.num_rows):
            copays = {s: column(f"copay_{s}")[i] for s in SERVICE_TYPES
                      if column(f"copay_{s}")[i] is not None}
            designs.append(BenefitDesign(
                deductible=column("deductible")[i], oop_max=column("oop_max")[i],
                coinsurance=column("coinsurance")[i], copays=copays,
                rx_deductible=column("rx_deductible")[i]))
        return cls.from_designs(designs)
