"""Where the shipped data files live and how they are read (private helpers).

Generated tables are gzip'd CSV/TSV read with pyarrow.csv (fast, typed columns);
the small hand-authored files carry '#' comment headers and are read with the
csv module. Text columns come back as numpy object arrays (one Python str per
row: compact for long descriptions), short fixed-width codes as numpy 'U' arrays
so that comparisons and prefix tests are vectorised. Every array handed out is
read-only, because the loaders cache them and share one copy with every caller.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

DATA_DIR = Path(__file__).resolve().with_name("data")


def read_table(name: str, types: dict[str, pa.DataType], delimiter: str = ",") -> pa.Table:
    """Read a generated CSV/TSV (gzip'd if its name ends in .gz) with the given column types."""
    parse = pacsv.ParseOptions(delimiter=delimiter, quote_char=False if delimiter == "\t" else '"')
    convert = pacsv.ConvertOptions(column_types=types, strings_can_be_null=False)
    return pacsv.read_csv(DATA_DIR / name, parse_options=parse, convert_options=convert)


def read_commented_csv(name: str) -> list[dict[str, str]]:
    """Rows of a small hand-authored CSV, skipping '#' comment lines."""
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def frozen(array: np.ndarray) -> np.ndarray:
    """The same array, marked read-only (cached tables are shared by every caller)."""
    array.setflags(write=False)
    return array


def text_column(table: pa.Table, name: str) -> np.ndarray:
    """A string column as a read-only numpy object array."""
    return frozen(table.column(name).to_numpy(zero_copy_only=False).astype(object, copy=False))


def code_column(table: pa.Table, name: str, width: int) -> np.ndarray:
    """A short fixed-width code column (ZIP, FIPS, state) as a read-only numpy 'U' array."""
    values = table.column(name).to_numpy(zero_copy_only=False)
    return frozen(values.astype(f"U{width}"))


def number_column(table: pa.Table, name: str, dtype: str) -> np.ndarray:
    return frozen(table.column(name).to_numpy().astype(dtype, copy=False))


def probabilities(weights: np.ndarray) -> np.ndarray:
    """Weights normalised to sum to 1 (float64), read-only."""
    w = np.asarray(weights, dtype=np.float64)
    return frozen(w / w.sum())
