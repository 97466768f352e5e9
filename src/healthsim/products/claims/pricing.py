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
  Medicare, Medicaid below) x a per-(provider, coverage) negotiated factor, and
  never more than billed (payers allow the lesser of charge and rate).

The per-provider factors are hashes of (seed, provider, ...), not draws from a
block's stream, so they agree across blocks and processes. All amounts are
int64 cents, so later sums are exact to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthsim.products.claims.hashing import hash_normal, text_keys
from healthsim.reference.claims import fee_schedule, ms_drgs, payer_multipliers, payment_parameters

FACILITY_POS = frozenset({"19", "21", "22", "23", "24", "26", "31", "34", "51", "52", "56", "61"})
"""Places of service where the physician fee schedule pays its facility rate
(hospital outpatient, inpatient, ED, ASC, SNF, inpatient psychiatric, ...;
CMS Medicare Claims Processing Manual ch. 12, section 20.4.2)."""

_SALT_LOCALITY, _SALT_NEGOTIATED, _SALT_PROVIDER_MARKUP, _SALT_CODE_MARKUP = 11, 12, 13, 14


@dataclass(frozen=True)
class PricedLines:
    """Per line, int64 cents: the Medicare-like base, the charge and the allowed amount."""

    medicare_cents: np.ndarray
    billed_cents: np.ndarray
    allowed_cents: np.ndarray


def facility_rate(place_of_service: np.ndarray) -> np.ndarray:
    """True where a professional line is paid at the physician fee schedule's facility rate."""
    pos = np.asarray(place_of_service, dtype=object).astype(str)
    return np.isin(pos, sorted(FACILITY_POS))


def base_amounts(code: np.ndarray, units: np.ndarray, institutional: np.ndarray,
                 at_facility: np.ndarray) -> np.ndarray:
    """Medicare-like base per line in cents (before locality), from the fee schedule."""
    fs = fee_schedule()
    rows = fs.rows(code)
    opps = fs.opps[rows]
    amount = np.where(
        institutional,
        np.where(np.isnan(opps), fs.pfs_nonfacility[rows], opps),
        np.where(at_facility, fs.pfs_facility[rows], fs.pfs_nonfacility[rows]),
    )
    return np.rint(amount * np.asarray(units, float) * 100).astype(np.int64)


def price_lines(code: np.ndarray, units: np.ndarray, coverage_type: np.ndarray,
                provider_key: np.ndarray, *, institutional: np.ndarray | bool = False,
                at_facility: np.ndarray | bool = False, seed: int = 0) -> PricedLines:
    """Charges and allowed amounts for claim lines (all arguments are aligned columns).

    `code` are CPT/HCPCS codes in the fee schedule (NotFoundError otherwise),
    `coverage_type` the payer's coverage type per line, `provider_key` the
    billing provider (e.g. its NPI as an integer), `institutional` marks a
    facility's line, `at_facility` a professional line done in a facility.
    """
    n = len(code)
    institutional = np.broadcast_to(np.asarray(institutional, bool), (n,))
    at_facility = np.broadcast_to(np.asarray(at_facility, bool), (n,))
    base = base_amounts(code, units, institutional, at_facility)
    return _price(base, text_keys(code), coverage_type, provider_key, institutional, seed)


def price_drg_stays(drg: np.ndarray, coverage_type: np.ndarray, provider_key: np.ndarray,
                    *, seed: int = 0) -> PricedLines:
    """Inpatient stays priced by MS-DRG: weight x IPPS base rate, then as `price_lines`."""
    d = ms_drgs()
    rows = d.rows(drg)
    base = np.rint(d.weight[rows] * payment_parameters()["ipps_base_rate"] * 100).astype(np.int64)
    inst = np.ones(len(rows), bool)
    return _price(base, 1_000_000 + rows.astype(np.int64), coverage_type, provider_key, inst, seed)


def _price(base: np.ndarray, code_key: np.ndarray, coverage_type: np.ndarray,
           provider_key: np.ndarray, institutional: np.ndarray, seed: int) -> PricedLines:
    p = payment_parameters()
    mult = payer_multipliers()
    cov = mult.rows(coverage_type)
    prov = np.asarray(provider_key, np.int64)
    locality = np.exp(p["locality_sigma"] * hash_normal(prov, seed, salt=_SALT_LOCALITY))
    medicare = np.rint(base * locality).astype(np.int64)
    median = np.where(institutional, p["institutional_markup_median"], p["professional_markup_median"])
    sigma = np.where(institutional, p["institutional_markup_sigma"], p["professional_markup_sigma"])
    markup = np.exp(np.log(median) + sigma * hash_normal(prov, seed, salt=_SALT_PROVIDER_MARKUP)
                    + p["code_markup_sigma"] * hash_normal(prov, code_key, seed, salt=_SALT_CODE_MARKUP))
    billed = np.rint(medicare * np.maximum(markup, 1.1)).astype(np.int64)
    rate = np.where(institutional, mult.institutional[cov], mult.professional[cov])
    negotiated = np.exp(mult.negotiated_sigma[cov] * hash_normal(prov, cov, seed, salt=_SALT_NEGOTIATED))
    allowed = np.minimum(np.rint(medicare * rate * negotiated).astype(np.int64), billed)
    return PricedLines(medicare, billed, allowed)
