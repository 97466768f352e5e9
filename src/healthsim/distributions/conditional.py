"""conditional: a different distribution depending on an attribute already drawn.

Healthcare rates depend on who the person is: conditions by sex, costs by plan
type, diagnoses by age band. `on` names a context column (drawn earlier for the
same members) and `cases` maps each of its values to a distribution; `default`
covers values without a case. Sampling is vectorised by masks: each case draws
once, for exactly the rows whose context value matches. Case keys are compared
with the column's values as text, so YAML's `1:` matches a column of 1s.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
from pydantic import Field, ValidationInfo, field_validator, model_validator

from healthsim.distributions._params import labels_from_keys
from healthsim.distributions._sampling import output_array, sample_rows
from healthsim.distributions.base import Context, Distribution, register


def as_labels(column: np.ndarray) -> np.ndarray:
    """A context column as text labels (whole-number floats lose their '.0')."""
    column = np.asarray(column)
    if column.dtype.kind == "f" and np.all(np.isfinite(column)) and np.all(column % 1 == 0):
        column = column.astype(np.int64)
    return column.astype(str)


_INTERVAL = re.compile(r"^\s*([\[(])\s*(-?inf|-?\d+(?:\.\d+)?)\s*,\s*(-?inf|-?\d+(?:\.\d+)?)\s*([\])])\s*$")


def interval(key: str) -> tuple[float, float, bool, bool] | None:
    """'[40, 65)' -> (40, 65, True, False): a case of a numeric column (age, a weight) by range."""
    m = _INTERVAL.match(str(key))
    if not m:
        return None
    lo, hi = float(m.group(2)), float(m.group(3))
    return (lo, hi, m.group(1) == "[", m.group(4) == "]") if lo < hi else None


@register
class Conditional(Distribution):
    """`{distribution: conditional, on: sex, cases: {F: {...}, M: {...}}, default: {...}}`.

    With a `default`, a missing `on` column means every row takes the default. Cases of a
    numeric column may be intervals: `on: age, cases: {"[0, 40)": ..., "[40, 65)": ...,
    "[65, inf)": ...}` (every key an interval; the first interval holding a value wins).
    """

    distribution: Literal["conditional"] = "conditional"
    on: str = Field(min_length=1, description="name of the context column to condition on")
    cases: dict[str, AnyDistribution] = Field(min_length=1)  # noqa: F821 (resolved by rebuild)
    default: AnyDistribution | None = None  # noqa: F821

    @model_validator(mode="before")
    @classmethod
    def _yaml_on_key(cls, data: object) -> object:
        """YAML 1.1 reads a bare `on:` key as the boolean true; take it as `on`."""
        if isinstance(data, dict) and True in data and "on" not in data:
            return {("on" if key is True else key): value for key, value in data.items()}
        return data

    @field_validator("cases", mode="before")
    @classmethod
    def _keys_as_labels(cls, cases: object) -> object:
        return labels_from_keys(cases)

    @field_validator("cases")
    @classmethod
    def _check_case_kinds(cls, cases: dict[str, Distribution]) -> dict[str, Distribution]:
        kinds = {key: dist.kind for key, dist in cases.items()}
        if len(set(kinds.values())) > 1:
            raise ValueError(f"cases must all draw numbers or all draw labels; got {kinds}")
        return cases

    @field_validator("default")
    @classmethod
    def _check_default_kind(cls, default: Distribution | None, info: ValidationInfo):
        cases = info.data.get("cases")
        if default is not None and cases:
            kind = next(iter(cases.values())).kind
            if default.kind != kind:
                raise ValueError(f"default draws {default.kind} values but the cases draw {kind}")
        return default

    def _parts(self) -> list[tuple[str, Distribution]]:
        parts = list(self.cases.items())
        return parts + ([("default", self.default)] if self.default is not None else [])

    @property
    def kind(self) -> str:
        return next(iter(self.cases.values())).kind

    def requires(self) -> set[str]:
        return {self.on}.union(*(dist.requires() for _, dist in self._parts()))

    def case_rows(self, context: Context | None, n: int) -> list[tuple[Distribution, np.ndarray]]:
        """Each distribution with the row indices it draws for; error on an uncovered value.

        A population that never drew the `on` column (a journey written for diabetics with a
        `diabetes_control` attribute, run on a profile without it) takes the `default` for every
        row rather than failing: the default is exactly "no case applies".
        """
        if self.default is not None and (context is None or self.on not in context):
            return [(self.default, np.arange(n))]
        intervals = self._intervals()
        labels = None if intervals else self._labels(context, n)
        values = self._numbers(context, n) if intervals else None
        matched = np.zeros(n, dtype=bool)
        plan = []
        for key, dist in self.cases.items():
            if intervals:
                lo, hi, lo_closed, hi_closed = intervals[key]
                mask = ((values >= lo) if lo_closed else (values > lo)) & ((values <= hi) if hi_closed else (values < hi))
                mask &= ~matched  # overlapping intervals: the first that holds the value
            else:
                mask = labels == key
            matched |= mask
            plan.append((dist, np.flatnonzero(mask)))
        if not matched.all():
            if self.default is None:
                missing = sorted(set(labels[~matched].tolist()))
                raise ValueError(
                    f"conditional on {self.on!r}: no case for value(s) {missing[:5]} and no "
                    f"default; cases cover {sorted(self.cases)}"
                )
            plan.append((self.default, np.flatnonzero(~matched)))
        return plan

    def _intervals(self) -> dict[str, tuple[float, float, bool, bool]] | None:
        """Case keys written as intervals of a numeric column ('[40, 65)', '[65, inf)'), or None."""
        parsed = {key: interval(key) for key in self.cases}
        return parsed if all(v is not None for v in parsed.values()) else None

    def _numbers(self, context: Context | None, n: int) -> np.ndarray:
        self._labels(context, n)  # the same checks: the column was drawn, one value per row
        return np.asarray(context[self.on], dtype=float)

    def _labels(self, context: Context | None, n: int) -> np.ndarray:
        if context is None or self.on not in context:
            have = sorted(context) if context else []
            raise ValueError(
                f"conditional on {self.on!r} needs the context column {self.on!r}, which has not "
                f"been drawn; context has {have}"
            )
        column = np.asarray(context[self.on])
        if column.shape != (n,):
            raise ValueError(
                f"context column {self.on!r} has shape {column.shape}, expected ({n},)"
            )
        return as_labels(column)

    def sample(
        self, n: int, rng: np.random.Generator, context: Context | None = None
    ) -> np.ndarray:
        out = output_array(n, self.kind)
        for dist, rows in self.case_rows(context, n):
            out[rows] = sample_rows(dist, rows, rng, context)
        return out

    def support(self) -> tuple[float, float]:
        supports = [dist.support() for _, dist in self._parts()]
        return (min(lo for lo, _ in supports), max(hi for _, hi in supports))
