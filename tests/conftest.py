"""Shared fixtures: small cohorts generated once per session into temp stores."""

from __future__ import annotations

import hashlib
import os

# pytest-xdist workers inherit COLUMNS=80 from the controller; the CLI's piped-output width
# (140 unless COLUMNS says otherwise) must be the same whether the suite runs on one process or two.
os.environ["COLUMNS"] = "140"

import duckdb
import pyarrow as pa
import pytest

from healthsim import api
from healthsim.canonical import TABLES


def table_digest(db, cohort_id: int, name: str) -> str:
    """sha256 of a table's rows for one cohort, in key order (cohort_id dropped).

    Hashes each column's null mask and its values with nulls filled, not Arrow
    IPC bytes: the bytes under a null slot are undefined in Arrow (DuckDB
    exports whatever its vector held), so identical tables could hash apart.
    """
    t = TABLES[name]
    order = ", ".join(t.key) if t.key else "ALL"
    with duckdb.connect(str(db), read_only=True) as con:
        arrow = con.sql(
            f"SELECT * EXCLUDE (cohort_id) FROM {name} WHERE cohort_id = {int(cohort_id)} ORDER BY {order}"
        ).to_arrow_table()
    h = hashlib.sha256(str(arrow.schema).encode())
    for column in arrow.columns:
        h.update(column.is_null().to_numpy(zero_copy_only=False).tobytes())
        filled = column.fill_null(_filler(column.type)) if column.null_count else column
        values = filled.to_numpy(zero_copy_only=False)
        h.update("\x00".join(map(str, values)).encode() if values.dtype == object else values.tobytes())
    return h.hexdigest()


def _filler(kind: pa.DataType) -> pa.Scalar:
    """A defined value of the column's type to stand in for nulls."""
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return pa.scalar("", kind)
    if pa.types.is_boolean(kind):
        return pa.scalar(False)
    if pa.types.is_temporal(kind):
        return pa.scalar(0, pa.int64()).cast(pa.int32() if pa.types.is_date32(kind) else pa.int64()).cast(kind)
    return pa.scalar(0, pa.int64()).cast(kind)


@pytest.fixture(scope="session")
def diabetic_20k(tmp_path_factory):
    """20,000 members of medicare-diabetic (seed 7) in a fresh store."""
    db = tmp_path_factory.mktemp("store") / "d.duckdb"
    result = api.generate(api.load_profile("medicare-diabetic", count=20_000, seed=7), db)
    return result
