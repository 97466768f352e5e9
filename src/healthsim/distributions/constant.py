"""constant: every member gets the same value (numeric or a label)."""

from __future__ import annotations

from typing import Literal

import numpy as np

from healthsim.distributions.base import Context, Distribution, register


@register
class Constant(Distribution):
    """`{distribution: constant, value: 1.0}` — no randomness; variance 0."""

    distribution: Literal["constant"] = "constant"
    value: float | int | str

    @property
    def kind(self) -> str:
        return "categorical" if isinstance(self.value, str) else "numeric"

    def sample(self, n: int, rng: np.random.Generator, context: Context | None = None) -> np.ndarray:
        if isinstance(self.value, str):
            return np.full(n, self.value, dtype=object)
        return np.full(n, float(self.value))

    def mean(self) -> float | None:
        return None if isinstance(self.value, str) else float(self.value)

    def variance(self) -> float | None:
        return None if isinstance(self.value, str) else 0.0

    def support(self) -> tuple[float, float]:
        if isinstance(self.value, str):
            return (-np.inf, np.inf)
        return (float(self.value), float(self.value))
