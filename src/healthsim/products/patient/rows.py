"""Column buffers for the PatientSim tables of one block, and their final Arrow form.

Materialisers append numpy columns (codes as integers into a growing
vocabulary, days and timestamps as integers); `finish` concatenates them once,
assigns identifiers (person_id * 1e6 + the person's row number in time order)
and builds dictionary-encoded string columns, so no Python object is made per
row.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pyarrow as pa

from healthsim.engine.columns import dates, sort_order

ID_SCALE = 1_000_000


class Vocab:
    """Strings <-> int codes for one column family (codes, labels)."""

    def __init__(self):
        self.values: list[str | None] = []
        self.index: dict[str | None, int] = {}

    def code(self, value: str | None) -> int:
        if value not in self.index:
            self.index[value] = len(self.values)
            self.values.append(value)
        return self.index[value]

    def codes(self, values) -> np.ndarray:
        return np.array([self.code(v) for v in values], np.int32)

    def column(self, codes: np.ndarray) -> pa.Array:
        mask = np.array([v is None for v in self.values], bool)
        dictionary = pa.array([v if v is not None else "" for v in self.values], pa.string())
        arr = pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, np.int32)), dictionary)
        if mask.any():
            arr = arr.cast(pa.string())
            null_rows = mask[np.asarray(codes, np.int64)] if len(codes) else np.zeros(0, bool)
            arr = pa.compute.if_else(pa.array(null_rows), pa.nulls(len(arr), pa.string()), arr)
        return arr


class Buffer:
    """Columns of one table, appended in parts."""

    def __init__(self):
        self.parts: dict[str, list[np.ndarray]] = defaultdict(list)
        self.rows = 0

    def add(self, n: int, **columns) -> None:
        for name, value in columns.items():
            arr = np.asarray(value)
            self.parts[name].append(np.broadcast_to(arr, (n,)) if arr.ndim == 0 else arr)
        self.rows += n

    def replace(self, name: str, values: np.ndarray) -> None:
        """Set a whole column (every part at once), e.g. after a pass over all rows."""
        assert len(values) == self.rows
        self.parts[name] = [np.asarray(values)]

    def get(self, name: str, dtype=None) -> np.ndarray:
        parts = self.parts.get(name)
        if not parts:
            return np.zeros(0, dtype or np.int64)
        out = np.concatenate(parts)
        return out.astype(dtype) if dtype is not None else out


def person_ids(person_id: np.ndarray, *keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order, ids): rows sorted by person then keys; ids number each person's rows from 1."""
    order = sort_order(person_id, *keys)
    p = person_id[order]
    starts = np.r_[0, np.flatnonzero(p[1:] != p[:-1]) + 1] if len(p) else np.zeros(0, np.int64)
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(p)])) if len(p) else np.zeros(0, np.int64)
    seq = np.arange(len(p)) - run_start + 1
    return order, p * ID_SCALE + seq


def ts(seconds: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(seconds, np.int64), pa.int64()).cast(pa.timestamp("s"))


def nullable_dates(day: np.ndarray, valid: np.ndarray) -> pa.Array:
    return pa.compute.if_else(pa.array(valid), dates(np.where(valid, day, 0)), pa.nulls(len(day), pa.date32()))


def nullable(values: np.ndarray, valid: np.ndarray, typ: pa.DataType) -> pa.Array:
    return pa.array(np.asarray(values), typ, mask=~np.asarray(valid, bool))
