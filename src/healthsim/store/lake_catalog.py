"""DuckDB over a Parquet lake: the catalog of views, and importing a lake into a store.

The catalog (`catalog.duckdb` in the lake) holds one view per canonical table
over that table's Parquet files, each column cast to its canonical type, plus
a one-row `cohorts` table from the manifest: it looks like a cohort store with
cohort 1, so `duckdb lake/catalog.duckdb`, `healthsim query`, `healthsim
cohorts` and `healthsim export --db lake/catalog.duckdb` read the lake without
copying it. Views name the lake by absolute path (DuckDB resolves relative
paths against the reader's working directory): move a lake, then rebuild its
catalog with `create_catalog`.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from healthsim import interrupts
from healthsim.canonical import TABLES
from healthsim.errors import StoreError
from healthsim.faults import fault_point
from healthsim.store.cohort_store import COHORTS_DDL, CohortStore

try:  # the store's compatible-format connect (store/compat.py), when present
    from healthsim.store.compat import connect as _connect
except ImportError:  # pragma: no cover - until store/compat.py lands
    def _connect(path, read_only: bool = False, config: dict | None = None):
        return duckdb.connect(str(path), read_only=read_only,
                              config={"storage_compatibility_version": "v1.1.0", **(config or {})})

LAKE_COHORT_ID = 1


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _select(table, source: str | None, cohort_id_sql: str) -> str:
    cols = ", ".join(f"CAST({c.name} AS {c.sql_type}) AS {c.name}" for c in table.columns)
    if source is None:  # no rows: an empty relation with the right columns
        empty = ", ".join(f"CAST(NULL AS {c.sql_type}) AS {c.name}" for c in table.columns)
        return f"SELECT {cohort_id_sql} AS cohort_id, {empty} LIMIT 0"
    return f"SELECT {cohort_id_sql} AS cohort_id, {cols} FROM {source}"


def _source(root: Path, files: list[dict]) -> str | None:
    if not files:
        return None
    paths = ", ".join(_quote(str(root / f["path"])) for f in files)
    return f"read_parquet([{paths}])"


def create_catalog(lake: str | Path, manifest: dict) -> Path:
    """(Re)write lake/catalog.duckdb: views over the files the manifest lists."""
    root = Path(lake).resolve()
    target = root / "catalog.duckdb"
    tmp = root / f".catalog.duckdb.tmp-{os.getpid()}"
    for p in (tmp, Path(f"{tmp}.wal")):
        p.unlink(missing_ok=True)
    try:
        con = _connect(tmp)
    except duckdb.Error as exc:
        raise StoreError(f"cannot create the lake catalog {target}: {exc}") from None
    with con:
        con.execute(COHORTS_DDL)
        con.execute("INSERT INTO cohorts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", _cohort_row(manifest))
        tables = manifest["tables"]
        for name, table in TABLES.items():
            files = tables.get(name, {}).get("files", [])
            con.execute(f"CREATE VIEW {name} AS {_select(table, _source(root, files), str(LAKE_COHORT_ID))}")
    os.replace(tmp, target)
    return target


def _cohort_row(manifest: dict) -> list:
    return [LAKE_COHORT_ID, manifest["name"], json.dumps(manifest["spec"]), manifest["seed"],
            manifest["member_count"], manifest["as_of"], manifest["block_size"], manifest["package_version"],
            datetime.now(UTC).replace(tzinfo=None, microsecond=0), json.dumps(manifest["row_counts"]),
            json.dumps(manifest["summary"])]


def import_lake(lake: str | Path, db: str | Path, manifest: dict) -> int:
    """Load a lake into the cohort store `db` as a new cohort, in one transaction; its cohort_id.

    DuckDB reads the Parquet files itself (`INSERT ... SELECT ... FROM
    read_parquet([...])`), in parallel, with no Python in the row path.
    """
    root = Path(lake).resolve()
    with CohortStore(db) as store:
        con = store.con
        committed = False
        con.execute("BEGIN TRANSACTION")
        try:
            cohort_id = con.execute("SELECT coalesce(max(cohort_id), 0) + 1 FROM cohorts").fetchone()[0]
            row = _cohort_row(manifest)
            row[0] = cohort_id
            con.execute("INSERT INTO cohorts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            for name, entry in manifest["tables"].items():
                source = _source(root, entry["files"])
                if source is not None and name in TABLES:
                    con.execute(f"INSERT INTO {name} {_select(TABLES[name], source, str(int(cohort_id)))}")
                    fault_point("store.insert")
            with interrupts.deferred():
                fault_point("store.commit")
                con.execute("COMMIT")
                committed = True
            return int(cohort_id)
        except BaseException as exc:
            if committed:
                raise interrupts.mark_committed(exc, f"cohort {cohort_id} in {db}") from None
            store._rollback()
            interrupt = interrupts.as_interrupt(exc)
            if interrupt is not exc:
                raise interrupt from None
            raise
