"""The inpatient calendar: a member is in at most one hospital at a time.

Episodes book their inpatient and observation stays here in the order they run;
a stay that would overlap one already booked for the member is refused (and the
episode's events that hang from it never happen), and visits elsewhere cannot
fall strictly inside a booked stay. Bookings are kept as per-member sorted
columns, so a check is a handful of vectorised comparisons per booking slot.
"""

from __future__ import annotations

import numpy as np


class Calendar:
    def __init__(self, n: int):
        self.n = n
        self.member = np.zeros(0, np.int64)
        self.start = np.zeros(0, np.int64)  # admit day
        self.end = np.zeros(0, np.int64)  # discharge day

    def _slots(self):
        """Bookings grouped per member: (sorted member, start, end, first index per member, count)."""
        order = np.argsort(self.member, kind="stable")
        member = self.member[order]
        first = np.searchsorted(member, np.arange(self.n))
        count = np.searchsorted(member, np.arange(self.n), side="right") - first
        return self.start[order], self.end[order], first, count

    def overlaps(self, member: np.ndarray, start: np.ndarray, end: np.ndarray, strict: bool = False) -> np.ndarray:
        """Whether [start, end] meets a booked stay of the member (strict: falls strictly inside one)."""
        hit = np.zeros(len(member), bool)
        if not len(self.member) or not len(member):
            return hit
        s, e, first, count = self._slots()
        for k in range(int(count.max())):
            has = count[member] > k
            i = np.where(has, first[member] + k, 0)
            if strict:
                hit |= has & (start > s[i]) & (start < e[i])
            else:
                hit |= has & (start <= e[i]) & (end >= s[i])
        return hit

    def book(self, member: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Book the stays that fit (earliest first within this call); returns which were booked."""
        ok = ~self.overlaps(member, start, end)
        idx = np.flatnonzero(ok)
        order = idx[np.lexsort((start[idx], member[idx]))]
        m, s, e = member[order], start[order], end[order]
        keep = np.ones(len(order), bool)
        same = np.r_[False, m[1:] == m[:-1]]
        while True:  # greedy in time order: drop each member's first clash, then look again
            prev_end = _group_cummax_exclusive(m, np.where(keep, e, np.iinfo(np.int64).min))
            clash = same & keep & (s <= prev_end)
            if not clash.any():
                break
            rows = np.flatnonzero(clash)
            first_per_member = rows[np.r_[True, m[rows][1:] != m[rows][:-1]]]
            keep[first_per_member] = False
        booked = np.zeros(len(member), bool)
        booked[order[keep]] = True
        self.member = np.r_[self.member, member[booked]]
        self.start = np.r_[self.start, start[booked]]
        self.end = np.r_[self.end, end[booked]]
        return booked


def _group_cummax_exclusive(group: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Max of `value` over the earlier rows of the same (sorted) group; -inf for a group's first row."""
    low = np.iinfo(np.int64).min
    if not len(value):
        return value
    starts = np.r_[True, group[1:] != group[:-1]]
    # shift so each group is independent: add a large offset per group index
    gid = np.cumsum(starts) - 1
    span = int(value[value > low].max(initial=0)) - int(value[value > low].min(initial=0)) + 2
    base = int(value[value > low].min(initial=0)) - 1
    shifted = np.where(value > low, value - base, 0) + gid * span
    run = np.maximum.accumulate(shifted)
    prev = np.r_[0, run[:-1]]
    prev = np.where(starts, 0, prev - gid * span)
    return np.where(prev > 0, prev + base, low)
