"""Write docs/data-model.md from the canonical table declarations.

Run after adding or changing a table: `.venv/bin/python tools/gen_data_model.py`.
tests/unit/test_data_model_doc.py fails when the doc is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from healthsim.canonical import TABLES
from healthsim.store.cohort_store import COHORTS_DDL

HEADER = """# Data model

Every table the cohort store writes, generated from `src/healthsim/canonical/`
by `tools/gen_data_model.py` (do not edit by hand). Every entity table has a
leading `cohort_id INTEGER NOT NULL` column: a DuckDB file holds any number of
cohorts, and each row belongs to exactly one. Keys are unique within a cohort.
Columns marked NOT NULL are guaranteed by the engine (every block is checked
when it is conformed to its declared schema); the DuckDB tables do not declare
the constraint, because checking it per row would slow bulk inserts by ~30%.

## cohorts

One row per generated cohort, written in the same transaction as its rows.

| column | type | meaning |
|---|---|---|
| cohort_id | INTEGER | Primary key, assigned 1, 2, 3... per file. |
| name | VARCHAR | The profile's `profile_name`. |
| spec | JSON | The full validated spec (re-loadable: same spec + seed = same rows). |
| seed | BIGINT | The random seed. |
| member_count | BIGINT | Members requested (= persons rows). |
| as_of | DATE | The cohort's "today": ages and dates are relative to it. |
| block_size | INTEGER | Members per random-stream block (an engine constant). |
| package_version | VARCHAR | healthsim version that wrote it. |
| created_at | TIMESTAMP | UTC time of writing (the only value that differs between identical runs). |
| row_counts | JSON | Rows written per table. |
| summary | JSON | Realised-vs-target checks and run counters. |
"""


def render() -> str:
    parts = [HEADER]
    for t in TABLES.values():
        key = f" Key: ({', '.join(['cohort_id', *t.key])})." if t.key else ""
        parts.append(f"\n## {t.name}\n\n{t.doc}{key} Product: {t.product}.\n\n"
                     "| column | type | meaning |\n|---|---|---|\n")
        parts.append("| cohort_id | INTEGER | The cohort (see cohorts). |\n")
        for c in t.columns:
            null = "" if c.nullable else " NOT NULL"
            parts.append(f"| {c.name} | {c.sql_type}{null} | {c.doc} |\n")
    return "".join(parts)


if __name__ == "__main__":
    assert "CREATE TABLE IF NOT EXISTS cohorts" in COHORTS_DDL
    out = Path(__file__).resolve().parents[1] / "docs" / "data-model.md"
    out.write_text(render(), encoding="utf-8")
    print(f"wrote {out}")
