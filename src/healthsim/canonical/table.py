"""Column and Table declarations, and the registry they are collected in."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

_DUCKDB_TYPES = {
    pa.int8(): "TINYINT", pa.int16(): "SMALLINT", pa.int32(): "INTEGER", pa.int64(): "BIGINT",
    pa.float32(): "REAL", pa.float64(): "DOUBLE", pa.string(): "VARCHAR", pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE", pa.timestamp("s"): "TIMESTAMP", pa.decimal128(12, 2): "DECIMAL(12,2)",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    doc: str
    nullable: bool = True

    @property
    def sql_type(self) -> str:
        return _DUCKDB_TYPES[self.type]


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default=())
    product: str = "core"

    @property
    def schema(self) -> pa.Schema:
        """Arrow schema of the rows the engine produces (without cohort_id)."""
        return pa.schema([pa.field(c.name, c.type, c.nullable) for c in self.columns])

    def ddl(self) -> str:
        # NOT NULL is checked by `conform` (a metadata lookup per column) rather
        # than by DuckDB, whose per-row constraint check costs ~30% of insert time.
        cols = ["cohort_id INTEGER NOT NULL"] + [f"{c.name} {c.sql_type}" for c in self.columns]
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  " + ",\n  ".join(cols) + "\n)"

    def conform(self, data: pa.Table) -> pa.Table:
        """Cast an engine table to this schema (column order and types), or fail loudly."""
        missing = [c.name for c in self.columns if c.name not in data.column_names]
        extra = [n for n in data.column_names if n not in {c.name for c in self.columns}]
        if missing or extra:
            raise ValueError(f"table {self.name}: missing columns {missing}, unexpected {extra}")
        arrays = []
        for c in self.columns:
            col = data.column(c.name)
            if pa.types.is_dictionary(col.type) and not pa.types.is_dictionary(c.type):
                col = col.cast(c.type)  # store plain; DuckDB and exporters see values
            elif col.type != c.type:
                col = col.cast(c.type)
            if not c.nullable and col.null_count:
                raise ValueError(f"table {self.name}: column {c.name} is NOT NULL but has {col.null_count} nulls")
            arrays.append(col)
        return pa.Table.from_arrays(arrays, schema=self.schema)


TABLES: dict[str, Table] = {}


def table(name: str, doc: str, columns: list[Column], key: tuple[str, ...] = (), product: str = "core") -> Table:
    """Declare and register a canonical table."""
    if name in TABLES:
        raise ValueError(f"table {name} declared twice")
    t = Table(name, doc, tuple(columns), key, product)
    TABLES[name] = t
    return t
