"""Claims reference data and the eligibility / denial / NDC helpers built on it."""

from __future__ import annotations

import numpy as np
import pytest

from healthsim.products.claims.denials import (
    AFTER_COVERAGE,
    BEFORE_COVERAGE,
    COVERED,
    DenialPolicy,
    coverage_status,
    draw_denials,
)
from healthsim.products.pharmacy.ndc import (
    ndc11_from_10,
    ndc_hyphenated,
    ndc_is_well_formed,
    products_for_orders,
)
from healthsim.reference.claims import (
    adjustment_codes,
    fee_schedule,
    ms_drgs,
    ndc_products,
    revenue_codes,
)
from healthsim.reference.clinical import drugs


def test_coverage_status_knows_before_during_after_and_gaps():
    spans = (np.array([1, 1, 2]), np.array([100, 300, 150]), np.array([200, 400, 160]))
    person = np.array([1, 1, 1, 1, 1, 2, 2, 3])
    day = np.array([99, 100, 250, 400, 401, 155, 170, 120])
    assert coverage_status(person, day, *spans).tolist() == [
        BEFORE_COVERAGE, COVERED, AFTER_COVERAGE, COVERED, AFTER_COVERAGE, COVERED, AFTER_COVERAGE,
        BEFORE_COVERAGE]


def test_denials_happen_at_the_configured_rates_with_real_reason_codes():
    n_claims = 200_000
    claim = np.repeat(np.arange(n_claims), 2)
    line = np.tile([1, 2], n_claims)
    rows = draw_denials(claim, line, DenialPolicy(0.05, 0.02), seed=3)
    codes = adjustment_codes()
    claim_denied = rows[::2] >= 0
    both = (rows[::2] >= 0) & (rows[1::2] >= 0)
    assert abs(both.mean() - 0.05) < 0.003  # a claim-level denial takes every line
    line_only = (rows >= 0).reshape(-1, 2).sum(1) == 1
    assert abs(line_only.mean() - 0.95 * 2 * 0.02 * 0.98) < 0.003
    assert set(codes.use[rows[rows >= 0]]) == {"claim_denial", "line_denial"}
    assert set(codes.group[rows[rows >= 0]]) == {"CO"}
    again = draw_denials(claim[:1000], line[:1000], DenialPolicy(0.05, 0.02), seed=3)
    assert np.array_equal(again, rows[:1000]) and claim_denied.any()
    assert (draw_denials(claim, line, DenialPolicy(0, 0), seed=3) == -1).all()
    with pytest.raises(ValueError, match="claim_rate must be between 0 and 1"):
        DenialPolicy(claim_rate=1.5)


def test_adjustment_codes_use_the_right_groups():
    c = adjustment_codes()
    groups = {(str(code), str(use)): str(g) for code, use, g in zip(c.code, c.use, c.group, strict=True)}
    assert groups[("1", "cost_share")] == groups[("2", "cost_share")] == groups[("3", "cost_share")] == "PR"
    assert groups[("45", "contractual")] == "CO"
    assert {("26", "eligibility"), ("27", "eligibility")} <= set(groups)
    rarcs = set(c.code[c.kind == "RARC"].tolist())
    assert {r for r in c.rarc if r} <= rarcs


def test_every_shipped_ndc_is_well_formed_and_unique():
    p = ndc_products()
    assert ndc_is_well_formed(p.ndc).all()
    assert len(set(p.ndc.tolist())) == len(p.ndc)
    assert set(p.tier.tolist()) <= {1, 2, 3, 4}
    assert (p.tier[~p.brand] == 1).all() and (p.tier[p.brand] >= 2).all()
    assert (p.awp_unit >= p.nadac_unit).all() and (p.nadac_unit > 0).all()
    assert str(ndc_hyphenated(["71610100010"])[0]) == "71610-1000-10"


@pytest.mark.parametrize(("bad"), ["1234567890", "1234567890A", "00000123456", "12345000012", ""])
def test_malformed_ndcs_are_rejected(bad):
    assert not ndc_is_well_formed([bad])[0]


def test_ten_digit_ndcs_pad_to_five_four_two():
    assert ndc11_from_10("1234-5678-90") == "01234567890"
    assert ndc11_from_10("12345-678-90") == "12345067890"
    assert ndc11_from_10("12345-6789-1") == "12345678901"
    with pytest.raises(ValueError, match="not a hyphenated 10-digit NDC"):
        ndc11_from_10("123456789")


def test_every_drug_journeys_order_maps_to_an_ndc_product():
    order = list(drugs())
    rows = products_for_orders(np.array(order))
    assert (ndc_products().rxcui[rows] == np.array(order)).all()
    by_name = products_for_orders(np.array(["0"]), np.array(["apixaban 5 MG Oral Tablet [Eliquis]"]))
    assert ndc_products().ingredient[by_name[0]] == "apixaban"


def test_fee_schedule_and_drg_tables_are_consistent():
    fs, rc = fee_schedule(), revenue_codes()
    assert set(fs.revenue_code.tolist()) <= set(rc.code.tolist())
    assert (fs.pfs_facility <= fs.pfs_nonfacility).all()
    assert abs(rc.med_share.sum() - 1) < 1e-9 and abs(rc.surg_share.sum() - 1) < 1e-9
    d = ms_drgs()
    assert len(set(d.drg.tolist())) == len(d.drg) and set(d.type.tolist()) == {"MED", "SURG"}
