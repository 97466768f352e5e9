"""Who sees a member: vectorised lookups over a built `Network`.

These are what the journey and claims executors call with a block's columns:

- `attribute_pcps(net, zip_row, age, rng)`: one PCP per member among the 3
  nearest of the right kind (adults: family or internal medicine; children:
  pediatrics or family medicine).
- `pick_providers(net, specialty, zip_row, rng)`: a provider of a specialty
  near each member (an encounter's rendering provider).
- `pick_facilities(net, facility_type, zip_row, rng)` and `pick_pharmacies(...)`.
- `pick_at_facility(net, specialty, facility_id, rng)`: a provider of a
  specialty who works at a given hospital (the hospitalist of an admission),
  or the nearest one when that hospital has none.

IDs returned are the table keys (1-based provider_id / facility_id / pharmacy_id).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from healthsim.errors import NotFoundError
from healthsim.products.network.nearest import choose_near_zips, nearest_k
from healthsim.products.network.pool import Network
from healthsim.reference.network import supply

ADULT_PCP_ROLES = ("pcp_adult", "pcp_both")
CHILD_PCP_ROLES = ("pcp_child", "pcp_both")


ALIASES = {
    "primary_care": ("family_medicine", "internal_medicine", "pediatrics"),
    "urgent_care_staff": ("family_medicine", "emergency_medicine", "nurse_practitioner",
                          "physician_assistant"),
    "laboratory": ("lab",),
    "acute_hospital": ("hospital", "critical_access_hospital"),
}
"""Group names the journeys' encounter settings use (encounter_settings.csv default_specialty
and facility_type), each standing for the supply kinds listed."""


def _kind_rows(kinds: str | Sequence[str]) -> np.ndarray:
    t = supply()
    names = [kinds] if isinstance(kinds, str) else list(kinds)
    names = [k for name in names for k in ALIASES.get(name, (name,))]
    unknown = [k for k in names if k not in set(t.kind)]
    if unknown:
        raise NotFoundError(f"unknown network kind(s) {unknown}; known: {', '.join(t.kind)}")
    return np.flatnonzero(np.isin(t.kind, names))


def _zip_coords():
    from healthsim.reference.geography import zips

    z = zips()
    return z.lat, z.lon


def provider_rows(net: Network, specialty: str | Sequence[str]) -> np.ndarray:
    """Rows of net.providers of the given specialty key(s)."""
    return np.flatnonzero(np.isin(net.providers.kind, _kind_rows(specialty)))


def pick_providers(net: Network, specialty: str | Sequence[str], zip_row: np.ndarray,
                   rng: np.random.Generator, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(provider_id, km) of a provider of `specialty` near each member ZIP row."""
    rows = provider_rows(net, specialty)
    if len(rows) == 0:
        raise NotFoundError(f"the network has no provider of {specialty!r}")
    sites = net.practices.sites
    practice = net.providers.practice[rows]
    lat, lon = _zip_coords()
    pick, km = choose_near_zips(zip_row, lat, lon, sites.lat[practice], sites.lon[practice], rng, k)
    return rows[pick] + 1, km


def pick_facilities(net: Network, facility_type: str | Sequence[str], zip_row: np.ndarray,
                    rng: np.random.Generator, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(facility_id, km) of a facility of the type(s) near each member ZIP row."""
    rows = np.flatnonzero(np.isin(net.facilities.kind, _kind_rows(facility_type)))
    if len(rows) == 0:
        raise NotFoundError(f"the network has no facility of type {facility_type!r}")
    s = net.facilities.sites
    lat, lon = _zip_coords()
    pick, km = choose_near_zips(zip_row, lat, lon, s.lat[rows], s.lon[rows], rng, k)
    return rows[pick] + 1, km


def pick_pharmacies(net: Network, pharmacy_type: str, zip_row: np.ndarray,
                    rng: np.random.Generator, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(pharmacy_id, km); `pharmacy_type` is a supply kind such as 'retail_pharmacy'."""
    rows = np.flatnonzero(np.isin(net.pharmacies.kind, _kind_rows(pharmacy_type)))
    s = net.pharmacies.sites
    lat, lon = _zip_coords()
    pick, km = choose_near_zips(zip_row, lat, lon, s.lat[rows], s.lon[rows], rng, k)
    return rows[pick] + 1, km


def attribute_pcps(net: Network, zip_row: np.ndarray, age: np.ndarray,
                   rng: np.random.Generator, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(provider_id, km) of each member's PCP: adults and children from their own pools."""
    t = supply()
    child = np.asarray(age) < 18
    out_id = np.zeros(len(zip_row), np.int64)
    out_km = np.zeros(len(zip_row))
    for mask, roles in ((~child, ADULT_PCP_ROLES), (child, CHILD_PCP_ROLES)):
        if mask.any():
            kinds = [str(x) for x in t.kind[np.isin(t.role, roles)]]
            out_id[mask], out_km[mask] = pick_providers(net, kinds, zip_row[mask], rng, k)
    return out_id, out_km


def pick_at_facility(net: Network, specialty: str | Sequence[str], facility_id: np.ndarray,
                     rng: np.random.Generator) -> np.ndarray:
    """provider_id of a `specialty` provider working at each facility (nearest if none does)."""
    rows = provider_rows(net, specialty)
    if len(rows) == 0:
        raise NotFoundError(f"the network has no provider of {specialty!r}")
    fac = np.asarray(facility_id, np.int64) - 1
    hosp = net.providers.hospital[rows]
    order = np.argsort(hosp, kind="stable")
    rows, hosp = rows[order], hosp[order]
    start = np.searchsorted(hosp, fac, side="left")
    count = np.searchsorted(hosp, fac, side="right") - start
    pick = rows[np.minimum(start + (rng.random(len(fac)) * count).astype(np.int64), len(rows) - 1)]
    none = count == 0
    if none.any():
        s, ps = net.facilities.sites, net.practices.sites
        practice = net.providers.practice[rows]
        near, _ = nearest_k(s.lat[fac[none]], s.lon[fac[none]], ps.lat[practice], ps.lon[practice], 1)
        pick[none] = rows[near[:, 0]]
    return pick + 1
