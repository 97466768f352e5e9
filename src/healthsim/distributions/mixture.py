"""mixture: a population made of sub-groups, each with its own distribution.

Real cost and utilisation data are often bimodal: most members cost little, a
high-cost minority costs a lot. A mixture says so directly — `0.9` of draws from
one distribution, `0.1` from another. Unlike `conditional`, the group is not an
attribute of the member; it is drawn afresh. Mean and variance follow from the
laws of total expectation and total variance.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from healthsim.distributions._params import check_weights
from healthsim.distributions._sampling import draw_indices, output_array, sample_rows
from healthsim.distributions.base import Context, Distribution, register


class Component(BaseModel):
    """One part of a mixture: its share of draws and its distribution."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weight: float = Field(ge=0)
    distribution: AnyDistribution  # noqa: F821 (resolved by the package's model_rebuild)


@register
class Mixture(Distribution):
    """`{distribution: mixture, components: [{weight: 0.9, distribution: {...}}, ...]}`."""

    distribution: Literal["mixture"] = "mixture"
    components: list[Component] = Field(min_length=1)

    @field_validator("components")
    @classmethod
    def _check_components(cls, components: list[Component]) -> list[Component]:
        check_weights([part.weight for part in components], "component weights")
        kinds = [part.distribution.kind for part in components]
        if len(set(kinds)) > 1:
            raise ValueError(f"components must all draw numbers or all draw labels; got {kinds}")
        return components

    @property
    def kind(self) -> str:
        return self.components[0].distribution.kind

    def _weights(self) -> np.ndarray:
        w = np.array([part.weight for part in self.components])
        return w / w.sum()

    def requires(self) -> set[str]:
        return set().union(*(part.distribution.requires() for part in self.components))

    def sample(
        self, n: int, rng: np.random.Generator, context: Context | None = None
    ) -> np.ndarray:
        which = draw_indices(self._weights(), n, rng)
        out = output_array(n, self.kind)
        for index, part in enumerate(self.components):
            rows = np.flatnonzero(which == index)
            out[rows] = sample_rows(part.distribution, rows, rng, context)
        return out

    def _moments(self) -> list[tuple[float, float, float]] | None:
        """(weight, mean, variance) per component with weight > 0, or None if any is undefined."""
        rows = []
        for w, part in zip(self._weights(), self.components):
            if w > 0:
                mean, var = part.distribution.mean(), part.distribution.variance()
                if mean is None or var is None:
                    return None
                rows.append((w, mean, var))
        return rows

    def mean(self) -> float | None:
        rows = self._moments()
        return None if rows is None else float(sum(w * m for w, m, _ in rows))

    def variance(self) -> float | None:
        rows = self._moments()
        if rows is None:
            return None
        mean = sum(w * m for w, m, _ in rows)
        return float(sum(w * (v + (m - mean) ** 2) for w, m, v in rows))

    def support(self) -> tuple[float, float]:
        supports = [part.distribution.support() for part in self.components]
        return (min(lo for lo, _ in supports), max(hi for _, hi in supports))
