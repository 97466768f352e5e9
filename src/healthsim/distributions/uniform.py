"""uniform: every value in [min, max) equally likely.

For quantities with hard bounds and no known shape (a day within a month, a
start offset within a visit window). Mean and variance are exact.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import model_validator

from healthsim.distributions._params import check_below
from healthsim.distributions.base import Context, Distribution, register


@register
class Uniform(Distribution):
    """`{distribution: uniform, min: 0, max: 30}`."""

    distribution: Literal["uniform"] = "uniform"
    min: float
    max: float

    @model_validator(mode="after")
    def _check_bounds(self) -> Uniform:
        check_below("min", self.min, "max", self.max)
        return self

    def sample(
        self, n: int, rng: np.random.Generator, context: Context | None = None
    ) -> np.ndarray:
        return rng.uniform(self.min, self.max, n)

    def mean(self) -> float:
        return (self.min + self.max) / 2

    def variance(self) -> float:
        return (self.max - self.min) ** 2 / 12

    def support(self) -> tuple[float, float]:
        return (self.min, self.max)
