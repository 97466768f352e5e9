"""Opening DuckDB files so that the DuckDB tools people already have can read them.

A DuckDB release writes its newest storage format by default, which older
releases refuse ("database file with version number 69, but we can only read
versions between 64 and 68"). Users open our files with whatever DuckDB they
have: the `duckdb` CLI from PyPI or their package manager, DBeaver's bundled
driver, an older Python duckdb in a notebook. So every file we create is
written in an older storage format, set with DuckDB's own
`storage_compatibility_version` option. Measured on a 20,000-member cohort
with a journey (1.7M rows): the same size and write time as the newest format.

`STORAGE_VERSION` v1.1.0 is storage version 64, which every DuckDB since 0.10
reads (tests/docs/test_duckdb_cli.py opens a cohort with the registry's
duckdb-cli). A file keeps the format it was created in.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

STORAGE_VERSION = "v1.1.0"


def connect(path: str | Path, read_only: bool = False, config: dict | None = None) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, writing (when not read-only) in the compatible storage format."""
    settings = dict(config or {})
    if not read_only:
        settings.setdefault("storage_compatibility_version", STORAGE_VERSION)
    return duckdb.connect(str(path), read_only=read_only, config=settings)
