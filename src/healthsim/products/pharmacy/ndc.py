"""National Drug Codes: format checks, conversions, and RxNorm -> NDC product lookup.

An NDC is 10 digits in one of three FDA configurations (4-4-2, 5-3-2, 5-4-1
labeler-product-package); claims (HIPAA, NCPDP) carry the 11-digit 5-4-2 form,
made by left-padding the short segment with a zero. `ndc_is_well_formed`
checks the 11-digit form for a whole column; `ndc11_from_10` pads a hyphenated
10-digit NDC. The shipped products (reference/data/ndc_products.csv) have
fictional labeler codes: they are well formed but identify no real product.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from healthsim.errors import NotFoundError
from healthsim.reference.claims import ndc_products

_TEN = re.compile(r"^(\d{4})-(\d{4})-(\d{2})$|^(\d{5})-(\d{3})-(\d{2})$|^(\d{5})-(\d{4})-(\d{1})$")


def ndc_is_well_formed(ndc: np.ndarray | list[str]) -> np.ndarray:
    """True where a value is an 11-digit 5-4-2 NDC whose labeler and product codes are not
    all zeros (a 5-4-1 package code '0' pads to '00', so the package may be)."""
    a = np.asarray(ndc, dtype=object).astype(str)
    ok = np.char.isdigit(a) & (np.char.str_len(a) == 11)
    v = np.where(ok, a, "0").astype(np.int64)
    return ok & (v // 1_000_000 > 0) & ((v // 100) % 10_000 > 0)


def ndc_hyphenated(ndc11: np.ndarray | list[str]) -> pa.Array:
    """'12345678901' -> '12345-6789-01' (for display and NCPDP flat files)."""
    a = pa.array(np.asarray(ndc11, dtype=object).astype(str), pa.string())
    part = [pc.utf8_slice_codeunits(a, lo, hi) for lo, hi in ((0, 5), (5, 9), (9, 11))]
    return pc.binary_join_element_wise(*part, "-")


def ndc11_from_10(ndc10: str) -> str:
    """A hyphenated 10-digit NDC (4-4-2, 5-3-2 or 5-4-1) in its 11-digit 5-4-2 form."""
    m = _TEN.match(ndc10.strip())
    if not m:
        raise ValueError(f"not a hyphenated 10-digit NDC (4-4-2, 5-3-2 or 5-4-1): {ndc10!r}")
    g = [x for x in m.groups() if x is not None]
    return g[0].zfill(5) + g[1].zfill(4) + g[2].zfill(2)


def products_for_orders(rxcui: np.ndarray, drug_name: np.ndarray | None = None) -> np.ndarray:
    """Row of ndc_products() for each order: its RxNorm concept's first package, else the
    first product whose ingredient and strength appear in the order's drug name.

    Raises NotFoundError naming the orders no product matches.
    """
    p = ndc_products()
    rx = np.asarray(rxcui, dtype=object).astype(str)
    uniq, inverse = np.unique(rx, return_inverse=True)
    first = {}
    for i, code in enumerate(p.rxcui):
        if code and code not in first:
            first[code] = i
    rows = np.array([first.get(u, -1) for u in uniq], np.int64)[inverse]
    missing = rows < 0
    if missing.any() and drug_name is not None:
        names = np.asarray(drug_name, dtype=object).astype(str)
        rows[missing] = [_by_name(n) for n in names[missing]]
    if (rows < 0).any():
        bad = sorted(set(rx[rows < 0].tolist()))[:10]
        raise NotFoundError(f"no NDC product for RxNorm concept(s) {bad}")
    return rows


def _by_name(name: str) -> int:
    """First product whose ingredient and first strength ('500 mg') both occur in `name`."""
    p = ndc_products()
    text = name.lower()
    for i in range(len(p.ndc)):
        strength = re.search(r"\d+(?:\.\d+)?\s*(?:mg|unt|ml)", str(p.drug_name[i]).lower())
        if str(p.ingredient[i]).lower() in text and (strength is None or strength.group(0) in text):
            return i
    return -1
