"""Timing primitives as column operations: offsets, recurrences, label draws.

Every function takes whole columns (one entry per anchoring occurrence) and a
numpy Generator, and returns columns; recurrences expand with `np.repeat` on
integer arrays, never with a Python loop per member or per occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from healthsim.distributions import Distribution
from healthsim.distributions._sampling import draw_indices
from healthsim.distributions.categorical import Categorical
from healthsim.distributions.conditional import Conditional
from healthsim.spec.journey_timing import Timing

NEVER = np.iinfo(np.int64).max // 4
"""A day that never comes (for 'no such event' in per-member day columns)."""
MAX_OCCURRENCES = 1000


@dataclass
class Occurrences:
    """Occurrences of one event: which member, which day, and which anchor occurrence made each."""

    member: np.ndarray  # int64 index into the block's members
    day: np.ndarray  # int64 days since 1970-01-01
    parent: np.ndarray  # int64 index into the anchor's occurrences
    end: np.ndarray  # int64 last day recurrences anchored here may fall on
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.member)

    def take(self, index: np.ndarray) -> Occurrences:
        return Occurrences(self.member[index], self.day[index], self.parent[index], self.end[index],
                           {k: v[index] for k, v in self.extra.items()})


def empty() -> Occurrences:
    z = np.zeros(0, np.int64)
    return Occurrences(z, z, z, z)


def sample_number(value, n: int, rng: np.random.Generator, ctx: dict | None) -> np.ndarray:
    """A number or a distribution, as n floats."""
    if isinstance(value, int | float):
        return np.full(n, float(value))
    return np.asarray(value.sample(n, rng, ctx), dtype=float)


def base_offsets(t: Timing, n: int, rng: np.random.Generator, ctx: dict | None) -> np.ndarray:
    """Days from the anchor to the first occurrence, one per anchoring occurrence."""
    if t.window is not None:
        w = t.window
        if w.tolerance == 0:
            return np.full(n, w.target, np.int64)
        lo, hi = w.target - w.tolerance - 0.5, w.target + w.tolerance + 0.5
        x = rng.triangular(lo, w.target, hi, n) if w.shape == "triangular" else rng.uniform(lo, hi, n)
        return np.clip(np.rint(x), w.target - w.tolerance, w.target + w.tolerance).astype(np.int64)
    if t.range is not None:
        return rng.integers(t.range[0], t.range[1] + 1, n).astype(np.int64)
    if t.offset is not None:
        return np.rint(t.offset.sample(n, rng, ctx)).astype(np.int64)
    return np.full(n, t.at or 0, np.int64)


def occurrences(t: Timing, anchor: Occurrences, rng: np.random.Generator, ctx: dict | None,
                until: np.ndarray) -> Occurrences:
    """Expand anchors into occurrences (one each, or a recurring series each), missed ones dropped.

    `until` is the last day a recurrence may fall on, per anchor (phase, state or journey end).
    """
    n = len(anchor)
    first = anchor.day + base_offsets(t, n, rng, ctx)
    if t.spread is not None:
        return _spread(t, anchor, first, rng, ctx, until)
    if t.every is None:
        index = np.arange(n)
        day = first
    else:
        bound = until if t.until is None else np.minimum(until, anchor.day + t.until)
        fit = np.where(bound >= first, (bound - first) // t.every + 1, 0)
        k = fit if t.count is None else np.minimum(fit, np.maximum(np.rint(sample_number(
            t.count, n, rng, ctx)), 0).astype(np.int64))
        k = np.minimum(k, MAX_OCCURRENCES)
        index = np.repeat(np.arange(n), k)
        starts = np.cumsum(k) - k
        occ = np.arange(len(index)) - np.repeat(starts, k)
        day = first[index] + occ * t.every
        if t.jitter:
            day = day + rng.integers(-t.jitter, t.jitter + 1, len(index))
        day = reflect(day, anchor.day[index], bound[index])
    keep = rng.random(len(index)) >= t.missed if t.missed else np.ones(len(index), bool)
    index, day = index[keep], day[keep]
    return Occurrences(anchor.member[index], day.astype(np.int64), index.astype(np.int64),
                       anchor.end[index])


def reflect(day: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Fold days that jitter pushed outside [lo, hi] back inside (mirror at the edge).

    Clamping would pile them on the edge (the first day of a window collecting every early
    draw); mirroring keeps a uniform density uniform up to the edge.
    """
    width = np.maximum(hi - lo, 0)
    x = day - lo
    period = np.maximum(2 * width, 1)
    x = np.mod(x, period)
    x = np.where(x > width, period - x, x)
    return lo + np.where(width > 0, x, 0)


def _spread(t: Timing, anchor: Occurrences, first: np.ndarray, rng: np.random.Generator, ctx,
            until: np.ndarray) -> Occurrences:
    """`count` occurrences per anchor on uniformly random days in [first, until] (a Poisson process)."""
    n = len(anchor)
    bound = until if t.until is None else np.minimum(until, anchor.day + t.until)
    k = np.maximum(np.rint(sample_number(t.count, n, rng, ctx)), 0).astype(np.int64)
    k = np.where(bound >= first, np.minimum(k, MAX_OCCURRENCES), 0)
    index = np.repeat(np.arange(n), k)
    span = (bound - first)[index] + 1
    day = first[index] + np.floor(rng.random(len(index)) * span).astype(np.int64)
    order = np.lexsort((day, index))
    index, day = index[order], day[order]
    keep = rng.random(len(index)) >= t.missed if t.missed else np.ones(len(index), bool)
    index, day = index[keep], day[keep]
    return Occurrences(anchor.member[index], day.astype(np.int64), index.astype(np.int64), anchor.end[index])


def label_codes(dist: Distribution, labels: list[str], n: int, rng: np.random.Generator,
                ctx: dict | None) -> np.ndarray:
    """Draw a categorical (or conditional of categoricals) as int codes into `labels`.

    Same draws as `dist.sample` for these types, without making n Python strings.
    """
    if isinstance(dist, Categorical):
        names, p = dist.probabilities()
        lookup = np.array([labels.index(x) for x in names], np.int32)
        return lookup[draw_indices(p, n, rng)]
    if isinstance(dist, Conditional) and all(isinstance(d, Categorical) for _, d in dist._parts()):
        out = np.zeros(n, np.int32)
        for d, rows in dist.case_rows(ctx, n):
            out[rows] = label_codes(d, labels, len(rows), rng, None)
        return out
    values = np.asarray(dist.sample(n, rng, ctx)).astype(str)
    lookup = {x: i for i, x in enumerate(labels)}
    uniq, inverse = np.unique(values, return_inverse=True)
    return np.array([lookup[u] for u in uniq], np.int32)[inverse].reshape(-1)


def distribution_labels(dist: Distribution) -> list[str]:
    """Every label a categorical-valued distribution can draw, in a stable order."""
    if isinstance(dist, Categorical):
        return list(dist.weights)
    out: list[str] = []
    for part in getattr(dist, "_parts", list)():
        for x in distribution_labels(part[1]):
            if x not in out:
                out.append(x)
    for comp in getattr(dist, "components", []):
        for x in distribution_labels(comp.distribution):
            if x not in out:
                out.append(x)
    values = getattr(dist, "values", None)
    if values and isinstance(values[0], str):
        out += [v for v in values if v not in out]
    return out


def first_day_per_member(n: int, member: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Earliest day per member (NEVER where a member has none)."""
    out = np.full(n, NEVER, np.int64)
    np.minimum.at(out, member, day)
    return out
