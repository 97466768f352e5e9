"""Ages from birth dates the way people count them: completed years on the calendar.

Why not (as_of - birth) / 365.2425: that average year drifts by up to a day
against the calendar, so someone born on 1 January could be shown a year older
the day before their birthday (or a day late). Ages decide eligibility (an
18-year-old is an adult, a 65-year-old is Medicare-eligible), so they are the
calendar's: the year difference, minus one if the birthday has not yet come in
the as_of year. The fractional part (time since the last birthday) keeps the
continuous age other steps sample with, and never rounds up into the next year.
"""

from __future__ import annotations

from datetime import date

import numpy as np


def completed_years(birth_day: np.ndarray, as_of: date) -> np.ndarray:
    """Whole years between each birth (days since 1970-01-01) and `as_of`."""
    b = np.asarray(birth_day, dtype=np.int64).astype("datetime64[D]")
    month_start = b.astype("datetime64[M]")
    birth_year = b.astype("datetime64[Y]").astype(np.int64) + 1970
    birth_month = month_start.astype(np.int64) % 12 + 1
    birth_dom = (b - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    not_yet = (as_of.month < birth_month) | ((as_of.month == birth_month) & (as_of.day < birth_dom))
    return (as_of.year - birth_year - not_yet).astype(np.int64)


def exact_ages(birth_day: np.ndarray, as_of: date) -> np.ndarray:
    """Completed years plus the share of the current year of life already lived, in [0, 1)."""
    b = np.asarray(birth_day, dtype=np.int64).astype("datetime64[D]")
    years = completed_years(birth_day, as_of)
    offset = b - b.astype("datetime64[Y]").astype("datetime64[D]")  # days into the birth year
    year_start = (b.astype("datetime64[Y]") + years.astype("timedelta64[Y]")).astype("datetime64[D]")
    last_birthday = year_start + offset
    lived = (np.datetime64(as_of, "D") - last_birthday).astype(np.int64)
    fraction = np.clip(lived / 366.0, 0.0, 0.9999)
    return years + fraction
