"""Pricing dispersion: IPPS add-ons and outlier payments, and commercial price levels by market."""

from __future__ import annotations

import numpy as np

from healthsim.products.claims.pricing import (
    hospital_addons,
    market_factors,
    price_drg_stays,
    price_lines,
)
from healthsim.reference.claims import ms_drgs, payer_multipliers, payment_parameters

N = 40_000


def _hospitals(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(1_000_000_000, 1_999_999_999, 300)[rng.integers(0, 300, n)]


def test_hospital_addons_average_about_a_fifth_of_the_drg_payment():
    """IME + DSH/uncompensated care ~ 18-20% of IPPS base payments (MedPAC data books, from memory)."""
    addons = hospital_addons(np.arange(1, 20_001), seed=1)
    assert 0.13 < addons.mean() < 0.25
    assert (addons > 0).all() and np.quantile(addons, 0.99) < 0.9
    teaching = addons > payment_parameters()["ipps_ime_low"] + np.quantile(addons, 0.5)
    assert 0.1 < teaching.mean() < 0.5


def test_outliers_pay_about_five_percent_of_inpatient_dollars_on_a_few_stays():
    """CMS sets the fixed-loss threshold so that outliers are ~5.1% of IPPS payments."""
    drg = np.array(["871", "291", "190", "470", "378", "682"])[np.arange(N) % 6]
    keys = np.arange(N) + 10_000
    with_outliers = price_drg_stays(drg, np.full(N, "medicare"), _hospitals(N), stay_key=keys, seed=4)
    without = price_drg_stays(drg, np.full(N, "medicare"), _hospitals(N), seed=4)
    extra = with_outliers.medicare_cents - without.medicare_cents
    assert (extra >= 0).all()
    assert 0.002 < (extra > 0).mean() < 0.04
    assert 0.02 < extra.sum() / with_outliers.medicare_cents.sum() < 0.10
    # the costliest stays are many times the typical one: a real tail
    assert with_outliers.allowed_cents.max() > 5 * np.median(with_outliers.allowed_cents)


def test_a_longer_stay_is_more_likely_an_outlier_and_prices_are_stable_per_stay():
    drg = np.full(N, "871")
    gmlos = ms_drgs().gmlos[ms_drgs().rows(["871"])][0]
    keys = np.arange(N)
    short = price_drg_stays(drg, np.full(N, "medicare"), _hospitals(N), stay_key=keys, nights=np.full(N, gmlos), seed=2)
    long = price_drg_stays(drg, np.full(N, "medicare"), _hospitals(N), stay_key=keys, nights=np.full(N, 4 * gmlos), seed=2)
    assert long.medicare_cents.sum() > short.medicare_cents.sum()
    again = price_drg_stays(drg, np.full(N, "medicare"), _hospitals(N), stay_key=keys, nights=np.full(N, gmlos), seed=2)
    assert np.array_equal(short.allowed_cents, again.allowed_cents)


def test_commercial_prices_differ_by_market_and_medicare_does_not():
    states = np.repeat(np.arange(40), 500) + 16_000
    n = len(states)
    prov = _hospitals(n)
    com = price_lines(np.full(n, "99213"), np.ones(n), np.full(n, "commercial"), prov, market_key=states, seed=3)
    base = price_lines(np.full(n, "99213"), np.ones(n), np.full(n, "commercial"), prov, seed=3)
    ratio = com.allowed_cents / np.maximum(base.allowed_cents, 1)
    level = np.array([np.median(ratio[states == s]) for s in np.unique(states)])
    sigma = payer_multipliers().market_sigma[payer_multipliers().rows(["commercial"])][0]
    assert 0.5 * sigma < np.std(np.log(level)) < 2 * sigma
    mc = price_lines(np.full(n, "99213"), np.ones(n), np.full(n, "medicare"), prov, market_key=states, seed=3)
    mb = price_lines(np.full(n, "99213"), np.ones(n), np.full(n, "medicare"), prov, seed=3)
    assert np.array_equal(mc.allowed_cents, mb.allowed_cents)


def test_a_market_keeps_its_price_level_whatever_the_seed():
    rows = payer_multipliers().rows(["commercial"] * 3)
    assert np.array_equal(market_factors(np.array([1, 2, 3]), rows), market_factors(np.array([1, 2, 3]), rows))
