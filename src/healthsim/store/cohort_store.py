"""DuckDB cohort store: each run is a cohort, written whole or not at all.

A cohort's `cohorts` row and all its entity rows are inserted in ONE
transaction, block by block (so memory stays flat), and committed only after
the last block. An exception, Ctrl-C or a killed process before COMMIT leaves
the database exactly as it was: DuckDB discards the uncommitted transaction
(also on WAL replay after a crash). Other cohorts in the file are never touched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

import duckdb
import numpy as np
import pyarrow as pa

from healthsim import interrupts
from healthsim.canonical import TABLES
from healthsim.errors import NotFoundError, StoreError
from healthsim.faults import fault_point
from healthsim.store import compat

COHORTS_DDL = """
CREATE TABLE IF NOT EXISTS cohorts (
  cohort_id INTEGER PRIMARY KEY,
  name VARCHAR NOT NULL,
  spec JSON NOT NULL,
  seed BIGINT NOT NULL,
  member_count BIGINT NOT NULL,
  as_of DATE,
  block_size INTEGER,
  package_version VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  row_counts JSON,
  summary JSON
)
"""


@dataclass(frozen=True)
class CohortMeta:
    name: str
    spec: dict
    seed: int
    member_count: int
    as_of: str
    block_size: int
    package_version: str


class CohortStore:
    """A DuckDB file holding any number of cohorts."""

    def __init__(self, path: str | Path, read_only: bool = False, memory_limit: str = "1GB"):
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise NotFoundError(f"no cohort database at {self.path}")
        try:
            if not read_only:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.con = compat.connect(self.path, read_only=read_only)  # a format DuckDB tools read
        except (duckdb.Error, OSError) as exc:
            raise StoreError(f"cannot open cohort database {self.path}: {exc}") from None
        # Bound DuckDB's buffer pool so peak memory stays flat in cohort size.
        self.memory_limit = memory_limit
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        # the CLI draws its own progress: DuckDB's bar on long reads would print over it
        self.con.execute("SET enable_progress_bar = false")
        if not read_only:
            self._ensure_schema()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _ensure_schema(self) -> None:
        self.con.execute(COHORTS_DDL)
        for t in TABLES.values():
            self.con.execute(t.ddl())

    def write_cohort(self, meta: CohortMeta, static: Mapping[str, pa.Table],
                     blocks: Iterable[Mapping[str, pa.Table]], finish, *, threads: int | None = None,
                     after_blocks=None) -> int:
        """Insert a whole cohort in one transaction; return its cohort_id.

        `finish()` is called after the last block and returns (row_counts, summary)
        for the cohorts row, so the summary describes exactly what was written.
        `after_blocks()`, when given, returns tables made from the whole cohort (TrialSim's) that go
        into the same transaction after the last block. `threads` caps DuckDB's threads for the write: when worker processes are
        making blocks on the other cores, one DuckDB thread compresses the same
        rows with ~23% less CPU (and fuller row groups) than two that fight them
        for the cores (measured: 0.55 vs 0.72 CPU-s per 10,000-member block).
        """
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        # Appending needs little buffer memory (full row groups go to the file as they come):
        # a smaller pool only stops clean pages of the new cohort from piling up (measured on
        # 10M rows: the same insert CPU, 350 MB less peak memory than 1 GB).
        self.con.execute(f"SET memory_limit = '{WRITE_MEMORY_LIMIT}'")
        try:
            return self._write_cohort(meta, static, blocks, finish, after_blocks)
        finally:
            self.con.execute(f"SET memory_limit = '{self.memory_limit}'")
            if threads:
                self.con.execute("RESET threads")

    def _write_cohort(self, meta: CohortMeta, static: Mapping[str, pa.Table],
                      blocks: Iterable[Mapping[str, pa.Table]], finish, after_blocks=None) -> int:
        con = self.con
        committed = False
        con.execute("BEGIN TRANSACTION")
        try:
            cohort_id = con.execute("SELECT coalesce(max(cohort_id), 0) + 1 FROM cohorts").fetchone()[0]
            con.execute(
                "INSERT INTO cohorts (cohort_id, name, spec, seed, member_count, as_of, block_size, "
                "package_version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [cohort_id, meta.name, json.dumps(meta.spec, default=str), meta.seed, meta.member_count,
                 meta.as_of, meta.block_size, meta.package_version,
                 datetime.now(UTC).replace(tzinfo=None, microsecond=0)],
            )
            self._insert_tables(cohort_id, static)
            pending = _RowGroupBuffer(lambda name, t: self._insert_tables(cohort_id, {name: t}))
            for tables in blocks:
                pending.add(tables)
                fault_point("store.insert")
            pending.flush()
            if after_blocks is not None:
                self._insert_tables(cohort_id, after_blocks())
            row_counts, summary = finish()
            con.execute("UPDATE cohorts SET row_counts = ?, summary = ? WHERE cohort_id = ?",
                        [json.dumps(row_counts), json.dumps(summary, default=str), cohort_id])
            # COMMIT is a critical section: a SIGINT/SIGTERM arriving now is held
            # until it is done, then raised marked "committed" (so the user is not
            # told a complete cohort failed, and does not re-run it into a duplicate).
            with interrupts.deferred():
                fault_point("store.commit")
                con.execute("COMMIT")
                committed = True
                fault_point("store.committed")
            return int(cohort_id)
        except BaseException as exc:
            if committed:
                raise interrupts.mark_committed(exc, f"cohort {cohort_id} in {self.path}") from None
            self._rollback()
            interrupt = interrupts.as_interrupt(exc)
            if interrupt is not exc:
                raise interrupt from None
            raise

    def _rollback(self) -> None:
        """Undo the open transaction; quiet if DuckDB already ended it (an interrupted
        statement can abort the transaction itself), so the first error is the one shown."""
        try:
            self.con.execute("ROLLBACK")
        except duckdb.Error:
            pass

    def _insert_tables(self, cohort_id: int, tables: Mapping[str, pa.Table]) -> None:
        # Arrow tables are handed over with from_arrow().insert_into(): unlike
        # register()+INSERT, it does not pin each block's memory until COMMIT,
        # so a cohort of any size is written with flat memory.
        for name, tbl in tables.items():
            if tbl.num_rows == 0:
                continue
            cid = pa.array(np.full(tbl.num_rows, cohort_id, dtype=np.int32))
            self.con.from_arrow(tbl.add_column(0, "cohort_id", cid)).insert_into(name)

    # --- reading ---------------------------------------------------------
    def list_cohorts(self) -> list[dict]:
        if not self._has_cohorts():
            return []
        rows = self.con.execute(
            "SELECT cohort_id, name, seed, member_count, as_of, package_version, created_at, row_counts "
            "FROM cohorts ORDER BY cohort_id").fetchall()
        keys = ["cohort_id", "name", "seed", "member_count", "as_of", "package_version", "created_at", "row_counts"]
        return [_decode(dict(zip(keys, r, strict=True))) for r in rows]

    def get_cohort(self, cohort_id: int) -> dict:
        row = self.con.execute("SELECT * FROM cohorts WHERE cohort_id = ?", [cohort_id]).fetchone() \
            if self._has_cohorts() else None
        if row is None:
            known = [c["cohort_id"] for c in self.list_cohorts()]
            raise NotFoundError(f"no cohort {cohort_id} in {self.path}; cohorts there: {known or 'none'}")
        cols = [d[0] for d in self.con.description]
        return _decode(dict(zip(cols, row, strict=True)))

    def add_to_cohort(self, cohort_id: int, tables: Mapping[str, pa.Table], summary_key: str,
                      summary: dict) -> None:
        """Append rows made later from a committed cohort (a trial run on it) in one transaction, and
        record their counts and a summary entry on the cohort: all of it or nothing."""
        info = self.get_cohort(cohort_id)
        counts = dict(info.get("row_counts") or {})
        for name, t in tables.items():
            counts[name] = counts.get(name, 0) + int(t.num_rows)
        merged = dict(info.get("summary") or {})
        merged[summary_key] = summary
        self.con.execute("BEGIN TRANSACTION")
        try:
            self._insert_tables(cohort_id, tables)
            self.con.execute("UPDATE cohorts SET row_counts = ?, summary = ? WHERE cohort_id = ?",
                             [json.dumps(counts), json.dumps(merged, default=str), cohort_id])
            with interrupts.deferred():
                fault_point("store.commit")
                self.con.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def delete_cohort(self, cohort_id: int) -> dict:
        """Remove one cohort's rows from every table, in one transaction."""
        info = self.get_cohort(cohort_id)
        self.con.execute("BEGIN TRANSACTION")
        try:
            for name in TABLES:
                self.con.execute(f"DELETE FROM {name} WHERE cohort_id = ?", [cohort_id])
            self.con.execute("DELETE FROM cohorts WHERE cohort_id = ?", [cohort_id])
            with interrupts.deferred():
                self.con.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        return info

    # --- streaming reads for exporters ----------------------------------
    # Exporters read a cohort in person_id ranges (or as record batches), so an
    # export of any size holds one block in memory. Rows come in key order, so
    # the same cohort always yields the same bytes.
    def has_table(self, name: str) -> bool:
        return bool(self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchall()[0][0])

    def table_columns(self, name: str) -> list[str]:
        rows = self.con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                                "ORDER BY ordinal_position", [name]).fetchall()
        return [r[0] for r in rows]

    def count_rows(self, cohort_id: int, name: str) -> int:
        return int(self.con.execute(f"SELECT count(*) FROM {_ident(name)} WHERE cohort_id = ?",
                                    [cohort_id]).fetchall()[0][0])

    def stream_table(self, cohort_id: int, name: str, batch_rows: int = 65_536) -> pa.RecordBatchReader:
        """All of one cohort's rows of a table, in key order, as Arrow record batches."""
        sql = f"SELECT * FROM {_ident(name)} WHERE cohort_id = ? ORDER BY {_order(name)}"
        # A cursor of its own, so other reads can run while this one streams.
        return self.con.cursor().sql(sql, params=[cohort_id]).to_arrow_reader(batch_rows)

    def read_person_range(self, cohort_id: int, name: str, lo: int, hi: int,
                          via: tuple[str, str] | None = None) -> pa.Table:
        """Rows of a table for persons lo..hi (inclusive), in key order, without cohort_id.

        A table without person_id (e.g. claim_lines) is read `via` its parent:
        ("claims", "claim_id") keeps the lines whose claim belongs to those persons.
        """
        if via is None:
            where, params = "person_id BETWEEN ? AND ?", [cohort_id, lo, hi]
        else:
            parent, key = _ident(via[0]), _ident(via[1])
            where = (f"{key} IN (SELECT {key} FROM {parent} WHERE cohort_id = ? "
                     "AND person_id BETWEEN ? AND ?)")
            params = [cohort_id, cohort_id, lo, hi]
        sql = (f"SELECT * EXCLUDE (cohort_id) FROM {_ident(name)} WHERE cohort_id = ? AND {where} "
               f"ORDER BY {_order(name)}")
        return self.con.sql(sql, params=params).to_arrow_table()

    def read_all(self, cohort_id: int, name: str) -> pa.Table:
        """A small (static) table whole, in key order, without cohort_id."""
        sql = f"SELECT * EXCLUDE (cohort_id) FROM {_ident(name)} WHERE cohort_id = ? ORDER BY {_order(name)}"
        return self.con.sql(sql, params=[cohort_id]).to_arrow_table()

    def _has_cohorts(self) -> bool:
        return bool(self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'cohorts'").fetchone()[0])


WRITE_MEMORY_LIMIT = "512MB"
"""DuckDB's buffer pool while a cohort is written (reads keep the store's memory_limit)."""
ROW_GROUP_ROWS = 122_880
"""DuckDB's row-group size."""
FLUSH_ROWS = 4 * ROW_GROUP_ROWS
"""Rows of a table gathered before they are inserted (one statement)."""


class _RowGroupBuffer:
    """Gathers each table's blocks into inserts of about FLUSH_ROWS rows.

    Within one transaction DuckDB appends consecutive inserts into a table to
    the same row groups, compressing and writing each to the file as it fills
    ("optimistic writes"), so the file has the same full row groups however
    the rows were split into inserts (checked with pragma_storage_info, DuckDB
    2.0). Gathering only saves the fixed cost per statement for the small
    tables (a 10,000-member block has 10,000 persons rows, 150,000 pharmacy
    claims, 1.7M observations with a year of care). A table that reaches
    FLUSH_ROWS is inserted whole, so no part of an old block is held back:
    memory stays at about one block (the spooled blocks are memory-mapped, and
    a held slice would keep its block's whole file mapped).
    """

    def __init__(self, insert):
        self.insert = insert
        self.parts: dict[str, list[pa.Table]] = {}
        self.rows: dict[str, int] = {}

    def add(self, tables: Mapping[str, pa.Table]) -> None:
        for name, table in tables.items():
            if table.num_rows == 0:
                continue
            self.parts.setdefault(name, []).append(table)
            self.rows[name] = self.rows.get(name, 0) + table.num_rows
            if self.rows[name] >= FLUSH_ROWS:
                self._flush(name)

    def flush(self) -> None:
        for name in list(self.parts):
            self._flush(name)

    def _flush(self, name: str) -> None:
        parts = self.parts.pop(name, [])
        self.rows.pop(name, None)
        if parts:
            self.insert(name, parts[0] if len(parts) == 1 else pa.concat_tables(parts))


def _decode(row: dict) -> dict:
    for key in ("spec", "row_counts", "summary"):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    return row


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise StoreError(f"not a table or column name: {name!r}")
    return name


def _order(name: str) -> str:
    """ORDER BY clause for a table: its declared key, else every column."""
    t = TABLES.get(name)
    return ", ".join(t.key) if t is not None and t.key else "ALL"
