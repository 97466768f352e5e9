"""The provider-network supply table: what kinds of provider exist, their NUCC
taxonomy, and how many per 100,000 people a synthetic network holds.

One row per kind (`family_medicine`, `cardiology`, `hospital`, `retail_pharmacy`,
...). The network generator sizes its pools from `per_100k` and the cohort's
size, and labels every row with the NUCC code and display name from here, so
adding a specialty is a row in `data/network_supply.csv`, not code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from healthsim.errors import NotFoundError
from healthsim.reference._files import frozen, read_commented_csv

PCP_ROLES = ("pcp_adult", "pcp_child", "pcp_both")
FACILITY_ROLES = ("hospital", "asc", "lab", "snf", "imaging", "dialysis", "urgent_care", "home_health", "hospice",
                  "dme")
PHARMACY_ROLES = ("retail", "mail", "specialty")


@dataclass(frozen=True)
class SupplyTable:
    kind: np.ndarray            # object: 'family_medicine', 'hospital', ...
    taxonomy_code: np.ndarray   # object: NUCC code, e.g. 207Q00000X
    classification: np.ndarray  # object
    specialization: np.ndarray  # object ('' when none)
    entity_type: np.ndarray     # int8: 1 individual, 2 organisation
    role: np.ndarray            # object: see the data file's header
    credential: np.ndarray      # object: MD, NP, PA, DPT, RD, CRNA ('' for organisations)
    serves: np.ndarray          # object: all / adult / child
    per_100k: np.ndarray        # float64
    min_count: np.ndarray       # int64
    female_share: np.ndarray    # float64 (NaN for organisations)
    zip3_min: np.ndarray        # float64: expected members that earn a 3-digit ZIP area a site (NaN: none)
    state_min: np.ndarray       # float64: the same per state (NaN: none)

    def __len__(self) -> int:
        return len(self.kind)

    def display(self, i: int) -> str:
        """'Internal Medicine, Cardiovascular Disease' style label of row i."""
        spec = self.specialization[i]
        return f"{self.classification[i]}, {spec}" if spec else str(self.classification[i])

    def index(self, kind: str) -> int:
        hits = np.flatnonzero(self.kind == kind)
        if len(hits) == 0:
            raise NotFoundError(f"unknown network kind {kind!r}; known: {', '.join(self.kind)}")
        return int(hits[0])

    def rows(self, entity_type: int | None = None, roles: tuple[str, ...] | None = None) -> np.ndarray:
        keep = np.ones(len(self), bool)
        if entity_type is not None:
            keep &= self.entity_type == entity_type
        if roles is not None:
            keep &= np.isin(self.role, roles)
        return np.flatnonzero(keep)


@cache
def supply() -> SupplyTable:
    rows = read_commented_csv("network_supply.csv")

    def col(name: str, dtype=object) -> np.ndarray:
        return frozen(np.array([r[name] for r in rows], dtype=dtype))

    return SupplyTable(
        kind=col("kind"), taxonomy_code=col("taxonomy_code"), classification=col("classification"),
        specialization=col("specialization"), entity_type=col("entity_type", np.int8),
        role=col("role"), credential=col("credential"), serves=col("serves"),
        per_100k=col("per_100k", np.float64), min_count=col("min_count", np.int64),
        female_share=_floats(rows, "female_share"), zip3_min=_floats(rows, "zip3_min"),
        state_min=_floats(rows, "state_min"),
    )


def _floats(rows: list[dict[str, str]], name: str) -> np.ndarray:
    return frozen(np.array([float(r[name] or "nan") for r in rows]))
