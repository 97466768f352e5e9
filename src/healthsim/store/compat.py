"""Opening DuckDB files so that the DuckDB tools people already have can read them.

A DuckDB release writes its newest storage format by default, which older
releases refuse ("database file with version number 69, but we can only read
versions between 64 and 68"). Users open our files with whatever DuckDB they
have: the `duckdb` CLI from PyPI or their package manager, DBeaver's bundled
driver, an older Python duckdb in a notebook. So every file we create is
written in an older storage format, set with DuckDB's own
`storage_compatibility_version` option.

`STORAGE_VERSION` v1.3.0 is the format every DuckDB since 1.3 (May 2025) reads
(tests/unit/test_duckdb_cli.py opens a cohort with the registry's duckdb-cli).
It was v1.1.0 (readable since 0.10) until the scale work measured the insert
path: the same rows go into a v1.3.0 file with 20-35% less CPU (its dictionary
and FSST string compression are cheaper to choose and apply) and a 3% smaller
file, and the DuckDB insert is the main process's whole job
(benchmarks/bench_scale.py, docs/scale.md). A file keeps the format it was
created in, so older stores stay readable by whatever read them before.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

STORAGE_VERSION = "v1.3.0"


def connect(path: str | Path, read_only: bool = False, config: dict | None = None) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, writing (when not read-only) in the compatible storage format."""
    settings = dict(config or {})
    if not read_only:
        settings.setdefault("storage_compatibility_version", STORAGE_VERSION)
    return duckdb.connect(str(path), read_only=read_only, config=settings)
