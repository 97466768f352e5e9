"""When prescriptions are filled: first fills, refills, adherence, gaps and early refills.

Each medication order allows 1 + refills fills of `days_supply` days. Real
patients do not refill like clockwork, so each (order) draws an adherence
level, the proportion of days covered it aims at, from a mixture of two Beta
distributions (most patients adherent, POOR_SHARE poor adherers) whose spread matches
published Medicare Part D adherence: CMS
Star Ratings adherence measures put about 80-85% of members with diabetes,
RAS-antagonist or statin fills at PDC >= 80% (2024-2025 Star Ratings
technical notes), with a long tail of poor adherers. A refill then comes
after the supply runs out plus a gap of days_supply x (1/PDC - 1) (jittered),
or a few days early (insurers let a refill through at about 75-80% of the
supply used) with probability EARLY_SHARE. Some patients stop: after each fill
the chance of never refilling again is STOP_RATE per 90 days of supply (non-persistence
by time on the drug, so a 30-day filler is not three times as likely to stop as a
90-day filler over the same year).

Everything is a (orders x max fills) matrix: no loop per order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PDC_ALPHA, PDC_BETA = 10.0, 1.2  # adherent majority: Beta mean 0.89
POOR_SHARE = 0.16  # a real tail of poor adherers (Kirkman MS et al., Diabetes Care 2015: ~10% below 0.5)
POOR_ALPHA, POOR_BETA = 2.5, 3.0  # their aimed PDC: Beta mean 0.45
EARLY_SHARE = 0.12
STOP_RATE = 0.04  # per 90 days supplied: ~15% of users stop within a year
PICKUP_DAYS = 3  # a first fill happens 0-3 days after the prescription is written
MAX_FILLS = 24


@dataclass(frozen=True)
class Fills:
    order: np.ndarray     # row of the order
    fill_no: np.ndarray   # 0 = first fill, 1.. = refill number
    day: np.ndarray       # fill date (days since epoch)


def schedule_fills(start_day: np.ndarray, days_supply: np.ndarray, refills: np.ndarray,
                   last_day: np.ndarray, rng: np.random.Generator) -> Fills:
    """Fill dates of each order, none after its `last_day` (as_of, death, or end of coverage)."""
    n = len(start_day)
    k = int(min(max(int(refills.max(initial=0)) + 1, 1), MAX_FILLS))
    supply = np.maximum(np.asarray(days_supply, np.int64), 1)[:, None]
    poor = rng.random(n) < POOR_SHARE
    pdc = np.where(poor, rng.beta(POOR_ALPHA, POOR_BETA, n), rng.beta(PDC_ALPHA, PDC_BETA, n))[:, None]
    jitter = rng.lognormal(0.0, 0.5, (n, k))
    gap = np.rint(supply * (1.0 / pdc - 1.0) * jitter).astype(np.int64)
    early = rng.random((n, k)) < EARLY_SHARE
    early_days = np.rint(rng.uniform(0.05, 0.2, (n, k)) * supply).astype(np.int64)
    interval = np.where(early, supply - early_days, supply + gap)
    interval[:, 0] = rng.integers(0, PICKUP_DAYS + 1, n)
    day = np.asarray(start_day, np.int64)[:, None] + np.cumsum(interval, axis=1)
    stop_rate = 1.0 - (1.0 - STOP_RATE) ** (supply / 90.0)
    stops = rng.random((n, k)) < stop_rate  # stops after fill j: no fill j+1 onwards
    stopped = np.zeros((n, k), np.int64)
    stopped[:, 1:] = np.cumsum(stops, axis=1)[:, :-1]
    allowed = (np.arange(k)[None, :] <= np.asarray(refills, np.int64)[:, None]) & (stopped == 0)
    keep = allowed & (day <= np.asarray(last_day, np.int64)[:, None])
    order, fill_no = np.nonzero(keep)
    return Fills(order=order, fill_no=fill_no.astype(np.int32), day=day[order, fill_no])
