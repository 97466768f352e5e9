"""rate: a count (or a chance) at each member's own rate of care.

A year of care draws how many ED visits or primary-care visits a member has from
the member's own rate per year, which the episodes layer computes from the
utilization table (conditions/data/_utilization.yaml: base rates by payer and age,
with sources), the member's conditions and the member's frailty, and hands over
as the context column `rate:<service>`. So the figures live in one data file
rather than in each template, and a template only says which service it draws:

    {distribution: rate, of: ed_visits}                  Poisson count at the member's rate
    {distribution: rate, of: pcp_visits, scale: 0.5}     half of it (a service split over events)
    {distribution: rate, of: readmissions, draw: chance} 1 with the member's chance, else 0

The member-to-member spread of use comes from the rates themselves (frailty and
conditions), so the count given a rate is Poisson.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from healthsim.distributions.base import Context, Distribution, register


@register
class Rate(Distribution):
    """`{distribution: rate, of: ed_visits}`: a Poisson count (or `draw: chance`, a 0/1) at the
    member's rate from the context column `rate:<of>`."""

    distribution: Literal["rate"] = "rate"
    of: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="a service of the utilization table "
                    "(conditions/data/_utilization.yaml), e.g. ed_visits")
    scale: float = Field(1.0, ge=0, description="multiplies the member's rate")
    draw: Literal["count", "chance"] = Field("count", description="count: Poisson at the rate; "
                                             "chance: 1 with probability min(rate, 1)")

    @property
    def column(self) -> str:
        return f"rate:{self.of}"

    def requires(self) -> set[str]:
        return {self.column}

    def sample(self, n: int, rng: np.random.Generator, context: Context | None = None) -> np.ndarray:
        if context is None or self.column not in context:
            known = sorted(k[5:] for k in (context or {}) if str(k).startswith("rate:"))
            raise ValueError(f"rate of {self.of!r}: no such service in the utilization table here "
                             f"(known: {', '.join(known) or 'none: rates exist only inside a journey'})")
        mean = np.asarray(context[self.column], float) * self.scale
        if mean.shape != (n,):
            raise ValueError(f"rate of {self.of!r}: context column has {mean.shape} values for {n} draws")
        if self.draw == "chance":
            return (rng.random(n) < np.minimum(mean, 1.0)).astype(float)
        return rng.poisson(mean).astype(float)

    def support(self) -> tuple[float, float]:
        return (0.0, 1.0) if self.draw == "chance" else (0.0, np.inf)
