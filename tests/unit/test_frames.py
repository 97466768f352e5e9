"""The Python API's readers: frames() as pandas, polars and Arrow, and query(), equal to
the DuckDB tables they come from (row counts and per-column checksums)."""

from __future__ import annotations

import duckdb
import pytest

import healthsim as hs
from healthsim.errors import HealthSimError, SpecError

TABLES = ["persons", "conditions", "encounters", "claims", "pharmacy_claims"]


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    db = tmp_path_factory.mktemp("frames") / "f.duckdb"
    hs.generate(hs.load_profile("medicare-diabetic", count=120, seed=2), db)  # cohort 1: no claims
    spec = hs.load_profile("medicare-diabetic", count=250, seed=5, journeys=["diabetic-first-year"])
    return hs.generate(spec, db)  # cohort 2, the latest


def _duckdb_checksums(db, cohort_id: int, name: str) -> dict:
    """Rows, and per numeric column its sum, per text column its total length, per column its nulls."""
    with duckdb.connect(str(db), read_only=True) as con:
        cols = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                           "WHERE table_name = ? AND column_name <> 'cohort_id'", [name]).fetchall()
        out = {"rows": con.execute(f"SELECT count(*) FROM {name} WHERE cohort_id = ?", [cohort_id]).fetchone()[0]}
        for col, kind in cols:
            if kind in ("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "DOUBLE", "FLOAT") or kind.startswith("DECIMAL"):
                out[col] = float(con.execute(f"SELECT coalesce(sum({col}), 0) FROM {name} WHERE cohort_id = ?",
                                             [cohort_id]).fetchone()[0])
            elif kind == "VARCHAR":
                out[col] = int(con.execute(f"SELECT coalesce(sum(length({col})), 0) FROM {name} "
                                           f"WHERE cohort_id = ?", [cohort_id]).fetchone()[0])
            out[f"{col} nulls"] = con.execute(f"SELECT count(*) - count({col}) FROM {name} WHERE cohort_id = ?",
                                              [cohort_id]).fetchone()[0]
    return out


def _frame_checksums(frame, kind: str, expected: dict) -> dict:
    import pyarrow as pa

    table = {"arrow": lambda f: f, "pandas": pa.Table.from_pandas, "polars": lambda f: f.to_arrow()}[kind](frame)
    out = {"rows": table.num_rows}
    for key in expected:
        if key == "rows" or key.endswith(" nulls"):
            continue
        column = table.column(key)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type) or \
                pa.types.is_dictionary(column.type):
            out[key] = sum(len(v) for v in column.to_pylist() if v is not None)
        else:
            out[key] = float(sum(v for v in column.to_pylist() if v is not None))
    for key in expected:
        if key.endswith(" nulls"):
            out[key] = table.column(key.removesuffix(" nulls")).null_count
    return out


@pytest.mark.parametrize("kind", ["pandas", "polars", "arrow"])
def test_frames_equal_the_duckdb_tables(cohort, kind):
    frames = hs.frames(cohort.db, tables=TABLES, kind=kind)  # default cohort: the latest
    assert list(frames) == TABLES
    for name in TABLES:
        expected = _duckdb_checksums(cohort.db, cohort.cohort_id, name)
        assert expected["rows"] > 0, name
        got = _frame_checksums(frames[name], kind, expected)
        assert got.keys() == expected.keys()
        for key, value in expected.items():
            assert got[key] == pytest.approx(value, rel=1e-9), (name, key)
    module = {"pandas": "pandas", "polars": "polars", "arrow": "pyarrow"}[kind]
    assert type(frames["persons"]).__module__.split(".")[0] == module


def test_frames_defaults_and_errors(cohort):
    first = hs.frames(cohort.db, cohort=1, kind="arrow")
    assert "persons" in first and "claims" not in first  # every table with rows for that cohort
    assert first["persons"].num_rows == 120 and "cohort_id" not in first["persons"].column_names
    with pytest.raises(SpecError, match="did you mean 'persons'"):
        hs.frames(cohort.db, tables="persns")
    with pytest.raises(SpecError, match="unknown frame kind"):
        hs.frames(cohort.db, kind="excel")
    with pytest.raises(HealthSimError, match="no cohort 9"):
        hs.frames(cohort.db, cohort=9)


def test_query_returns_each_kind_and_is_read_only(cohort):
    sql = "SELECT cohort_id, count(*) AS n FROM persons GROUP BY 1 ORDER BY 1"
    assert hs.query(cohort.db, sql).to_pylist() == [{"cohort_id": 1, "n": 120}, {"cohort_id": 2, "n": 250}]
    assert hs.query(cohort.db, sql, kind="pandas")["n"].tolist() == [120, 250]
    assert hs.query(cohort.db, sql, kind="polars")["n"].to_list() == [120, 250]
    assert hs.query(cohort.db, sql, limit=1).num_rows == 1
    with pytest.raises(HealthSimError, match="read-only"):
        hs.query(cohort.db, "DROP TABLE persons")


def test_public_names_are_exported_with_type_hints():
    import inspect

    for name in ("load_profile", "generate", "export_cohort", "parse_request", "query", "frames", "tables",
                 "versions", "validate", "report"):
        fn = getattr(hs, name)
        assert name in hs.__all__
        sig = inspect.signature(fn)
        assert sig.return_annotation is not inspect.Signature.empty, name
    assert hs.SpecError.__name__ == "SpecError"
    with pytest.raises(AttributeError):
        hs.no_such_name  # noqa: B018
