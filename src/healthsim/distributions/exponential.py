"""exponential: waiting times with a constant hazard (time to next event).

Memoryless gaps between events — days until the next ED visit, time between
refills for an irregular filler. Give either the `mean` waiting time or the
`rate` (events per unit time); mean = 1 / rate.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from healthsim.distributions._params import pick_form
from healthsim.distributions.base import Context, Distribution, register


@register
class Exponential(Distribution):
    """`{distribution: exponential, mean: 45}` or `{distribution: exponential, rate: 0.02}`."""

    distribution: Literal["exponential"] = "exponential"
    mean_: float | None = Field(None, gt=0, alias="mean", description="mean waiting time")
    rate: float | None = Field(None, gt=0, description="events per unit time (1 / mean)")

    @model_validator(mode="after")
    def _check_form(self) -> Exponential:
        pick_form("exponential", {"mean": self.mean_, "rate": self.rate}, [("mean",), ("rate",)])
        return self

    def _scale(self) -> float:
        return self.mean_ if self.mean_ is not None else 1.0 / self.rate

    def sample(
        self, n: int, rng: np.random.Generator, context: Context | None = None
    ) -> np.ndarray:
        return rng.exponential(self._scale(), n)

    def mean(self) -> float:
        return self._scale()

    def variance(self) -> float:
        return self._scale() ** 2

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)
