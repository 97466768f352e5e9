"""Shared fixtures: small cohorts generated once per session into temp stores."""

from __future__ import annotations

import hashlib

import duckdb
import pyarrow as pa
import pytest

from healthsim import api
from healthsim.canonical import TABLES


def table_digest(db, cohort_id: int, name: str) -> str:
    """sha256 of a table's rows for one cohort, in key order (cohort_id dropped)."""
    t = TABLES[name]
    order = ", ".join(t.key) if t.key else "ALL"
    with duckdb.connect(str(db), read_only=True) as con:
        arrow = con.sql(
            f"SELECT * EXCLUDE (cohort_id) FROM {name} WHERE cohort_id = {int(cohort_id)} ORDER BY {order}"
        ).to_arrow_table()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, arrow.schema) as writer:
        writer.write_table(arrow)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


@pytest.fixture(scope="session")
def diabetic_20k(tmp_path_factory):
    """20,000 members of medicare-diabetic (seed 7) in a fresh store."""
    db = tmp_path_factory.mktemp("store") / "d.duckdb"
    result = api.generate(api.load_profile("medicare-diabetic", count=20_000, seed=7), db)
    return result
