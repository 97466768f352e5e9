"""poisson: counts of independent events at a known average rate.

For counts whose variance is about their mean (lab orders per admission,
prescriptions per year in a stable population). When counts are more spread out
than that — most utilisation data — use negative_binomial. Draws are whole
numbers held in a float column, like every numeric distribution.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import AliasChoices, Field

from healthsim.distributions.base import Context, Distribution, register


@register
class Poisson(Distribution):
    """`{distribution: poisson, lam: 2.5}` (or `mean: 2.5`)."""

    distribution: Literal["poisson"] = "poisson"
    lam: float = Field(
        ge=0,
        validation_alias=AliasChoices("lam", "mean", "lambda"),
        description="expected count (the mean, which is also the variance)",
    )

    def sample(
        self, n: int, rng: np.random.Generator, context: Context | None = None
    ) -> np.ndarray:
        return rng.poisson(self.lam, n).astype(float)

    def mean(self) -> float:
        return self.lam

    def variance(self) -> float:
        return self.lam

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)
