"""categorical: one label from a fixed set with given shares (sex, race, plan type).

The workhorse of profiles: `{F: 0.52, M: 0.48}`. Labels are text; numeric keys
(YAML reads `{1: 0.3}` as an int) are kept as their text form. Weights must be
probabilities — they are not silently renormalised, because a set that sums to
0.9 is almost always a typo in a spec.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, field_validator

from healthsim.distributions._params import check_weights, labels_from_keys
from healthsim.distributions._sampling import draw_indices
from healthsim.distributions.base import Context, Distribution, register


@register
class Categorical(Distribution):
    """`{distribution: categorical, weights: {F: 0.52, M: 0.48}}`."""

    distribution: Literal["categorical"] = "categorical"
    weights: dict[str, float] = Field(description="label -> probability; >= 0, summing to 1")

    kind: ClassVar[str] = "categorical"

    @field_validator("weights", mode="before")
    @classmethod
    def _keys_as_labels(cls, weights: object) -> object:
        return labels_from_keys(weights)

    @field_validator("weights")
    @classmethod
    def _check_weights(cls, weights: dict[str, float]) -> dict[str, float]:
        check_weights(list(weights.values()))
        return weights

    def probabilities(self) -> tuple[list[str], np.ndarray]:
        """The labels and their probabilities (renormalised to sum exactly to 1)."""
        labels = list(self.weights)
        p = np.fromiter(self.weights.values(), dtype=float, count=len(labels))
        return labels, p / p.sum()

    def sample(
        self, n: int, rng: np.random.Generator, context: Context | None = None
    ) -> np.ndarray:
        labels, p = self.probabilities()
        return np.array(labels, dtype=object)[draw_indices(p, n, rng)]
