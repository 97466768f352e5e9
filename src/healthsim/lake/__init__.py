"""The Parquet lake: a cohort as a directory of Parquet files, written all or nothing.

Layout (`layout.py`): one directory per table, one file per block
(`persons/part-b000123.parquet`; once-per-cohort tables in `static.parquet`),
`manifest.json` (spec, seed, row counts, every file's sha256) and
`catalog.duckdb` (DuckDB views over the files, so `duckdb lake/catalog.duckdb`
and `healthsim query` read the lake without copying it). A block's files depend
only on (plan, block), so the lake is byte-identical whichever engine wrote it
(`build.py`: in-process, worker processes, or a Dask cluster in `dask_engine.py`).
"""
