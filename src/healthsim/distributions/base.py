"""The contract every distribution type meets, and the registry of types.

A distribution is a small frozen pydantic model: its fields are its parameters
(validated eagerly, with messages that say what was wrong), and `sample` draws a
whole column at once from a numpy Generator. Specs name a distribution by its
`distribution` tag, so the registry doubles as a tagged union: adding a type is
one module in this package with one `@register`-ed class; the union, the JSON
Schema, the MCP tool schemas and the contract tests pick it up from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict

Context = Mapping[str, np.ndarray]
"""Columns already drawn for the same members (e.g. `sex`, `age`), by name.
Only distributions that depend on other attributes (conditional) read it."""

REGISTRY: dict[str, type[Distribution]] = {}


class Distribution(BaseModel):
    """Base class. Subclasses set `distribution: Literal["name"] = "name"`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    kind: ClassVar[str] = "numeric"
    """'numeric' draws floats; 'categorical' draws labels (object/str arrays)."""

    def sample(self, n: int, rng: np.random.Generator, context: Context | None = None) -> np.ndarray:
        """Draw n values as one numpy array."""
        raise NotImplementedError

    def mean(self) -> float | None:
        """Theoretical mean, where defined (used by summaries and contract tests)."""
        return None

    def variance(self) -> float | None:
        """Theoretical variance, where defined."""
        return None

    def support(self) -> tuple[float, float]:
        """Smallest and largest value a draw can take (inf where unbounded)."""
        return (-np.inf, np.inf)

    def requires(self) -> set[str]:
        """Context columns this distribution reads (checked when a spec is compiled)."""
        return set()


def register(cls: type[Distribution]) -> type[Distribution]:
    """Class decorator: make a distribution type available to specs by its tag."""
    tag = cls.model_fields["distribution"].default
    if not isinstance(tag, str) or not tag:
        raise TypeError(f"{cls.__name__} needs a `distribution: Literal[...] = '<tag>'` field")
    if tag in REGISTRY and REGISTRY[tag] is not cls:
        raise TypeError(f"distribution tag {tag!r} is registered twice")
    REGISTRY[tag] = cls
    return cls
