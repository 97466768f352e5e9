"""gamma: positive, skewed quantities with a lighter tail than lognormal.

Used for waiting times that are sums of stages, rates that vary between people
(the gamma is the mixing distribution behind negative_binomial), and costs when
a lognormal tail is too heavy. Give shape + scale, or the mean + std_dev of the
value itself (shape = (mean / std_dev)^2, scale = std_dev^2 / mean).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import AliasChoices, Field, model_validator

from healthsim.distributions._params import pick_form
from healthsim.distributions.base import Context, Distribution, register


@register
class Gamma(Distribution):
    """`{distribution: gamma, shape: 2, scale: 15}` or `{mean: 30, std_dev: 21}`."""

    distribution: Literal["gamma"] = "gamma"
    shape: float | None = Field(None, gt=0, description="shape k (a.k.a. alpha)")
    scale: float | None = Field(None, gt=0, description="scale theta (1 / rate)")
    mean_: float | None = Field(None, gt=0, alias="mean", description="mean of the value")
    std_dev: float | None = Field(
        None, gt=0, validation_alias=AliasChoices("std_dev", "sd", "stddev")
    )

    @model_validator(mode="after")
    def _check_form(self) -> Gamma:
        given = {
            "shape": self.shape,
            "scale": self.scale,
            "mean": self.mean_,
            "std_dev": self.std_dev,
        }
        pick_form("gamma", given, [("shape", "scale"), ("mean", "std_dev")])
        return self

    def shape_scale(self) -> tuple[float, float]:
        """(shape, scale), whichever parameter set was given."""
        if self.shape is not None:
            return self.shape, self.scale
        return (self.mean_ / self.std_dev) ** 2, self.std_dev**2 / self.mean_

    def sample(
        self, n: int, rng: np.random.Generator, context: Context | None = None
    ) -> np.ndarray:
        shape, scale = self.shape_scale()
        return rng.gamma(shape, scale, n)

    def mean(self) -> float:
        shape, scale = self.shape_scale()
        return shape * scale

    def variance(self) -> float:
        shape, scale = self.shape_scale()
        return shape * scale * scale

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)
