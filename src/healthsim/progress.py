"""How long work reports progress, without knowing who is watching.

The engine and the exporters are pure: they never print. They are handed a
`Progress` callable and call it with (done, total) — members made, persons
exported — after each unit of work. A run that takes one 10,000-member block
would then be silent for its whole duration, so they also announce the *step*
they are starting ("claims", "Observation", "write"): `step(progress, label)`.
A plain callable ignores steps; the CLI's progress display (cli/progress.py)
shows them and, with `-v`, times them.

This module is at the bottom of the layering (like errors.py): anything may
import it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

Progress = Callable[[int, int], None]
"""Called with (units done, units total) after each unit of work (a block of members)."""


@runtime_checkable
class StepProgress(Protocol):
    """A progress sink that also wants to know which step is running."""

    def __call__(self, done: int, total: int) -> None: ...

    def step(self, label: str) -> None: ...


def step(progress: Progress | None, label: str) -> None:
    """Tell `progress` that the step `label` starts now (no-op for plain callables and None)."""
    announce = getattr(progress, "step", None)
    if announce is not None:
        announce(label)
