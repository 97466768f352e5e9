"""lognormal: positive, right-skewed amounts — costs, charges, lengths of stay.

Healthcare amounts are usually summarised as "mean $X, standard deviation $Y"
or as "median $X, 95th percentile $Y", rarely as the log-scale mu and sigma.
So the parameters are either of those two pairs, on the scale of the variable
itself; the log-scale parameters are derived from them.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import AliasChoices, Field, model_validator

from healthsim.distributions._params import pick_form
from healthsim.distributions.base import Context, Distribution, register

_Z95 = 1.6448536269514722
"""Standard normal 95th percentile."""


@register
class Lognormal(Distribution):
    """`{distribution: lognormal, mean: 1200, std_dev: 900}` or `{median: 800, p95: 3500}`."""

    distribution: Literal["lognormal"] = "lognormal"
    mean_: float | None = Field(None, gt=0, alias="mean", description="mean of the value")
    std_dev: float | None = Field(
        None,
        gt=0,
        validation_alias=AliasChoices("std_dev", "sd", "stddev"),
        description="standard deviation of the value (not of its log)",
    )
    median: float | None = Field(None, gt=0, description="median of the value")
    p95: float | None = Field(None, gt=0, description="95th percentile of the value")

    @model_validator(mode="after")
    def _check_form(self) -> Lognormal:
        given = {
            "mean": self.mean_,
            "std_dev": self.std_dev,
            "median": self.median,
            "p95": self.p95,
        }
        form = pick_form("lognormal", given, [("mean", "std_dev"), ("median", "p95")])
        if form == 1 and self.p95 <= self.median:
            raise ValueError(f"p95 ({self.p95}) must be above median ({self.median})")
        return self

    def log_params(self) -> tuple[float, float]:
        """(mu, sigma) of the underlying normal on the log scale."""
        if self.median is not None:
            mu = math.log(self.median)
            return mu, (math.log(self.p95) - mu) / _Z95
        sigma2 = math.log1p((self.std_dev / self.mean_) ** 2)
        return math.log(self.mean_) - sigma2 / 2, math.sqrt(sigma2)

    def sample(
        self, n: int, rng: np.random.Generator, context: Context | None = None
    ) -> np.ndarray:
        mu, sigma = self.log_params()
        return rng.lognormal(mu, sigma, n)

    def mean(self) -> float:
        mu, sigma = self.log_params()
        return math.exp(mu + sigma * sigma / 2)

    def variance(self) -> float:
        mu, sigma = self.log_params()
        return math.expm1(sigma * sigma) * math.exp(2 * mu + sigma * sigma)

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)
