"""SDOH in the plan: county filters (SVI, rurality), the income model, local condition odds.

Income model. A member's household income as a multiple of the federal poverty level
(FPL) is log-normal within their county and age group (under 18, 18-64, 65+), with the
two parameters fitted so that the share below 100% FPL is the county's ACS poverty rate
for that age group and the share below 150% FPL is SVI's EP_POV150 scaled by the same
age-group ratio. Two published points per county fix a log-normal exactly; nothing
else about the county's income distribution is assumed. Requests for an income band
("low-income": below 200% FPL) draw the member's ratio inside the band and weight
counties by their share of people in it (Bayes: P(county | low income)).

Local prevalence. A profile condition whose code maps to a CDC PLACES measure
(reference/data/places_measures.csv) has its odds multiplied, per member, by the
member's county age-adjusted prevalence over a reference level (national for the
profile's own conditions, the geography's for conditions taken from PLACES), so a
national profile's diabetes is more common in Mississippi than in Colorado while the
national mean stays where the profile put it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthsim.distributions._math import norm_cdf

LN_15 = float(np.log(1.5))
AGE_GROUPS = ("child", "adult", "senior")  # under 18, 18-64, 65+


@dataclass(frozen=True)
class SdohPlan:
    fpl_low: float            # income/FPL ratio drawn at or above this
    fpl_high: float | None    # ... and below this (None: no upper bound)

    @property
    def restricted(self) -> bool:
        return self.fpl_low > 0 or self.fpl_high is not None


def fpl_params(county_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mu, sigma) of ln(income/FPL), shape (len(rows), 3 age groups)."""
    from healthsim.reference.population import county_sdoh

    cols = county_sdoh().columns
    overall = np.clip(cols["poverty_rate"][county_rows], 0.01, 0.6)
    by_age = np.column_stack([cols["poverty_rate_under_18"][county_rows], overall,
                              cols["poverty_rate_65_plus"][county_rows]])
    by_age = np.clip(by_age, 0.01, 0.7)
    pov150 = np.clip(cols["below_150_fpl"][county_rows], overall * 1.15, 0.85)
    p150 = np.clip(pov150[:, None] * by_age / overall[:, None], by_age * 1.1, 0.9)
    from healthsim.distributions._math import norm_ppf

    z1 = norm_ppf(by_age.ravel()).reshape(by_age.shape)
    z15 = norm_ppf(p150.ravel()).reshape(p150.shape)
    sigma = np.clip(LN_15 / np.maximum(z15 - z1, 1e-3), 0.3, 2.5)
    return -z1 * sigma, sigma


def band_share(county_rows: np.ndarray, low: float, high: float | None,
               age_weights: tuple[float, float, float] = (0.22, 0.61, 0.17)) -> np.ndarray:
    """Share of each county's people with income/FPL in [low, high) (ages pooled with the U.S.
    age mix by default: 22% children, 61% 18-64, 17% 65+, Census 2020, rounded)."""
    mu, sigma = fpl_params(county_rows)
    lo = np.zeros_like(mu) if low <= 0 else norm_cdf((np.log(low) - mu) / sigma)
    hi = np.ones_like(mu) if high is None else norm_cdf((np.log(high) - mu) / sigma)
    return (np.clip(hi - lo, 0.0, 1.0) * np.asarray(age_weights)).sum(axis=1)


def local_odds(code: str, reference: str = "national", county_weights: np.ndarray | None = None
               ) -> np.ndarray | None:
    """Per county (geography.counties() order) odds multiplier for a condition code, or None
    when no PLACES measure covers it. reference 'national': U.S. population-weighted mean;
    'geography': the mean under `county_weights` (the plan's county probabilities)."""
    from healthsim.reference.population import (
        county_demographics,
        county_places,
        places_measure_for,
    )

    measure = places_measure_for(code)
    if measure is None:
        return None
    adj = county_places()[f"{measure.measure}_adj"]
    if reference == "geography" and county_weights is not None:
        w = county_weights
    else:
        w = county_demographics().population.astype(float)
    ref = float((adj * w).sum() / w.sum())
    odds = (adj / (1 - adj)) / (ref / (1 - ref))
    odds.setflags(write=False)
    return odds


def apply_odds(p: np.ndarray, odds: np.ndarray) -> np.ndarray:
    """p with its odds multiplied by `odds` (so 0 stays 0, 1 stays 1, small p scales ~linearly)."""
    p = np.asarray(p, float)
    out = p * odds / (1.0 - p + p * odds)
    return np.where(p >= 1.0, 1.0, out)
