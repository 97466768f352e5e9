"""Which HL7 v2 messages are built from which canonical tables (as for FHIR).

A message builder yields `Hl7Message`s for one block: the event, its time and
the segments after MSH; the exporter adds MSH (with the configured MSH-3..6 and
a message time at or after the event) and writes them per type or as one
chronological feed. A builder is active when its required tables are in the
store, so a new message type is one decorated function.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from healthsim.formats.base import Block, CohortInfo

Via = tuple[str, str] | None
MAX_DELAY_S = 300  # a message leaves the source system within five minutes of its event


@dataclass(frozen=True)
class Hl7Context:
    info: CohortInfo
    provider_npis: dict = field(default_factory=dict)  # str(provider_id) -> NPI, for PV1-7

    @property
    def cutoff(self) -> datetime:
        """The last moment of the cohort's as_of day: nothing later is sent."""
        return datetime.combine(self.info.as_of, time(23, 59, 59))

    def control_id(self, kind: str, key: int, n: int) -> str:
        """MSH-10: unique and stable per (kind, key, event number); at most 20 characters."""
        return f"{kind[:3].upper()}{key}{n:02d}"


@dataclass(frozen=True)
class Hl7Message:
    """One message before MSH: its file key (e.g. adt_a04), event time, control id,
    MSH-9 parts and the other segments."""

    key: str
    when: datetime
    control: str
    message_type: str
    event: str
    structure: str
    segments: list[str]

    def sent(self, cutoff: datetime) -> datetime:
        """MSH-7: the event time plus a delay of up to MAX_DELAY_S seconds (keyed by the
        control id, so stable), never after the as_of day."""
        delay = timedelta(seconds=zlib.crc32(self.control.encode()) % (MAX_DELAY_S + 1))
        return min(self.when + delay, max(cutoff, self.when))


@dataclass(frozen=True)
class MessageBuilder:
    keys: tuple[str, ...]
    tables: dict[str, Via]
    optional: dict[str, Via]
    build: Callable[[Block, Hl7Context], Iterator[Hl7Message]]


MESSAGE_BUILDERS: list[MessageBuilder] = []


def hl7_messages(*keys: str, tables: dict[str, Via], optional: dict[str, Via] | None = None):
    def deco(fn):
        MESSAGE_BUILDERS.append(MessageBuilder(keys, dict(tables), dict(optional or {}), fn))
        return fn
    return deco
