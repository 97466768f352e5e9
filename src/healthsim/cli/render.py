"""Rich rendering for the CLI: summary tables, error panels, a lazy progress bar."""

from __future__ import annotations

import os
import sys
import time

from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

# Piped output (CI logs, tests, `| less`) gets a wide console instead of
# Rich's 80-column default, so tables are not wrapped mid-word.
_WIDTH = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "140"))
console = Console(width=_WIDTH)
err_console = Console(stderr=True, width=_WIDTH)


class LazyProgress:
    """A progress bar that appears only if the run is still going after `delay` s."""

    def __init__(self, label: str, delay: float = 1.0):
        self.label, self.delay, self.started = label, delay, time.perf_counter()
        self.bar: Progress | None = None
        self.task = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if time.perf_counter() - self.started < self.delay or done >= total:
                return
            self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeRemainingColumn(), console=err_console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def error_panel(message: str, title: str = "error") -> None:
    err_console.print(Panel(message, title=f"[red]{title}", border_style="red", expand=False))


def summary(result) -> None:
    """Rows per table and realised-vs-target for every specified marginal."""
    head = (f"cohort [bold]{result.cohort_id}[/] '{result.spec.profile_name}' in {result.db}: "
            f"{result.spec.count:,} members, seed {result.spec.seed}, "
            f"{result.seconds:.2f} s ({result.members_per_second:,.0f} members/s)")
    console.print(head)
    rows = Table(title="rows written", show_edge=False)
    rows.add_column("table")
    rows.add_column("rows", justify="right")
    for name, n in result.row_counts.items():
        rows.add_row(name, f"{n:,}")
    console.print(rows)
    checks_table(result.checks)
    financials_table(getattr(result, "financials", {}))


def financials_table(f: dict) -> None:
    """Claims dollars and PMPM, when the cohort has claims."""
    if not f:
        return
    t = Table(title=f"claims ({f['member_months']:,} member months)", show_edge=False)
    for col in ("", "claims", "billed", "allowed", "plan paid", "member paid", "paid PMPM"):
        t.add_column(col, justify="left" if not col else "right")
    t.add_row("medical", f"{f['medical_claims']:,} ({f['denied_claims']:,} denied)", f"${f['billed']:,.0f}",
              f"${f['allowed']:,.0f}", f"${f['paid']:,.0f}", f"${f['member_liability']:,.0f}",
              f"${f['medical_paid_pmpm']:,.2f}")
    t.add_row("pharmacy", f"{f['pharmacy_fills_paid']:,} fills", "", "", f"${f['pharmacy_plan_paid']:,.0f}",
              f"${f['pharmacy_copay']:,.0f}", f"${f['pharmacy_paid_pmpm']:,.2f}")
    t.add_row("total", "", "", "", "", "", f"${f['total_paid_pmpm']:,.2f}")
    console.print(t)


def checks_table(checks) -> None:
    if not checks:
        return
    t = Table(title="realised vs target (99% sampling interval)", show_edge=False)
    for col in ("marginal", "target", "realised", "interval", ""):
        t.add_column(col, justify="right" if col not in ("marginal", "") else "left", no_wrap=col == "marginal")
    for c in checks:
        fmt = (lambda x: f"{x:.3f}") if abs(c.target) <= 1.5 else (lambda x: f"{x:.2f}")
        mark = "[green]ok" if c.ok else "[yellow]outside"
        t.add_row(c.name, fmt(c.target), fmt(c.realised), f"{fmt(c.low)}..{fmt(c.high)}", mark)
    console.print(t)
