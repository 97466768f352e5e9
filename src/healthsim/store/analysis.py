"""A read-only session over one cohort of a store, for statistics (validation, reports).

The benchmark metrics and integrity checks are SQL over the canonical tables. They are written
as if the store held one cohort: this session opens the file read-only (external access off, as
for `query`), and shadows every table that has a `cohort_id` column with a temporary view of that
cohort's rows. Temporary tables made for the analysis (the population member lists) live in
memory and vanish with the session; the store itself cannot be changed from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

import duckdb
import numpy as np

from healthsim.errors import NotFoundError
from healthsim.store.query import QueryRefused, read_only_connection


class AnalysisSession:
    """One cohort of a store, read-only, with temporary views that scope every table to it."""

    def __init__(self, db: str | Path, cohort_id: int | None = None):
        self.db = Path(db)
        self.con = read_only_connection(self.db)
        self.catalog = self.con.execute("SELECT current_database()").fetchone()[0]
        self.tables = self._cohort_tables()
        if "cohorts" not in self.tables and not self._has_table("cohorts"):
            self.close()
            raise NotFoundError(f"{self.db} is not a HealthSim cohort store (no cohorts table)")
        self.cohort_id = self._pick_cohort(cohort_id)
        for name in self.tables:
            self.con.execute(f'CREATE TEMP VIEW "{name}" AS SELECT * FROM "{self.catalog}".main."{name}" '
                             f"WHERE cohort_id = {int(self.cohort_id)}")

    # --- queries -------------------------------------------------------------------------------
    def execute(self, sql: str, params: list | None = None) -> None:
        self._run(sql, params)

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        return self._run(sql, params).fetchall()

    def one(self, sql: str, params: list | None = None) -> tuple:
        rows = self._run(sql, params).fetchmany(1)  # and finish the result (an open one blocks register())
        self.con.execute("SELECT 1").fetchall()
        return tuple(rows[0]) if rows else ()

    def columns(self, sql: str, params: list | None = None) -> dict[str, np.ndarray]:
        """The result as numpy columns (one array per column)."""
        result = self._run(sql, params).fetchnumpy()
        return {name: np.asarray(values) for name, values in result.items()}

    def register(self, name: str, table) -> None:
        """Make an in-memory Arrow table queryable under `name` (reference rows the checks join to)."""
        self.con.register(name, table)
        if name not in self.tables:
            self.tables.append(name)

    def has_table(self, name: str) -> bool:
        return name in self.tables

    def close(self) -> None:
        try:
            self.con.close()
        except duckdb.Error:  # pragma: no cover - closing twice
            pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals -----------------------------------------------------------------------------
    def _run(self, sql: str, params: list | None):
        try:
            return self.con.execute(sql, params or [])
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise QueryRefused(f"analysis query failed: {first}") from None

    def _has_table(self, name: str) -> bool:
        return bool(self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_catalog = ? AND table_name = ?",
            [self.catalog, name]).fetchone()[0])

    def _cohort_tables(self) -> list[str]:
        rows = self.con.execute(
            "SELECT DISTINCT table_name FROM information_schema.columns "
            "WHERE table_catalog = ? AND table_schema = 'main' AND column_name = 'cohort_id' ORDER BY 1",
            [self.catalog]).fetchall()
        return [r[0] for r in rows]

    def _pick_cohort(self, cohort_id: int | None) -> int:
        known = [r[0] for r in self.con.execute(
            f'SELECT cohort_id FROM "{self.catalog}".main.cohorts ORDER BY 1').fetchall()]
        if not known:
            self.close()
            raise NotFoundError(f"no cohorts in {self.db}")
        if cohort_id is None:
            return known[-1]
        if int(cohort_id) not in known:
            self.close()
            raise NotFoundError(f"no cohort {cohort_id} in {self.db}; cohorts there: {known}")
        return int(cohort_id)
