"""Running a whole cohort: blocks in order, each through every executor step.

The population step always runs first; products add steps (journeys, claims)
that read the block's MemberBlock and the tables made so far. Steps that make
once-per-cohort tables (plans, provider networks) provide them up front.
Everything yielded is a canonical Arrow table (conformed to its declared
schema), so the store and exporters never see engine internals.

Blocks may be made in worker processes (`workers`) and written in groups
(`chunk_blocks`); since each block's randomness depends only on (seed, block),
neither changes a single value.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import Protocol

import pyarrow as pa

from healthsim.canonical import TABLES
from healthsim.engine.coverage import plans_table
from healthsim.engine.members import MemberBlock
from healthsim.engine.population import generate_block
from healthsim.engine.seeds import BLOCK_SIZE, block_bounds
from healthsim.engine.stats import RunStats
from healthsim.faults import fault_point
from healthsim.plan.population import PopulationPlan
from healthsim.progress import step as step_progress


class BlockStep(Protocol):
    """An executor that adds tables for each block of members (e.g. journeys)."""

    def static_tables(self) -> dict[str, pa.Table]: ...

    def run_block(self, m: MemberBlock, tables: dict[str, pa.Table]) -> dict[str, pa.Table]: ...


@dataclass
class RunPlan:
    population: PopulationPlan
    steps: list[BlockStep] = field(default_factory=list)
    block_size: int = BLOCK_SIZE

    @property
    def count(self) -> int:
        return self.population.count


Progress = Callable[[int, int], None]
"""Called after each block with (members done, members total); see healthsim.progress
for the steps it is also told about."""


def step_label(step: object) -> str:
    """A step's name for progress lines: its `label`, else its class name in words."""
    label = getattr(step, "label", None)
    if label:
        return str(label)
    name = type(step).__name__.removesuffix("Step")
    return "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()

Tables = dict[str, pa.Table]


def static_tables(run: RunPlan) -> Tables:
    out = {"plans": plans_table(run.population)}
    for step in run.steps:
        out.update(step.static_tables())
    return {name: TABLES[name].conform(t) for name, t in out.items()}


def run_block(run: RunPlan, b: int, start: int, n: int,
              progress: Progress | None = None) -> tuple[Tables, RunStats]:
    """Every table of one block, conformed, with the block's statistics.

    `progress` (in-process runs only) is told each step as it starts."""
    step_progress(progress, "population")
    result = generate_block(run.population, b, start, n)
    tables = result.tables
    for step in run.steps:
        step_progress(progress, step_label(step))
        tables.update(step.run_block(result.members, tables))
    stats = RunStats()
    stats.add_block(run.population, result.members, result.race_counts, result.ethnicity_counts)
    for name, t in tables.items():
        stats.rows[name] += t.num_rows
    return {name: TABLES[name].conform(t) for name, t in tables.items()}, stats


def iter_blocks(run: RunPlan, stats: RunStats, progress: Progress | None = None,
                blocks: list[int] | None = None, workers: int = 1) -> Iterator[Tables]:
    """Canonical tables block by block, in block order; `stats` accumulates."""
    sweep_stale_spools(spool_root())  # spools of runs that were killed outright
    bounds = [x for x in block_bounds(run.count, run.block_size) if blocks is None or x[0] in blocks]
    jobs = [(run, b, start, n) for b, start, n in bounds]
    made = _spooled(jobs, workers) if workers > 1 and len(jobs) > 1 else (run_block(*j, progress) for j in jobs)
    done = 0
    for job, (tables, block_stats) in zip(jobs, made, strict=True):
        stats.merge(block_stats)
        done += job[3]
        yield tables
        fault_point("run.block")
        if progress:
            progress(done, run.count)


def _spooled(jobs: list[tuple], workers: int) -> Iterator[tuple[Tables, RunStats]]:
    """Run blocks in worker processes; hand tables over as memory-mapped Arrow files.

    Pickling tens of millions of rows back through a pipe costs more than
    making them, so each worker writes its block's tables as uncompressed Arrow
    IPC files in a private spool directory and returns only the paths; the
    caller maps them without copying. At most `workers + 1` blocks are in
    flight, so the spool (and memory) stays bounded whatever the cohort size.

    Every way out (done, an exception, Ctrl-C, SIGTERM, the consumer closing
    the generator) stops the workers at once and removes the spool; a SIGKILL
    cannot be caught, so workers also die with their parent (see
    `_worker_init`) and the next run sweeps spools whose owner is gone.
    """
    spool = tempfile.mkdtemp(prefix=f"{SPOOL_PREFIX}{os.getpid()}-", dir=spool_root())
    try:
        for paths, block_stats in map_in_workers(_spool_block, jobs, workers, spool):
            try:
                yield {name: _map(path) for name, path in paths.items()}, block_stats
            finally:
                for path in paths.values():
                    os.unlink(path)
    finally:
        shutil.rmtree(spool, ignore_errors=True)


def map_in_workers(fn: Callable, jobs: list, workers: int, *args) -> Iterator:
    """`fn(job, *args)` for each job in `workers` forked processes; results in job order.

    At most `workers + 1` jobs are in flight, so memory stays bounded. Every way
    out (done, an exception, Ctrl-C, SIGTERM, the consumer closing the
    generator) stops the workers at once; a SIGKILL of this process cannot be
    caught, so the workers also die with their parent (`_worker_init`).
    """
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_fork_context(),
                               initializer=_worker_init, initargs=(os.getpid(),))
    try:
        queue = iter(jobs)
        pending: deque = deque(pool.submit(fn, j, *args) for j in islice(queue, workers + 1))
        while pending:
            result = pending.popleft().result()
            nxt = next(queue, None)
            if nxt is not None:
                pending.append(pool.submit(fn, nxt, *args))
            yield result
        pool.shutdown(wait=True)
    finally:
        _stop(pool)


SPOOL_PREFIX = "healthsim-spool-"


def sweep_stale_spools(root: str | None) -> list[str]:
    """Remove spool directories left by runs that were killed (their process is gone)."""
    removed = []
    base = root or tempfile.gettempdir()
    try:
        names = [n for n in os.listdir(base) if n.startswith(SPOOL_PREFIX)]
    except OSError:
        return removed
    for name in names:
        path = os.path.join(base, name)
        owner = name[len(SPOOL_PREFIX):].split("-", 1)[0]
        if owner.isdigit():
            stale = not _alive(int(owner))
        else:  # a spool named before owners were recorded: stale once untouched for an hour
            try:
                stale = time.time() - os.stat(path).st_mtime > 3600
            except OSError:
                continue
        if stale:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: drop queued blocks, kill running ones, reap the processes."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        if p.is_alive():
            p.kill()
    for p in processes:
        p.join(timeout=5)


def _worker_init(parent: int) -> None:
    """Make a worker process die with its parent, and leave signals to the parent.

    Ctrl-C reaches the whole foreground process group: the parent decides what
    happens (rollback, clean-up) and stops the workers, so they ignore SIGINT
    instead of each printing a traceback. If the parent is killed outright, the
    kernel sends the worker SIGKILL (Linux PR_SET_PDEATHSIG); elsewhere, or if
    the parent died before that took effect, a watcher thread notices the
    parent is gone and exits.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    keep_freed_memory()
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="healthsim-parent-watch", daemon=True).start()


MMAP_THRESHOLD = 256 << 20
TRIM_THRESHOLD = 512 << 20


def keep_freed_memory() -> None:
    """Let glibc reuse freed block-sized buffers instead of unmapping them (Linux only).

    By default every numpy array above glibc's mmap threshold is a fresh mmap,
    zero-filled page by page by the kernel and unmapped when freed; a block makes
    and frees thousands of them, so a worker spent more time in the kernel than in
    Python (measured on 20,000 members with a year of care, 2 workers: workers'
    system CPU 15.2 -> 4.2 s at load average 5, 6.8 -> 5.4 s at load 1.4; worker
    peak RSS 1,031 -> 1,097 MB). Only where memory comes from changes, never a
    value (table digests identical).
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_mmap_threshold, MMAP_THRESHOLD)
        libc.mallopt(m_trim_threshold, TRIM_THRESHOLD)
    except (OSError, AttributeError):  # not glibc: keep the defaults
        pass


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: the watcher thread covers it
        pass


def spool_root() -> str | None:
    """RAM-backed /dev/shm when present (the spool holds a few blocks: page-cache
    speed without dirtying the disk), else the system temp directory."""
    shm = "/dev/shm"
    if os.environ.get("HEALTHSIM_SPOOL_DIR"):
        return os.environ["HEALTHSIM_SPOOL_DIR"]
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


def _fork_context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _spool_block(job: tuple, spool: str) -> tuple[dict[str, str], RunStats]:
    tables, block_stats = run_block(*job)
    paths = {}
    for name, table in tables.items():
        path = os.path.join(spool, f"b{job[1]:06d}-{name}.arrow")
        with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        paths[name] = path
    return paths, block_stats


def _map(path: str) -> pa.Table:
    with pa.memory_map(path, "r") as source:
        return pa.ipc.open_file(source).read_all()


def chunked(blocks: Iterator[Tables], chunk_blocks: int) -> Iterator[Tables]:
    """Group consecutive blocks into one write of `chunk_blocks` blocks each."""
    if chunk_blocks <= 1:
        yield from blocks
        return
    pending: list[Tables] = []
    for tables in blocks:
        pending.append(tables)
        if len(pending) == chunk_blocks:
            yield _concat(pending)
            pending = []
    if pending:
        yield _concat(pending)


def _concat(group: list[Tables]) -> Tables:
    return {name: pa.concat_tables([g[name] for g in group]) for name in group[0]}
