"""SIGINT and SIGTERM as ordinary exceptions, and critical sections that finish first.

Why: a cohort is written in one transaction, so the only honest answers to
"what happened when I pressed Ctrl-C" are "nothing was written" or "the cohort
was committed". A signal that lands while COMMIT runs must not interrupt it
half-way nor make us report a failure for a cohort that is in the file (the user
would re-run it and get a duplicate). So:

- `install()` (called by the CLI) turns SIGTERM, like SIGINT, into an
  `Interrupted` exception (a KeyboardInterrupt, so every `except BaseException`
  rollback path already handles it) carrying the signal number: the CLI exits
  128 + signal (130 for SIGINT, 143 for SIGTERM).
- `deferred()` marks a critical section (COMMIT): a signal arriving inside it
  is held and raised when the section ends, after the work it protects is done.
- `mark_committed(exc, what)` records on an interrupt that something was
  committed before it arrived, so the edge can say so.

After the first signal has been raised, later ones are held too, so the
clean-up it triggers (rollback, stopping workers, removing the spool) runs to
the end instead of being cut short by an impatient second Ctrl-C.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

HANDLED = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM received. `committed` names what was already committed, if anything."""

    def __init__(self, signum: int, committed: str | None = None):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.committed = committed

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class _State:
    depth = 0  # nesting of deferred() sections
    pending: int | None = None  # a signal held during a deferred section
    raised = False  # an Interrupted has already been raised in this process
    received: int | None = None  # the last signal the handler saw


def _handler(signum, frame) -> None:
    _State.received = signum
    if _State.depth > 0 or _State.raised:
        if _State.pending is None:
            _State.pending = signum
        return
    _State.raised = True
    raise Interrupted(signum)


def install() -> None:
    """Route SIGINT and SIGTERM to `Interrupted` (main thread only; a no-op elsewhere)."""
    if threading.current_thread() is not threading.main_thread():
        return
    _State.raised = False
    _State.pending = None
    _State.received = None
    for sig in HANDLED:
        signal.signal(sig, _handler)


def installed() -> bool:
    return all(signal.getsignal(sig) is _handler for sig in HANDLED)


@contextmanager
def deferred() -> Iterator[None]:
    """A section no SIGINT/SIGTERM cuts short; a signal received inside is raised at its end.

    Works whether or not `install()` was called: outside the CLI it installs
    the handlers for the duration of the section (main thread only).
    """
    own = not installed() and threading.current_thread() is threading.main_thread()
    previous = {sig: signal.getsignal(sig) for sig in HANDLED} if own else {}
    if own:
        for sig in HANDLED:
            signal.signal(sig, _handler)
    _State.depth += 1
    try:
        yield
    finally:
        _State.depth -= 1
        if own:
            for sig, h in previous.items():
                signal.signal(sig, h)
    if _State.depth == 0 and _State.pending is not None:
        signum, _State.pending = _State.pending, None
        if own or not _State.raised:
            _State.raised = not own
            raise Interrupted(signum)


def received() -> int | None:
    """The last SIGINT/SIGTERM seen by the handler since `install()`, if any."""
    return _State.received


def as_interrupt(exc: BaseException) -> BaseException:
    """The interrupt behind `exc`, if a signal arrived.

    A signal landing inside a DuckDB statement runs our handler from DuckDB's
    signal check; DuckDB then cancels the statement and raises its own error
    ("Query interrupted") instead of ours, so an error after a signal is
    reported as the interrupt it is.
    """
    if isinstance(exc, KeyboardInterrupt) or _State.received is None:
        return exc
    return Interrupted(_State.received)


def mark_committed(exc: BaseException, what: str) -> BaseException:
    """Note on an interrupt that `what` (e.g. "cohort 3 in out/x.duckdb") was committed."""
    if isinstance(exc, KeyboardInterrupt) and getattr(exc, "committed", None) is None:
        try:
            exc.committed = what
        except AttributeError:  # pragma: no cover - exotic exception types
            pass
    return exc


def exit_code(exc: KeyboardInterrupt) -> int:
    """128 + the signal that caused the interrupt (130 for a plain KeyboardInterrupt)."""
    return getattr(exc, "exit_code", 128 + signal.SIGINT)
