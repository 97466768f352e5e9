"""A realised value with its sampling error, and how a ratio metric gets one.

A ratio metric's SQL yields one row per unit (x, w). The value is R = sum(x) / sum(w) and, treating
units as the sampled elements (members, stays, claims), its standard error is the ratio
estimator's: var(R) = n / (n - 1) * sum((x - R w)^2) / sum(w)^2. The sums are taken in DuckDB, so a
million members never leave the database: sum((x - R w)^2) = Sxx - 2 R Sxw + R^2 Sww.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from healthsim.store.analysis import AnalysisSession
from healthsim.validation.sql import render
from healthsim.validation.table import Metric

Z99 = 2.5758  # two-sided 99% normal quantile


@dataclass(frozen=True)
class Measurement:
    value: float | None
    se: float | None
    units: int  # members, stays, claims... that the value rests on
    numerator: float | None = None
    denominator: float | None = None

    def interval(self) -> tuple[float, float] | None:
        if self.value is None or self.se is None:
            return None
        return max(0.0, self.value - Z99 * self.se), self.value + Z99 * self.se  # every metric is >= 0


def ratio(session: AnalysisSession, metric: Metric, pop_table: str, args: tuple[str, ...]) -> Measurement:
    sql = render(metric.sql or "", pop_table, metric.parameters, args)
    n, sx, sw, sxx, sww, sxw = session.one(
        "SELECT count(*), sum(x), sum(w), sum(x * x), sum(w * w), sum(x * w) "
        f"FROM (\n{sql}\n) AS units WHERE w > 0")
    n = int(n or 0)
    if not n or not sw:
        return Measurement(None, None, n)
    sx, sw, sxx, sww, sxw = (float(v or 0) for v in (sx, sw, sxx, sww, sxw))
    r = sx / sw
    resid = max(0.0, sxx - 2 * r * sxw + r * r * sww)
    se = math.sqrt(n / (n - 1) * resid) / sw if n > 1 else None
    k = metric.scale
    return Measurement(k * r, None if se is None else k * se, n, sx, sw)
