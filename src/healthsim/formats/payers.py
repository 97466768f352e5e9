"""Payer identities derived from the plans table, shared by every payer-facing format.

The canonical model has plans but no payer organisations, so each plan's
payer gets a name, a 5-digit payer ID and a 9-digit tax ID derived from the
plan key (stable across runs and formats): the 834's N1*IN, the 837's
NM1*PR, the 835's N1*PR and FHIR's payer Organization all name the same payer.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Payer:
    plan_id: str
    name: str
    payer_id: str
    tax_id: str


@lru_cache(maxsize=4096)
def payer_for(plan_id: str | None, plan_name: str | None = None) -> Payer:
    key = str(plan_id or "SELF")
    h = zlib.crc32(key.encode())
    name = (plan_name or "HealthSim Health Plan").upper()
    return Payer(key, name, f"{10000 + h % 90000:05d}", f"{(h * 7919) % 900_000_000 + 100_000_000:09d}")
