"""Vectorised "nearest provider" lookups by great-circle distance.

Points become unit vectors on the sphere, so the nearest candidates of a batch
of queries are the largest dot products: computed for a chunk of queries at a
time (elementwise, so every process gets the same bits) with an `argpartition`
for the k best, no Python loop per member. Pools
are small (hundreds to a few thousand providers of one kind), and queries are
deduplicated by ZIP before the search (a block of 10,000 members lives in far
fewer ZIPs), so a block's lookups cost milliseconds.

Picking among the k nearest (not always the single nearest) spreads members
over neighbouring practices the way real panels overlap; the weights favour
the closest, and a candidate much further than the nearest is never chosen.

Large pools (a national cohort's local networks hold tens of thousands of
sites) are searched through 1-degree cells (`Grid`): each query looks only at
its cell's neighbourhood, which holds every point within `SAFE_KM`; a query
whose k-th nearest lies further than that is searched against the whole pool,
so the answer is always the exact k nearest.
"""

from __future__ import annotations

import itertools

import numpy as np

EARTH_RADIUS_KM = 6371.0088
DEFAULT_K = 3
DEFAULT_WEIGHTS = (0.6, 0.25, 0.15)
_CHUNK = 4096
GRID_MIN = 2048
"""Pools at least this large are searched cell by cell (smaller ones against every point)."""
SAFE_KM = 110.0
"""Every point within this distance of a query lies in its cell's neighbourhood (a 1-degree cell
and its neighbours: at least 1 degree of latitude, ~111.2 km, and enough degrees of longitude
for 110 km at the neighbourhood's highest latitude, with 20% to spare)."""


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """(n, 3) unit vectors of latitude/longitude in degrees."""
    la, lo = np.radians(np.asarray(lat, float)), np.radians(np.asarray(lon, float))
    cos_la = np.cos(la)
    return np.stack([cos_la * np.cos(lo), cos_la * np.sin(lo), np.sin(la)], axis=1)


def nearest_k(q_lat: np.ndarray, q_lon: np.ndarray, p_lat: np.ndarray, p_lon: np.ndarray,
              k: int = DEFAULT_K) -> tuple[np.ndarray, np.ndarray]:
    """Indices into the pool of each query's k nearest points, nearest first, and km.

    Returns arrays of shape (n, min(k, pool size)). An empty pool is an error:
    a caller asking for a cardiologist must have made at least one.
    """
    if len(p_lat) == 0:
        raise ValueError("nearest_k: the candidate pool is empty")
    k = min(k, len(p_lat))
    q, p = unit_vectors(q_lat, q_lon), unit_vectors(p_lat, p_lon)
    if len(p_lat) >= GRID_MIN and len(q_lat) > 1:
        return _nearest_by_cells(np.asarray(q_lat, float), np.asarray(q_lon, float), q,
                                 Grid(p_lat, p_lon), p, k)
    return _nearest_all(q, p, k)


def _nearest_all(q: np.ndarray, p: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest of every query against every pool point (unit vectors)."""
    idx = np.empty((len(q), k), np.int64)
    dots = np.empty((len(q), k))
    for s in range(0, len(q), _CHUNK):
        sim = _dots(q[s:s + _CHUNK], p)
        wide = min(k + 2, len(p))  # a little wider, so ties at the k-th place resolve by index too
        top = np.argpartition(-sim, wide - 1, axis=1)[:, :wide] if wide < len(p) else \
            np.broadcast_to(np.arange(wide), (len(sim), wide))
        top_sim = np.take_along_axis(sim, top, axis=1)
        order = np.lexsort((top, -top_sim), axis=1)[:, :k]  # nearest first; equal distances by index
        idx[s:s + _CHUNK] = np.take_along_axis(top, order, axis=1)
        dots[s:s + _CHUNK] = np.take_along_axis(top_sim, order, axis=1)
    return idx, EARTH_RADIUS_KM * np.arccos(np.clip(dots, -1.0, 1.0))


def _nearest_by_cells(q_lat: np.ndarray, q_lon: np.ndarray, q: np.ndarray, grid: Grid, p: np.ndarray,
                      k: int) -> tuple[np.ndarray, np.ndarray]:
    """`nearest_k` through the grid: exact (queries the neighbourhood cannot answer for
    certain are searched against the whole pool)."""
    idx = np.zeros((len(q), k), np.int64)
    km = np.full((len(q), k), np.inf)
    for rows, r, c in query_cells(q_lat, q_lon):
        cand = grid.around(r, c)
        if len(cand) >= k:
            i, d = _nearest_all(q[rows], p[cand], k)
            idx[rows], km[rows] = cand[i], d
    unsure = np.flatnonzero(km[:, -1] > SAFE_KM)
    if len(unsure):
        idx[unsure], km[unsure] = _nearest_all(q[unsure], p, k)
    return idx, km


class Grid:
    """Points bucketed into square cells of `cell` degrees; `around(r, c)` lists (ascending)
    the points of cell (r, c)'s neighbourhood, which holds every point within `safe_km` of
    any point of the cell (with 20% to spare in both directions)."""

    def __init__(self, lat: np.ndarray, lon: np.ndarray, cell: float = 1.0, safe_km: float = SAFE_KM):
        self.cell, self.safe_km = float(cell), float(safe_km)
        r, c = _cells(lat, lon, self.cell)
        key = _cell_key(r, c)
        self.order = np.argsort(key, kind="stable")
        self.keys = key[self.order]
        self._memo: dict[tuple[int, int], np.ndarray] = {}

    def around(self, r: int, c: int) -> np.ndarray:
        found = self._memo.get((r, c))
        if found is not None:
            return found
        reach = 1.2 * self.safe_km / 111.2  # degrees of latitude
        dr = int(np.ceil(reach / self.cell))
        edge = min(max(abs(r - dr), abs(r + dr + 1)) * self.cell, 89.0)  # highest |latitude| reached
        dc = int(np.ceil(reach / np.cos(np.radians(edge)) / self.cell))
        rows = range(r - dr, r + dr + 1)
        lo = [_key(rr, c - dc) for rr in rows]
        hi = [_key(rr, c + dc) for rr in rows]
        a, b = np.searchsorted(self.keys, lo, "left"), np.searchsorted(self.keys, hi, "right")
        found = np.sort(np.concatenate([self.order[x:y] for x, y in zip(a, b, strict=True)]))
        self._memo[(r, c)] = found
        return found


def _cells(lat, lon, cell: float) -> tuple[np.ndarray, np.ndarray]:
    return (np.floor(np.asarray(lat, float) / cell).astype(np.int64),
            np.floor(np.asarray(lon, float) / cell).astype(np.int64))


def _key(r: int, c: int) -> int:
    return (r + 2000) * 10_000 + (c + 5000)


def _cell_key(r, c):
    return (np.asarray(r, np.int64) + 2000) * 10_000 + (np.asarray(c, np.int64) + 5000)


def query_cells(lat: np.ndarray, lon: np.ndarray, cell: float = 1.0):
    """(positions, cell row, cell column) for each occupied cell of the queries, in cell
    order; positions ascending."""
    r, c = _cells(lat, lon, cell)
    key = _cell_key(r, c)
    order = np.argsort(key, kind="stable")
    bounds = np.r_[0, np.flatnonzero(np.diff(key[order])) + 1, len(order)]
    for a, b in itertools.pairwise(bounds):
        first = order[a]
        yield order[a:b], int(r[first]), int(c[first])


def _dots(q: np.ndarray, p: np.ndarray) -> np.ndarray:
    """q @ p.T written out elementwise: BLAS may round differently with memory alignment
    or thread count (so a worker process could pick another of two equidistant sites);
    plain numpy arithmetic gives the same bits everywhere."""
    return q[:, :1] * p[:, 0] + q[:, 1:2] * p[:, 1] + q[:, 2:3] * p[:, 2]


def choose_near(q_lat: np.ndarray, q_lon: np.ndarray, p_lat: np.ndarray, p_lon: np.ndarray,
                rng: np.random.Generator, k: int = DEFAULT_K,
                weights: tuple[float, ...] = DEFAULT_WEIGHTS) -> tuple[np.ndarray, np.ndarray]:
    """For each query, one pool index among its k nearest (weighted towards the nearest), and km."""
    idx, km = nearest_k(q_lat, q_lon, p_lat, p_lon, k)
    return _pick(idx, km, rng, weights)


def choose_near_zips(zip_row: np.ndarray, zip_lat: np.ndarray, zip_lon: np.ndarray,
                     p_lat: np.ndarray, p_lon: np.ndarray, rng: np.random.Generator,
                     k: int = DEFAULT_K,
                     weights: tuple[float, ...] = DEFAULT_WEIGHTS) -> tuple[np.ndarray, np.ndarray]:
    """`choose_near` for members given by ZIP row: the search runs once per distinct ZIP
    (and per process: see `_ZipNeighbours`), the weighted pick once per member (so
    neighbours in one ZIP still spread out)."""
    uniq, inverse = np.unique(np.asarray(zip_row), return_inverse=True)
    idx, km = _neighbours(p_lat, p_lon, k, len(zip_lat)).lookup(uniq, zip_lat, zip_lon)
    return _pick(idx[inverse], km[inverse], rng, weights)


class _ZipNeighbours:
    """The k nearest pool points of every ZIP row searched so far, for one pool.

    A cohort's blocks keep asking for the same pools from the same ZIPs; the
    search (a dot product against the whole pool) dominated a block's network
    work, so each ZIP is searched once per pool and process. Results are the
    same bits as an uncached search: each ZIP's row is computed alone.
    """

    def __init__(self, p_lat: np.ndarray, p_lon: np.ndarray, k: int, n_zips: int):
        self.p_lat, self.p_lon, self.k = p_lat, p_lon, min(k, len(p_lat))
        self.slot = np.full(n_zips, -1, np.int64)
        self.idx = np.empty((0, self.k), np.int64)
        self.km = np.empty((0, self.k))

    def lookup(self, rows: np.ndarray, zip_lat: np.ndarray, zip_lon: np.ndarray):
        new = rows[self.slot[rows] < 0]
        if len(new):
            idx, km = nearest_k(zip_lat[new], zip_lon[new], self.p_lat, self.p_lon, self.k)
            self.slot[new] = len(self.idx) + np.arange(len(new))
            self.idx, self.km = np.concatenate([self.idx, idx]), np.concatenate([self.km, km])
        at = self.slot[rows]
        return self.idx[at], self.km[at]


_CACHE: dict[tuple, _ZipNeighbours] = {}
_CACHE_LIMIT = 64


def _neighbours(p_lat: np.ndarray, p_lon: np.ndarray, k: int, n_zips: int) -> _ZipNeighbours:
    lat, lon = np.ascontiguousarray(p_lat, float), np.ascontiguousarray(p_lon, float)
    key = (hash(lat.tobytes()), hash(lon.tobytes()), len(lat), k, n_zips)
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) >= _CACHE_LIMIT:  # a long-lived process (MCP server) meets many cohorts
            _CACHE.pop(next(iter(_CACHE)))
        found = _CACHE[key] = _ZipNeighbours(lat, lon, k, n_zips)
    return found


def _pick(idx: np.ndarray, km: np.ndarray, rng: np.random.Generator,
          weights: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """One of each row's k candidates: weighted, and never one much further than the nearest
    (more than twice as far and 15 km further), so a member is not sent past a closer site."""
    k = idx.shape[1]
    w = np.resize(np.asarray(weights, float), k)
    near = km[:, :1]
    w = np.where(km <= np.maximum(2 * near, near + 15.0), w, 0.0)
    cum = np.cumsum(w, axis=1)
    u = rng.random(len(idx))[:, None] * cum[:, -1:]
    rank = np.minimum((cum <= u).sum(axis=1), k - 1)
    rows = np.arange(len(idx))
    return idx[rows, rank], km[rows, rank]
