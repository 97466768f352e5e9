"""age_bands: a piecewise-uniform distribution given as bands with shares.

Census and plan tables report ages as bands ("65 to 74: 50%"). Each band is the
interval [min, max) — `max` is exclusive, so the census band "65 to 74 years"
is `{min: 65, max: 75}` — and ages are uniform within it. Bands must not
overlap (touching is fine); gaps are allowed and never drawn. Mean and variance
are exact.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from healthsim.distributions._params import check_below, check_weights
from healthsim.distributions._sampling import sample_segments, segment_moments
from healthsim.distributions.base import Context, Distribution, register


class Band(BaseModel):
    """One band: values in [min, max) with probability `weight`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float
    max: float = Field(description="exclusive upper end")
    weight: float = Field(ge=0)

    @model_validator(mode="after")
    def _check_bounds(self) -> Band:
        check_below("min", self.min, "max", self.max)
        return self


@register
class AgeBands(Distribution):
    """`{distribution: age_bands, bands: [{min: 65, max: 75, weight: 0.5}, ...]}`."""

    distribution: Literal["age_bands"] = "age_bands"
    bands: list[Band] = Field(min_length=1)

    @field_validator("bands")
    @classmethod
    def _check_bands(cls, bands: list[Band]) -> list[Band]:
        check_weights([band.weight for band in bands], "band weights")
        ordered = sorted(bands, key=lambda band: band.min)
        for left, right in pairwise(ordered):
            if right.min < left.max:
                raise ValueError(
                    f"bands [{left.min}, {left.max}) and [{right.min}, {right.max}) overlap; "
                    "they must not overlap (max is exclusive: a band may end where the next starts)"
                )
        return bands

    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        low = np.array([band.min for band in self.bands])
        high = np.array([band.max for band in self.bands])
        p = np.array([band.weight for band in self.bands])
        return low, high, p / p.sum()

    def sample(
        self, n: int, rng: np.random.Generator, context: Context | None = None
    ) -> np.ndarray:
        return sample_segments(*self._arrays(), n, rng)

    def mean(self) -> float:
        return segment_moments(*self._arrays())[0]

    def variance(self) -> float:
        return segment_moments(*self._arrays())[1]

    def support(self) -> tuple[float, float]:
        return (min(band.min for band in self.bands), max(band.max for band in self.bands))
