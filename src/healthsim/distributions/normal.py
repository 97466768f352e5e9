"""normal: Gaussian, optionally truncated to [min, max] (e.g. age 65+).

Truncation is by inverse-CDF sampling within the bounds, so it is exact and
vectorised (no rejection loop), and mean()/variance() report the moments of the
truncated distribution — the targets a realised cohort is compared with.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import AliasChoices, Field, model_validator

from healthsim.distributions._math import norm_cdf, norm_pdf, norm_ppf
from healthsim.distributions.base import Context, Distribution, register


@register
class Normal(Distribution):
    """`{distribution: normal, mean: 72, std_dev: 8, min: 65, max: 100}`."""

    distribution: Literal["normal"] = "normal"
    mean_: float = Field(alias="mean", validation_alias=AliasChoices("mean", "mu"))
    std_dev: float = Field(gt=0, validation_alias=AliasChoices("std_dev", "sd", "stddev", "sigma"))
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _check_bounds(self) -> Normal:
        lo, hi = self.support()
        if lo >= hi:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        mass = norm_cdf((hi - self.mean_) / self.std_dev) - norm_cdf((lo - self.mean_) / self.std_dev)
        if mass < 1e-9:
            raise ValueError(
                f"[min, max] = [{self.min}, {self.max}] holds almost no probability of "
                f"normal(mean={self.mean_}, std_dev={self.std_dev}); widen the bounds"
            )
        return self

    def _ab(self) -> tuple[float, float]:
        lo, hi = self.support()
        return (lo - self.mean_) / self.std_dev, (hi - self.mean_) / self.std_dev

    def sample(self, n: int, rng: np.random.Generator, context: Context | None = None) -> np.ndarray:
        if self.min is None and self.max is None:
            return rng.normal(self.mean_, self.std_dev, n)
        a, b = self._ab()
        u = rng.uniform(norm_cdf(a), norm_cdf(b), n)
        x = self.mean_ + self.std_dev * norm_ppf(u)
        lo, hi = self.support()
        return np.clip(x, lo, hi)

    def mean(self) -> float:
        a, b = self._ab()
        z = norm_cdf(b) - norm_cdf(a)
        return self.mean_ + self.std_dev * (norm_pdf(a) - norm_pdf(b)) / z

    def variance(self) -> float:
        a, b = self._ab()
        z = norm_cdf(b) - norm_cdf(a)
        pa, pb = norm_pdf(a), norm_pdf(b)
        ta = a * pa if math.isfinite(a) else 0.0
        tb = b * pb if math.isfinite(b) else 0.0
        return self.std_dev**2 * (1 + (ta - tb) / z - ((pa - pb) / z) ** 2)

    def support(self) -> tuple[float, float]:
        return (
            -math.inf if self.min is None else float(self.min),
            math.inf if self.max is None else float(self.max),
        )
