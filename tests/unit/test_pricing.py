"""Pricing: allowed never above billed, stable chargemasters, and plausible dollar levels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthsim.errors import NotFoundError
from healthsim.products.claims.pricing import facility_rate, price_drg_stays, price_lines
from healthsim.reference.claims import fee_schedule, ms_drgs, payer_multipliers
from healthsim.reference.clinical import procedure_codes  # the codes journeys bill

COVERAGE = ("medicare", "medicare_advantage", "medicaid", "commercial", "exchange", "dual", "uninsured")
N = 20_000


def _providers(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(1_000_000_000, 1_999_999_999, 800)[rng.integers(0, 800, n)]


def _median_allowed(code: str, coverage: str, **kw) -> float:
    p = price_lines(np.full(N, code), np.ones(N), np.full(N, coverage), _providers(N), seed=3, **kw)
    return float(np.median(p.allowed_cents)) / 100


@pytest.mark.parametrize(("coverage", "low", "high"), [
    ("medicare", 75, 100), ("medicaid", 50, 80), ("commercial", 100, 160)])
def test_median_allowed_for_99213_is_plausible(coverage, low, high):
    """Medicare CY2025 non-facility 99213 is about $88 nationally (PFS); commercial plans pay about
    1.3-1.5x (FAIR Health / MedPAC); Medicaid about 0.7x (KFF fee index)."""
    assert low <= _median_allowed("99213", coverage) <= high


@pytest.mark.parametrize(("coverage", "low", "high"), [
    ("medicare", 11_000, 17_000), ("commercial", 22_000, 50_000)])
def test_median_allowed_for_a_knee_replacement_drg_is_plausible(coverage, low, high):
    """DRG 470: Medicare pays about weight 1.9 x ~$7,200 = ~$13,800 before wage index; commercial
    joint replacement stays run ~2.5x Medicare (RAND round 5: $30-40k typical)."""
    p = price_drg_stays(np.full(N, "470"), np.full(N, coverage), _providers(N), seed=3)
    assert low <= np.median(p.allowed_cents) / 100 <= high
    assert (p.allowed_cents <= p.billed_cents).all()


def test_commercial_pays_more_than_medicare_which_pays_more_than_medicaid():
    levels = [_median_allowed("80053", c) for c in ("medicaid", "medicare", "commercial")]
    assert levels == sorted(levels) and levels[0] < levels[2]


def test_a_provider_bills_the_same_charge_for_a_code_whoever_pays():
    prov = _providers(50)
    a = price_lines(np.full(50, "99214"), np.ones(50), np.full(50, "medicare"), prov, seed=1)
    b = price_lines(np.full(50, "99214"), np.ones(50), np.full(50, "commercial"), prov, seed=1)
    assert np.array_equal(a.billed_cents, b.billed_cents)
    c = price_lines(np.full(50, "99214"), np.ones(50), np.full(50, "medicare"), prov, seed=2)
    assert not np.array_equal(a.billed_cents, c.billed_cents)


def test_facility_rate_and_institutional_pricing_use_the_right_columns():
    fs = fee_schedule()
    r = fs.rows(["99213", "99284"])
    pro_office = price_lines(np.array(["99213"]), [1], ["medicare"], [1], at_facility=False)
    pro_fac = price_lines(np.array(["99213"]), [1], ["medicare"], [1], at_facility=True)
    ed_facility = price_lines(np.array(["99284"]), [1], ["medicare"], [1], institutional=True)
    assert pro_fac.medicare_cents[0] < pro_office.medicare_cents[0]
    assert abs(ed_facility.medicare_cents[0] / 100 / fs.opps[r[1]] - 1) < 0.3
    assert facility_rate(np.array(["11", "22", "21", "10"])).tolist() == [False, True, True, False]


def test_every_code_journeys_can_bill_has_a_fee_and_every_drg_a_weight():
    journey_codes = set(procedure_codes())
    assert journey_codes <= set(fee_schedule().code.tolist())
    assert (ms_drgs().weight > 0).all()
    assert set(COVERAGE) == set(payer_multipliers().coverage_type.tolist())


def test_unknown_code_is_a_clear_error():
    with pytest.raises(NotFoundError, match="no fee schedule amount for \\['99999'\\]"):
        price_lines(np.array(["99213", "99999"]), [1, 1], ["medicare"] * 2, [1, 2])


codes = st.sampled_from(sorted(fee_schedule().code.tolist()))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(codes, st.integers(1, 8), st.sampled_from(COVERAGE),
                          st.integers(1_000_000_000, 2_999_999_999), st.booleans(), st.booleans()),
                min_size=1, max_size=60), st.integers(0, 2**31))
def test_allowed_never_exceeds_billed_and_amounts_are_whole_cents(rows, seed):
    code, units, cov, prov, inst, fac = (np.array(x) for x in zip(*rows, strict=True))
    p = price_lines(code, units, cov, prov, institutional=inst, at_facility=fac, seed=seed)
    assert p.allowed_cents.dtype == np.int64
    assert (0 <= p.allowed_cents).all() and (p.allowed_cents <= p.billed_cents).all()
    zero = p.medicare_cents == 0
    assert (p.billed_cents[zero] == 0).all() and (p.billed_cents[~zero] > p.medicare_cents[~zero]).all()
