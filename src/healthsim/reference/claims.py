"""Payer reference data: fee schedule, MS-DRG weights, payment parameters, payer
multipliers, revenue codes, adjustment reason codes and NDC products.

Each loader reads one hand-authored file from `data/` once and hands back
read-only numpy columns sorted by their key, so pricing looks codes up with
`searchsorted` on whole columns. Figures are approximate public values; each
file's header says where they come from and how far to trust them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from healthsim.errors import NotFoundError
from healthsim.reference._files import frozen, read_commented_csv


def _col(rows: list[dict[str, str]], name: str, dtype=object) -> np.ndarray:
    if dtype is float:
        return frozen(np.array([float(r[name]) if r[name] != "" else np.nan for r in rows]))
    return frozen(np.array([r[name] for r in rows], dtype=dtype))


def _sorted_rows(name: str, key: str) -> list[dict[str, str]]:
    rows = read_commented_csv(name)
    return sorted(rows, key=lambda r: r[key])


def _lookup(keys: np.ndarray, wanted: np.ndarray | Sequence[str], what: str) -> np.ndarray:
    """Row index of each wanted key in the sorted `keys`; NotFoundError naming unknown ones."""
    wanted = np.asarray(wanted, dtype=object).astype(str)
    uniq, inverse = np.unique(wanted, return_inverse=True)
    pos = np.searchsorted(keys.astype(str), uniq)
    pos = np.minimum(pos, len(keys) - 1)
    bad = keys[pos].astype(str) != uniq
    if bad.any():
        raise NotFoundError(f"no {what} for {sorted(uniq[bad].tolist())[:10]}")
    return pos[inverse]


@dataclass(frozen=True)
class FeeSchedule:
    code: np.ndarray            # object, sorted
    system: np.ndarray          # CPT / HCPCS
    category: np.ndarray        # em, lab, imaging, surgery, anesthesia, ...
    service: np.ndarray         # benefit category hint (office, er, lab, preventive, ...)
    pfs_nonfacility: np.ndarray  # USD
    pfs_facility: np.ndarray    # USD
    opps: np.ndarray            # USD, NaN when the facility fee is not separately paid
    revenue_code: np.ndarray    # object, 4 digits
    description: np.ndarray

    def rows(self, codes: np.ndarray | Sequence[str]) -> np.ndarray:
        return _lookup(self.code, codes, "fee schedule amount")


@cache
def fee_schedule() -> FeeSchedule:
    r = _sorted_rows("fee_schedule.csv", "code")
    return FeeSchedule(_col(r, "code"), _col(r, "system"), _col(r, "category"), _col(r, "service"),
                       _col(r, "pfs_nonfacility", float), _col(r, "pfs_facility", float),
                       _col(r, "opps", float), _col(r, "revenue_code"), _col(r, "description"))


@dataclass(frozen=True)
class DrgTable:
    drg: np.ndarray  # object, 3 digits, sorted
    mdc: np.ndarray
    type: np.ndarray  # MED / SURG
    weight: np.ndarray
    gmlos: np.ndarray
    description: np.ndarray

    def rows(self, drgs: np.ndarray | Sequence[str]) -> np.ndarray:
        return _lookup(self.drg, drgs, "MS-DRG weight")


@cache
def ms_drgs() -> DrgTable:
    r = _sorted_rows("ms_drg.csv", "drg")
    return DrgTable(_col(r, "drg"), _col(r, "mdc"), _col(r, "type"), _col(r, "weight", float),
                    _col(r, "gmlos", float), _col(r, "description"))


@cache
def payment_parameters() -> dict[str, float]:
    """name -> value (see payment_parameters.csv for units and sources)."""
    return {r["name"]: float(r["value"]) for r in read_commented_csv("payment_parameters.csv")}


@dataclass(frozen=True)
class PayerMultipliers:
    coverage_type: np.ndarray  # object
    professional: np.ndarray
    institutional: np.ndarray
    negotiated_sigma: np.ndarray
    market_sigma: np.ndarray

    def rows(self, coverage_types: np.ndarray | Sequence[str]) -> np.ndarray:
        return _lookup(self.coverage_type, coverage_types, "payer multiplier")


@cache
def payer_multipliers() -> PayerMultipliers:
    r = _sorted_rows("payer_multipliers.csv", "coverage_type")
    return PayerMultipliers(_col(r, "coverage_type"), _col(r, "professional", float),
                            _col(r, "institutional", float), _col(r, "negotiated_sigma", float),
                            _col(r, "market_sigma", float))


@dataclass(frozen=True)
class RevenueCodes:
    code: np.ndarray
    label: np.ndarray
    group: np.ndarray
    med_share: np.ndarray  # share of a medical inpatient stay's charges (weight when the code is billed)
    surg_share: np.ndarray
    med_prob: np.ndarray   # chance a medical stay of ~3 nights bills the code
    surg_prob: np.ndarray


@cache
def revenue_codes() -> RevenueCodes:
    r = _sorted_rows("revenue_codes.csv", "revenue_code")
    return RevenueCodes(_col(r, "revenue_code"), _col(r, "label"), _col(r, "group"),
                        _col(r, "med_share", float), _col(r, "surg_share", float),
                        _col(r, "med_prob", float), _col(r, "surg_prob", float))


@dataclass(frozen=True)
class AdjustmentCodes:
    """CARC and RARC rows in file order (a CARC may appear under several uses)."""

    code: np.ndarray
    kind: np.ndarray   # CARC / RARC
    group: np.ndarray  # CO / PR / ''
    use: np.ndarray
    weight: np.ndarray
    rarc: np.ndarray
    description: np.ndarray

    def of_use(self, use: str) -> np.ndarray:
        return np.flatnonzero(self.use == use)


@cache
def adjustment_codes() -> AdjustmentCodes:
    r = read_commented_csv("carc_rarc.csv")
    return AdjustmentCodes(_col(r, "code"), _col(r, "kind"), _col(r, "group"), _col(r, "use"),
                           _col(r, "weight", float), _col(r, "rarc"), _col(r, "description"))


@dataclass(frozen=True)
class NdcProducts:
    rxcui: np.ndarray          # object ('' when matched by ingredient only)
    rxcui_source: np.ndarray
    drug_name: np.ndarray
    ingredient: np.ndarray
    ndc: np.ndarray            # object, 11 digits
    package_size: np.ndarray   # float, dispense units
    dispense_unit: np.ndarray
    billing_unit: np.ndarray   # EA / ML / GM
    billing_per_dispense: np.ndarray
    brand: np.ndarray          # bool
    tier: np.ndarray           # int8 1..4
    awp_unit: np.ndarray       # USD per billing unit
    nadac_unit: np.ndarray


@cache
def ndc_products() -> NdcProducts:
    r = read_commented_csv("ndc_products.csv")
    return NdcProducts(
        _col(r, "rxcui"), _col(r, "rxcui_source"), _col(r, "drug_name"), _col(r, "ingredient"),
        _col(r, "ndc"), _col(r, "package_size", float), _col(r, "dispense_unit"),
        _col(r, "billing_unit"), _col(r, "billing_units_per_dispense_unit", float),
        frozen(np.array([x["brand_generic"] == "B" for x in r])), _col(r, "tier", np.int8),
        _col(r, "awp_unit", float), _col(r, "nadac_unit", float),
    )
