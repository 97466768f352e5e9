"""Parameter checks that several distribution types share.

Weights appear in categorical, empirical, age_bands and mixture, and several
types accept one of two parameter sets (gamma: shape + scale or mean + std_dev).
Each rule lives here once so every type words its errors the same way: what was
wrong, the value given, and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

WEIGHT_TOLERANCE = 1e-6
"""How far from 1 a set of weights may sum (spec files round to a few digits)."""


def check_weights(weights: Sequence[float], what: str = "weights") -> np.ndarray:
    """Return weights as probabilities (renormalised); error unless >= 0 and summing to 1."""
    w = np.asarray(weights, dtype=float)
    if w.size == 0:
        raise ValueError(f"{what} is empty; give at least one")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{what} must be finite numbers; got {list(weights)}")
    if np.any(w < 0):
        raise ValueError(f"{what} must be >= 0; got {float(w[w < 0][0])}")
    total = float(w.sum())
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise ValueError(
            f"{what} sum to {total:.10g}; they must sum to 1 (within {WEIGHT_TOLERANCE:g})"
        )
    return w / total


def pick_form(name: str, given: Mapping[str, object], forms: Sequence[tuple[str, ...]]) -> int:
    """Index of the parameter set in `forms` that was given; error on none or a mix."""
    present = {key for key, value in given.items() if value is not None}
    for index, form in enumerate(forms):
        if present == set(form):
            return index
    options = " or ".join(" + ".join(form) for form in forms)
    got = ", ".join(sorted(present)) or "none of them"
    raise ValueError(f"{name} takes either {options}; got {got}")


def check_below(low_name: str, low: float, high_name: str, high: float) -> None:
    """Error unless low < high (both finite), naming both parameters."""
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"{low_name} and {high_name} must be finite; got {low}, {high}")
    if not low < high:
        raise ValueError(f"{low_name} ({low}) must be below {high_name} ({high})")


def labels_from_keys(value: object) -> object:
    """Mapping keys as text labels: YAML reads `{1: 0.5}` keys as ints; specs mean '1'."""
    if isinstance(value, Mapping):
        return {str(key): item for key, item in value.items()}
    return value
