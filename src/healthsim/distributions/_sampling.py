"""Vectorised drawing helpers shared by the types that pick among parts.

categorical, empirical, age_bands and mixture all draw "which part" from
probabilities, and age_bands and interpolated empirical are both mixtures of
uniform segments; conditional and mixture both draw a nested distribution for a
subset of rows. One implementation each keeps them identical and loop-free per
draw (loops run over parts, never over rows).
"""

from __future__ import annotations

import numpy as np

from healthsim.distributions.base import Context, Distribution


def draw_indices(p: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n indices into p, index i with probability p[i] (inverse CDF, one uniform each)."""
    cumulative = np.cumsum(p)
    cumulative[-1] = 1.0
    return np.searchsorted(cumulative, rng.random(n), side="right")


def sample_segments(
    low: np.ndarray, high: np.ndarray, p: np.ndarray, n: int, rng: np.random.Generator
) -> np.ndarray:
    """Uniform draws on [low[i], high[i]) with segment i chosen with probability p[i]."""
    index = draw_indices(p, n, rng)
    return low[index] + (high[index] - low[index]) * rng.random(n)


def segment_moments(low: np.ndarray, high: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """Exact mean and variance of a mixture of uniform segments."""
    mean = float(np.sum(p * (low + high) / 2))
    second = float(np.sum(p * (low * low + low * high + high * high) / 3))
    return mean, max(second - mean * mean, 0.0)


def sample_rows(
    dist: Distribution, rows: np.ndarray, rng: np.random.Generator, context: Context | None
) -> np.ndarray:
    """Draw `dist` for the given rows only, handing it just those rows of its context."""
    sub_context = None
    if context is not None:
        sub_context = {
            name: np.asarray(context[name])[rows] for name in dist.requires() if name in context
        }
    return dist.sample(rows.size, rng, sub_context)


def output_array(n: int, kind: str) -> np.ndarray:
    """An empty column for n draws of the given kind (object for labels, float otherwise)."""
    return np.empty(n, dtype=object if kind == "categorical" else float)
