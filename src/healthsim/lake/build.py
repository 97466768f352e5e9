"""Generating a cohort straight into a Parquet lake, on one machine or a Dask cluster.

Each block is made and written to Parquet where it is made (the main process,
a forked worker, or a Dask worker); only file records (path, rows, sha256) and
the block's statistics come back. The client writes the once-per-cohort
tables, merges statistics in block order (so the summary is identical however
blocks were scheduled), writes the manifest, and publishes the staging
directory with one rename, then the DuckDB catalog of views.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from healthsim import interrupts
from healthsim.engine.run import (
    Progress,
    RunPlan,
    map_in_workers,
    run_block,
    spool_root,
    static_tables,
    sweep_stale_spools,
)
from healthsim.engine.seeds import block_bounds
from healthsim.engine.stats import Check, RunStats, checks
from healthsim.faults import fault_point
from healthsim.lake.files import FileRecord, write_table_file
from healthsim.lake.layout import (
    RUN_INFO,
    block_file,
    check_destination,
    make_staging,
    publish,
    static_file,
)
from healthsim.lake.manifest import build_manifest, write_manifest

ENGINES = ("local", "dask")


@dataclass
class LakeResult:
    out: Path
    manifest: dict
    checks: list[Check]
    seconds: float
    engine: str
    workers: int | None
    stats: dict = field(default_factory=dict)

    @property
    def row_counts(self) -> dict[str, int]:
        return self.manifest["row_counts"]

    @property
    def files(self) -> int:
        return sum(len(t["files"]) for t in self.manifest["tables"].values())


def write_block(run: RunPlan, job: tuple[int, int, int], root: str) -> tuple[int, list[FileRecord], RunStats]:
    """Make one block and write its tables as Parquet under `root`: the unit of work everywhere."""
    b, start, n = job
    tables, stats = run_block(run, b, start, n)
    records = [write_table_file(Path(root), block_file(name, b), t, b)
               for name, t in tables.items() if t.num_rows]
    return b, records, stats


def _local_block(job: tuple, run: RunPlan, root: str):
    return write_block(run, job, root)


def build_lake(run: RunPlan, meta: dict, out: str | Path, *, engine: str = "local",
               workers: int = 1, scheduler: str | None = None, overwrite: bool = False,
               progress: Progress | None = None) -> LakeResult:
    """Generate `run` into the lake directory `out` (published only when complete)."""
    started = time.perf_counter()
    out = Path(out)
    check_destination(out, overwrite)
    sweep_stale_spools(spool_root())  # what killed DuckDB-store runs left
    jobs = list(block_bounds(run.count, run.block_size))
    staging = make_staging(out)
    published = False
    try:
        files: list[FileRecord] = []
        static = static_tables(run)
        for name, t in static.items():
            files.append(write_table_file(staging, static_file(name), t, None))
        by_block: dict[int, RunStats] = {}
        done = 0
        sizes = {b: n for b, _, n in jobs}
        for b, records, stats in _run_blocks(run, jobs, str(staging), engine, workers, scheduler):
            files.extend(records)
            by_block[b] = stats
            done += sizes[b]
            fault_point("run.block")
            if progress:
                progress(done, run.count)
        stats = RunStats()
        for b in sorted(by_block):
            stats.merge(by_block[b])
        counts = {name: int(t.num_rows) for name, t in static.items()}
        counts.update({k: int(v) for k, v in stats.rows.items()})
        for name in {f.table for f in files}:
            counts.setdefault(name, 0)
        found = checks(run.population, stats)
        summary = {"checks": [c.__dict__ | {"ok": c.ok} for c in found], "stats": stats.as_dict()}
        manifest = build_manifest(meta, files, counts, summary)
        write_manifest(staging, manifest)
        seconds = time.perf_counter() - started
        (staging / RUN_INFO).write_text(json.dumps(
            {"engine": engine, "workers": workers, "scheduler": scheduler, "seconds": round(seconds, 2),
             "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, indent=1) + "\n")
        # publish + catalog: no SIGINT/SIGTERM between the rename and the catalog
        with interrupts.deferred():
            fault_point("lake.publish")
            publish(staging, out)
            published = True
            from healthsim.store.lake_catalog import create_catalog

            create_catalog(out, manifest)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if published:  # only the catalog was missing: the lake itself is complete
            raise interrupts.mark_committed(exc, f"the lake {out}") from None
        raise
    return LakeResult(out, manifest, found, time.perf_counter() - started, engine, workers, stats.as_dict())


def _run_blocks(run: RunPlan, jobs: list, root: str, engine: str, workers: int, scheduler: str | None):
    if engine == "dask":
        from healthsim.lake.dask_engine import run_on_dask

        yield from run_on_dask(run, jobs, root, scheduler=scheduler, workers=workers)
    elif workers > 1 and len(jobs) > 1:
        yield from map_in_workers(_local_block, jobs, workers, run, root)
    else:
        for job in jobs:
            yield write_block(run, job, root)
