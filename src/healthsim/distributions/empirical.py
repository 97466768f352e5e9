"""empirical: draw from observed values, optionally weighted.

For when real data (or a published table) is the best description: observed
lengths of stay, a list of common drug strengths, a set of labels. Values are
numbers or labels (not a mix). `weights` default to equal. With
`interpolate: true` numeric values become a continuous distribution whose CDF is
piecewise-linear between the sorted distinct values, so draws fall anywhere
between the smallest and largest value: the segment between two neighbouring
values gets probability proportional to the mean of their two weights. For
equally weighted distinct values that is numpy's linear percentile (each gap
gets the same share); a repeated value counts as extra weight on its point.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from healthsim.distributions._params import check_weights
from healthsim.distributions._sampling import draw_indices, sample_segments, segment_moments
from healthsim.distributions.base import Context, Distribution, register


@register
class Empirical(Distribution):
    """`{distribution: empirical, values: [1, 2, 3, 5], weights: [0.4, 0.3, 0.2, 0.1]}`."""

    distribution: Literal["empirical"] = "empirical"
    values: list[float | str] = Field(min_length=1, description="numbers or labels, not a mix")
    weights: list[float] | None = Field(None, description="one per value; >= 0, summing to 1")
    interpolate: bool = Field(False, description="numeric only: continuous between values")

    @model_validator(mode="after")
    def _check(self) -> Empirical:
        labels = [isinstance(value, str) for value in self.values]
        if any(labels) and not all(labels):
            raise ValueError("values must be all numbers or all labels, not a mix")
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"weights has {len(self.weights)} entries but values has {len(self.values)}; "
                    "give one weight per value"
                )
            check_weights(self.weights)
        if self.interpolate and (any(labels) or len(set(self.values)) < 2):
            raise ValueError("interpolate needs at least two distinct numeric values")
        return self

    @property
    def kind(self) -> str:
        return "categorical" if isinstance(self.values[0], str) else "numeric"

    def table(self) -> tuple[np.ndarray, np.ndarray]:
        """Distinct values and their probabilities (numbers sorted, labels as given)."""
        if self.weights is None:
            p = np.full(len(self.values), 1.0 / len(self.values))
        else:
            p = np.asarray(self.weights, dtype=float) / sum(self.weights)
        if self.kind == "categorical":
            return np.array(self.values, dtype=object), p
        distinct, index = np.unique(np.asarray(self.values, dtype=float), return_inverse=True)
        return distinct, np.bincount(index, weights=p, minlength=distinct.size)

    def _segments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Interpolated form: segment i spans values i..i+1 with mass ~ (p_i + p_i+1) / 2."""
        x, p = self.table()
        mass = (p[:-1] + p[1:]) / 2
        return x[:-1], x[1:], mass / mass.sum()

    def sample(
        self, n: int, rng: np.random.Generator, context: Context | None = None
    ) -> np.ndarray:
        if self.interpolate:
            return sample_segments(*self._segments(), n, rng)
        values, p = self.table()
        return values[draw_indices(p, n, rng)]

    def mean(self) -> float | None:
        return self._moments()[0]

    def variance(self) -> float | None:
        return self._moments()[1]

    def _moments(self) -> tuple[float | None, float | None]:
        if self.kind == "categorical":
            return None, None
        if self.interpolate:
            return segment_moments(*self._segments())
        x, p = self.table()
        mean = float(np.sum(p * x))
        return mean, float(np.sum(p * (x - mean) ** 2))

    def support(self) -> tuple[float, float]:
        if self.kind == "categorical":
            return super().support()
        x, _ = self.table()
        return (float(x[0]), float(x[-1]))
