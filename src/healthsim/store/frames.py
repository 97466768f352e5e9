"""A cohort's tables as DataFrames (pandas, polars) or Arrow tables, for notebooks.

DuckDB hands every table over as Arrow; pandas and polars are made from that
Arrow table (zero-copy where the types allow), so the three kinds hold the
same rows and values. pandas and polars are optional (`pip install
'healthsim[frames]'`): asking for a kind whose library is missing says how to
get it. A frame is the whole table in memory: for millions of rows, select
what you need with `healthsim.query` instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from healthsim.canonical import TABLES
from healthsim.errors import FieldProblem, HealthSimError, NotFoundError, SpecError

Kind = Literal["pandas", "polars", "arrow"]
KINDS = ("pandas", "polars", "arrow")


def read_tables(db: str | Path, cohort_id: int | None = None,
                tables: Iterable[str] | str | None = None) -> tuple[int, dict[str, pa.Table]]:
    """(cohort id, {table: Arrow table}) for one cohort (default: the latest), in key order,
    without the cohort_id column. `tables` None = every table with rows for the cohort."""
    from healthsim.store.query import read_only_connection

    con = read_only_connection(db)
    try:
        present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "cohorts" not in present:
            raise NotFoundError(f"{db} holds no cohorts")
        ids = [r[0] for r in con.execute("SELECT cohort_id FROM cohorts ORDER BY 1").fetchall()]
        if not ids:
            raise NotFoundError(f"no cohorts in {db}")
        if cohort_id is None:
            cohort_id = ids[-1]
        elif cohort_id not in ids:
            raise NotFoundError(f"no cohort {cohort_id} in {db}; cohorts there: {ids}")
        if isinstance(tables, str):
            tables = [tables]
        if tables is None:
            names = [n for n in TABLES if n in present and con.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {n} WHERE cohort_id = ? LIMIT 1)", [cohort_id]).fetchall()[0][0]]
        else:
            names = list(tables)
            unknown = [n for n in names if n not in TABLES or n not in present]
            if unknown:
                import difflib

                known = [n for n in TABLES if n in present]
                near = difflib.get_close_matches(unknown[0], known, n=1)
                raise SpecError([FieldProblem("tables", "no such table in this store", unknown[0],
                                              ", ".join(known), near[0] if near else None)], source=str(db))
        out = {}
        for name in names:
            key = ", ".join(TABLES[name].key) if TABLES[name].key else "ALL"
            out[name] = con.sql(f"SELECT * EXCLUDE (cohort_id) FROM {name} WHERE cohort_id = ? "
                                f"ORDER BY {key}", params=[cohort_id]).to_arrow_table()
        return int(cohort_id), out
    finally:
        con.close()


def convert(table: pa.Table, kind: str) -> Any:
    """An Arrow table as `kind`: 'arrow' (itself), 'pandas' or 'polars'."""
    if kind == "arrow":
        return table
    if kind == "pandas":
        _need("pandas")
        return table.to_pandas()
    if kind == "polars":
        pl = _need("polars")
        return pl.from_arrow(table)
    raise SpecError([FieldProblem("kind", "unknown frame kind", kind, ", ".join(KINDS))])


def _need(module: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise HealthSimError(f"frames of kind {module!r} need {module}, which is not installed: "
                             "pip install 'healthsim[frames]'") from None
