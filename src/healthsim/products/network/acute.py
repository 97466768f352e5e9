"""The hospitals members are admitted to and seen in the ED at: real ones.

Candidates are the Medicare-certified general acute care and critical access
hospitals that offer emergency services (reference.hospitals: CMS Hospital
General Information with HIFLD beds and coordinates; psychiatric, children's
and military hospitals are left out). Each occupied ZIP keeps its K nearest
within HOSPITAL_KM, dropping any much further than the nearest (more than
twice as far and 15 km further), weighted 0.6 / 0.25 / 0.15 by rank, and
thinned to those a multinomial draw of the ZIP's members lands on; the
network's hospitals are the union of those lists, with their own CCN, name,
street address, ZIP, county, coordinates and bed count.

Where no such hospital is within HOSPITAL_KM of a member's ZIP (parts of
Alaska, a few frontier counties), one synthetic hospital per 3-digit ZIP area
stands in, at the area's most populous uncovered ZIP: a critical access
hospital if that ZIP is rural, else a general acute one, with a CCN in the
type's range that no real hospital of the state holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthsim.products.network.local import Occupancy
from healthsim.products.network.nearest import nearest_k

HOSPITAL_KM = 100.0
K = 3
RANK_WEIGHTS = np.array([0.6, 0.25, 0.15])
KINDS = {"acute": "hospital", "critical_access": "critical_access_hospital"}
"""reference.hospitals kinds used -> NetworkSim facility kinds."""


@dataclass(frozen=True)
class Candidates:
    """Per-ZIP candidate lists: `slot[zip_row]` is -1 or a list number; list i is
    items[indptr[i]:indptr[i+1]] with pick weights `weight` (summing to 1 per list)."""

    slot: np.ndarray
    indptr: np.ndarray
    items: np.ndarray
    weight: np.ndarray

    def pick(self, zip_row: np.ndarray, u: np.ndarray) -> np.ndarray:
        """One item per ZIP row (-1 where the ZIP has no list), from uniforms `u`."""
        s = self.slot[np.asarray(zip_row)]
        out = np.full(len(s), -1, np.int64)
        has = np.flatnonzero(s >= 0)
        if len(has) == 0 or len(self.items) == 0:
            return out
        start, stop = self.indptr[s[has]], self.indptr[s[has] + 1]
        cum = np.cumsum(self.weight)
        base = np.r_[0.0, cum][start]
        target = base + u[has] * (cum[stop - 1] - base)
        at = np.clip(np.searchsorted(cum, target, side="right"), start, stop - 1)
        out[has] = self.items[at]
        return out

    def members_of(self, n_items: int, list_members: np.ndarray) -> np.ndarray:
        """Expected members per item: each list's members (in list order) spread by its weights."""
        owner = np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))
        return np.bincount(self.items, self.weight * np.asarray(list_members)[owner], n_items)

    @staticmethod
    def of(n_zips: int, zip_rows: np.ndarray, indptr: np.ndarray, items: np.ndarray,
           weight: np.ndarray) -> Candidates:
        """Lists for `zip_rows` (list i belongs to zip_rows[i]) over a reference of n_zips ZIPs."""
        slot = np.full(n_zips, -1, np.int64)
        slot[zip_rows] = np.arange(len(zip_rows))
        return Candidates(slot, np.asarray(indptr, np.int64), np.asarray(items, np.int64),
                          np.asarray(weight, float))


@dataclass(frozen=True)
class HospitalPick:
    real: np.ndarray        # rows of reference.hospitals() in the network (ascending)
    synthetic_zip: np.ndarray  # ZIP rows of synthetic hospitals
    synthetic_cah: np.ndarray  # bool: critical access (rural) or general acute
    candidates: Candidates     # items index the concatenation real + synthetic


def eligible() -> np.ndarray:
    """Rows of reference.hospitals() a member can be admitted to or seen in the ED at."""
    from healthsim.reference.hospitals import hospitals

    h = hospitals()
    return np.flatnonzero(np.isin(h.kind, list(KINDS)) & h.emergency & np.isfinite(h.lat))


def pick_hospitals(occ: Occupancy, rng: np.random.Generator) -> HospitalPick:
    from healthsim.reference.geography import zips
    from healthsim.reference.hospitals import hospitals

    z, h = zips(), hospitals()
    ok = eligible()
    idx, km = nearest_k(z.lat[occ.rows], z.lon[occ.rows], h.lat[ok], h.lon[ok], K)
    near = km[:, :1]
    keep = (km <= HOSPITAL_KM) & (km <= np.maximum(2 * near, near + 15.0))
    covered = keep[:, 0].copy()
    # thin each list to the hospitals its members are drawn to use (a multinomial of the ZIP's
    # member count over the rank weights), so a sparse cohort does not carry hospitals nobody
    # in it can reach; members then pick among those by the drawn counts
    w = np.where(keep, RANK_WEIGHTS[: km.shape[1]], 0.0)
    w = w / np.maximum(w.sum(1, keepdims=True), 1e-300)
    cum = np.cumsum(w, axis=1)
    n_draw = np.maximum(1, np.ceil(occ.members)).astype(np.int64)
    who = np.repeat(np.arange(len(occ.rows)), n_draw)
    rank = (cum[who] <= rng.random(len(who))[:, None]).sum(1)
    rank = np.minimum(rank, km.shape[1] - 1)
    drawn = np.zeros(km.shape)
    np.add.at(drawn, (who, rank), 1.0)
    keep &= drawn > 0
    keep[~covered] = False
    used = np.unique(ok[idx[keep]])
    # synthetic stand-ins: one per 3-digit ZIP area with uncovered members
    bare = np.flatnonzero(~covered)
    syn_zip = np.zeros(0, np.int64)
    syn_of_bare = np.zeros(0, np.int64)
    if len(bare):
        zip3 = z.zip[occ.rows[bare]].astype("U3")
        _, inv = np.unique(zip3, return_inverse=True)
        best = np.lexsort((-z.weight[occ.rows[bare]], inv))  # most populous first within area
        first = best[np.r_[True, np.diff(inv[best]) != 0]]
        syn_zip = occ.rows[bare][first]
        syn_of_bare = inv
    # candidate lists, real hospitals first (as positions in `used`), then synthetic
    lens = np.where(covered, keep.sum(1), 1)
    indptr = np.r_[0, np.cumsum(lens)]
    items = np.empty(indptr[-1], np.int64)
    weight = np.empty(indptr[-1])
    w = drawn * keep
    w = w / np.maximum(w.sum(1, keepdims=True), 1e-300)
    pos = np.searchsorted(used, ok[idx])
    cov = np.flatnonzero(covered)
    flat_keep = keep[cov]
    items_cov = pos[cov][flat_keep]
    weight_cov = w[cov][flat_keep]
    at_cov = np.repeat(indptr[cov], lens[cov]) + _ranks(lens[cov])
    items[at_cov], weight[at_cov] = items_cov, weight_cov
    items[indptr[bare]] = len(used) + syn_of_bare
    weight[indptr[bare]] = 1.0
    cand = Candidates.of(len(z), occ.rows, indptr, items, weight)
    return HospitalPick(used, syn_zip, ~z.urban[syn_zip], cand)


def _ranks(lens: np.ndarray) -> np.ndarray:
    """0..len-1 for each run length."""
    start = np.repeat(np.cumsum(lens) - lens, lens)
    return np.arange(lens.sum()) - start


def hospital_zip_rows(rows: np.ndarray) -> np.ndarray:
    """A reference ZIP row for each real hospital: its own ZIP when residential, else the
    ZIP whose centroid is nearest to it (state and county come from the hospital itself)."""
    from healthsim.reference.geography import zips
    from healthsim.reference.hospitals import hospitals

    z, h = zips(), hospitals()
    pos = np.clip(np.searchsorted(z.zip, h.zip[rows]), 0, len(z) - 1)
    found = z.zip[pos] == h.zip[rows]
    if (~found).any():
        miss = np.flatnonzero(~found)
        near, _ = nearest_k(h.lat[rows[miss]], h.lon[rows[miss]], z.lat, z.lon, 1)
        pos[miss] = near[:, 0]
    return pos
