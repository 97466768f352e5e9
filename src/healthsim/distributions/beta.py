"""beta: proportions and rates between two bounds (adherence, copay share).

A beta(alpha, beta) lives on [0, 1]: proportion of days covered, share of a bill
a member pays, a risk score. Optional `min`/`max` stretch it linearly onto
another interval (e.g. an HbA1c between 6.5 and 12) keeping its shape.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from healthsim.distributions._params import check_below
from healthsim.distributions.base import Context, Distribution, register


@register
class Beta(Distribution):
    """`{distribution: beta, alpha: 8, beta: 2}` (mean 0.8), optionally `min:`/`max:`."""

    distribution: Literal["beta"] = "beta"
    alpha: float = Field(gt=0, description="first shape parameter (pulls towards max)")
    beta: float = Field(gt=0, description="second shape parameter (pulls towards min)")
    min: float = Field(0.0, description="value a draw of 0 maps to")
    max: float = Field(1.0, description="value a draw of 1 maps to")

    @model_validator(mode="after")
    def _check_bounds(self) -> Beta:
        check_below("min", self.min, "max", self.max)
        return self

    def sample(
        self, n: int, rng: np.random.Generator, context: Context | None = None
    ) -> np.ndarray:
        return self.min + (self.max - self.min) * rng.beta(self.alpha, self.beta, n)

    def mean(self) -> float:
        return self.min + (self.max - self.min) * self.alpha / (self.alpha + self.beta)

    def variance(self) -> float:
        a, b = self.alpha, self.beta
        return (self.max - self.min) ** 2 * a * b / ((a + b) ** 2 * (a + b + 1))

    def support(self) -> tuple[float, float]:
        return (self.min, self.max)
