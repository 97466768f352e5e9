"""negative_binomial: over-dispersed counts — visits, admissions, claims per year.

Utilisation counts vary far more than a Poisson allows (most members have few
visits, a few have many). Give either

- `mean` + `dispersion` (the NB2 / R `size` form): variance = mean + mean^2 /
  dispersion. Small dispersion means very spread-out counts; as dispersion grows
  the distribution approaches poisson(mean). This is the gamma-Poisson mixture
  whose gamma has shape = dispersion.
- `n` + `p` (numpy's / R's `size` + `prob` form): the number of failures before
  the n-th success with success probability p; mean = n (1 - p) / p.

n need not be whole. Draws are whole numbers held in a float column.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import AliasChoices, Field, model_validator

from healthsim.distributions._params import pick_form
from healthsim.distributions.base import Context, Distribution, register


@register
class NegativeBinomial(Distribution):
    """`{distribution: negative_binomial, mean: 4.2, dispersion: 1.5}` or `{n: 1.5, p: 0.26}`."""

    distribution: Literal["negative_binomial"] = "negative_binomial"
    mean_: float | None = Field(None, ge=0, alias="mean", description="expected count")
    dispersion: float | None = Field(
        None,
        gt=0,
        validation_alias=AliasChoices("dispersion", "size"),
        description="NB2 size k: variance = mean + mean^2 / k",
    )
    n: float | None = Field(None, gt=0, description="number of successes (may be fractional)")
    p: float | None = Field(None, gt=0, le=1, description="success probability, in (0, 1]")

    @model_validator(mode="after")
    def _check_form(self) -> NegativeBinomial:
        given = {"mean": self.mean_, "dispersion": self.dispersion, "n": self.n, "p": self.p}
        pick_form("negative_binomial", given, [("mean", "dispersion"), ("n", "p")])
        return self

    def n_p(self) -> tuple[float, float]:
        """(n, p) in numpy's parameterisation, whichever form was given."""
        if self.n is not None:
            return self.n, self.p
        return self.dispersion, self.dispersion / (self.dispersion + self.mean_)

    def sample(
        self, n: int, rng: np.random.Generator, context: Context | None = None
    ) -> np.ndarray:
        size, p = self.n_p()
        return rng.negative_binomial(size, p, n).astype(float)

    def mean(self) -> float:
        size, p = self.n_p()
        return size * (1 - p) / p

    def variance(self) -> float:
        size, p = self.n_p()
        return size * (1 - p) / (p * p)

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)
