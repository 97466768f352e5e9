"""Provider identifiers, made and checked as integer columns.

- NPI (45 CFR 162.406): 10 digits, the last a Luhn check digit computed over
  the 9-digit base prefixed with 80840 (the ISO 7812 health-industry issuer
  prefix). Adding the prefix's doubled-digit sum is the same as starting the
  Luhn sum at 24, which is what `npi_check_digit` does for a whole column.
- CCN (CMS Certification Number): a 2-digit CMS/SSA state code and 4 digits in
  the range reserved for the facility type (CMS State Operations Manual,
  ch. 2, section 2779A1): short-term acute hospitals 0001-0879, critical access
  hospitals 1300-1399, skilled nursing facilities 5000-6499, non-hospital renal
  dialysis facilities 2500-2899. Ambulatory surgical
  centres carry the 10-character supplier form (state code + 'C' + 7 digits)
  and laboratories a CLIA-style number (state code + 'D' + 7 digits).
- NCPDP provider ID (formerly the NABP number): 7 digits, a 2-digit state code,
  4 digits, and a check digit (units digit of d1+d3+d5 + 2*(d2+d4+d6)).

Every identifier here is generated from a seed-dependent bijection on a
numbered pool, never looked up, so it identifies nobody real (collisions with
a real registry entry are possible only by chance of format, which is why the
network tables carry fictional names and addresses too).
"""

from __future__ import annotations

import numpy as np

from healthsim.engine.columns import scramble

NPI_PREFIX_SUM = 24
"""Luhn contribution of the 80840 prefix (8*2 -> 1+6, 0, 8*2 -> 1+6, 4, 0 = 24)."""

# CMS/SSA state codes used in CCNs (CMS SOM ch. 2, 2779A1). DC is 09, VA 49.
CMS_STATE_CODES = {
    "AL": 1, "AK": 2, "AZ": 3, "AR": 4, "CA": 5, "CO": 6, "CT": 7, "DE": 8, "DC": 9, "FL": 10,
    "GA": 11, "HI": 12, "ID": 13, "IL": 14, "IN": 15, "IA": 16, "KS": 17, "KY": 18, "LA": 19,
    "ME": 20, "MD": 21, "MA": 22, "MI": 23, "MN": 24, "MS": 25, "MO": 26, "MT": 27, "NE": 28,
    "NV": 29, "NH": 30, "NJ": 31, "NM": 32, "NY": 33, "NC": 34, "ND": 35, "OH": 36, "OK": 37,
    "OR": 38, "PA": 39, "RI": 41, "SC": 42, "SD": 43, "TN": 44, "TX": 45, "UT": 46, "VT": 47,
    "VA": 49, "WA": 50, "WV": 51, "WI": 52, "WY": 53,
}

CCN_RANGES = {
    "hospital": (1, 879),
    "critical_access_hospital": (1300, 1399),
    "snf": (5000, 6499),
    "home_health_agency": (7000, 8499),
    "hospice": (1500, 1799),
    "dialysis": (2500, 2899),
}


def _digits_of(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) array of decimal digits, most significant first."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (np.asarray(values, dtype=np.int64)[:, None] // powers) % 10


def npi_check_digit(base9: np.ndarray) -> np.ndarray:
    """Luhn check digit of 9-digit NPI bases (with the 80840 prefix), for a column."""
    d = _digits_of(base9, 9)
    doubled = d[:, 0::2] * 2  # positions 1,3,5,7,9 (rightmost of the base is doubled)
    total = NPI_PREFIX_SUM + (doubled // 10 + doubled % 10).sum(1) + d[:, 1::2].sum(1)
    return (10 - total % 10) % 10


def make_npis(index: np.ndarray, seed: int, entity_type: int) -> np.ndarray:
    """10-digit NPIs (int64) for pool members 0..k-1: unique per (seed, entity type).

    Entity type 1 (individuals) get bases starting with 1, type 2
    (organisations) with 2, as NPPES issues them.
    """
    if entity_type not in (1, 2):
        raise ValueError(f"NPI entity type is 1 or 2 (got {entity_type})")
    offset = (int(seed) * 7_919 + entity_type * 104_729) % 100_000_000
    body = scramble(index, 100_000_000, 48_271_007, offset)  # odd, not divisible by 5
    base = entity_type * 100_000_000 + body
    return base * 10 + npi_check_digit(base)


def npi_is_valid(npis: np.ndarray) -> np.ndarray:
    """True where a 10-digit NPI's check digit is right (column-wise)."""
    npis = np.asarray(npis, dtype=np.int64)
    ok = (npis >= 1_000_000_000) & (npis <= 9_999_999_999)
    return ok & (npi_check_digit(npis // 10) == npis % 10)


def ccn_numbers(state: np.ndarray, kind: str, index: np.ndarray) -> np.ndarray:
    """The 4-digit serial of a CCN inside its type's range (state code is added as text)."""
    low, high = CCN_RANGES[kind]
    return low + np.asarray(index, dtype=np.int64) % (high - low + 1)


def state_codes(states: np.ndarray) -> np.ndarray:
    """CMS/SSA numeric state codes for USPS abbreviations."""
    table = np.array(sorted(CMS_STATE_CODES))
    codes = np.array([CMS_STATE_CODES[s] for s in table])
    pos = np.searchsorted(table, states)
    return codes[np.clip(pos, 0, len(table) - 1)]


def ncpdp_check_digit(first6: np.ndarray) -> np.ndarray:
    """Check digit of 6-digit NCPDP/NABP bases: units of d1+d3+d5 + 2*(d2+d4+d6)."""
    d = _digits_of(first6, 6)
    return (d[:, 0::2].sum(1) + 2 * d[:, 1::2].sum(1)) % 10


def make_ncpdp_ids(state_code: np.ndarray, serial: np.ndarray) -> np.ndarray:
    """7-digit NCPDP provider IDs (int): state code, 4-digit serial, check digit."""
    first6 = np.asarray(state_code, dtype=np.int64) * 10_000 + np.asarray(serial, dtype=np.int64) % 10_000
    return first6 * 10 + ncpdp_check_digit(first6)


def ncpdp_is_valid(ids: np.ndarray) -> np.ndarray:
    ids = np.asarray(ids, dtype=np.int64)
    return (ids >= 0) & (ids < 10_000_000) & (ncpdp_check_digit(ids // 10) == ids % 10)
