"""Person names and street parts, as numpy arrays ready for `rng.choice(len(a), p=p)`.

First names (by sex) and last names carry frequency weights from SSA and Census
tables (via Faker's en_US lists, see MANIFEST.json); street names and suffixes
are hand-authored lists. Probabilities are float64 and sum to 1. Everything is
loaded once and cached; the arrays are read-only.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

import numpy as np

from healthsim.errors import NotFoundError
from healthsim.reference._files import frozen, probabilities, read_commented_csv

Sex = Literal["F", "M"]


@cache
def _weighted(name: str, column: str, where: tuple[str, str] | None = None):
    rows = read_commented_csv(name)
    if where:
        rows = [r for r in rows if r[where[0]] == where[1]]
    values = frozen(np.array([r[column] for r in rows], dtype=object))
    return values, probabilities(np.array([float(r["weight"]) for r in rows]))


def first_names(sex: Sex) -> tuple[np.ndarray, np.ndarray]:
    """(names, probabilities) of first names for sex 'F' or 'M'."""
    if sex not in ("F", "M"):
        raise NotFoundError(f"first names are listed for sex 'F' or 'M' (got {sex!r})")
    return _weighted("first_names.csv", "name", ("sex", sex))


def last_names() -> tuple[np.ndarray, np.ndarray]:
    """(names, probabilities) of the 1,000 most common U.S. surnames."""
    return _weighted("last_names.csv", "name")


def street_names() -> np.ndarray:
    """About 330 common U.S. street names ('Oak', '2nd', 'Martin Luther King Jr')."""
    return _weighted("street_names.csv", "name")[0]


def street_name_probs() -> np.ndarray:
    """Zipf-like probabilities aligned with `street_names()` (common names first)."""
    return _weighted("street_names.csv", "name")[1]


def street_suffixes() -> np.ndarray:
    """USPS standard suffix abbreviations ('St', 'Ave', 'Rd', ...), for '1234 Oak St'."""
    return _weighted("street_suffixes.csv", "abbr")[0]


def street_suffix_probs() -> np.ndarray:
    """Approximate probabilities aligned with `street_suffixes()`."""
    return _weighted("street_suffixes.csv", "abbr")[1]
