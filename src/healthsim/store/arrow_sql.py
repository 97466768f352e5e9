"""SQL over Arrow tables held in memory (no cohort file): for checks on freshly generated blocks."""

from __future__ import annotations

import duckdb
import pyarrow as pa


def query_tables(tables: dict[str, pa.Table], sql: str) -> pa.Table:
    """Run one SELECT with each Arrow table visible under its name."""
    con = duckdb.connect()
    try:
        for name, table in tables.items():
            con.register(name, table)
        return con.sql(sql).to_arrow_table()
    finally:
        con.close()
