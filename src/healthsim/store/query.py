"""Read-only SQL over a cohort store, and a cohort's headline figures.

For people and LLM clients (MCP `query_cohort`) to explore a cohort safely:
  - the connection is opened read-only, with external access disabled (no
    reading or writing other files, no extensions) and configuration locked,
    so a query cannot change that;
  - the text must be exactly one SELECT statement (checked by DuckDB's own
    parser, so comments and string literals cannot smuggle a second one): no
    INSERT/UPDATE/DELETE/CREATE, ATTACH, COPY, EXPORT, INSTALL/LOAD, PRAGMA,
    SET, CALL;
  - at most `limit` rows come back (flagged `truncated`), and a query running
    longer than `timeout` seconds is interrupted.
"""

from __future__ import annotations

import datetime as dt
import decimal
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from healthsim.errors import HealthSimError, NotFoundError

MAX_LIMIT = 10_000


class QueryRefused(HealthSimError):
    """The SQL is not a single read-only SELECT, or it failed."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[list]
    truncated: bool
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"columns": self.columns, "rows": self.rows, "row_count": len(self.rows),
                "truncated": self.truncated, "seconds": round(self.seconds, 3)}


def read_only_connection(db: str | Path, settings: dict | None = None) -> duckdb.DuckDBPyConnection:
    """`db` opened read-only, external access disabled, configuration locked; `settings`
    (e.g. memory_limit, temp_directory) are applied before the lock."""
    path = Path(db)
    if not path.exists():
        raise NotFoundError(f"no cohort database at {path}")
    config = {"enable_external_access": False, "autoinstall_known_extensions": False,
              "autoload_known_extensions": False, **(settings or {})}
    lake = path.resolve().parent
    try:
        if path.name == "catalog.duckdb" and (lake / "manifest.json").is_file():
            # a Parquet lake's catalog: its views read the lake's files, and only those
            con = duckdb.connect(str(path), read_only=True, config={
                k: v for k, v in config.items() if k != "enable_external_access"})
            con.execute("SET allowed_directories = ?", [[str(lake) + "/"]])
            con.execute("SET enable_external_access = false")
        else:
            con = duckdb.connect(str(path), read_only=True, config=config)
        # a session setting: no progress bar (it would be drawn on a terminal, or into an MCP
        # server's stdout, which is its protocol channel); then nothing may be changed
        con.execute("SET enable_progress_bar = false")
        con.execute("SET lock_configuration = true")
        return con
    except duckdb.Error as exc:
        raise QueryRefused(f"cannot open {path} read-only: {exc}") from None


def check_select(sql: str) -> str:
    """The statement, if `sql` is exactly one SELECT; else QueryRefused saying why."""
    if not isinstance(sql, str) or not sql.strip():
        raise QueryRefused("give one SQL SELECT statement")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(f"not valid SQL: {_first_line(exc)}") from None
    if len(statements) != 1:
        raise QueryRefused(f"give exactly one statement (got {len(statements)})")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        name = str(kind).rsplit(".", 1)[-1]
        raise QueryRefused(f"only read-only SELECT queries are allowed (got a statement of type {name}); "
                           "the cohort store cannot be changed, attached to, copied or configured here")
    return statements[0].query


def run_select(db: str | Path, sql: str, limit: int = 200, timeout: float = 30.0) -> QueryResult:
    """Run one SELECT read-only; at most `limit` rows."""
    import time

    query = check_select(sql).strip().rstrip(";")
    limit = max(1, min(int(limit), MAX_LIMIT))
    started = time.perf_counter()
    con = read_only_connection(db)
    timer = threading.Timer(timeout, con.interrupt)
    timer.start()
    try:
        cur = con.execute(f"SELECT * FROM (\n{query}\n) AS q LIMIT {limit + 1}")
        columns = [d[0] for d in cur.description]
        rows = [[_plain(v) for v in row] for row in cur.fetchall()]
    except duckdb.InterruptException:
        raise QueryRefused(f"the query ran longer than {timeout:g} s and was stopped") from None
    except duckdb.Error as exc:
        raise QueryRefused(_first_line(exc)) from None
    finally:
        timer.cancel()
        con.close()
    return QueryResult(columns, rows[:limit], len(rows) > limit, time.perf_counter() - started)


def select_table(db: str | Path, sql: str, limit: int | None = None,
                 timeout: float | None = None) -> tuple[pa.Table, bool]:
    """Run one read-only SELECT and return (Arrow table, truncated): every row, or at
    most `limit`. The same guard as `run_select`; no cap on size (for the CLI and API,
    where the user asks for their own data)."""
    query = check_select(sql).strip().rstrip(";")
    if limit is not None:
        query = f"SELECT * FROM (\n{query}\n) AS q LIMIT {max(0, int(limit)) + 1}"
    con = read_only_connection(db)
    timer = threading.Timer(timeout, con.interrupt) if timeout else None
    if timer:
        timer.start()
    try:
        table = con.sql(query).to_arrow_table()
    except duckdb.InterruptException:
        raise QueryRefused(f"the query ran longer than {timeout:g} s and was stopped") from None
    except duckdb.Error as exc:
        raise QueryRefused(_first_line(exc)) from None
    finally:
        if timer:
            timer.cancel()
        con.close()
    if limit is not None and table.num_rows > limit:
        return table.slice(0, limit), True
    return table, False


@dataclass
class TableInfo:
    """One table of a store: rows (of one cohort, or all) and its columns with types."""

    name: str
    rows: int
    columns: list[tuple[str, str]]


def describe_tables(db: str | Path, cohort_id: int | None = None) -> list[TableInfo]:
    """Every table in the store with its row count (for `cohort_id`, or all cohorts) and columns."""
    con = read_only_connection(db)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "ORDER BY table_name").fetchall()]
        if "cohorts" in names and cohort_id is not None and not con.execute(
                "SELECT count(*) FROM cohorts WHERE cohort_id = ?", [cohort_id]).fetchone()[0]:
            known = [r[0] for r in con.execute("SELECT cohort_id FROM cohorts ORDER BY 1").fetchall()]
            raise NotFoundError(f"no cohort {cohort_id} in {db}; cohorts there: {known or 'none'}")
        out = []
        for name in _declared_order(names):
            cols = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                               "WHERE table_name = ? ORDER BY ordinal_position", [name]).fetchall()
            where = " WHERE cohort_id = ?" if cohort_id is not None and any(c == "cohort_id" for c, _ in cols) else ""
            rows = con.execute(f'SELECT count(*) FROM "{name}"{where}', [cohort_id] if where else []).fetchone()[0]
            out.append(TableInfo(name, int(rows), [(c, t) for c, t in cols]))
        return out
    finally:
        con.close()


def summarize_table(db: str | Path, table: str, cohort_id: int | None = None) -> pa.Table:
    """DuckDB's SUMMARIZE of one table (per column: type, min, max, distinct, nulls...)."""
    con = read_only_connection(db)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        if table not in names:
            import difflib

            near = difflib.get_close_matches(table, names, n=1)
            raise NotFoundError(f"no table {table!r} in {db}" + (f"; did you mean {near[0]!r}?" if near else "")
                                + f" (tables: {', '.join(sorted(names))})")
        cols = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                          "WHERE table_name = ?", [table]).fetchall()]
        where = f" WHERE cohort_id = {int(cohort_id)}" if cohort_id is not None and "cohort_id" in cols else ""
        return con.sql(f'SUMMARIZE SELECT * FROM "{table}"{where}').to_arrow_table()
    finally:
        con.close()


def _declared_order(names: list[str]) -> list[str]:
    """The cohorts table, then canonical tables in declaration order, then any others."""
    from healthsim.canonical import TABLES

    rank = {n: i for i, n in enumerate(["cohorts", *TABLES])}
    return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))


def cohort_summary(db: str | Path, cohort_id: int) -> dict:
    """Headline figures of one cohort: who, where, which conditions and coverage."""
    con = read_only_connection(db)
    try:
        if not con.execute("SELECT count(*) FROM cohorts WHERE cohort_id = ?", [cohort_id]).fetchone()[0]:
            known = [r[0] for r in con.execute("SELECT cohort_id FROM cohorts ORDER BY 1").fetchall()]
            raise NotFoundError(f"no cohort {cohort_id} in {db}; cohorts there: {known or 'none'}")
        one = _one_row(con, cohort_id)
        return {
            "members": one["members"], "age": {"mean": one["age_mean"], "min": one["age_min"],
                                               "max": one["age_max"]},
            "sex": _shares(con, "SELECT sex, count(*) FROM persons WHERE cohort_id = ? GROUP BY 1", cohort_id),
            "states": _shares(con, "SELECT state, count(*) FROM persons WHERE cohort_id = ? GROUP BY 1 "
                                   "ORDER BY 2 DESC LIMIT 8", cohort_id, one["members"]),
            "coverage": _shares(con, "SELECT coverage_type, count(DISTINCT person_id) FROM enrollments "
                                     "WHERE cohort_id = ? GROUP BY 1", cohort_id, one["members"]),
            "top_conditions": [
                {"code": c, "description": d, "share": round(n / max(one["members"], 1), 4)}
                for c, d, n in con.execute(
                    "SELECT code, any_value(description), count(*) FROM conditions WHERE cohort_id = ? "
                    "GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 12", [cohort_id]).fetchall()],
        }
    finally:
        con.close()


def financials(db: str | Path, cohort_id: int) -> dict:
    """Claims dollars of a cohort and per-member-per-month figures ({} without claims).

    Member months count covered months from enrollments, so PMPM is the payer's
    usual denominator (a member enrolled 7 months counts 7).
    """
    con = read_only_connection(db)
    try:
        mm = con.execute("SELECT coalesce(sum(datediff('month', start_date, end_date) + 1), 0) "
                         "FROM enrollments WHERE cohort_id = ?", [cohort_id]).fetchone()[0]
        med = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'denied'), coalesce(sum(billed), 0), "
            "coalesce(sum(allowed), 0), coalesce(sum(paid), 0), coalesce(sum(member_liability), 0) "
            "FROM claims WHERE cohort_id = ?", [cohort_id]).fetchone()
        rx = con.execute(
            "SELECT count(*) FILTER (WHERE status = 'paid'), coalesce(sum(plan_paid) FILTER (WHERE status = 'paid'), 0), "
            "coalesce(sum(copay) FILTER (WHERE status = 'paid'), 0) FROM pharmacy_claims WHERE cohort_id = ?",
            [cohort_id]).fetchone()
    finally:
        con.close()
    if not med[0] and not rx[0]:
        return {}
    per = 1 / mm if mm else 0.0
    return {
        "member_months": int(mm), "medical_claims": int(med[0]), "denied_claims": int(med[1]),
        "billed": round(med[2], 2), "allowed": round(med[3], 2), "paid": round(med[4], 2),
        "member_liability": round(med[5], 2), "pharmacy_fills_paid": int(rx[0]),
        "pharmacy_plan_paid": round(rx[1], 2), "pharmacy_copay": round(rx[2], 2),
        "medical_paid_pmpm": round(med[4] * per, 2), "pharmacy_paid_pmpm": round(rx[1] * per, 2),
        "total_paid_pmpm": round((med[4] + rx[1]) * per, 2),
    }


def _one_row(con, cohort_id: int) -> dict:
    members, mean, lo, hi = con.execute(
        "SELECT count(*), round(avg(age), 1), min(age), max(age) FROM persons WHERE cohort_id = ?",
        [cohort_id]).fetchone()
    return {"members": int(members), "age_mean": mean, "age_min": lo, "age_max": hi}


def _shares(con, sql: str, cohort_id: int, total: int | None = None) -> dict[str, float]:
    rows = con.execute(sql, [cohort_id]).fetchall()
    denominator = total or sum(n for _, n in rows) or 1
    return {str(k): round(n / denominator, 4) for k, n in rows}


def _plain(value: object) -> object:
    """A JSON-friendly value: dates as ISO text, decimals as floats, bytes as hex."""
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes | bytearray):
        return value.hex()
    if isinstance(value, uuid.UUID | dt.timedelta):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _first_line(exc: Exception) -> str:
    return str(exc).strip().split("\n")[0][:300]
