"""Adjudicating priced claim lines against plan benefit designs, vectorised.

Cost sharing accrues per member and plan year in service-date order, the way
a payer's accumulators do: lines are sorted by (member, year, service day,
claim, line) and every year-to-date total is a cumulative sum within its
(member, year) group, not a loop per claim. The key identity is that a
running total capped at a limit is `min(cumsum, limit)`, so each line's share
of a capped total is the difference of consecutive capped cumulative sums:

  deductible_i = min(D, cum allowed on deductible lines)_i - (same)_{i-1}
  coinsurance_i = coinsurance rate x (allowed_i - deductible_i)
  copay: a flat amount once per (claim, service type), spread over its lines
  member_i = min(OOP, cum(deductible + coinsurance + copay))_i - (same)_{i-1}

When the out-of-pocket cap cuts a line's share, the cut comes off coinsurance
first, then copay, then deductible. Denied lines (no coverage on the day:
CARC 26/27; drawn denials: CARC 16, 18, 29, 50, 97, 197, ...) allow and pay
nothing and accrue nothing. Everything is int64 cents, so for every paid line
paid + deductible + copay + coinsurance == allowed exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthsim.products.claims.accumulate import capped_increments, group_cumsum
from healthsim.products.claims.benefits import NO_COPAY, PREVENTIVE, BenefitArrays
from healthsim.products.claims.denials import (
    COVERED,
    DenialPolicy,
    draw_denials,
    eligibility_rows,
)

DAYS_PER_YEAR_KEY = 10_000  # (member, year) group key = member * this + year
DEFAULT_POLICY = DenialPolicy()


@dataclass(frozen=True)
class Adjudication:
    """Per input line (input order), int64 cents unless noted."""

    allowed_cents: np.ndarray      # 0 on denied lines
    paid_cents: np.ndarray
    deductible_cents: np.ndarray
    copay_cents: np.ndarray
    coinsurance_cents: np.ndarray
    contractual_cents: np.ndarray  # CO adjustment: billed - allowed (paid lines) or billed (denied)
    denial_row: np.ndarray         # row of reference.claims.adjustment_codes(); -1 = not denied
    deductible_ytd_cents: np.ndarray  # member's deductible accumulator after this line
    oop_ytd_cents: np.ndarray         # member's out-of-pocket accumulator after this line

    @property
    def denied(self) -> np.ndarray:
        return self.denial_row >= 0

    @property
    def member_cents(self) -> np.ndarray:
        return self.deductible_cents + self.copay_cents + self.coinsurance_cents


def adjudicate_lines(*, member: np.ndarray, claim: np.ndarray, line_no: np.ndarray,
                     service_day: np.ndarray, plan: np.ndarray, service_type: np.ndarray,
                     billed_cents: np.ndarray, allowed_cents: np.ndarray, benefits: BenefitArrays,
                     coverage: np.ndarray | None = None, policy: DenialPolicy = DEFAULT_POLICY,
                     seed: int = 0) -> Adjudication:
    """Adjudicate aligned line columns (see module docstring).

    `plan` indexes `benefits` (MemberBlock.plan_index); `service_type` is a
    SERVICE_TYPES index, DEDUCTIBLE_COINSURANCE or PREVENTIVE; `coverage` is
    `denials.coverage_status(...)` per line (default: all covered); claim and
    line_no key the denial draws. Lines of one claim must share member and plan.
    """
    n = len(member)
    if coverage is None:
        coverage = np.zeros(n, np.int16)
    denial = np.where(coverage != COVERED, eligibility_rows(np.asarray(coverage)),
                      draw_denials(claim, line_no, policy, seed))
    allowed = np.where(denial >= 0, 0, np.asarray(allowed_cents, np.int64))
    year = np.asarray(service_day, np.int64).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
    group = np.asarray(member, np.int64) * DAYS_PER_YEAR_KEY + year
    order = np.lexsort((line_no, claim, service_day, group))
    inverse = np.empty(n, np.int64)
    inverse[order] = np.arange(n)

    plan = np.asarray(plan, np.int64)
    st = np.asarray(service_type, np.int64)
    copay_amount = np.where(st >= 0, benefits.copay_cents[plan, np.maximum(st, 0)], NO_COPAY)
    has_copay = (copay_amount >= 0) & (denial < 0)
    copay = _claim_copays(claim, line_no, st, allowed, copay_amount, has_copay)
    to_deductible = (denial < 0) & ~has_copay & (st != PREVENTIVE)

    s = order  # everything below runs in accumulator order
    starts = np.r_[True, group[s][1:] != group[s][:-1]]
    first = np.maximum.accumulate(np.where(starts, np.arange(n), 0))  # first row of each group
    ded_limit = benefits.deductible_cents[plan[s]][first]
    oop_limit = benefits.oop_max_cents[plan[s]][first]
    ded_base = np.where(to_deductible[s], allowed[s], 0)
    ded = capped_increments(ded_base, ded_limit, starts)
    coins = np.where(to_deductible[s],
                     np.rint(benefits.coinsurance[plan[s]] * (allowed[s] - ded)).astype(np.int64), 0)
    raw = ded + coins + copay[s]
    member_share = capped_increments(raw, oop_limit, starts)
    ded_c = np.minimum(ded, member_share)
    copay_c = np.minimum(copay[s], member_share - ded_c)
    coins_c = member_share - ded_c - copay_c

    billed = np.asarray(billed_cents, np.int64)
    return Adjudication(
        allowed_cents=allowed,
        paid_cents=allowed - member_share[inverse],
        deductible_cents=ded_c[inverse],
        copay_cents=copay_c[inverse],
        coinsurance_cents=coins_c[inverse],
        contractual_cents=billed - allowed,
        denial_row=denial.astype(np.int64),
        deductible_ytd_cents=group_cumsum(ded_c, starts)[inverse],
        oop_ytd_cents=group_cumsum(member_share, starts)[inverse],
    )


def _claim_copays(claim: np.ndarray, line_no: np.ndarray, st: np.ndarray, allowed: np.ndarray,
                  amount: np.ndarray, has_copay: np.ndarray) -> np.ndarray:
    """A flat copay once per (claim, service type), taken from its lines in line order
    (never more than a line's allowed amount)."""
    order = np.lexsort((line_no, st, claim))
    c, t = np.asarray(claim)[order], st[order]
    starts = np.r_[True, (c[1:] != c[:-1]) | (t[1:] != t[:-1])]
    base = np.where(has_copay[order], allowed[order], 0)
    limit = np.maximum(amount[order], 0)  # lines of a (claim, service type) share the plan's amount
    first = np.maximum.accumulate(np.where(starts, np.arange(len(c)), 0))
    out = np.empty(len(claim), np.int64)
    out[order] = np.where(has_copay[order], capped_increments(base, limit[first], starts), 0)
    return out
