"""Encounter clock times: when a visit starts and ends, and how long a stay lasts.

Office-type visits start in the setting's opening hours on 5-minute slots and
last between the setting's minimum and maximum minutes; ED arrivals follow the
daily arrival curve (low at night, peak late morning to evening); an admission
from the ED starts when the ED visit ends; elective admissions and surgery
start early morning; inpatients leave late morning to afternoon after their
length of stay. Stays that would end after the member's window are not made.
"""

from __future__ import annotations

import numpy as np

from healthsim.episodes.timing import Occurrences
from healthsim.reference.clinical import settings

# Share of ED arrivals by hour of day (CDC NHAMCS pattern: trough 3-6am, plateau 10am-9pm).
ED_ARRIVALS = np.array([2.6, 2.1, 1.8, 1.5, 1.4, 1.5, 2.0, 2.9, 4.0, 5.0, 5.6, 5.8, 5.8, 5.6, 5.5, 5.4,
                        5.4, 5.4, 5.3, 5.0, 4.6, 4.1, 3.6, 3.1])
DEFAULT_LOS = {"inpatient": 3.4, "observation": 0.8}  # mean nights (HCUP: mean US stay ~4.5 d, median 3)


def _clock(lo_hour: int, hi_hour: int, n: int, rng: np.random.Generator) -> np.ndarray:
    slots = max((hi_hour - lo_hour) * 12, 1)
    return lo_hour * 3600 + rng.integers(0, slots, n) * 300


PERIODS = ("snf", "home_health", "hospice")
"""Settings whose encounters last days (length_of_stay), billed as one institutional claim each."""


def encounter_times(run, node, occ: Occurrences, rng: np.random.Generator) -> Occurrences:
    """Add start_ts/end_ts (seconds since epoch) and los (nights); drop stays that end too late."""
    ev = node.event
    setting = settings()[getattr(ev, "setting", "lab")]
    n = len(occ)
    day_s = occ.day * 86400
    if setting.setting == "emergency":
        hour = np.searchsorted(np.cumsum(ED_ARRIVALS / ED_ARRIVALS.sum()), rng.random(n))
        start = day_s + np.minimum(hour, 23) * 3600 + rng.integers(0, 3600, n)
    elif setting.setting in ("inpatient", "observation"):
        start = day_s + _clock(6, 8, n, rng)
    else:
        start = day_s + _clock(*setting.hours, n, rng)
    los = np.zeros(n, np.int64)
    admitted = getattr(ev, "admitted_from", None)
    if admitted and admitted in run.occ and "end_ts" in run.occ[admitted].extra:
        start = run.occ[admitted].extra["end_ts"][occ.parent]
    if setting.setting in ("inpatient", "observation"):
        if ev.length_of_stay is not None:
            nights = ev.length_of_stay.sample(n, rng, run.sub_ctx(occ.member))
        else:
            nights = rng.poisson(DEFAULT_LOS[setting.setting], n) + (setting.setting == "inpatient")
        los = np.maximum(np.rint(nights), 1 if setting.setting == "inpatient" else 0).astype(np.int64)
        start_day = start // 86400
        end = np.where(los > 0, (start_day + los) * 86400 + _clock(10, 16, n, rng),
                       start + rng.integers(8 * 3600, 20 * 3600, n))
        los = end // 86400 - start_day  # nights actually spent (a same-day stay may run past midnight)
    elif setting.setting in PERIODS and ev.length_of_stay is not None:
        # post-acute care (a SNF stay, a home health period, a month of hospice): days from the start,
        # cut at the member's death or the end of the journey rather than dropped
        start_day = start // 86400
        days_ = np.maximum(np.rint(ev.length_of_stay.sample(n, rng, run.sub_ctx(occ.member))), 1).astype(np.int64)
        last = np.minimum(np.minimum(run.end, run.death)[occ.member], start_day + days_)
        # a SNF admits after the hospital's discharge (16-20h vs 10-16h); periods end early in the morning of
        # their last day, before the next month of home health or hospice starts (8h or later)
        end = np.maximum(np.maximum(last, start_day) * 86400 + _clock(6, 8, n, rng), start + 3600)
        los = end // 86400 - start_day
    else:
        minutes = rng.integers(setting.duration_min, setting.duration_max + 1, n)
        end = start + minutes * 60
    occ.day = start // 86400
    occ.extra.update(start_ts=start.astype(np.int64), end_ts=end.astype(np.int64), los=los)
    end_day, death = end // 86400, run.death[occ.member]
    # a stay the member dies in is kept (it ends on the day of death with status 20, products/patient)
    dies_in = (setting.setting in ("inpatient", "observation")) & (occ.day <= death) & (end_day > death)
    ok = (end_day <= np.minimum(run.end, run.death)[occ.member]) | dies_in
    return occ.take(np.flatnonzero(ok))
