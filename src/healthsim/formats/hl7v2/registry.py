"""Which HL7 v2 messages are built from which canonical tables (as for FHIR).

A message builder yields (file key, ER7 message) for one block; it is active
when its required tables are in the store. A new message type (ORU^R01 from
observations, A01/A03 from encounters) is one decorated function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from healthsim.formats.base import Block, CohortInfo

Via = tuple[str, str] | None


@dataclass(frozen=True)
class Hl7Context:
    info: CohortInfo
    provider_npis: dict = field(default_factory=dict)  # str(provider_id) -> NPI, for PV1-7

    def control_id(self, kind: str, key: int, n: int) -> str:
        """MSH-10: unique and stable per (kind, key, event number); at most 20 characters."""
        return f"{kind[:3].upper()}{key}{n:02d}"


@dataclass(frozen=True)
class MessageBuilder:
    keys: tuple[str, ...]
    tables: dict[str, Via]
    optional: dict[str, Via]
    build: Callable[[Block, Hl7Context], Iterator[tuple[str, str]]]


MESSAGE_BUILDERS: list[MessageBuilder] = []


def hl7_messages(*keys: str, tables: dict[str, Via], optional: dict[str, Via] | None = None):
    def deco(fn):
        MESSAGE_BUILDERS.append(MessageBuilder(keys, dict(tables), dict(optional or {}), fn))
        return fn
    return deco
