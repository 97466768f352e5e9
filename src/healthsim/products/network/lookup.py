"""Who sees a member: vectorised lookups over a built `Network`.

These are what the journey and claims executors call with a block's columns:

- `attribute_pcps(net, zip_row, age, rng)`: one PCP per member from their own
  ZIP's primary care draws (adults: family or internal medicine; children:
  pediatrics or family medicine).
- `pick_providers(net, specialty, zip_row, rng)`: a provider of a specialty
  near each member (an encounter's rendering provider).
- `pick_facilities(net, facility_type, zip_row, rng)`: hospitals from the ZIP's
  list of real nearby hospitals, other facilities among the nearest; and
  `pick_pharmacies(...)`.
- `pick_at_facility(net, specialty, facility_id, rng)`: a provider of a
  specialty who works at a given hospital (the hospitalist of an admission),
  or the nearest one when that hospital has none.

IDs returned are the table keys (1-based provider_id / facility_id / pharmacy_id).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from healthsim.errors import NotFoundError
from healthsim.products.network.nearest import (
    EARTH_RADIUS_KM,
    choose_near_zips,
    nearest_k,
    unit_vectors,
)
from healthsim.products.network.pool import Network
from healthsim.reference.network import supply

HOSPITAL_KINDS = ("hospital", "critical_access_hospital")
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
    """(provider_id, km) of a provider of `specialty` near each member ZIP row: for one
    kind, among the nearest from the member's ZIP list (in-state preferred, see
    local.nearby_lists); for several kinds, among the k nearest of all of them."""
    rows = provider_rows(net, specialty)
    if len(rows) == 0:
        raise NotFoundError(f"the network has no provider of {specialty!r}")
    sites = net.practices.sites
    practice = net.providers.practice[rows]
    zip_row = np.asarray(zip_row)
    kinds = np.unique(net.providers.kind[rows])
    if len(kinds) == 1:
        got = _nearby(net, f"provider:{kinds[0]}", rows, sites.lat[practice], sites.lon[practice],
                      sites.zip_row[practice], zip_row, rng)
        return got + 1, _km_to(zip_row, sites.lat[net.providers.practice[got]],
                                sites.lon[net.providers.practice[got]])
    lat, lon = _zip_coords()
    pick, km = choose_near_zips(zip_row, lat, lon, sites.lat[practice], sites.lon[practice], rng, k)
    return rows[pick] + 1, km


def _nearby(net: Network, key: str, rows: np.ndarray, lat: np.ndarray, lon: np.ndarray,
            site_zip: np.ndarray, zip_row: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rows (of the pool `rows` index) picked from each ZIP's nearby list, made on first use
    for every ZIP the cohort lives in (the same in every process); other ZIPs get a list of
    their own (not kept)."""
    from healthsim.products.network.local import nearby_lists
    from healthsim.reference.geography import zips

    state = zips().state[site_zip]
    lists = net.local.get(key)
    if lists is None:
        lists = net.local[key] = nearby_lists(net.occupied, lat, lon, state)
    u = rng.random(len(zip_row))
    got = lists.pick(zip_row, u)
    miss = np.flatnonzero(got < 0)
    if len(miss):
        extra = nearby_lists(np.unique(zip_row[miss]), lat, lon, state)
        got[miss] = extra.pick(zip_row[miss], u[miss])
    return rows[got]


def _km_to(zip_row: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    z_lat, z_lon = _zip_coords()
    return _km(z_lat[zip_row], z_lon[zip_row], lat, lon)


def pick_facilities(net: Network, facility_type: str | Sequence[str], zip_row: np.ndarray,
                    rng: np.random.Generator, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(facility_id, km) of a facility of the type(s) near each member ZIP row.

    Hospitals (acute and critical access together, what an admission or ED visit
    needs) come from each ZIP's own list of real nearby hospitals (acute.py); other
    types, and ZIPs without a list, from the k nearest of the type."""
    kind_rows = _kind_rows(facility_type)
    zip_row = np.asarray(zip_row)
    out = np.full(len(zip_row), -1, np.int64)
    if set(supply().kind[kind_rows]) == set(HOSPITAL_KINDS) and "hospital" in net.local:
        out = net.local["hospital"].pick(zip_row, rng.random(len(zip_row)))
    rest = np.flatnonzero(out < 0)
    if len(rest):
        rows = np.flatnonzero(np.isin(net.facilities.kind, kind_rows))
        if len(rows) == 0:
            raise NotFoundError(f"the network has no facility of type {facility_type!r}")
        s = net.facilities.sites
        key = "facility:" + ",".join(str(int(i)) for i in kind_rows)
        out[rest] = _nearby(net, key, rows, s.lat[rows], s.lon[rows], s.zip_row[rows], zip_row[rest], rng)
    s = net.facilities.sites
    lat, lon = _zip_coords()
    return out + 1, _km(lat[zip_row], lon[zip_row], s.lat[out], s.lon[out])


def pick_pharmacies(net: Network, pharmacy_type: str, zip_row: np.ndarray,
                    rng: np.random.Generator, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(pharmacy_id, km); `pharmacy_type` is a supply kind such as 'retail_pharmacy'."""
    kind_rows = _kind_rows(pharmacy_type)
    rows = np.flatnonzero(np.isin(net.pharmacies.kind, kind_rows))
    if len(rows) == 0:
        raise NotFoundError(f"the network has no pharmacy of type {pharmacy_type!r}")
    s = net.pharmacies.sites
    zip_row = np.asarray(zip_row)
    key = "pharmacy:" + ",".join(str(int(i)) for i in kind_rows)
    got = _nearby(net, key, rows, s.lat[rows], s.lon[rows], s.zip_row[rows], zip_row, rng)
    return got + 1, _km_to(zip_row, s.lat[got], s.lon[got])


def attribute_pcps(net: Network, zip_row: np.ndarray, age: np.ndarray,
                   rng: np.random.Generator, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(provider_id, km) of each member's PCP: one of the physicians of the primary care
    practices drawn for the member's own ZIP (pool.py), adults and children from their own
    lists; a ZIP without a list (not one the cohort was drawn in) takes one of the k nearest."""
    t = supply()
    zip_row = np.asarray(zip_row)
    child = np.asarray(age) < 18
    out_id = np.zeros(len(zip_row), np.int64)
    u = rng.random(len(zip_row))
    for mask, roles, name in ((~child, ADULT_PCP_ROLES, "pcp_adult"), (child, CHILD_PCP_ROLES, "pcp_child")):
        if not mask.any():
            continue
        rows = np.flatnonzero(mask)
        got = net.local[name].pick(zip_row[rows], u[rows]) if name in net.local else np.full(len(rows), -1)
        out_id[rows[got >= 0]] = got[got >= 0] + 1
        rest = rows[got < 0]
        if len(rest):
            kinds = [str(x) for x in t.kind[np.isin(t.role, roles)]]
            out_id[rest] = pick_providers(net, kinds, zip_row[rest], rng, k)[0]
    return out_id, provider_km(net, out_id, zip_row)


def provider_km(net: Network, provider_id: np.ndarray, zip_row: np.ndarray) -> np.ndarray:
    """Great-circle km from each ZIP centroid to the provider's practice."""
    sites = net.practices.sites
    practice = net.providers.practice[np.asarray(provider_id) - 1]
    lat, lon = _zip_coords()
    return _km(lat[zip_row], lon[zip_row], sites.lat[practice], sites.lon[practice])


def _km(lat1, lon1, lat2, lon2) -> np.ndarray:
    a, b = unit_vectors(lat1, lon1), unit_vectors(lat2, lon2)
    return EARTH_RADIUS_KM * np.arccos(np.clip((a * b).sum(1), -1.0, 1.0))


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
