"""The package's own error types.

Every error a user can cause (a bad spec, an unknown template, a cohort that
does not exist) is a `HealthSimError`, so the edges (CLI, MCP) can show it as a
clean message with exit code 2 instead of a traceback. Spec errors carry the
field path, the bad value and what is allowed, because that is what a person
needs to fix their file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class HealthSimError(Exception):
    """Base class: a problem the user can fix. Shown without a traceback."""

    exit_code = 2


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with a spec: where, what was given, what is allowed."""

    path: str
    message: str
    value: object = None
    allowed: str | None = None
    suggestion: str | None = None

    @property
    def display_path(self) -> str:
        """The path as people write it: `conditions[0].code`, not `conditions.0.code`.

        `path` keeps the dotted form, which code matches against."""
        return re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", self.path).removeprefix(".") if self.path else ""

    def render(self) -> str:
        text = f"{self.display_path or '<root>'}: {self.message}"
        if self.value is not None and "(got " not in self.message:
            text += f" (got {self.value!r})"
        if self.allowed:
            text += f"; allowed: {self.allowed}"
        if self.suggestion:
            text += f"; did you mean {self.suggestion!r}?"
        return text


@dataclass
class SpecError(HealthSimError):
    """A spec failed validation. Holds every problem found, not just the first."""

    problems: list[FieldProblem] = field(default_factory=list)
    source: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.render())

    def render(self) -> str:
        head = f"invalid spec{f' in {self.source}' if self.source else ''}"
        n = len(self.problems)
        lines = [f"{head}: {n} problem{'' if n == 1 else 's'}"]
        lines += [f"  - {p.render()}" for p in self.problems]
        return "\n".join(lines)

    def __str__(self) -> str:  # dataclass would otherwise replace Exception's str
        return self.render()


class NotFoundError(HealthSimError):
    """A named thing (template, cohort, code) does not exist."""


class StoreError(HealthSimError):
    """The cohort store could not be opened or written."""


class UsageError(HealthSimError):
    """The command was called the wrong way (e.g. neither a spec nor a template)."""
