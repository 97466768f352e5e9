"""Running totals within groups, the arithmetic behind every accumulator.

Rows are already sorted so each group (a member's plan year, a claim) is
contiguous, and `starts` marks each group's first row. A running total capped
at a limit is min(cumsum, limit), so a row's share of the capped total is the
difference of consecutive capped sums: no loop over groups or rows.
"""

from __future__ import annotations

import numpy as np


def group_cumsum(x: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at every True in `starts`."""
    if len(x) == 0:
        return np.zeros(0, np.asarray(x).dtype)
    total = np.cumsum(x)
    first = np.flatnonzero(starts)
    offset = total[first] - x[first]
    return total - np.repeat(offset, np.diff(np.r_[first, len(x)]))


def capped_increments(x: np.ndarray, limit: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Each row's share of its group's running total of x capped at `limit` (per row, constant
    within a group)."""
    if len(x) == 0:
        return np.zeros(0, np.int64)
    capped = np.minimum(group_cumsum(x, starts), limit)
    before = np.r_[0, capped[:-1]]
    return capped - np.where(starts, 0, before)
