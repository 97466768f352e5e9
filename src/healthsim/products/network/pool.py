"""Building a cohort's provider network: facilities, practices, providers, pharmacies.

The network is made once per cohort, before any member block, and depends only
on (seed, the cohort's ZIP distribution, count, child share): every draw comes
from `block_rng(seed, NETWORK_BLOCK, Stream.NETWORK, sub)` with one `sub` per
kind (a CRC of its name), so adding a kind to the supply table leaves the
others' rows unchanged.

Pools are sized from `reference.network.supply()` (per 100,000 people served)
and placed where the cohort lives: sites are drawn from the cohort's own ZIP
weights, specialists and outpatient centres with an urban tilt, critical
access hospitals only in rural ZIPs. Physicians group into practices of 1-8;
hospital-based physicians form one group per hospital; NPs, PAs and CRNAs join
existing practices. Everything is numpy columns; `tables.py` turns them into
the canonical Arrow tables.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from healthsim.engine.seeds import Stream, block_rng
from healthsim.products.network.identifiers import CCN_RANGES, make_npis, state_codes
from healthsim.products.network.nearest import nearest_k
from healthsim.reference.network import FACILITY_ROLES, PHARMACY_ROLES, SupplyTable, supply

NETWORK_BLOCK = 1 << 40
"""Pseudo-block index of the static network: no member block ever reaches it."""

PRACTICE_SIZE_P = np.array([0.30, 0.20, 0.15, 0.10, 0.08, 0.07, 0.05, 0.05])
"""Physicians per practice 1..8 (AMA Physician Practice Benchmark 2022: most physicians
work in practices of fewer than 10; solo and 2-4 physician practices are the most common)."""
DO_SHARE = 0.11  # AAMC 2022: about 11% of active physicians are DOs
URBAN_TILT = 3.0  # specialists, ASCs, labs and imaging centres favour urban ZIPs this much
ATTACHED = {"nurse_practitioner": ("pcp",), "physician_assistant": ("pcp", "specialist"),
            "nurse_anesthetist": ("anesthesiology",)}
DEGREES = ("MD", "DO", "NP", "PA", "DPT", "RD", "CRNA")


@dataclass(frozen=True)
class Sites:
    """Where a pool of organisations sits: ZIP row, jittered centroid, street address parts."""

    zip_row: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    house: np.ndarray
    street: np.ndarray
    suffix: np.ndarray
    surname: np.ndarray  # a last-name index, for names like 'Whitfield Memorial Hospital'
    style: np.ndarray  # which name pattern (see naming.py)

    def take(self, rows: np.ndarray) -> Sites:
        return Sites(*(getattr(self, f)[rows] for f in self.__dataclass_fields__))

    @staticmethod
    def concat(parts: list[Sites]) -> Sites:
        return Sites(*(np.concatenate([getattr(p, f) for p in parts]) for f in Sites.__dataclass_fields__))


@dataclass(frozen=True)
class Facilities:
    kind: np.ndarray  # supply row
    npi: np.ndarray
    beds: np.ndarray  # -1 where not applicable
    ccn_serial: np.ndarray  # CCN / supplier-number serial (see identifiers.py)
    sites: Sites


@dataclass(frozen=True)
class Practices:
    kind: np.ndarray
    npi: np.ndarray
    hospital: np.ndarray  # facility row of a hospital-based group, else -1
    sites: Sites


@dataclass(frozen=True)
class Providers:
    kind: np.ndarray
    npi: np.ndarray
    female: np.ndarray  # bool
    first: np.ndarray  # index into names.first_names('F') + first_names('M') (F first)
    last: np.ndarray
    degree: np.ndarray  # index into DEGREES
    practice: np.ndarray
    hospital: np.ndarray  # affiliated hospital (facility row)


@dataclass(frozen=True)
class Pharmacies:
    kind: np.ndarray
    npi: np.ndarray
    ncpdp_serial: np.ndarray
    chain: np.ndarray  # index into naming.PHARMACY_CHAINS (-1 independent)
    sites: Sites


@dataclass(frozen=True)
class Network:
    seed: int
    facilities: Facilities
    practices: Practices
    providers: Providers
    pharmacies: Pharmacies


def served_counts(table: SupplyTable, count: int, child_share: float) -> np.ndarray:
    """Members each kind serves: children, adults or everyone."""
    return np.select([table.serves == "child", table.serves == "adult"],
                     [count * child_share, count * (1 - child_share)], count).astype(float)


def pool_sizes(table: SupplyTable, count: int, child_share: float) -> np.ndarray:
    """Rows per supply kind by supply ratio alone (coverage floors may add sites)."""
    served = served_counts(table, count, child_share)
    n = np.rint(table.per_100k * served / 1e5).astype(np.int64)
    return np.where(served >= 0.5, np.maximum(n, table.min_count), 0)


@dataclass(frozen=True)
class _Ctx:
    """What every pool builder needs: the seed, the cohort's geography and who each kind serves."""

    seed: int
    table: SupplyTable
    sizes: np.ndarray
    served: np.ndarray
    zip_rows: np.ndarray
    zip_p: np.ndarray


def build_network(seed: int, zip_rows: np.ndarray, zip_p: np.ndarray, count: int,
                  child_share: float) -> Network:
    """The whole network for a cohort (see module docstring)."""
    table = supply()
    ctx = _Ctx(seed, table, pool_sizes(table, count, child_share),
               served_counts(table, count, child_share), np.asarray(zip_rows), np.asarray(zip_p, float))
    facilities = _facilities(ctx)
    practices, providers = _practices_and_providers(ctx, facilities)
    pharmacies = _pharmacies(ctx)
    n_fac, n_pr = len(facilities.kind), len(practices.kind)
    org_npis = make_npis(np.arange(n_fac + n_pr + len(pharmacies.kind)), seed, 2)
    return Network(
        seed=seed,
        facilities=_with_npi(facilities, org_npis[:n_fac]),
        practices=_with_npi(practices, org_npis[n_fac:n_fac + n_pr]),
        providers=_with_npi(providers, make_npis(np.arange(len(providers.kind)), seed, 1)),
        pharmacies=_with_npi(pharmacies, org_npis[n_fac + n_pr:]),
    )


def _with_npi(pool, npi: np.ndarray):
    return type(pool)(**{**pool.__dict__, "npi": npi})


def _rng(seed: int, kind: str) -> np.random.Generator:
    return block_rng(seed, NETWORK_BLOCK, Stream.NETWORK, zlib.crc32(kind.encode()))


def _place(ctx: _Ctx, i: int, rng: np.random.Generator, n: int, tilt: float = 1.0) -> np.ndarray:
    """ZIP rows of the kind's sites: one per area it must cover, the rest by (tilted) weight."""
    from healthsim.reference.geography import zips

    z, rows = zips(), ctx.zip_rows
    w = ctx.zip_p * np.where(z.urban[rows], tilt, 1.0)
    if ctx.table.kind[i] == "critical_access_hospital":
        w = w * ~z.urban[rows]
    if w.sum() <= 0 or n == 0:
        return np.zeros(0, np.int64)
    required = _required(ctx, i, rng, w)
    extra = rows[rng.choice(len(rows), max(n - len(required), 0), p=w / w.sum())]
    return np.concatenate([required, extra])


def _required(ctx: _Ctx, i: int, rng: np.random.Generator, w: np.ndarray) -> np.ndarray:
    """One ZIP row (drawn by weight) per 3-digit ZIP area and per state the kind must cover."""
    from healthsim.reference.geography import zips

    z, rows, t = zips(), ctx.zip_rows, ctx.table
    expected = ctx.served[i] * ctx.zip_p
    score = np.log(np.maximum(w, 1e-300)) - np.log(-np.log(rng.random(len(rows))))  # Gumbel-max
    chosen = np.zeros(0, np.int64)
    if not np.isnan(t.zip3_min[i]):
        chosen = _best_per_group(z.zip[rows].astype("U3"), expected, t.zip3_min[i], score, w)
    if not np.isnan(t.state_min[i]):
        state = z.state[rows]
        more = _best_per_group(state, expected, t.state_min[i], score, w)
        chosen = np.concatenate([chosen, more[~np.isin(state[more], state[chosen])]])
    return rows[chosen]


def _best_per_group(key: np.ndarray, expected: np.ndarray, minimum: float, score: np.ndarray,
                    w: np.ndarray) -> np.ndarray:
    """Positions of the best-scoring row of each group whose expected members reach `minimum`."""
    uniq, group = np.unique(key, return_inverse=True)
    need = np.bincount(group, expected, len(uniq)) >= minimum
    order = np.lexsort((-score, group))
    first = order[np.r_[True, np.diff(group[order]) != 0]]
    return first[need[group[first]] & (w[first] > 0)]


def _sites(rng: np.random.Generator, rows: np.ndarray) -> Sites:
    from healthsim.reference.geography import zips
    from healthsim.reference.names import last_names, street_names, street_suffixes

    z, n = zips(), len(rows)
    return Sites(
        zip_row=rows,
        lat=z.lat[rows] + rng.normal(0, 0.01, n), lon=z.lon[rows] + rng.normal(0, 0.01, n),
        house=np.exp(rng.uniform(np.log(100), np.log(9999), n)).astype(np.int64),
        street=rng.integers(0, min(len(street_names()), 120), n),  # the commoner street names
        suffix=rng.integers(0, len(street_suffixes()), n),
        surname=rng.integers(0, min(len(last_names()), 400), n),
        style=rng.integers(0, 4, n),
    )


def _facilities(ctx: _Ctx) -> Facilities:
    parts, table = [], ctx.table
    for i in table.rows(entity_type=2, roles=FACILITY_ROLES):
        kind = str(table.kind[i])
        rng = _rng(ctx.seed, kind)
        tilt = URBAN_TILT if kind in ("asc", "lab", "imaging") else 1.0
        sites = _sites(rng, _place(ctx, i, rng, int(ctx.sizes[i]), tilt))
        n = len(sites.zip_row)
        beds = {
            "hospital": np.clip(rng.lognormal(np.log(150), 0.7, n), 25, 1500),
            "critical_access_hospital": rng.integers(10, 26, n),  # CAHs: at most 25 inpatient beds
            "snf": np.clip(rng.lognormal(np.log(100), 0.4, n), 20, 400),
        }.get(kind, np.full(n, -1))
        parts.append((np.full(n, i, np.int32), np.asarray(beds, np.int64), sites, int(rng.integers(0, 10_000))))
    kind = np.concatenate([p[0] for p in parts])
    sites = Sites.concat([p[2] for p in parts])
    serial = _ccn_serials(table, kind, sites.zip_row, np.concatenate(
        [np.full(len(p[0]), p[3]) for p in parts]))
    return Facilities(kind, np.zeros(len(kind), np.int64), np.concatenate([p[1] for p in parts]),
                      serial, sites)


def _ccn_serials(table, kind, zip_row, offset) -> np.ndarray:
    """Unique serials per (state, kind): a rank within the state inside the kind's CCN range."""
    ranks = _ranks_within(kind, zip_row)
    out = (offset + ranks * 7) % 10_000_000  # ASC / lab supplier numbers: 7 digits
    for name, (low, high) in CCN_RANGES.items():
        mine = table.kind[kind] == name
        out[mine] = low + (offset[mine] + ranks[mine]) % (high - low + 1)
    return out


def _ranks_within(kind: np.ndarray, zip_row: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each (kind, state) group, in row order."""
    from healthsim.reference.geography import zips

    state = state_codes(zips().state[zip_row])
    order = np.lexsort((np.arange(len(kind)), state, kind))
    key = kind[order].astype(np.int64) * 100 + state[order]
    first = np.r_[0, np.flatnonzero(np.diff(key)) + 1]
    rank = np.arange(len(key)) - np.repeat(first, np.diff(np.r_[first, len(key)]))
    ranks = np.empty(len(kind), np.int64)
    ranks[order] = rank
    return ranks


def _practices_and_providers(ctx: _Ctx, facilities: Facilities) -> tuple[Practices, Providers]:
    table = ctx.table
    hospitals = np.flatnonzero(table.role[facilities.kind] == "hospital")
    groups: list[tuple] = []  # (kind row, providers per practice, practice sites, hospital)
    attached = []
    for i in table.rows(entity_type=1):
        kind, n = str(table.kind[i]), int(ctx.sizes[i])
        if n == 0:
            continue
        rng = _rng(ctx.seed, kind)
        if kind in ATTACHED:
            attached.append(i)
        elif table.role[i] == "hospital_based":
            groups.append(_hospital_groups(rng, i, n, facilities, hospitals))
        else:
            tilt = URBAN_TILT if table.role[i] == "specialist" else 1.0
            counts = _practice_sizes(rng, n)
            rows = _place(ctx, i, rng, len(counts), tilt)
            counts = np.concatenate([counts, np.ones(len(rows) - len(counts), np.int64)])
            groups.append((i, counts, _sites(rng, rows), np.full(len(counts), -1)))
    practices = Practices(
        kind=np.concatenate([np.full(len(g[1]), g[0], np.int32) for g in groups]),
        npi=np.zeros(sum(len(g[1]) for g in groups), np.int64),
        hospital=np.concatenate([g[3] for g in groups]).astype(np.int64),
        sites=Sites.concat([g[2] for g in groups]),
    )
    counts = np.concatenate([g[1] for g in groups])
    member_practice = np.repeat(np.arange(len(counts)), counts)
    extra = [_attach(ctx.seed, table, i, int(ctx.sizes[i]), practices) for i in attached]
    practice = np.concatenate([member_practice, *extra])
    kind = np.concatenate([practices.kind[member_practice]] +
                          [np.full(len(e), i, np.int32) for e, i in zip(extra, attached, strict=True)])
    return practices, _people(ctx.seed, table, kind, practice, practices, facilities, hospitals)


def _practice_sizes(rng, n: int) -> np.ndarray:
    sizes = rng.choice(len(PRACTICE_SIZE_P), n, p=PRACTICE_SIZE_P) + 1
    cum = np.cumsum(sizes)
    k = int(np.searchsorted(cum, n)) + 1
    sizes = sizes[:k].copy()
    sizes[-1] -= cum[k - 1] - n
    return sizes


def _hospital_groups(rng, i, n, facilities, hospitals):
    """Hospital-based physicians: at least one at every hospital, the rest by bed count;
    one group per hospital."""
    w = facilities.beds[hospitals].astype(float)
    extra = hospitals[rng.choice(len(hospitals), max(n - len(hospitals), 0), p=w / w.sum())]
    at = np.concatenate([hospitals, extra])
    uniq, counts = np.unique(at, return_counts=True)
    return i, counts, facilities.sites.take(uniq), uniq


def _attach(seed, table, i, n, practices) -> np.ndarray:
    """Practice rows for NPs, PAs and CRNAs, who join practices of the host kinds."""
    hosts = ATTACHED[str(table.kind[i])]
    role = table.role[practices.kind]
    kind = table.kind[practices.kind]
    ok = np.zeros(len(practices.kind), bool)
    for h in hosts:
        ok |= np.char.startswith(role.astype(str), h) if h in ("pcp", "specialist") else kind == h
    candidates = np.flatnonzero(ok) if ok.any() else np.arange(len(practices.kind))
    return _rng(seed, str(table.kind[i])).choice(candidates, n)


def _people(seed, table, kind, practice, practices, facilities, hospitals) -> Providers:
    from healthsim.reference.names import first_names, last_names

    rng = _rng(seed, "providers:people")
    n = len(kind)
    female = rng.random(n) < table.female_share[kind]
    f_names, f_p = first_names("F")
    m_names, m_p = first_names("M")
    first = np.where(female, rng.choice(len(f_names), n, p=f_p),
                     len(f_names) + rng.choice(len(m_names), n, p=m_p))
    last_vocab, last_p = last_names()
    credential = table.credential[kind]
    degree = np.array([DEGREES.index(c) for c in credential], np.int8)
    degree = np.where((credential == "MD") & (rng.random(n) < DO_SHARE), DEGREES.index("DO"), degree)
    hospital = practices.hospital[practice]
    office = hospital < 0
    if office.any() and len(hospitals):
        near, _ = nearest_k(practices.sites.lat, practices.sites.lon,
                            facilities.sites.lat[hospitals], facilities.sites.lon[hospitals], 1)
        hospital = np.where(office, hospitals[near[practice, 0]], hospital)
    return Providers(kind=kind.astype(np.int32), npi=np.zeros(n, np.int64), female=female,
                     first=first.astype(np.int32),
                     last=rng.choice(len(last_vocab), n, p=last_p).astype(np.int32),
                     degree=degree.astype(np.int8), practice=practice.astype(np.int32),
                     hospital=hospital.astype(np.int64))


def _pharmacies(ctx: _Ctx) -> Pharmacies:
    from healthsim.products.network.naming import PHARMACY_CHAIN_SHARES

    parts, table = [], ctx.table
    for i in table.rows(entity_type=2, roles=PHARMACY_ROLES):
        kind = str(table.kind[i])
        rng = _rng(ctx.seed, kind)
        sites = _sites(rng, _place(ctx, i, rng, int(ctx.sizes[i])))
        n = len(sites.zip_row)
        if kind == "retail_pharmacy":
            p = np.asarray(PHARMACY_CHAIN_SHARES)
            chain = rng.choice(len(p) + 1, n, p=np.r_[p, 1 - p.sum()])
            chain = np.where(chain == len(p), -1, chain)
        else:
            chain = np.full(n, -1)
        parts.append((np.full(n, i, np.int32), chain, sites, int(rng.integers(0, 10_000))))
    kind = np.concatenate([p[0] for p in parts])
    sites = Sites.concat([p[2] for p in parts])
    # one NCPDP serial space per state across all pharmacy kinds: a rank within the state
    serial = (parts[0][3] + _ranks_within(np.zeros_like(kind), sites.zip_row) * 37) % 10_000
    return Pharmacies(kind=kind, npi=np.zeros(0, np.int64), ncpdp_serial=serial,
                      chain=np.concatenate([p[1] for p in parts]), sites=sites)
