"""Where a cohort's providers are: local supply around the ZIPs its members live in.

A cohort is a sample of a place's people, so the clinicians its members see are
a sample of that place's clinicians: they sit where the place's supply is, not
where a pool sized to the cohort happens to fall. NetworkSim therefore works
from the members' own ZIPs (`occupancy`: the residence draw of every block,
repeated here before any block runs) and, for each ZIP or area they live in,
draws the practices they use from the real geography of supply:

- **Gravity model** (`gravity`): a practice used by people of origin ZIP o sits
  in ZIP d with probability proportional to d's supply (its residents x the
  kind's providers per 100,000, specialists and surgery/imaging/lab sites
  tilted 3:1 towards urban ZIPs) x exp(-km(o, d) / L), among ZIPs within the
  class's radius; for primary care x 0.15 if d is in another state (plans
  contract by state; care crosses a state line mostly where the line is
  near), for the area pools of other kinds only in-state ZIPs. L is the
  class's distance scale, longer for rural origins (CLASSES).
- **Virtual practices**: ZIP d holds round(supply / mean practice size) practices
  of a kind; a draw lands on one of them (uniformly), so members of
  neighbouring ZIPs share practices the way real panels overlap, and a
  practice drawn twice is emitted once.
- **Who draws where**: primary care is drawn per member ZIP (one practice per
  PCP_MEMBERS_PER_DRAW members, up to PCP_MAX_DRAWS), and each member's PCP is
  among the providers of their own ZIP's draws (lookup.attribute_pcps), so
  the member-to-PCP distance follows the gravity model whatever the cohort's
  size. Other kinds are drawn per area (a 3-digit ZIP area with enough
  members, else the state, as network_supply.csv's zip3_min / state_min say),
  OVERLAP x the cohort's share of the kind's supply, at least one per area, from
  origins drawn among the area's members; members then see the nearest.

Calibration: with L = 6 km (urban origin) / 16 km (rural origin) the median
member-to-PCP great-circle distance is ~7-8 km nationally (about 9-10 km by
road at the usual 1.2-1.4 road/straight-line ratio), ~8.5 km in Harris County,
~8 km in Cook and Los Angeles counties, ~20 km for rural members; published: a
median one-way distance to Medicare office visits of 7.7 miles (12.4 km) by
road, IQR 1.9-18.7 miles, rural patients travelling further (Chan, Hart &
Goodman, J Rural Health 2006; 1998 Medicare claims, 5 states). The scale is
kept a little under that figure so an urban county's median stays within issue
11's 10 km. The other classes' scales are HealthSim choices (specialists
farther, as the same study reports). Measured by benchmarks/bench_network.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthsim.products.network.nearest import EARTH_RADIUS_KM, Grid, query_cells, unit_vectors

BORDER = 0.15
"""Weight of a destination in another state than the origin."""
URBAN_TILT = 3.0
NATIONAL_CHILD_SHARE = 0.22  # Census 2020: 22.1% of residents under 18
PRACTICE_SIZE_P = np.array([0.30, 0.20, 0.15, 0.10, 0.08, 0.07, 0.05, 0.05])
"""Physicians per practice 1..8 (AMA Physician Practice Benchmark 2022: most physicians
work in practices of fewer than 10; solo and 2-4 physician practices are the most common)."""
MEAN_PRACTICE = float((PRACTICE_SIZE_P * np.arange(1, 9)).sum())
PCP_MEMBERS_PER_DRAW = 25
PCP_MAX_DRAWS = 12
OVERLAP = 3.0
"""A sampled cohort's members see more distinct providers than their share of the supply:
area pools hold OVERLAP x (members x providers per 100,000 / 100,000) providers."""


@dataclass(frozen=True)
class GravityClass:
    tilt: float       # supply weight of urban ZIPs relative to rural ones
    urban_km: float   # distance scale L from an urban origin
    rural_km: float   # ... from a rural one
    radius_km: float  # destinations beyond this are not considered (exp(-radius / rural L) ~ 3-5%)
    border: float     # weight of a destination in another state


CLASSES = {
    "primary": GravityClass(1.0, 6.0, 16.0, 50.0, BORDER),
    "specialist": GravityClass(URBAN_TILT, 15.0, 30.0, 90.0, 0.0),
    "community": GravityClass(1.0, 10.0, 20.0, 60.0, 0.0),
    "pharmacy": GravityClass(1.0, 4.0, 10.0, 30.0, 0.0),
}
"""Primary care is drawn for each member ZIP and may lie across a nearby state line; the
area pools of the other classes stay in the state of the members they are drawn for (members
near a state line may still choose a closer site across it: see nearby_lists)."""
ZIP3_PER_SITE = 6
"""An area pool has at least one site per this many occupied 3-digit ZIP areas, so a state-wide
pool of a small cohort is spread over the state rather than one site for all of it."""
GRAVITY_CELL = 1.0  # degrees: origins are taken one such cell at a time


def kind_class(kind: str, role: str) -> str:
    if role.startswith("pcp"):
        return "primary"
    if role == "specialist" or kind in ("asc", "lab", "imaging"):
        return "specialist"
    if role in ("retail", "mail", "specialty"):
        return "pharmacy"
    return "community"


@dataclass(frozen=True)
class Occupancy:
    """The cohort's residences: ZIP rows (ascending) and members in each (before households
    regroup dependents with their subscriber, which only moves members into ZIPs listed here)."""

    rows: np.ndarray
    members: np.ndarray  # float: member count (or expected count)


def occupancy(plan) -> Occupancy:
    """Every block's residence draw (engine.persons.zip_picks), counted per ZIP."""
    from healthsim.engine.persons import zip_picks
    from healthsim.engine.seeds import block_bounds

    counts = np.zeros(len(plan.zip_rows), np.int64)
    for b, _, n in block_bounds(plan.count):
        counts += np.bincount(zip_picks(plan, b, n), minlength=len(plan.zip_rows))
    keep = counts > 0
    rows, members = np.asarray(plan.zip_rows)[keep], counts[keep].astype(float)
    order = np.argsort(rows, kind="stable")
    return Occupancy(rows[order], members[order])


def expected_occupancy(zip_rows: np.ndarray, zip_p: np.ndarray, count: int) -> Occupancy:
    """Occupancy from a ZIP distribution alone (expected members, ZIPs with any weight)."""
    rows, p = np.asarray(zip_rows), np.asarray(zip_p, float)
    keep = p > 0
    order = np.argsort(rows[keep], kind="stable")
    return Occupancy(rows[keep][order], (count * p[keep] / p.sum())[order])


def _zip_supply(tilt: float) -> np.ndarray:
    """Supply weight per reference ZIP for a class: residents, urban ZIPs x tilt, scaled so the
    national total equals the national population."""
    from healthsim.reference.geography import zips

    z = zips()
    w = z.weight * np.where(z.urban, tilt, 1.0)
    return w * (z.weight.sum() / w.sum())


_GRIDS: dict = {}


def _zip_grid(radius_km: float) -> tuple[Grid, np.ndarray]:
    """The reference ZIPs in GRAVITY_CELL cells reaching radius_km, and their unit vectors."""
    if radius_km not in _GRIDS:
        from healthsim.reference.geography import zips

        z = zips()
        _GRIDS[radius_km] = (Grid(z.lat, z.lon, GRAVITY_CELL, radius_km), unit_vectors(z.lat, z.lon))
    return _GRIDS[radius_km]


def gravity(draws: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Destination ZIP rows for each class's draws: `draws[class]` = (origin ZIP rows,
    uniforms), one of each per draw (see the module docstring for the weights). Origins are
    taken a GRAVITY_CELL cell at a time against the ZIPs within the class's radius of it."""
    from healthsim.reference.geography import zips

    z = zips()
    out = {}
    for name, (origins, u) in draws.items():
        cls = CLASSES[name]
        grid, vec = _zip_grid(cls.radius_km)
        vec32 = vec.astype(np.float32)
        supply = _zip_supply(cls.tilt).astype(np.float32)
        dest = np.empty(len(origins), np.int64)
        for pos, r, c in query_cells(z.lat[origins], z.lon[origins], GRAVITY_CELL):
            cand = _within_cell(grid.around(r, c), r, c, cls.radius_km)
            uniq, inv = np.unique(origins[pos], return_inverse=True)
            km = _chord_km(vec32[uniq], vec32[cand])
            w = km * (-1.0 / np.where(z.urban[uniq], cls.urban_km, cls.rural_km)).astype(np.float32)[:, None]
            np.exp(w, out=w)
            w *= supply[cand]
            for st in np.unique(z.state[uniq]):  # one or two states per cell
                rows = np.flatnonzero(z.state[uniq] == st)
                w[rows] *= np.where(z.state[cand] == st, np.float32(1.0), np.float32(cls.border))
            np.putmask(w, km > cls.radius_km, 0.0)
            w[np.arange(len(uniq)), np.searchsorted(cand, uniq)] += np.float32(1e-30)  # never an empty row
            cum = np.cumsum(w, axis=1, dtype=np.float64)
            total = cum[:, -1].copy()
            cum += (np.cumsum(total) - total)[:, None]  # rows one after another: one sorted array
            at = np.searchsorted(cum.ravel(), (np.cumsum(total) - total)[inv] + u[pos] * total[inv], "right")
            dest[pos] = cand[np.minimum(at - inv * len(cand), len(cand) - 1)]
        out[name] = dest
    return out


def _chord_km(q: np.ndarray, p: np.ndarray) -> np.ndarray:
    """km between unit vectors (rows of q x rows of p) by the chord, which is the arc to
    0.01% at 100 km; elementwise (no BLAS), so the same bits everywhere; in the vectors'
    precision (float32 in gravity: ~20 m at these distances)."""
    d = q[:, :1] * p[:, 0]
    d += q[:, 1:2] * p[:, 1]
    d += q[:, 2:3] * p[:, 2]
    np.multiply(d, d.dtype.type(-2.0), out=d)
    d += d.dtype.type(2.0)
    np.maximum(d, d.dtype.type(0.0), out=d)
    np.sqrt(d, out=d)
    d *= d.dtype.type(EARTH_RADIUS_KM)
    return d


def _within_cell(cand: np.ndarray, r: int, c: int, radius_km: float) -> np.ndarray:
    """The candidates that can lie within radius_km of some point of cell (r, c) (a lower
    bound of the distance to the cell's box, with 5% to spare)."""
    from healthsim.reference.geography import zips

    z = zips()
    lat, lon = z.lat[cand], z.lon[cand]
    lo_lat, hi_lat = r * GRAVITY_CELL, (r + 1) * GRAVITY_CELL
    lo_lon, hi_lon = c * GRAVITY_CELL, (c + 1) * GRAVITY_CELL
    dlat = np.maximum(0.0, np.maximum(lo_lat - lat, lat - hi_lat)) * 111.2
    poleward = np.minimum(np.maximum(np.abs(lat), max(abs(lo_lat), abs(hi_lat))), 89.0)
    dlon = np.maximum(0.0, np.maximum(lo_lon - lon, lon - hi_lon)) * 111.2 * np.cos(np.radians(poleward))
    return cand[dlat * dlat + dlon * dlon <= (1.05 * radius_km) ** 2]


def virtual_slots(dest: np.ndarray, per_100k: float, served_share: float, tilt: float,
                  unit: float) -> np.ndarray:
    """How many practices (or sites) of a kind each destination ZIP holds (at least 1)."""
    supply = _zip_supply(tilt)[dest] * served_share * per_100k / 1e5
    return np.maximum(1, np.rint(supply / unit)).astype(np.int64)


def area_keys(occ: Occupancy, served: np.ndarray, zip3_min: float, state_min: float) -> np.ndarray:
    """Area of each occupied ZIP for a kind: its 3-digit ZIP area where that area's members
    (served by the kind) reach zip3_min, else its state where the state's remaining members
    reach state_min, else one national area. Keys are integers (zip3, 1000 + state, 9999)."""
    zip3, state = _zip3_and_state()
    zip3, state = zip3[occ.rows], state[occ.rows]
    key = np.full(len(occ.rows), 9999, np.int64)
    own = np.zeros(len(occ.rows), bool)
    if not np.isnan(zip3_min):
        own = (np.bincount(zip3, served, 1000) >= zip3_min)[zip3]
        key[own] = zip3[own]
    if not np.isnan(state_min):
        rest = ~own
        big = (np.bincount(state[rest], served[rest], 100) >= state_min)[state] & rest
        key[big] = 1000 + state[big]
    return key


_ZIP3: list = []


def zip3_of(rows: np.ndarray) -> np.ndarray:
    """The 3-digit ZIP prefix (int) of reference ZIP rows."""
    return _zip3_and_state()[0][rows]


def _zip3_and_state() -> tuple[np.ndarray, np.ndarray]:
    """Per reference ZIP: its 3-digit prefix and a state number (both int)."""
    if not _ZIP3:
        from healthsim.reference.geography import zips

        z = zips()
        _ZIP3.append((z.zip.astype("U3").astype(np.int64), np.unique(z.state, return_inverse=True)[1]))
    return _ZIP3[0]


def area_origins(key: np.ndarray, weight: np.ndarray, draws_per_area: dict[int, int],
                 u: np.ndarray) -> np.ndarray:
    """Positions (into the occupied ZIPs) of each area draw's origin, drawn by `weight`
    among the area's ZIPs; areas in ascending key order, `u` one uniform per draw."""
    areas = np.array(sorted(draws_per_area), np.int64)
    n = np.array([draws_per_area[a] for a in areas], np.int64)
    order = np.lexsort((np.arange(len(key)), key))
    k_sorted, w_sorted = key[order], weight[order]
    start = np.searchsorted(k_sorted, areas, "left")
    stop = np.searchsorted(k_sorted, areas, "right")
    cum = np.cumsum(w_sorted)
    base = np.r_[0.0, cum][start]
    total = cum[stop - 1] - base
    area_of_draw = np.repeat(np.arange(len(areas)), n)
    target = base[area_of_draw] + u * total[area_of_draw]
    at = np.searchsorted(cum, target, side="right")
    at = np.clip(at, start[area_of_draw], stop[area_of_draw] - 1)
    return order[at]


BORDER_KM, OUT_OF_STATE_FACTOR = 30.0, 1.5
"""When members choose among the nearest sites, one in another state counts only if it is
within BORDER_KM of the member, and then as 1.5 x its distance: office care stays in the
member's state except near a state line (or where the state has no site of the kind)."""
RANK_WEIGHTS = (0.6, 0.25, 0.15)


def nearby_lists(zip_rows: np.ndarray, site_lat: np.ndarray, site_lon: np.ndarray,
                 site_state: np.ndarray, k: int = 3):
    """Per ZIP row, the k sites with the smallest effective distance (the nearest in the ZIP's
    state and overall; out-of-state ones see BORDER_KM), none much further than the best
    (more than twice as far and 15 km further), weighted by rank: an acute.Candidates over
    the reference ZIPs whose items index the sites."""
    from healthsim.products.network.acute import Candidates
    from healthsim.products.network.nearest import nearest_k
    from healthsim.reference.geography import zips

    z = zips()
    zip_rows = np.asarray(zip_rows)
    q_lat, q_lon, q_state = z.lat[zip_rows], z.lon[zip_rows], z.state[zip_rows]
    k = min(k, len(site_lat))
    idx_all, km_all = nearest_k(q_lat, q_lon, site_lat, site_lon, k)
    idx_in = np.full((len(zip_rows), k), -1, np.int64)
    km_in = np.full((len(zip_rows), k), np.inf)
    s_order = np.argsort(site_state, kind="stable")
    s_sorted = site_state[s_order]
    for st in np.unique(q_state):
        mine = s_order[np.searchsorted(s_sorted, st, "left"):np.searchsorted(s_sorted, st, "right")]
        if len(mine) == 0:
            continue
        q = np.flatnonzero(q_state == st)
        i, d = nearest_k(q_lat[q], q_lon[q], site_lat[mine], site_lon[mine], k)
        idx_in[q[:, None], np.arange(i.shape[1])] = mine[i]
        km_in[q[:, None], np.arange(i.shape[1])] = d
    idx = np.concatenate([idx_in, idx_all], axis=1)
    km = np.concatenate([km_in, km_all], axis=1)
    other = site_state[np.maximum(idx, 0)] != q_state[:, None]
    far = np.where(km <= BORDER_KM, OUT_OF_STATE_FACTOR * km, 1e6 + km)  # 1e6: only if nothing in-state
    eff = np.where(idx < 0, np.inf, np.where(other, far, km))
    eff = np.where(_repeats(idx), np.inf, eff)  # a site found by both searches counts once
    order = np.lexsort((idx, eff), axis=1)[:, :k]
    idx, eff = np.take_along_axis(idx, order, 1), np.take_along_axis(eff, order, 1)
    best = eff[:, :1]
    keep = np.isfinite(eff) & (eff <= np.maximum(2 * best, best + 15.0))
    w = np.where(keep, np.resize(np.asarray(RANK_WEIGHTS), k), 0.0)
    lens = keep.sum(1)
    return Candidates.of(len(z), zip_rows, np.r_[0, np.cumsum(lens)], idx[keep], (w / w.sum(1, keepdims=True))[keep])


def _repeats(idx: np.ndarray) -> np.ndarray:
    """True where a row's value already appeared earlier in the row (-1 never repeats)."""
    out = np.zeros(idx.shape, bool)
    for j in range(1, idx.shape[1]):
        out[:, j] = ((idx[:, :j] == idx[:, j:j + 1]) & (idx[:, j:j + 1] >= 0)).any(1)
    return out
