"""A read-only SELECT for MCP clients whose cost is bounded before its reply is built.

`max_rows` alone does not bound a reply: one row can hold a 100 MB string
(`string_agg` over a table), and a query can use all the machine's memory
before it returns anything. So, for a query an LLM client wrote:
  - DuckDB runs it under a memory limit (spilling to a temporary folder of
    bounded size, then failing with a clear message), on a read-only
    connection with external access disabled (store/query.py);
  - every cell is cut inside DuckDB to the reply's character budget (text
    cut, nested values cast to text and cut), so no oversized value ever
    reaches Python;
  - rows are streamed in small batches and reading stops once the rows held
    exceed the budget; only then are they turned into Python values;
  - one timer interrupts the whole of it (binding, running, fetching).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from healthsim.store.query import QueryRefused, check_select, read_only_connection

PLAIN_TYPES = ("BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
               "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "DATE", "TIME", "TIMESTAMP",
               "INTERVAL", "UUID")
BATCH_ROWS = 16


@dataclass(frozen=True)
class QueryBounds:
    """What one query may cost: rows returned, characters per reply, memory, seconds."""

    rows: int
    max_chars: int
    memory_limit: str = "1GB"
    temp_directory: Path | None = None
    temp_limit: str = "4GB"
    timeout: float = 30.0


def bounded_select(db: str | Path, sql: str, bounds: QueryBounds) -> dict:
    """Run one SELECT within `bounds`; {"columns", "rows", "row_count", "truncated", "seconds",
    "notes"}. QueryRefused (with the reason) when it is not a SELECT, fails, runs out of
    memory or time."""
    query = check_select(sql).strip().rstrip(";")
    settings = {"memory_limit": bounds.memory_limit, "threads": 2}
    if bounds.temp_directory is not None:
        bounds.temp_directory.mkdir(parents=True, exist_ok=True)
        settings |= {"temp_directory": str(bounds.temp_directory), "max_temp_directory_size": bounds.temp_limit}
    started = time.perf_counter()
    con = read_only_connection(db, settings=settings)
    timer = threading.Timer(bounds.timeout, con.interrupt)
    timer.start()
    notes: list[str] = []
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM (\n{query}\n) AS q").fetchall()
        names = [str(r[0]) for r in described]
        cell = max(200, bounds.max_chars)
        aliases = [f"c{i}" for i in range(len(names))]
        cells = ", ".join(_capped(a, str(r[1]), cell) for a, r in zip(aliases, described, strict=True))
        outer = (f"SELECT {cells} FROM (\n{query}\n) AS q({', '.join(aliases)}) LIMIT {int(bounds.rows) + 1}")
        reader = con.sql(outer).to_arrow_reader(BATCH_ROWS)
        batches, held, budget = [], 0, 4 * bounds.max_chars + 65_536
        for batch in reader:
            batches.append(batch)
            held += batch.nbytes
            if held > budget:
                notes.append(f"stopped reading after {sum(b.num_rows for b in batches):,} rows: they already "
                             f"exceed the reply budget (max_chars={bounds.max_chars:,})")
                break
        table = pa.Table.from_batches(batches, schema=reader.schema)
    except duckdb.InterruptException:
        raise QueryRefused(f"the query ran longer than {bounds.timeout:g} s and was stopped; filter or "
                           "aggregate more, or ask for fewer rows") from None
    except duckdb.OutOfMemoryException:
        raise QueryRefused(f"the query needs more memory than this server allows ({bounds.memory_limit}) "
                           "and was stopped; aggregate or filter first (the server is still up)") from None
    except duckdb.Error as exc:
        raise QueryRefused(str(exc).strip().splitlines()[0][:500]) from None
    finally:
        timer.cancel()
        con.close()
    from healthsim.store.query import _plain

    rows = [[_plain(v) for v in row.values()] for row in table.to_pylist()]
    truncated = len(rows) > bounds.rows or bool(notes)
    rows = rows[: bounds.rows]
    if any(isinstance(v, str) and v.endswith(_CUT_MARK) for row in rows for v in row):
        notes.append(f"values longer than {cell:,} characters are cut (they end with '{_CUT_MARK}')")
    return {"columns": names, "rows": rows, "row_count": len(rows), "truncated": truncated,
            "seconds": round(time.perf_counter() - started, 3), **({"notes": notes} if notes else {})}


_CUT_MARK = " [cut]"


def _capped(alias: str, kind: str, limit: int) -> str:
    """SQL for one output cell: plain scalars as they are; text cut to `limit` characters;
    anything else (lists, structs, maps, blobs, enums) cast to text and cut."""
    upper = kind.upper()
    if upper.startswith(PLAIN_TYPES) and not upper.endswith("]"):
        return alias
    text = alias if upper in ("VARCHAR", "JSON") else f"CAST({alias} AS VARCHAR)"
    return (f"CASE WHEN length({text}) > {limit} THEN substr({text}, 1, {limit}) || '{_CUT_MARK}' "
            f"ELSE {text} END")
