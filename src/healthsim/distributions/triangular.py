"""triangular: min, most likely value, max — the three numbers an expert can give.

When there is no data but someone can say "between 2 and 10 days, usually 4"
(length of stay, time to follow-up), the triangular distribution turns exactly
that into draws. Mean and variance are exact.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import model_validator

from healthsim.distributions._params import check_below
from healthsim.distributions.base import Context, Distribution, register


@register
class Triangular(Distribution):
    """`{distribution: triangular, min: 2, mode: 4, max: 10}`."""

    distribution: Literal["triangular"] = "triangular"
    min: float
    mode: float
    max: float

    @model_validator(mode="after")
    def _check_order(self) -> Triangular:
        check_below("min", self.min, "max", self.max)
        if not self.min <= self.mode <= self.max:
            raise ValueError(
                f"mode ({self.mode}) must lie within [min, max] = [{self.min}, {self.max}]"
            )
        return self

    def sample(
        self, n: int, rng: np.random.Generator, context: Context | None = None
    ) -> np.ndarray:
        return rng.triangular(self.min, self.mode, self.max, n)

    def mean(self) -> float:
        return (self.min + self.mode + self.max) / 3

    def variance(self) -> float:
        a, c, b = self.min, self.mode, self.max
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    def support(self) -> tuple[float, float]:
        return (self.min, self.max)
