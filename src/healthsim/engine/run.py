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

from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

import pyarrow as pa

from healthsim.canonical import TABLES
from healthsim.engine.coverage import plans_table
from healthsim.engine.members import MemberBlock
from healthsim.engine.population import generate_block
from healthsim.engine.seeds import BLOCK_SIZE, block_bounds
from healthsim.engine.stats import RunStats
from healthsim.plan.population import PopulationPlan


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
"""Called after each block with (members done, members total)."""

Tables = dict[str, pa.Table]


def static_tables(run: RunPlan) -> Tables:
    out = {"plans": plans_table(run.population)}
    for step in run.steps:
        out.update(step.static_tables())
    return {name: TABLES[name].conform(t) for name, t in out.items()}


def run_block(run: RunPlan, b: int, start: int, n: int) -> tuple[Tables, RunStats]:
    """Every table of one block, conformed, with the block's statistics."""
    result = generate_block(run.population, b, start, n)
    tables = result.tables
    for step in run.steps:
        tables.update(step.run_block(result.members, tables))
    stats = RunStats()
    stats.add_block(run.population, result.members, result.race_counts, result.ethnicity_counts)
    for name, t in tables.items():
        stats.rows[name] += t.num_rows
    return {name: TABLES[name].conform(t) for name, t in tables.items()}, stats


def _run_block_args(args: tuple) -> tuple[Tables, RunStats]:
    return run_block(*args)


def iter_blocks(run: RunPlan, stats: RunStats, progress: Progress | None = None,
                blocks: list[int] | None = None, workers: int = 1) -> Iterator[Tables]:
    """Canonical tables block by block, in block order; `stats` accumulates."""
    bounds = [x for x in block_bounds(run.count, run.block_size) if blocks is None or x[0] in blocks]
    jobs = [(run, b, start, n) for b, start, n in bounds]
    done = 0
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = pool.map(_run_block_args, jobs)  # in order, `workers` blocks in flight
            yield from _drain(results, jobs, stats, progress, run.count)
        return
    for job in jobs:
        tables, block_stats = run_block(*job)
        stats.merge(block_stats)
        done += job[3]
        yield tables
        if progress:
            progress(done, run.count)


def _drain(results, jobs, stats, progress, total) -> Iterator[Tables]:
    done = 0
    for job, (tables, block_stats) in zip(jobs, results, strict=True):
        stats.merge(block_stats)
        done += job[3]
        yield tables
        if progress:
            progress(done, total)


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
