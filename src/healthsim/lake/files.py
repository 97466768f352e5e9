"""Writing one block's canonical tables as Parquet files, with their sha256.

Parquet settings are fixed (zstd, dictionary pages, statistics, 1M-row row
groups) and the writer adds nothing time- or host-dependent, so the same block
gives the same bytes on any worker. Each file is written under a temporary name
and renamed, so a block that Dask retries after a worker died overwrites
whole files with identical ones: a retry cannot duplicate or tear rows.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 1, "use_dictionary": True,
                   "write_statistics": True, "row_group_size": 1 << 20}


@dataclass(frozen=True)
class FileRecord:
    table: str
    path: str  # relative to the lake root
    rows: int
    bytes: int
    sha256: str
    block: int | None = None  # None for once-per-cohort (static) tables

    def as_dict(self) -> dict:
        return asdict(self)


def write_table_file(root: Path, rel: str, table: pa.Table, block: int | None) -> FileRecord:
    """Write `table` to root/rel (atomically) and describe it."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **PARQUET_OPTIONS)
    data = sink.getvalue()
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.tmp-{uuid.uuid4().hex[:8]}")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, target)
    name = rel.split("/", 1)[0]
    return FileRecord(name, rel, table.num_rows, data.size, hashlib.sha256(data).hexdigest(), block)


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while part := f.read(chunk):
            h.update(part)
    return h.hexdigest()
