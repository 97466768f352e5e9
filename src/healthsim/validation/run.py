"""validate(db, cohort): every benchmark row that applies to the cohort, plus the invariants.

A row is judged `pass` when the realised value lies within the row's tolerance of the published
value, or when the published value lies inside the realised value's 99% sampling interval (a
small cohort is not failed for noise it cannot avoid); `fail` otherwise; `few` when it rests on
fewer than MIN_UNITS units; `n/a` when its population does not apply (reason given).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from healthsim.store.analysis import AnalysisSession
from healthsim.validation import cohort as cohort_frame
from healthsim.validation.functions import FUNCTIONS
from healthsim.validation.invariants import check_all
from healthsim.validation.measure import Measurement, ratio
from healthsim.validation.result import MIN_UNITS, BenchmarkResult, ValidationResult
from healthsim.validation.table import Benchmark, BenchmarkTable, benchmark_table

Progress = Callable[[int, int], None] | None


def validate(db: str | Path, cohort_id: int | None = None, *, invariants: bool = True,
             progress: Progress = None) -> ValidationResult:
    """Compare one cohort (default: the newest) with the benchmark table and check the invariants."""
    table = benchmark_table()
    with AnalysisSession(db, cohort_id) as session:
        step(progress, "cohort members")
        frame = cohort_frame.build_frame(session)
        fits = {pid: cohort_frame.fit_population(session, frame, pop) for pid, pop in table.populations.items()}
        result = ValidationResult(
            db=str(db), cohort_id=frame.cohort_id, name=frame.name, members=frame.members,
            window=(frame.window_start.isoformat(), frame.window_end.isoformat()), coverage=frame.coverage,
            selected_on=frame.selected_on,
            populations={pid: {"label": f.population.label, "members": f.members, "applies": f.applies,
                               "reason": f.reason or None} for pid, f in fits.items()})
        step(progress, "benchmarks")
        total = len(table.rows) + (1 if invariants else 0)
        empty = _empty_tables(session, {t for m in table.metrics.values() for t in m.needs})
        for i, row in enumerate(table.rows):
            missing = [t for t in table.metrics[row.metric].needs if t in empty]
            result.benchmarks.append(_judge(session, table, row, fits[row.population], missing))
            if callable(progress):
                progress(i + 1, total)
        if invariants:
            step(progress, "invariants")
            result.invariants = check_all(session)
            if callable(progress):
                progress(total, total)
    return result


def step(progress: Progress, label: str) -> None:
    """Announce a step to a progress sink that wants steps (healthsim.progress convention)."""
    announce = getattr(progress, "step", None)
    if announce is not None:
        announce(label)


def measure(session: AnalysisSession, table: BenchmarkTable, row: Benchmark, pop_table: str) -> Measurement:
    metric = table.metrics[row.metric]
    if metric.kind == "function":
        return FUNCTIONS[metric.function](session, pop_table, row.args)
    return ratio(session, metric, pop_table, row.args)


def _empty_tables(session: AnalysisSession, names: set[str]) -> set[str]:
    """Tables with no rows for this cohort (or absent from the store)."""
    return {n for n in names if not session.has_table(n) or not session.one(f'SELECT count(*) FROM "{n}"')[0]}


def _judge(session, table: BenchmarkTable, row: Benchmark, fit, missing: list[str] | None = None) -> BenchmarkResult:
    metric = table.metrics[row.metric]
    base = {"row": row, "population_label": fit.population.label, "metric_label": row.display(metric.label),
            "unit": metric.unit}
    if not fit.applies:
        return BenchmarkResult(measurement=None, status="n/a", reason=fit.reason, **base)
    if missing:
        return BenchmarkResult(measurement=None, status="n/a", reason=(
            f"the cohort has no {' or '.join(missing)} (generated without a year of care? add a journey, "
            "e.g. --journey annual-care)"), **base)
    m = measure(session, table, row, fit.table)
    if m.units == 0:
        return BenchmarkResult(measurement=m, status="n/a", reason="nothing to measure in this cohort", **base)
    if m.value is None or m.units < MIN_UNITS:
        return BenchmarkResult(measurement=m, status="few",
                               reason=f"{m.units} units (at least {MIN_UNITS} needed to judge)", **base)
    low, high = row.bounds()
    interval = m.interval()
    ok = low <= m.value <= high or (interval is not None and interval[0] <= row.published <= interval[1])
    return BenchmarkResult(measurement=m, status="pass" if ok else "fail", **base)
