"""Run one exporter over one cohort: resolve the cohort, check the format's
tables exist, stage the files, publish them. `api.export_cohort` calls this.

The output directory is replaced as a whole, atomically (formats/staging.py);
every table is read through the format family's text policy (formats/safe_text.py);
a failure of the store, the disk or a signal leaves the previous export as it was."""

from __future__ import annotations

import dataclasses
import time
from datetime import date
from pathlib import Path

import duckdb

from healthsim import interrupts
from healthsim.errors import NotFoundError, StoreError, UsageError
from healthsim.formats.base import (
    CohortInfo,
    CohortSource,
    ExportResult,
    Progress,
    block_size,
    get_exporter,
    nothing_to_export,
    person_level_tables,
)
from healthsim.formats.options import ExportOptions, parse_options
from healthsim.formats.safe_text import PLAIN, policy_for
from healthsim.formats.staging import list_files, prepare_parent, staged
from healthsim.store.cohort_store import CohortStore

READ_MEMORY = "256MB"  # DuckDB buffer pool while exporting: blocks are read, used once, dropped


def cohort_info(store: CohortStore, cohort_id: int | None) -> CohortInfo:
    """The cohort to export: the given id, else the latest in the store."""
    if cohort_id is None:
        cohorts = store.list_cohorts()
        if not cohorts:
            raise NotFoundError(f"no cohorts in {store.path}")
        cohort_id = cohorts[-1]["cohort_id"]
    row = store.get_cohort(cohort_id)
    as_of = row["as_of"] if isinstance(row["as_of"], date) else date.fromisoformat(str(row["as_of"]))
    return CohortInfo(int(row["cohort_id"]), PLAIN.text(row["name"]), int(row["seed"]), as_of,
                      int(row["member_count"]))


def export_cohort(db: str | Path, fmt: str, out: str | Path, cohort_id: int | None = None,
                  progress: Progress | None = None, block_persons: int | None = None,
                  options: ExportOptions | dict | None = None) -> ExportResult:
    """Export one cohort of the DuckDB file `db` in format `fmt` into directory `out`.

    `options` (formats/options.py) tune envelopes, feeds and variety; they are checked
    before anything is read or written. `block_persons` (default: `base.block_size`, from
    the cohort's rows per member) is how many persons are read and held at a time."""
    started = time.perf_counter()
    exporter = get_exporter(fmt)
    options = parse_options(options)
    if not Path(db).exists():
        raise NotFoundError(f"no cohort database at {db}")
    with CohortStore(db, read_only=True, memory_limit=READ_MEMORY) as store:
        info = cohort_info(store, cohort_id)
        missing = [t for t in exporter.requires if not store.has_table(t)]
        if missing:
            raise NotFoundError(f"format {fmt} needs table(s) {', '.join(missing)}, "
                                f"which {db} does not have")
        if block_persons is None:
            block_persons = block_size(_row_counts(store, info.cohort_id), info.member_count)
        text = policy_for(exporter)  # the family's text safety, applied to everything read
        info = dataclasses.replace(info, name=text.text(info.name))
        source = CohortSource(store, info, block_persons, _with_fault_point(progress), options, text=text)
        empty = nothing_to_export(exporter, source)
        if empty:
            raise UsageError(empty)
        prepare_parent(Path(out))  # refused before anything is read: a file, a foreign folder, no access
        result: dict = {}
        with staged(Path(out), fmt, result) as stage:
            try:
                counts = exporter.export(source, stage)
            except duckdb.Error as exc:  # a damaged store, or a signal that cancelled the read
                raised = interrupts.as_interrupt(exc)
                if raised is not exc:
                    raise raised from None
                raise StoreError(f"reading cohort {info.cohort_id} from {db} failed: "
                                 f"{str(exc).strip().splitlines()[0][:300]} (is the file damaged?); "
                                 f"{out} is unchanged") from None
            files = list_files(stage)
            result.update(cohort_id=info.cohort_id, counts=counts)
    return ExportResult(fmt, info.cohort_id, Path(out), files, counts, time.perf_counter() - started)


def _row_counts(store: CohortStore, cohort_id: int) -> dict[str, int]:
    """The cohort's rows per table, as recorded at generation (counted when a store lacks them)."""
    recorded = store.get_cohort(cohort_id).get("row_counts")
    if isinstance(recorded, dict) and recorded:
        return recorded
    return {name: store.count_rows(cohort_id, name) for name in person_level_tables() if store.has_table(name)}


def _with_fault_point(progress: Progress | None) -> Progress:
    """The exporter's progress callback, passing the `export.progress` fault point (the
    kill tests stop an export there, mid-write) on each call."""
    from healthsim.faults import fault_point

    class _Report:
        """Forwards (done, total) after the fault point, and steps unchanged: a plain
        closure here once swallowed every exporter's step announcements."""

        def __call__(self, done: int, total: int) -> None:
            fault_point("export.progress")
            if progress is not None:
                progress(done, total)

        def step(self, label: str) -> None:
            announce(progress, label)

    from healthsim.progress import step as announce

    return _Report()
