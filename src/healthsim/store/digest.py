"""Table digests: one order-independent fingerprint of every row of every table.

Why: the promise "same seed, same data" must hold whichever way a cohort was
made (one process, worker processes, a Dask cluster of any size) and wherever
it was written (the DuckDB store, a Parquet lake, a lake imported into a
store). Row order and file layout legitimately differ between those, so a
digest hashes each row (every column, cast to its canonical type) with DuckDB's
`hash()` and adds the 64-bit hashes up exactly (HUGEINT): the sum does not
depend on order, and unlike XOR a duplicated row changes it. The row count is
kept beside the sum.

`digest` strings look like `20000:5d0c...`; `cohort_digest` combines every
table's into one sha256. They are comparable between runs made with the same
DuckDB version (its hash function is not a cross-version contract).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from healthsim.canonical import TABLES
from healthsim.canonical.table import Table


def row_hash_sql(table: Table) -> str:
    """SQL expression hashing one row of `table` from its canonical columns and types."""
    cols = ", ".join(f"CAST({c.name} AS {c.sql_type})" for c in table.columns)
    return f"hash({cols})"


def relation_digest(con: duckdb.DuckDBPyConnection, table: Table, source: str, params=None) -> str:
    """Digest of the rows `source` (a FROM clause, optionally with WHERE) yields for `table`."""
    sql = f"SELECT count(*), coalesce(sum({row_hash_sql(table)}::HUGEINT), 0) FROM {source}"
    rows, total = con.execute(sql, params or []).fetchone()
    return f"{int(rows)}:{int(total):x}"


def store_digests(db: str | Path, cohort_id: int, tables: list[str] | None = None) -> dict[str, str]:
    """Per-table digests of one cohort in a DuckDB cohort store (cohort_id itself left out)."""
    with duckdb.connect(str(db), read_only=True) as con:
        present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        return {name: relation_digest(con, TABLES[name], f"{name} WHERE cohort_id = ?", [int(cohort_id)])
                if name in present else "0:0"
                for name in (tables or sorted(TABLES))}


def catalog_digests(catalog: str | Path, tables: list[str] | None = None) -> dict[str, str]:
    """Per-table digests of a Parquet lake, read through its DuckDB catalog's views."""
    with duckdb.connect(str(catalog), read_only=True) as con:
        return {name: relation_digest(con, TABLES[name], name) for name in (tables or sorted(TABLES))}


def cohort_digest(digests: dict[str, str]) -> str:
    """One sha256 over every table's digest (table order does not matter)."""
    text = "\n".join(f"{k}={v}" for k, v in sorted(digests.items()))
    return hashlib.sha256(text.encode()).hexdigest()
