"""Parquet and CSV: every canonical table of the cohort, streamed batch by batch.

Parquet writes one dataset per table, hive-partitioned by cohort
(`<table>/cohort_id=<n>/part-00000.parquet`), so several exports into one
folder form a dataset that pyarrow, DuckDB, Spark and pandas read with the
partition as a column. CSV writes `<table>.csv` with a header and
`data_dictionary.csv`, generated from the canonical declarations, so the
dictionary and the files cannot disagree. Rows are re-chunked to a fixed size
before writing: the bytes then do not depend on how DuckDB batches its output.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from healthsim.canonical import TABLES
from healthsim.formats.base import CohortSource, register

ROWS_PER_CHUNK = 65_536


def exported_tables(source: CohortSource) -> list[str]:
    """Canonical tables present in the store, in declaration order."""
    return [name for name in TABLES if source.has(name)]


def fixed_chunks(reader: pa.RecordBatchReader, rows: int = ROWS_PER_CHUNK) -> Iterator[pa.Table]:
    """Tables of exactly `rows` rows (the last may be shorter) from a batch reader.

    An empty table yields one empty chunk, so its file still has the schema."""
    pending: list[pa.RecordBatch] = []
    held, emitted = 0, False
    for batch in reader:
        pending.append(batch)
        held += batch.num_rows
        while held >= rows:
            table = pa.Table.from_batches(pending, schema=reader.schema)
            yield table.slice(0, rows).combine_chunks()
            emitted = True
            rest = table.slice(rows)
            pending, held = rest.to_batches(), rest.num_rows
    if held or not emitted:
        yield pa.Table.from_batches(pending, schema=reader.schema).combine_chunks()


def _each_table(source: CohortSource) -> Iterator[tuple[str, int, Iterator[pa.Table]]]:
    names = exported_tables(source)
    for i, name in enumerate(names, start=1):
        yield name, i, fixed_chunks(source.stream(name))
        if source.progress is not None:
            source.progress(i, len(names))


@register
class ParquetExporter:
    name = "parquet"
    description = "Apache Parquet, one dataset per table, hive-partitioned by cohort_id"
    requires = ("persons",)

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        counts = {}
        for name, _, chunks in _each_table(source):
            part = out / name / f"cohort_id={source.info.cohort_id}"
            part.mkdir(parents=True)
            counts[name] = _write_parquet(part / "part-00000.parquet", chunks)
        return counts


def _write_parquet(path: Path, chunks: Iterator[pa.Table]) -> int:
    rows, writer = 0, None
    try:
        for chunk in chunks:
            chunk = chunk.drop_columns(["cohort_id"])  # carried by the partition folder
            if writer is None:
                writer = pq.ParquetWriter(path, chunk.schema, compression="zstd")
            writer.write_table(chunk, row_group_size=ROWS_PER_CHUNK)
            rows += chunk.num_rows
    finally:
        if writer is not None:
            writer.close()
    return rows


@register
class CsvExporter:
    name = "csv"
    description = "CSV, one file per table with a header, plus data_dictionary.csv"
    requires = ("persons",)

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        counts = {}
        names = []
        for name, _, chunks in _each_table(source):
            counts[name] = _write_csv(out / f"{name}.csv", chunks)
            names.append(name)
        pacsv.write_csv(data_dictionary(names), out / "data_dictionary.csv")
        return counts


def _write_csv(path: Path, chunks: Iterator[pa.Table]) -> int:
    rows, writer = 0, None
    try:
        for chunk in chunks:
            if writer is None:
                writer = pacsv.CSVWriter(path, chunk.schema)
            writer.write_table(chunk)
            rows += chunk.num_rows
    finally:
        if writer is not None:
            writer.close()
    return rows


def data_dictionary(names: list[str]) -> pa.Table:
    """One row per (table, column): type, nullability, key membership and meaning."""
    rows: dict[str, list] = {k: [] for k in ("table", "column", "type", "nullable", "key", "description")}

    def add(table, column, typ, nullable, key, doc):
        for k, v in zip(rows, (table, column, typ, nullable, key, doc), strict=True):
            rows[k].append(v)

    for name in names:
        t = TABLES[name]
        add(name, "cohort_id", "INTEGER", False, True, "The cohort (see cohorts).")
        for c in t.columns:
            add(name, c.name, c.sql_type, c.nullable, c.name in t.key, c.doc)
    return pa.table(rows)
