"""Adjudication invariants on generated line arrays (hypothesis).

For every line: paid + deductible + copay + coinsurance == allowed to the cent
when paid, denied lines allow and pay nothing, nothing is negative; per member
and plan year the deductible and out-of-pocket accumulators never exceed the
plan's limits; and the result does not depend on the order lines arrive in.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from healthsim.products.claims.adjudication import adjudicate_lines
from healthsim.products.claims.benefits import NO_CAP, PREVENTIVE, BenefitArrays
from healthsim.products.claims.denials import AFTER_COVERAGE, BEFORE_COVERAGE, COVERED, DenialPolicy
from healthsim.spec.coverage import SERVICE_TYPES, BenefitDesign

DAY0 = 19_723  # 2024-01-01


@st.composite
def designs(draw):
    deductible = draw(st.sampled_from([0, 257, 1750, 5000]))
    oop = draw(st.one_of(st.none(), st.integers(deductible, 10_000)))
    copays = draw(st.dictionaries(st.sampled_from(SERVICE_TYPES[:9]), st.sampled_from([0, 10, 25, 300, 1676]),
                                  max_size=5))
    return BenefitDesign(deductible=deductible, oop_max=oop, coinsurance=draw(st.sampled_from([0, 0.2, 0.3, 1])),
                         copays=copays)


@st.composite
def batches(draw):
    plans = draw(st.lists(designs(), min_size=1, max_size=3))
    n_claims = draw(st.integers(1, 40))
    claim_member = draw(st.lists(st.integers(1, 5), min_size=n_claims, max_size=n_claims))
    claim_day = draw(st.lists(st.integers(0, 700), min_size=n_claims, max_size=n_claims))
    lines = draw(st.lists(st.integers(1, 4), min_size=n_claims, max_size=n_claims))
    claim = np.repeat(np.arange(n_claims), lines)
    n = len(claim)
    member = np.array(claim_member)[claim]
    member_plan = {m: draw(st.integers(0, len(plans) - 1)) for m in set(claim_member)}
    allowed = np.array(draw(st.lists(st.integers(0, 900_000), min_size=n, max_size=n)), np.int64)
    markup = np.array(draw(st.lists(st.integers(0, 300_000), min_size=n, max_size=n)), np.int64)
    service = draw(st.lists(st.integers(PREVENTIVE, len(SERVICE_TYPES) - 5), min_size=n, max_size=n))
    coverage = draw(st.lists(st.sampled_from([COVERED] * 8 + [BEFORE_COVERAGE, AFTER_COVERAGE]),
                             min_size=n_claims, max_size=n_claims))
    return {
        "member": member, "claim": claim, "line_no": np.concatenate([np.arange(1, k + 1) for k in lines]),
        "service_day": DAY0 + np.array(claim_day)[claim], "plan": np.array([member_plan[m] for m in member]),
        "service_type": np.array(service, np.int64), "billed_cents": allowed + markup, "allowed_cents": allowed,
        "coverage": np.array(coverage, np.int16)[claim],
    }, BenefitArrays.from_designs(plans)


def _check(lines, benefits, a):
    paid = ~a.denied
    assert (a.paid_cents + a.deductible_cents + a.copay_cents + a.coinsurance_cents == a.allowed_cents).all()
    assert (a.allowed_cents[paid] == lines["allowed_cents"][paid]).all()
    assert (a.allowed_cents <= lines["billed_cents"]).all()
    for col in (a.paid_cents, a.deductible_cents, a.copay_cents, a.coinsurance_cents, a.contractual_cents):
        assert (col >= 0).all()
    assert (a.allowed_cents[a.denied] == 0).all() and (a.paid_cents[a.denied] == 0).all()
    assert (a.member_cents[a.denied] == 0).all()
    assert (a.denied[lines["coverage"] != COVERED]).all()
    assert (a.member_cents[lines["service_type"] == PREVENTIVE] == 0).all()
    year = lines["service_day"].astype("datetime64[D]").astype("datetime64[Y]")
    for key in set(zip(lines["member"].tolist(), year.tolist(), strict=True)):
        mine = (lines["member"] == key[0]) & (year == key[1])
        plan = lines["plan"][mine][0]
        assert a.deductible_cents[mine].sum() <= benefits.deductible_cents[plan]
        assert a.member_cents[mine].sum() <= benefits.oop_max_cents[plan]
        assert a.oop_ytd_cents[mine].max() == a.member_cents[mine].sum()
        assert a.deductible_ytd_cents[mine].max() <= benefits.deductible_cents[plan]


@settings(max_examples=150, deadline=None)
@given(batches(), st.floats(0, 0.3), st.integers(0, 1000))
def test_amounts_balance_and_accumulators_stay_within_plan_limits(batch, rate, seed):
    lines, benefits = batch
    a = adjudicate_lines(**lines, benefits=benefits, policy=DenialPolicy(rate, rate / 2), seed=seed)
    _check(lines, benefits, a)


@settings(max_examples=60, deadline=None)
@given(batches(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_line_order(batch, random):
    lines, benefits = batch
    a = adjudicate_lines(**lines, benefits=benefits, seed=5)
    perm = np.array(random.sample(range(len(lines["member"])), len(lines["member"])))
    b = adjudicate_lines(**{k: v[perm] for k, v in lines.items()}, benefits=benefits, seed=5)
    for field in ("paid_cents", "deductible_cents", "copay_cents", "coinsurance_cents", "denial_row",
                  "oop_ytd_cents"):
        assert np.array_equal(getattr(a, field)[perm], getattr(b, field)), field


def test_a_copay_is_charged_once_per_claim_and_replaces_deductible_and_coinsurance():
    b = BenefitArrays.from_designs([BenefitDesign(deductible=1000, oop_max=5000, coinsurance=0.2,
                                                  copays={"er": 300})])
    er = SERVICE_TYPES.index("er")
    lines = {"member": np.ones(3, int), "claim": np.zeros(3, int), "line_no": np.arange(1, 4),
                 "service_day": np.full(3, DAY0), "plan": np.zeros(3, int), "service_type": np.full(3, er),
                 "billed_cents": np.full(3, 90_000), "allowed_cents": np.array([20_000, 20_000, 20_000])}
    a = adjudicate_lines(**lines, benefits=b, policy=DenialPolicy(0, 0))
    assert a.copay_cents.tolist() == [20_000, 10_000, 0]
    assert a.deductible_cents.sum() == 0 and a.coinsurance_cents.sum() == 0
    assert a.paid_cents.tolist() == [0, 10_000, 20_000]


def test_deductible_then_coinsurance_then_out_of_pocket_cap_in_service_date_order():
    b = BenefitArrays.from_designs([BenefitDesign(deductible=1000, oop_max=2000, coinsurance=0.2)])
    days = np.array([DAY0 + 30, DAY0 + 10, DAY0 + 20, DAY0 + 400])  # arrive out of order; last is next year
    lines = {"member": np.ones(4, int), "claim": np.arange(4), "line_no": np.ones(4, int), "service_day": days,
                 "plan": np.zeros(4, int), "service_type": np.full(4, -1), "billed_cents": np.full(4, 10**7),
                 "allowed_cents": np.array([500_000, 60_000, 100_000, 60_000])}
    a = adjudicate_lines(**lines, benefits=b, policy=DenialPolicy(0, 0))
    # day 10: $600 all deductible; day 20: $400 deductible + 20% of $600; day 30: capped at $2,000 total
    assert a.deductible_cents.tolist() == [0, 60_000, 40_000, 60_000]
    assert a.coinsurance_cents.tolist() == [88_000, 0, 12_000, 0]
    assert a.oop_ytd_cents.tolist() == [200_000, 60_000, 112_000, 60_000]
    assert NO_CAP > b.oop_max_cents[0]
