"""Pricing claim lines: billed charges and allowed amounts, in integer cents.

Every line starts from a Medicare-like base: the fee schedule amount for its
code (physician fee schedule, facility or non-facility rate; the OPPS rate for
a facility's outpatient line; the lab or drug fee schedules) times units, or
for an inpatient stay the MS-DRG weight times the IPPS base rate. Then:

- locality: a per-provider geographic factor (GPCI / wage index spread);
- billed = base x the provider's chargemaster markup, itself a provider factor
  times a small per-(provider, code) factor, so one provider always bills the
  same charge for the same code whoever pays;
- allowed = base x the payer multiplier for the coverage type (commercial above
  Medicare, Medicaid below) x the market's price level for that payer (a state
  factor: commercial prices differ by market, RAND round 5) x a per-(provider,
  coverage) negotiated factor, and never more than billed (payers allow the
  lesser of charge and rate).

An inpatient stay is paid like IPPS: the DRG payment, plus the hospital's add-ons
(indirect medical education at teaching hospitals, disproportionate-share and
uncompensated-care payments), plus an outlier payment when the stay's cost (a
heavy-tailed draw around the DRG's average, longer with a longer stay) exceeds
the payment by more than the fixed-loss threshold: 80% of the excess. So a few
stays cost many times their DRG, as in real claims.

The per-provider, per-market and per-stay factors are hashes of (seed, key, ...),
not draws from a block's stream, so they agree across blocks and processes. All
amounts are int64 cents, so later sums are exact to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from healthsim.products.claims.hashing import hash_normal, hash_uniform, text_keys
from healthsim.reference.claims import fee_schedule, ms_drgs, payer_multipliers, payment_parameters

_SALT_LOCALITY, _SALT_NEGOTIATED, _SALT_PROVIDER_MARKUP, _SALT_CODE_MARKUP = 11, 12, 13, 14
_SALT_TEACHING, _SALT_IME, _SALT_DSH, _SALT_STAY_COST, _SALT_COMPLICATED, _SALT_COMPLICATED_SIZE = 15, 16, 17, 18, 19, 20
_SALT_MARKET = 21
MARKET_SEED = 0  # a state's price level is a property of the market, the same whatever the cohort's seed


@dataclass(frozen=True)
class PricedLines:
    """Per line, int64 cents: the Medicare-like base, the charge and the allowed amount."""

    medicare_cents: np.ndarray
    billed_cents: np.ndarray
    allowed_cents: np.ndarray


def facility_rate(place_of_service: np.ndarray) -> np.ndarray:
    """True where a professional line is paid at the physician fee schedule's facility rate."""
    from healthsim.products.claims.inputs import FACILITY_POS, in_set

    return in_set(np.asarray(place_of_service, dtype=object), sorted(FACILITY_POS))


def base_amounts(fee_row: np.ndarray, units: np.ndarray, institutional: np.ndarray,
                 at_facility: np.ndarray) -> np.ndarray:
    """Medicare-like base per line in cents (before locality), from fee schedule rows."""
    fs = fee_schedule()
    opps = fs.opps[fee_row]
    amount = np.where(
        institutional,
        np.where(np.isnan(opps), fs.pfs_nonfacility[fee_row], opps),
        np.where(at_facility, fs.pfs_facility[fee_row], fs.pfs_nonfacility[fee_row]),
    )
    return np.rint(amount * np.asarray(units, float) * 100).astype(np.int64)


def price_lines(code: np.ndarray, units: np.ndarray, coverage_type: np.ndarray,
                provider_key: np.ndarray, *, institutional: np.ndarray | bool = False,
                at_facility: np.ndarray | bool = False, market_key: np.ndarray | None = None,
                seed: int = 0) -> PricedLines:
    """Charges and allowed amounts for claim lines (all arguments are aligned columns).

    `code` are CPT/HCPCS codes in the fee schedule (NotFoundError otherwise),
    `coverage_type` the payer's coverage type per line, `provider_key` the
    billing provider (e.g. its NPI as an integer), `institutional` marks a
    facility's line, `at_facility` a professional line done in a facility,
    `market_key` the market (an integer per state) whose price level applies.
    """
    return price_rows(fee_schedule().rows(code), units, payer_multipliers().rows(coverage_type),
                      provider_key, institutional=institutional, at_facility=at_facility,
                      market_key=market_key, seed=seed)


def price_rows(fee_row: np.ndarray, units: np.ndarray, payer_row: np.ndarray, provider_key: np.ndarray,
               *, institutional: np.ndarray | bool = False, at_facility: np.ndarray | bool = False,
               base_scale: np.ndarray | float = 1.0, market_key: np.ndarray | None = None,
               seed: int = 0) -> PricedLines:
    """`price_lines` on integer columns: fee schedule rows and payer_multipliers() rows.

    `base_scale` multiplies the Medicare-like base (e.g. an ASC's share of the OPPS rate)."""
    n = len(fee_row)
    institutional = np.broadcast_to(np.asarray(institutional, bool), (n,))
    at_facility = np.broadcast_to(np.asarray(at_facility, bool), (n,))
    base = np.rint(base_amounts(fee_row, units, institutional, at_facility) * base_scale).astype(np.int64)
    return _price(base, _code_keys()[fee_row], payer_row, provider_key, institutional, seed, market_key)


def price_drg_stays(drg: np.ndarray, coverage_type: np.ndarray, provider_key: np.ndarray,
                    *, stay_key: np.ndarray | None = None, nights: np.ndarray | None = None,
                    market_key: np.ndarray | None = None, seed: int = 0) -> PricedLines:
    """Inpatient stays priced by MS-DRG (IPPS-like: DRG payment, hospital add-ons, outliers)."""
    return price_drg_rows(ms_drgs().rows(drg), payer_multipliers().rows(coverage_type), provider_key,
                          stay_key=stay_key, nights=nights, market_key=market_key, seed=seed)


def price_drg_rows(drg_row: np.ndarray, payer_row: np.ndarray, provider_key: np.ndarray, *,
                   stay_key: np.ndarray | None = None, nights: np.ndarray | None = None,
                   market_key: np.ndarray | None = None, seed: int = 0) -> PricedLines:
    """DRG payment x (1 + the hospital's add-ons) + an outlier payment for costly stays.

    Without `stay_key` (a stable id per stay, e.g. its claim id) no stay is an outlier; `nights`
    (default: the DRG's geometric mean stay) lengthens or shortens the stay's cost."""
    d, p = ms_drgs(), payment_parameters()
    drg_row = np.asarray(drg_row, np.int64)
    drg_pay = d.weight[drg_row] * p["ipps_base_rate"]
    paid = drg_pay * (1.0 + hospital_addons(provider_key, seed))
    if stay_key is not None:
        gmlos = d.gmlos[drg_row]
        los = np.asarray(nights, float) if nights is not None else gmlos
        cost = p["stay_cost_to_payment"] * drg_pay * stay_cost_multiple(stay_key, los, gmlos, seed)
        paid = paid + outlier_payment(cost, paid)
    base = np.rint(paid * 100).astype(np.int64)
    inst = np.ones(len(drg_row), bool)
    return _price(base, 1_000_000 + drg_row, payer_row, provider_key, inst, seed, market_key)


def price_per_diem_rows(days: np.ndarray, per_diem: float, payer_row: np.ndarray, provider_key: np.ndarray, *,
                        market_key: np.ndarray | None = None, seed: int = 0) -> PricedLines:
    """Stays paid per day (a skilled nursing stay under the SNF PPS): days x the per diem, with the
    provider's locality, charges and the payer's rates like any facility line."""
    base = np.rint(np.asarray(days, float) * per_diem * 100).astype(np.int64)
    key = np.full(len(base), 2_000_000, np.int64)
    return _price(base, key, payer_row, provider_key, np.ones(len(base), bool), seed, market_key)


def hospital_addons(provider_key: np.ndarray, seed: int = 0) -> np.ndarray:
    """IME (teaching hospitals only) + DSH/uncompensated care, as a share of the DRG payment."""
    p = payment_parameters()
    prov, inv = np.unique(np.asarray(provider_key, np.int64), return_inverse=True)
    teaching = hash_uniform(prov, seed, salt=_SALT_TEACHING) < p["ipps_teaching_share"]
    ime = teaching * (p["ipps_ime_low"] + (p["ipps_ime_high"] - p["ipps_ime_low"])
                      * hash_uniform(prov, seed, salt=_SALT_IME))
    dsh = np.exp(np.log(p["ipps_dsh_median"]) + p["ipps_dsh_sigma"] * hash_normal(prov, seed, salt=_SALT_DSH))
    return (ime + dsh)[inv]


def stay_cost_multiple(stay_key: np.ndarray, nights: np.ndarray, gmlos: np.ndarray, seed: int = 0) -> np.ndarray:
    """A stay's cost relative to its DRG's average: lognormal (mean 1), longer stays cost more, and a
    few complicated stays cost several times as much."""
    p = payment_parameters()
    key = np.asarray(stay_key, np.int64)
    sigma = p["stay_cost_sigma"]
    spread = np.exp(sigma * hash_normal(key, seed, salt=_SALT_STAY_COST) - sigma * sigma / 2)
    length = (np.maximum(np.asarray(nights, float), 1.0) / np.maximum(gmlos, 1.0)) ** p["stay_cost_los_elasticity"]
    complicated = hash_uniform(key, seed, salt=_SALT_COMPLICATED) < p["stay_complicated_share"]
    size = np.exp(np.log(p["stay_complicated_median"]) + 0.6 * hash_normal(key, seed, salt=_SALT_COMPLICATED_SIZE))
    return spread * length * np.where(complicated, size, 1.0)


def outlier_payment(cost: np.ndarray, payment: np.ndarray) -> np.ndarray:
    """80% of the cost above payment + the fixed-loss threshold (42 CFR 412.84), else 0."""
    p = payment_parameters()
    return p["outlier_marginal_cost"] * np.maximum(0.0, cost - (payment + p["outlier_fixed_loss"]))


def market_factors(market_key: np.ndarray, payer_row: np.ndarray) -> np.ndarray:
    """The market's price level for the payer: exp(market_sigma x z(market, payer)), one z per pair."""
    mult = payer_multipliers()
    market = np.asarray(market_key, np.int64)
    cov = np.asarray(payer_row, np.int64)
    out = np.ones(len(market))
    for c in np.unique(cov):
        sigma = mult.market_sigma[c]
        if sigma == 0:
            continue
        mine = cov == c
        states, inv = np.unique(market[mine], return_inverse=True)
        z = hash_normal(states, int(text_keys(np.array([mult.coverage_type[c]]))[0]), MARKET_SEED, salt=_SALT_MARKET)
        out[mine] = np.exp(sigma * z - sigma * sigma / 2)[inv]
    return out


@cache
def _code_keys() -> np.ndarray:
    """A stable key per fee schedule row: CRC-32 of its code (unchanged when rows are added)."""
    return text_keys(fee_schedule().code)


def _price(base: np.ndarray, code_key: np.ndarray, cov: np.ndarray,
           provider_key: np.ndarray, institutional: np.ndarray, seed: int,
           market_key: np.ndarray | None = None) -> PricedLines:
    p = payment_parameters()
    mult = payer_multipliers()
    cov = np.asarray(cov, np.int64)
    prov, inv = np.unique(np.asarray(provider_key, np.int64), return_inverse=True)
    locality = np.exp(p["locality_sigma"] * hash_normal(prov, seed, salt=_SALT_LOCALITY))[inv]
    medicare = np.rint(base * locality).astype(np.int64)
    median = np.where(institutional, p["institutional_markup_median"], p["professional_markup_median"])
    sigma = np.where(institutional, p["institutional_markup_sigma"], p["professional_markup_sigma"])
    provider_z = hash_normal(prov, seed, salt=_SALT_PROVIDER_MARKUP)[inv]
    code_z = _per_pair(prov, inv, np.asarray(code_key, np.int64),
                       lambda pv, k: hash_normal(pv, k, seed, salt=_SALT_CODE_MARKUP))
    markup = np.exp(np.log(median) + sigma * provider_z + p["code_markup_sigma"] * code_z)
    billed = np.rint(medicare * np.maximum(markup, 1.1)).astype(np.int64)
    rate = np.where(institutional, mult.institutional[cov], mult.professional[cov])
    negotiated_z = np.zeros(len(cov))
    for c in np.unique(cov):  # a block has a handful of coverage types: one hash per provider each
        mine = cov == c
        negotiated_z[mine] = hash_normal(prov, c, seed, salt=_SALT_NEGOTIATED)[inv[mine]]
    negotiated = np.exp(mult.negotiated_sigma[cov] * negotiated_z)
    if market_key is not None:
        negotiated = negotiated * market_factors(market_key, cov)
    allowed = np.minimum(np.rint(medicare * rate * negotiated).astype(np.int64), billed)
    return PricedLines(medicare, billed, allowed)


def _per_pair(prov: np.ndarray, inv: np.ndarray, key: np.ndarray, draw) -> np.ndarray:
    """draw(provider, key) computed once per distinct (provider, key) pair of the lines."""
    pair = inv.astype(np.int64) * (1 << 32) + (key & 0xFFFFFFFF)
    uniq, back = np.unique(pair, return_inverse=True)
    return draw(prov[uniq >> 32], uniq & 0xFFFFFFFF)[back]
