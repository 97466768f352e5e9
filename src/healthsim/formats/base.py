"""The exporter interface, the registry, and what an exporter is handed.

An exporter is one module: a class with a `name`, a `description`, the
canonical tables it `requires`, and `export(source, out, progress)` that
writes files under `out` and returns counts. It reads the cohort only through
`CohortSource` (person_id blocks of canonical tables, or whole static
tables), never the engine, so a format works on any store that has its tables.
Registering it (`@register`) is all it takes to appear in the CLI, the API,
MCP and the contract tests.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Protocol, runtime_checkable

import pyarrow as pa

from healthsim.errors import NotFoundError
from healthsim.formats.options import DEFAULT as DEFAULT_OPTIONS
from healthsim.formats.options import ExportOptions
from healthsim.formats.safe_text import PLAIN, TextPolicy
from healthsim.progress import step as announce

Progress = Callable[[int, int], None]
"""Called with (members done, members total) after each block."""

BLOCK_PERSONS = 10_000
"""Persons per read block at most: one block of every table is in memory at a time."""

ROWS_PER_BLOCK = 250_000
"""Rows of person-level tables one read block may hold. An exporter holds a block's rows
as Arrow and, while it builds, as Python objects (~0.5-1 KB a row): a cohort with a year
of care has ~400 rows per member, so blocks of 10,000 members took 2.5-3.5 GB; blocks cut
to this budget keep every format's peak RSS under 1 GB (benchmarks/bench_export.py)."""

BLOCK_STEPS = (10_000, 5_000, 2_000, 1_000, 500, 200, 100)


def block_size(row_counts: Mapping[str, int], members: int, largest: int = BLOCK_PERSONS) -> int:
    """Persons per read block for a cohort: the largest of BLOCK_STEPS (at most `largest`)
    whose block holds at most ROWS_PER_BLOCK person-level rows at the cohort's rows per
    member. It depends on the cohort alone, so every format of one cohort cuts the same
    blocks (files named by block range match across formats) and the bytes repeat."""
    per_member = sum(int(row_counts.get(name, 0) or 0) for name in person_level_tables()) / max(1, members)
    for steps in BLOCK_STEPS:
        if steps <= largest and steps * per_member <= ROWS_PER_BLOCK:
            return steps
    return min(largest, BLOCK_STEPS[-1])


def person_level_tables() -> tuple[str, ...]:
    """Canonical tables with a row per member event: those with a person_id, and their children
    keyed by a parent's key (claim_lines). Static tables (providers, plans ...) are left out."""
    from healthsim.canonical import TABLES

    person = {n for n, t in TABLES.items() if any(c.name == "person_id" for c in t.columns)}
    parent_keys = {TABLES[n].key[0] for n in person if TABLES[n].key}
    child = {n for n, t in TABLES.items() if n not in person and t.key and t.key[0] in parent_keys}
    return tuple(sorted(person | child))

HOUSEHOLDS = "household_dependents"
"""A derived table a block can ask for: for each of its members, the enrollment spans of
every dependent in the member's household (dependent_id, relationship, plan_id,
start_date, end_date), the member's own included when they are a dependent."""

SUBSCRIBERS = "household_subscribers"
"""A derived table a block can ask for: for each of its members who is a dependent in a
household (persons.household_id another person), the subscriber's person_id
(subscriber_person_id), name, birth date and sex, wherever the subscriber's own row is
(households are not confined to a block)."""


@dataclass(frozen=True)
class CohortInfo:
    """What every exporter knows about the cohort; all derived values are deterministic."""

    cohort_id: int
    name: str
    seed: int
    as_of: date
    member_count: int

    @property
    def stamp(self) -> datetime:
        """The export's creation time: as_of plus a time of day drawn from the seed.

        Never the wall clock, so the same cohort exports to the same bytes."""
        return datetime.combine(self.as_of, time()) + timedelta(minutes=self.seed % 1440)

    def number(self, purpose: str, modulus: int = 10**9) -> int:
        """A stable number in 1..modulus-1 for a purpose (e.g. a control-number base)."""
        key = f"{self.name}|{self.seed}|{self.as_of}|{self.member_count}|{purpose}".encode()
        return 1 + zlib.crc32(key) % (modulus - 1)


@dataclass
class Block:
    """Rows of several tables for persons lo..hi (inclusive), in key order."""

    lo: int
    hi: int
    tables: dict[str, pa.Table]

    def __getitem__(self, name: str) -> pa.Table:
        return self.tables[name]


class CohortSource:
    """Read access to one cohort for exporters, over a CohortStore."""

    def __init__(self, store, info: CohortInfo, block_persons: int = BLOCK_PERSONS,
                 progress: Progress | None = None, options: ExportOptions | None = None,
                 text: TextPolicy | None = None):
        self.store, self.info, self.block_persons = store, info, block_persons
        self.progress = progress
        self.options = options or DEFAULT_OPTIONS
        self.text = text or PLAIN  # every table read is passed through it (formats/safe_text.py)
        self._has: dict[str, bool] = {}

    def has(self, *tables: str) -> bool:
        for t in tables:
            if t not in self._has:
                self._has[t] = self.store.has_table(t)
        return all(self._has[t] for t in tables)

    def count(self, table: str, **equals) -> int:
        """Rows of the cohort in `table` (0 if absent), optionally where column = value."""
        if not self.has(table):
            return 0
        if not equals:
            return self.store.count_rows(self.info.cohort_id, table)
        columns = set(self.store.table_columns(table))
        if not set(equals) <= columns:
            return 0
        where = " AND ".join(f'"{c}" = ?' for c in equals)
        sql = f'SELECT count(*) FROM "{table}" WHERE cohort_id = ? AND {where}'
        return int(self.store.con.execute(sql, [self.info.cohort_id, *equals.values()]).fetchall()[0][0])

    def static(self, table: str) -> pa.Table:
        """A whole (small, per-cohort) table such as plans or providers."""
        return self.text.table(self.store.read_all(self.info.cohort_id, table))

    def stream(self, table: str, batch_rows: int = 65_536) -> pa.RecordBatchReader:
        announce(self.progress, table)
        return self.text.reader(self.store.stream_table(self.info.cohort_id, table, batch_rows))

    def person_blocks(self, tables: Mapping[str, tuple[str, str] | None],
                      block_persons: int | None = None) -> Iterator[Block]:
        """Blocks of persons 1..member_count; `tables` maps name -> None or (parent, key).

        Tables absent from the store are skipped (the block lacks them). Calls
        the progress callback after each block. `block_persons` overrides the
        block size for exporters that must hold a whole block (e.g. Bundles)."""
        present = {name: via for name, via in tables.items() if self.has(name)}
        has_households = self.has("persons", "enrollments") and "household_id" in self.store.table_columns("persons")
        subscribers = SUBSCRIBERS in tables and has_households
        households = HOUSEHOLDS in tables and has_households
        total, step = self.info.member_count, block_persons or self.block_persons
        for lo in range(1, total + 1, step):
            hi = min(total, lo + step - 1)
            read = self.store.read_person_range
            announce(self.progress, "read")
            got = {n: self.text.table(read(self.info.cohort_id, n, lo, hi, via)) for n, via in present.items()}
            if subscribers:
                got[SUBSCRIBERS] = self.text.table(self._subscribers(lo, hi))
            if households:
                got[HOUSEHOLDS] = self._household_dependents(lo, hi)
            yield Block(lo, hi, got)
            if self.progress is not None:
                self.progress(hi, total)


    def _subscribers(self, lo: int, hi: int) -> pa.Table:
        sql = """SELECT d.person_id, s.person_id AS subscriber_person_id, s.first_name, s.last_name,
                        s.birth_date, s.sex
                 FROM persons d JOIN persons s ON s.cohort_id = d.cohort_id AND s.person_id = d.household_id
                 WHERE d.cohort_id = ? AND d.person_id BETWEEN ? AND ? AND d.household_id <> d.person_id
                 ORDER BY d.person_id"""
        return self.store.con.sql(sql, params=[self.info.cohort_id, lo, hi]).to_arrow_table()


    def _household_dependents(self, lo: int, hi: int) -> pa.Table:
        sql = """SELECT p.person_id, m.person_id AS dependent_id, e.relationship, e.plan_id, e.start_date,
                        e.end_date
                 FROM persons p
                 JOIN persons m ON m.cohort_id = p.cohort_id AND m.household_id = p.household_id
                  AND m.person_id <> m.household_id
                 JOIN enrollments e ON e.cohort_id = m.cohort_id AND e.person_id = m.person_id
                 WHERE p.cohort_id = ? AND p.person_id BETWEEN ? AND ?
                 ORDER BY p.person_id, m.person_id, e.span_no"""
        return self.store.con.sql(sql, params=[self.info.cohort_id, lo, hi]).to_arrow_table()


@dataclass
class ExportResult:
    format: str
    cohort_id: int
    out: Path
    files: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@runtime_checkable
class Exporter(Protocol):
    name: str
    description: str
    requires: tuple[str, ...]

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        """Write the format's files under `out`; return counts (e.g. resources per type)."""
        ...


def nothing_to_export(exporter, source: CohortSource) -> str | None:
    """Why the format would write no records for this cohort (None when it has some).

    An exporter says what it needs with `needs_rows`: a list of (table, {column: value})
    of which at least one must have rows, e.g. 837P needs professional claims. The run
    stops with exit code 2 and this message instead of writing an empty export."""
    needs = getattr(exporter, "needs_rows", ())
    if not needs or any(source.count(table, **equals) for table, equals in needs):
        return None
    what = " or ".join(f"{table}" + (" with " + ", ".join(f"{k} = {v!r}" for k, v in eq.items()) if eq else "")
                       for table, eq in needs)
    hint = getattr(exporter, "needs_hint", "generate the cohort with journeys and claims (e.g. --journey "
                                             "annual-care) first")
    return (f"format {exporter.name}: cohort {source.info.cohort_id} has no {what}, so there is nothing to "
            f"export; {hint}")


EXPORTERS: dict[str, Exporter] = {}


def register(cls: type) -> type:
    """Class decorator: instantiate and register an exporter under its `name`."""
    inst = cls()
    if inst.name in EXPORTERS:
        raise ValueError(f"format {inst.name} registered twice")
    EXPORTERS[inst.name] = inst
    return cls


def get_exporter(name: str) -> Exporter:
    if name not in EXPORTERS:
        from difflib import get_close_matches

        near = get_close_matches(name, list(EXPORTERS), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise NotFoundError(f"unknown format {name!r}; formats: {', '.join(EXPORTERS)}{hint}")
    return EXPORTERS[name]
