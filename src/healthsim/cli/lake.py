"""`healthsim generate --lake DIR` and `healthsim import --lake DIR`: the Parquet lake edge."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from healthsim import api, interrupts
from healthsim.cli.render import LazyProgress, checks_table, console

EngineOption = Annotated[str, typer.Option(
    "--engine", help="With --lake: 'local' (this machine's processes) or 'dask' (a Dask cluster).")]
SchedulerOption = Annotated[str | None, typer.Option(
    "--scheduler", help="With --engine dask: address of a running scheduler, e.g. tcp://10.0.0.5:8786 "
                        "(default: a LocalCluster of --workers processes).")]
OverwriteOption = Annotated[bool, typer.Option("--overwrite", help="With --lake: replace an existing lake there.")]


def generate_lake(profile, lake: Path, engine: str, workers: int | None, scheduler: str | None,
                  overwrite: bool, formats: list[str] | None = None) -> None:
    """Generate `profile` into the lake directory, with a progress bar and a summary.

    Export formats a request asked for are not written with --lake; the note says how."""
    n = workers if workers is not None else api.default_workers(profile, None)
    progress = LazyProgress(f"generating {profile.count:,} members into {lake}")
    try:
        result = api.generate_lake(profile, lake, progress=progress, engine=engine, workers=n,
                                   scheduler=scheduler, overwrite=overwrite)
    finally:
        progress.close()
    try:
        lake_summary(result)
        if formats:
            console.print(f"note: the request's formats ({', '.join(formats)}) were not exported; export "
                          f"from the lake with: healthsim export --db {result.out / 'catalog.duckdb'} "
                          "--format FORMAT --out DIR", style="yellow", highlight=False, markup=False)
    except KeyboardInterrupt as exc:
        raise interrupts.mark_committed(exc, f"the lake {result.out}") from None


def lake_summary(result) -> None:
    from rich.table import Table

    rows = sum(result.row_counts.values())
    how = result.engine + (f", {result.workers} worker{'s' if result.workers != 1 else ''}" if result.workers else "")
    console.print(f"lake [bold]{result.out}[/]: {result.manifest['member_count']:,} members, "
                  f"{rows:,} rows in {result.files:,} Parquet files, {result.seconds:.2f} s ({how})")
    t = Table(title="rows written", show_edge=False)
    t.add_column("table")
    t.add_column("rows", justify="right")
    t.add_column("files", justify="right")
    for name, entry in result.manifest["tables"].items():
        t.add_row(name, f"{entry['rows']:,}", f"{len(entry['files']):,}")
    console.print(t)
    checks_table(result.checks)
    console.print(f"query it: duckdb {result.out / 'catalog.duckdb'}   or   "
                  f"healthsim import --lake {result.out} --db FILE")


def import_lake(
    lake: Annotated[Path, typer.Option("--lake", help="Lake directory (made by generate --lake).")],
    db: Annotated[Path, typer.Option("--db", help="DuckDB cohort file to load it into.")] = api.DEFAULT_DB,
    verify: Annotated[bool, typer.Option("--verify/--no-verify",
                                         help="Check every file's sha256 against the manifest first.")] = True,
) -> None:
    """Load a Parquet lake into a DuckDB cohort store as a new cohort (one transaction)."""
    info = api.import_lake(lake, db, verify=verify)
    rows = sum(info["row_counts"].values())
    console.print(f"imported {lake} as cohort [bold]{info['cohort_id']}[/] in {info['db']}: "
                  f"{rows:,} rows, {info['seconds']:.2f} s")
