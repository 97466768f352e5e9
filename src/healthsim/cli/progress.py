"""Progress, `-q` and `-v` for every CLI command: one small shared facility.

Every command that can run longer than a second or two wraps its work in a
`task`, hands the task to the api as its `progress`, and prints its summary
with `say`:

    from healthsim.cli.progress import task, say, detail

    with task(f"generating {n:,} members", unit="members") as progress:
        result = api.generate(spec, db, progress=progress)   # progress(done, total), step(...)
    say(f"cohort {result.cohort_id}: ...")                    # hidden by -q
    detail("what only -v shows")

What the user sees:
  - at a terminal, a transient line from the first moment: spinner, label,
    bar, done/total, the step running now (from `healthsim.progress.step`),
    elapsed and remaining time; it disappears when the task ends;
  - when stderr is not a terminal (CI logs, pipes), plain lines on stderr: one
    when the task starts, then one every `HEARTBEAT` seconds while it runs;
  - `-q`: no progress, no summaries, no notes — only errors and the data a
    command exists to print (query results, `templates show`, `schema`);
  - `-v`: also the time spent in each step, when the task ends, and `detail`
    lines.
Progress and timings go to stderr, so stdout stays clean for pipes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from healthsim.cli.render import console, err_console

QUIET, NORMAL, VERBOSE = -1, 0, 1
HEARTBEAT = 10.0  # seconds between plain progress lines when stderr is not a terminal

_level = NORMAL


def set_verbosity(level: int) -> None:
    """Set by the root command from -q / -v (every invocation sets it again)."""
    global _level
    _level = max(QUIET, min(VERBOSE, level))
    console.quiet = _level == QUIET


def verbosity() -> int:
    return _level


def is_quiet() -> bool:
    return _level == QUIET


def is_verbose() -> bool:
    return _level >= VERBOSE


def say(*objects, **kwargs) -> None:
    """Normal output (summaries, notes) on stdout; silenced by -q."""
    console.print(*objects, **kwargs)


def detail(*objects, **kwargs) -> None:
    """Output only -v shows (on stderr, beside the timings)."""
    if is_verbose():
        err_console.print(*objects, **kwargs)


class Task:
    """A progress sink for one long piece of work: call it with (done, total), tell it
    each `step(label)`; it shows itself as described in the module docstring and
    records how long each step took."""

    def __init__(self, label: str, total: int | None = None, unit: str = ""):
        self.label, self.unit = label, unit
        self.total, self.done = total, 0
        self.started = time.perf_counter()
        self.current: str | None = None
        self._step_started = self.started
        self.timings: dict[str, float] = {}
        self._lock = threading.Lock()
        self._bar: Progress | None = None
        self._bar_task = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- what the api calls -------------------------------------------
    def __call__(self, done: int, total: int) -> None:
        with self._lock:
            self.done, self.total = int(done), int(total)
        if self._bar is not None:
            # Rich stops the spinner and the clock of a finished task, but after the last
            # block come the commit and the summary: keep it unfinished until close().
            self._bar.update(self._bar_task, completed=self.done, total=self.total + 1, count=self._count())

    def _count(self) -> str:
        if not self.total:
            return ""
        return f"{self.done:,}/{self.total:,} {self.unit}".rstrip()

    def step(self, label: str) -> None:
        now = time.perf_counter()
        with self._lock:
            if self.current is not None:
                self.timings[self.current] = self.timings.get(self.current, 0.0) + now - self._step_started
            self.current, self._step_started = label, now
        if self._bar is not None:
            self._bar.update(self._bar_task, step=label)

    # --- display --------------------------------------------------------
    def start(self) -> Task:
        if is_quiet():
            return self
        if err_console.is_terminal:
            self._bar = Progress(
                SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(bar_width=24),
                TextColumn("{task.fields[count]}"), TextColumn("[cyan]{task.fields[step]}"), TimeElapsedColumn(),
                TimeRemainingColumn(compact=True), console=err_console, transient=True, refresh_per_second=5)
            self._bar.start()
            self._bar_task = self._bar.add_task(self.label, total=self.total + 1 if self.total else None,
                                                step="", count=self._count())
        else:
            err_console.print(f"{self.label} ...", highlight=False, markup=False)
            self._thread = threading.Thread(target=self._heartbeat, name="healthsim-progress", daemon=True)
            self._thread.start()
        return self

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT):
            err_console.print(f"  {self.status()}", highlight=False, markup=False)

    def status(self) -> str:
        """One line: how far, which step, how long so far."""
        with self._lock:
            done, total, current = self.done, self.total, self.current
        parts = []
        if total:
            parts.append(f"{self._count()} ({done / total:.0%})")
        if current:
            parts.append(current)
        parts.append(f"{time.perf_counter() - self.started:.0f} s")
        return f"{self.label}: " + ", ".join(parts)

    def close(self, ok: bool = True) -> None:
        self.step("")  # closes the last step's timing
        self.timings.pop("", None)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        if ok and is_verbose() and self.timings:
            self.print_timings()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def print_timings(self) -> None:
        """Each step's time (summed over blocks), slowest marked by its share of the total."""
        total = self.seconds
        width = max(len(name) for name in self.timings)
        lines = [f"timings ({self.label}): total {total:.2f} s"]
        for name, s in self.timings.items():
            lines.append(f"  {name:<{width}}  {s:8.2f} s  {s / total:4.0%}" if total else f"  {name}")
        err_console.print("\n".join(lines), highlight=False, markup=False)


@contextmanager
def task(label: str, total: int | None = None, unit: str = "") -> Iterator[Task]:
    """A `Task` shown while the block runs, closed (and timed, with -v) when it ends."""
    t = Task(label, total, unit).start()
    try:
        yield t
    except BaseException:
        t.close(ok=False)
        raise
    t.close()


def rate(count: float, seconds: float, unit: str) -> str:
    """'12,345 rows/s' (or '' when too quick to measure)."""
    return f"{count / seconds:,.0f} {unit}/s" if seconds > 0.001 else ""


class LazyProgress(Task):
    """The former render.LazyProgress: a Task that shows itself at once; call close()."""

    def __init__(self, label: str, delay: float = 0.0, total: int | None = None, unit: str = "members"):
        super().__init__(label, total, unit)
        self.start()
