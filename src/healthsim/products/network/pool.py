"""Building a cohort's provider network: facilities, practices, providers, pharmacies.

The network is made once per cohort, before any member block, from the seed,
the ZIPs the cohort's members live in (local.occupancy) and its share of
children. Every draw comes from `block_rng(seed, NETWORK_BLOCK, Stream.NETWORK,
sub)` with one `sub` per kind and purpose (a CRC of a name), so adding a kind
to the supply table leaves the others' rows unchanged.

- Hospitals are real (acute.py): the Medicare-certified acute and critical
  access hospitals nearest the members, synthetic ones only where none is
  within 100 km.
- Office practices, outpatient facilities and pharmacies are synthetic and
  local (local.py): drawn by a gravity model around the members' ZIPs from the
  places' own supply, deduplicated into practices; PCPs per member ZIP (each
  member's PCP comes from their own ZIP's draws), other kinds per area.
- Physicians group into practices of 1-8; hospital-based physicians (ED,
  hospitalists, radiology, pathology, anesthesiology) form one group per
  network hospital, sized by the cohort members who use it and capped by its
  beds; NPs, PAs and CRNAs join practices of their host kinds in the national
  proportions of the supply table.

Everything is numpy columns; `tables.py` turns them into the canonical Arrow
tables.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from healthsim.engine.seeds import Stream, block_rng
from healthsim.products.network import local
from healthsim.products.network.acute import (
    Candidates,
    HospitalPick,
    hospital_zip_rows,
    pick_hospitals,
)
from healthsim.products.network.identifiers import CCN_RANGES, make_npis, state_codes
from healthsim.products.network.local import MEAN_PRACTICE, OVERLAP, PRACTICE_SIZE_P, Occupancy
from healthsim.products.network.nearest import choose_near_zips, nearest_k
from healthsim.reference.network import PHARMACY_ROLES, SupplyTable, supply

NETWORK_BLOCK = 1 << 40
"""Pseudo-block index of the static network: no member block ever reaches it."""

DO_SHARE = 0.11  # AAMC 2022: about 11% of active physicians are DOs
ATTACHED = {"nurse_practitioner": ("pcp",), "physician_assistant": ("pcp", "specialist"),
            "nurse_anesthetist": ("anesthesiology",)}
DEGREES = ("MD", "DO", "NP", "PA", "DPT", "RD", "CRNA")
US_POPULATION = 333e6
US_STAFFED_BEDS = 917_000
"""Staffed beds in all U.S. hospitals (AHA Hospital Statistics 2024, fast facts; rounded, from
memory): hospital-based physicians per bed = their supply per 100,000 x US_POPULATION / beds."""
UNKNOWN_BEDS = 100  # sizing weight of a hospital whose bed count neither CMS nor HIFLD gives


@dataclass(frozen=True)
class Sites:
    """Where a pool of organisations sits: ZIP row, coordinates, street address parts."""

    zip_row: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    house: np.ndarray
    street: np.ndarray
    suffix: np.ndarray
    surname: np.ndarray  # a last-name index, for names like 'Whitfield Family Medicine'
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
    beds: np.ndarray  # -1 where not applicable or unknown
    ccn_serial: np.ndarray  # CCN / supplier-number serial of synthetic ones (see identifiers.py)
    sites: Sites
    real: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    """Row of reference.hospitals() for a real hospital, -1 for a synthetic facility."""


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
    local: dict[str, Candidates] = field(default_factory=dict)
    """Per-ZIP candidate lists for the ZIPs the cohort lives in: 'pcp_adult' / 'pcp_child'
    (provider rows) and 'hospital' (facility rows), made with the network; and, made on
    first use by lookup.py, the nearest sites of each other kind ('provider:<kind row>', ...)."""
    occupied: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    """ZIP rows the cohort's members live in (local.occupancy)."""


def served_share(table: SupplyTable, i: int, child_share: float) -> float:
    return {"child": child_share, "adult": 1 - child_share}.get(str(table.serves[i]), 1.0)


def _national_share(table: SupplyTable, i: int) -> float:
    return served_share(table, i, local.NATIONAL_CHILD_SHARE)


def build_network(seed: int, occ: Occupancy, child_share: float) -> Network:
    """The whole network for a cohort living in `occ` (see module docstring)."""
    table = supply()
    hp = pick_hospitals(occ, _rng(seed, "hospitals:lists"))
    hospitals = _hospital_facilities(seed, table, hp)
    units = _units(seed, table, occ, child_share)
    facilities = _concat_facilities([hospitals, _area_facilities(seed, table, units)])
    practices, providers, first_provider = _practices_and_providers(seed, table, units, occ, hp, facilities)
    pharmacies = _pharmacies(seed, table, units)
    n_fac, n_pr = len(facilities.kind), len(practices.kind)
    org_npis = make_npis(np.arange(n_fac + n_pr + len(pharmacies.kind)), seed, 2)
    from healthsim.reference.geography import zips

    lists = _pcp_lists(units, occ, first_provider, table, len(zips()))
    return Network(
        seed=seed,
        facilities=_with_npi(facilities, org_npis[:n_fac]),
        practices=_with_npi(practices, org_npis[n_fac:n_fac + n_pr]),
        providers=_with_npi(providers, make_npis(np.arange(len(providers.kind)), seed, 1)),
        pharmacies=_with_npi(pharmacies, org_npis[n_fac + n_pr:]),
        local={**lists, "hospital": hp.candidates},
        occupied=occ.rows,
    )


def _with_npi(pool, npi: np.ndarray):
    return type(pool)(**{**pool.__dict__, "npi": npi})


def _rng(seed: int, kind: str) -> np.random.Generator:
    return block_rng(seed, NETWORK_BLOCK, Stream.NETWORK, zlib.crc32(kind.encode()))


def _sites(rng: np.random.Generator, rows: np.ndarray, jitter: float = 0.01) -> Sites:
    from healthsim.reference.geography import zips
    from healthsim.reference.names import last_names, street_names, street_suffixes

    z, n = zips(), len(rows)
    return Sites(
        zip_row=rows,
        lat=z.lat[rows] + rng.normal(0, jitter, n), lon=z.lon[rows] + rng.normal(0, jitter, n),
        house=np.exp(rng.uniform(np.log(100), np.log(9999), n)).astype(np.int64),
        street=rng.integers(0, min(len(street_names()), 120), n),  # the commoner street names
        suffix=rng.integers(0, len(street_suffixes()), n),
        surname=rng.integers(0, min(len(last_names()), 400), n),
        style=rng.integers(0, 4, n),
    )


# ----------------------------------------------------------------------------------- hospitals

def _hospital_facilities(seed: int, table: SupplyTable, hp: HospitalPick) -> Facilities:
    from healthsim.reference.hospitals import hospitals

    h = hospitals()
    real = hp.real
    rng = _rng(seed, "hospitals:real")
    sites = _sites(rng, hospital_zip_rows(real), jitter=0.0)
    sites = Sites(sites.zip_row, h.lat[real].copy(), h.lon[real].copy(), sites.house, sites.street,
                  sites.suffix, sites.surname, sites.style)
    from healthsim.products.network.acute import KINDS

    kind = np.array([table.index(KINDS[k]) for k in h.kind[real]], np.int32)
    beds = np.where(h.beds[real] > 0, h.beds[real], -1)
    # synthetic stand-ins where no real hospital is within reach
    srng = _rng(seed, "hospitals:synthetic")
    n_syn = len(hp.synthetic_zip)
    s_sites = _sites(srng, hp.synthetic_zip)
    s_kind = np.where(hp.synthetic_cah, table.index("critical_access_hospital"), table.index("hospital"))
    s_beds = np.where(hp.synthetic_cah, srng.integers(10, 26, n_syn),
                      np.clip(srng.lognormal(np.log(150), 0.7, n_syn), 25, 1500)).astype(np.int64)
    s_serial = _free_ccn_serials(table, s_kind.astype(np.int32), s_sites.zip_row)
    return Facilities(kind=np.r_[kind, s_kind].astype(np.int32), npi=np.zeros(0, np.int64),
                      beds=np.r_[beds, s_beds].astype(np.int64),
                      ccn_serial=np.r_[np.zeros(len(real), np.int64), s_serial],
                      sites=Sites.concat([sites, s_sites]),
                      real=np.r_[real, np.full(n_syn, -1)].astype(np.int64))


def _free_ccn_serials(table: SupplyTable, kind: np.ndarray, zip_row: np.ndarray) -> np.ndarray:
    """Serials in each synthetic hospital's CCN range that no real hospital of its state holds."""
    from healthsim.reference.geography import zips
    from healthsim.reference.hospitals import hospitals

    real = hospitals().ccn
    out = np.zeros(len(kind), np.int64)
    ranks = _ranks_within(kind, zip_row)
    codes = state_codes(zips().state[zip_row])
    for i in range(len(kind)):  # a handful (frontier areas only)
        low, high = CCN_RANGES[str(table.kind[kind[i]])]
        mine = real[np.char.startswith(real.astype(str), f"{codes[i]:02d}")]
        taken = {int(c[2:]) for c in mine if c[2:].isdigit()}
        free = [s for s in range(low, high + 1) if s not in taken]
        out[i] = free[int(ranks[i]) % len(free)]
    return out


# ----------------------------------------------------------------------------- draws and units

@dataclass
class Units:
    """Per supply kind, what its gravity draws landed on, deduplicated: the sites (dest ZIP
    rows) of its practices / facilities / pharmacies and, for clinicians, the practice of
    each physician drawn; for primary care also who drew whom."""

    rows: dict[int, np.ndarray] = field(default_factory=dict)       # kind -> site ZIP rows
    physician: dict[int, np.ndarray] = field(default_factory=dict)  # kind -> practice (within kind)
    origin: dict[int, np.ndarray] = field(default_factory=dict)     # NP/PA kind -> origin positions
    pcp_draws: list[tuple[int, np.ndarray, np.ndarray, int]] = field(default_factory=list)
    # (kind, origin positions, physician index within kind, group 0 adult / 1 child)


def _units(seed: int, table: SupplyTable, occ: Occupancy, child_share: float) -> Units:
    """Gravity draws for every office kind, deduplicated into practices and physicians."""
    draws: list[tuple[int, np.ndarray, int]] = []  # (kind, origin positions, group)
    draws += _pcp_draws(seed, table, occ, child_share)
    units = Units()
    for i in range(len(table)):
        role, kind = str(table.role[i]), str(table.kind[i])
        if role.startswith("pcp") or role in ("hospital", "hospital_based"):
            continue
        origins = _area_draws(seed, table, i, occ, child_share)
        if kind in ATTACHED:  # NPs and PAs: drawn per area, then join a host practice near the origin
            units.origin[i] = origins
        elif len(origins):
            draws.append((i, origins, 0))
    by_class: dict[str, list[int]] = {}
    for n, (i, _, _) in enumerate(draws):
        by_class.setdefault(local.kind_class(str(table.kind[i]), str(table.role[i])), []).append(n)
    dest: dict[int, np.ndarray] = {}
    batch = {cls: (np.concatenate([occ.rows[draws[n][1]] for n in members]),
                   np.concatenate([_rng(seed, f"dest:{table.kind[draws[n][0]]}:{draws[n][2]}").random(
                       len(draws[n][1])) for n in members]))
             for cls, members in by_class.items()}
    landed = local.gravity(batch)
    for cls, members in by_class.items():
        at = np.cumsum([0] + [len(draws[n][1]) for n in members])
        for j, n in enumerate(members):
            dest[n] = landed[cls][at[j]:at[j + 1]]
    parts: dict[int, list] = {}
    for n, (i, origins, group) in enumerate(draws):
        kind = str(table.kind[i])
        person = table.entity_type[i] == 1
        tilt = local.CLASSES[local.kind_class(kind, str(table.role[i]))].tilt
        slots = local.virtual_slots(dest[n], float(table.per_100k[i]), _national_share(table, i), tilt,
                                    MEAN_PRACTICE if person else 1.0)
        rng = _rng(seed, f"slot:{kind}:{group}")
        slot = (rng.random(len(origins)) * slots).astype(np.int64)
        site = dest[n] << 20 | slot
        seat = (rng.random(len(origins)) * _practice_size(seed, i, site)).astype(np.int64) if person else \
            np.zeros(len(origins), np.int64)
        parts.setdefault(i, []).append((site, seat, origins, group))
    for i, ps in parts.items():
        site = np.concatenate([p[0] for p in ps])
        seat = np.concatenate([p[1] for p in ps])
        sites, site_of = np.unique(site, return_inverse=True)
        units.rows[i] = sites >> 20
        if table.entity_type[i] != 1:
            continue
        people, person_of = np.unique(site_of.astype(np.int64) << 8 | seat, return_inverse=True)
        units.physician[i] = people >> 8
        if str(table.role[i]).startswith("pcp"):
            at = np.cumsum([0] + [len(p[0]) for p in ps])
            for j, p in enumerate(ps):
                units.pcp_draws.append((i, p[2], person_of[at[j]:at[j + 1]], p[3]))
    return units


def _practice_size(seed: int, i: int, site: np.ndarray) -> np.ndarray:
    """Physicians in a (virtual) practice, 1-8 by PRACTICE_SIZE_P: a fixed function of the
    seed, the kind and the practice, so every draw that lands on it agrees (splitmix64)."""
    with np.errstate(over="ignore"):
        x = site.astype(np.uint64) ^ np.uint64((int(seed) * 0x9E3779B1 + i * 0x85EBCA77) & (2**64 - 1))
        x = (x + np.uint64(0x9E3779B97F4A7C15))
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    u = (x >> np.uint64(11)).astype(np.float64) / float(2**53)
    return np.searchsorted(np.cumsum(PRACTICE_SIZE_P)[:-1], u, side="right") + 1


def _pcp_draws(seed: int, table: SupplyTable, occ: Occupancy, child_share: float) -> list:
    """Primary care draws (one physician each) per occupied ZIP: adults' (family or internal
    medicine) and, when the cohort has children, children's (pediatrics or family medicine)."""
    fam, im, peds = (table.index(k) for k in ("family_medicine", "internal_medicine", "pediatrics"))
    out = []
    for group, share, kinds in ((0, 1 - child_share, (fam, im)), (1, child_share, (peds, fam))):
        m = occ.members * share
        n = np.where(m > 0, np.clip(np.ceil(m / local.PCP_MEMBERS_PER_DRAW), 1, local.PCP_MAX_DRAWS), 0)
        if share <= 0 or n.sum() == 0:
            continue
        origins = np.repeat(np.arange(len(occ.rows)), n.astype(np.int64))
        supply_ = np.array([table.per_100k[k] * _national_share(table, k) for k in kinds])
        first = _rng(seed, f"pcp:{group}").random(len(origins)) < supply_[0] / supply_.sum()
        for k, mask in ((kinds[0], first), (kinds[1], ~first)):
            out.append((k, origins[mask], group))
    return out


def _area_draws(seed: int, table: SupplyTable, i: int, occ: Occupancy, child_share: float) -> np.ndarray:
    """Origin positions (into occ) of a kind's draws (a physician or a site each): per area,
    OVERLAP x the members' share of the kind's supply, at least one; min_count in all."""
    served = occ.members * served_share(table, i, child_share)
    if served.sum() <= 0:
        return np.zeros(0, np.int64)
    key = local.area_keys(occ, served, float(table.zip3_min[i]), float(table.state_min[i]))
    areas, inv = np.unique(key, return_inverse=True)
    m = np.bincount(inv, served, len(areas))
    zip3 = local.zip3_of(occ.rows)
    spread = np.bincount(np.unique(inv.astype(np.int64) * 1000 + zip3) // 1000, minlength=len(areas))
    floor = np.ceil(spread / local.ZIP3_PER_SITE)
    n = np.maximum(floor, np.rint(m * table.per_100k[i] / 1e5 * OVERLAP)).astype(np.int64)
    n[-1] += max(0, int(table.min_count[i]) - int(n.sum()))
    u = _rng(seed, f"origin:{table.kind[i]}").random(int(n.sum()))
    return local.area_origins(key, served, dict(zip(areas.tolist(), n.tolist(), strict=True)), u)


# ------------------------------------------------------------------------- facilities and pharmacies

def _area_facilities(seed: int, table: SupplyTable, units: Units) -> Facilities:
    parts = []
    for i in sorted(units.rows):
        kind = str(table.kind[i])
        if table.entity_type[i] != 2 or table.role[i] in PHARMACY_ROLES:
            continue
        rng = _rng(seed, kind)
        sites = _sites(rng, units.rows[i])
        n = len(sites.zip_row)
        beds = np.clip(rng.lognormal(np.log(100), 0.4, n), 20, 400) if kind == "snf" else np.full(n, -1)
        parts.append((np.full(n, i, np.int32), np.asarray(beds, np.int64), sites, int(rng.integers(0, 10_000))))
    if not parts:
        return _empty_facilities()
    kind = np.concatenate([p[0] for p in parts])
    sites = Sites.concat([p[2] for p in parts])
    serial = _ccn_serials(table, kind, sites.zip_row, np.concatenate([np.full(len(p[0]), p[3]) for p in parts]))
    return Facilities(kind, np.zeros(len(kind), np.int64), np.concatenate([p[1] for p in parts]),
                      serial, sites, np.full(len(kind), -1, np.int64))


def _empty_facilities() -> Facilities:
    e = np.zeros(0, np.int64)
    return Facilities(e.astype(np.int32), e, e, e, Sites(*(e for _ in Sites.__dataclass_fields__)), e)


def _concat_facilities(parts: list[Facilities]) -> Facilities:
    return Facilities(kind=np.concatenate([p.kind for p in parts]).astype(np.int32),
                      npi=np.zeros(0, np.int64), beds=np.concatenate([p.beds for p in parts]),
                      ccn_serial=np.concatenate([p.ccn_serial for p in parts]),
                      sites=Sites.concat([p.sites for p in parts]),
                      real=np.concatenate([p.real for p in parts]))


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


def _pharmacies(seed: int, table: SupplyTable, units: Units) -> Pharmacies:
    from healthsim.products.network.naming import PHARMACY_CHAIN_SHARES

    parts = []
    for i in table.rows(entity_type=2, roles=PHARMACY_ROLES):
        if i not in units.rows:
            continue
        kind = str(table.kind[i])
        rng = _rng(seed, kind)
        sites = _sites(rng, units.rows[i])
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


# ------------------------------------------------------------------------ practices and providers

def _practices_and_providers(seed: int, table: SupplyTable, units: Units, occ: Occupancy, hp: HospitalPick,
                             facilities: Facilities) -> tuple[Practices, Providers, dict[int, int]]:
    """Office practices and their drawn physicians (kind by kind), hospital-based groups,
    then NPs, PAs and CRNAs in host practices; also each office kind's first provider row."""
    hospitals = np.flatnonzero(table.role[facilities.kind] == "hospital")
    groups: list[tuple] = []  # (kind row, physicians per practice, practice sites, hospital)
    people: list[np.ndarray] = []  # practice (within its group) of each provider
    for i in table.rows(entity_type=1):
        kind = str(table.kind[i])
        if kind in ATTACHED:
            continue
        if table.role[i] == "hospital_based":
            i, n, sites, at = _hospital_groups(table, i, occ, hp, facilities, hospitals)
            groups.append((i, sites, at))
            people.append(np.repeat(np.arange(len(n)), n))
        elif i in units.rows:
            groups.append((i, _sites(_rng(seed, kind), units.rows[i]), np.full(len(units.rows[i]), -1)))
            people.append(units.physician[i])
    practices = Practices(
        kind=np.concatenate([np.full(len(g[2]), g[0], np.int32) for g in groups]),
        npi=np.zeros(sum(len(g[2]) for g in groups), np.int64),
        hospital=np.concatenate([g[2] for g in groups]).astype(np.int64),
        sites=Sites.concat([g[1] for g in groups]),
    )
    base = np.cumsum([0] + [len(g[2]) for g in groups])
    first = np.cumsum([0] + [len(p) for p in people])
    first_provider = {int(g[0]): int(first[j]) for j, g in enumerate(groups)}
    practice = [p + base[j] for j, p in enumerate(people)]
    kind = [np.full(len(p), g[0], np.int32) for p, g in zip(people, groups, strict=True)]
    counts = np.bincount(np.concatenate(practice), minlength=len(practices.kind))
    for i in table.rows(entity_type=1):
        if str(table.kind[i]) in ATTACHED:
            joined = _attach(seed, table, i, practices, units, occ, counts)
            practice.append(joined)
            kind.append(np.full(len(joined), i, np.int32))
    practice_all, kind_all = np.concatenate(practice), np.concatenate(kind)
    return practices, _people(seed, table, kind_all, practice_all, practices, facilities, hospitals), first_provider


EVERY_HOSPITAL = ("hospitalist", "emergency_medicine")
"""Hospital-based kinds with a group at every network hospital (an admission's attending and
an ED visit's physician work at that hospital); the others (anesthesiology, radiology,
pathology) only where the members who use the hospital earn one, and at the busiest network
hospital of each state, so every state has them (lookups elsewhere take the nearest)."""


def _hospital_groups(table, i, occ, hp, facilities, hospitals):
    """Groups of a hospital-based kind at network hospitals: OVERLAP x the share of the kind's
    supply for the members who use each one, at most its beds' share (see EVERY_HOSPITAL)."""
    from healthsim.reference.geography import zips

    members = hp.candidates.members_of(len(hospitals), occ.members)
    beds = np.where(facilities.beds[hospitals] > 0, facilities.beds[hospitals], UNKNOWN_BEDS)
    per_bed = table.per_100k[i] / 1e5 * US_POPULATION / US_STAFFED_BEDS
    cap = np.maximum(1, np.rint(beds * per_bed))
    want = members * table.per_100k[i] / 1e5 * OVERLAP
    if str(table.kind[i]) in EVERY_HOSPITAL:
        n = np.clip(np.ceil(want), 1, cap)
    else:
        n = np.minimum(np.rint(want), cap)
        state = zips().state[facilities.sites.zip_row[hospitals]]
        order = np.lexsort((-members, state))
        busiest = order[np.r_[True, state[order][1:] != state[order][:-1]]]
        n[busiest] = np.maximum(n[busiest], 1)
    n = n.astype(np.int64)
    keep = n > 0
    return i, n[keep], facilities.sites.take(hospitals[keep]), hospitals[keep]


def _attach(seed, table, i, practices, units, occ, counts) -> np.ndarray:
    """Practice rows of NPs and PAs (drawn per area like the other kinds, each joining one of
    the 3 host practices nearest its origin) and CRNAs (in the national ratio to
    anesthesiologists, a Poisson number per anesthesiology group)."""
    hosts = ATTACHED[str(table.kind[i])]
    role = table.role[practices.kind].astype(str)
    ok = np.zeros(len(practices.kind), bool)
    for h in hosts:
        ok |= np.char.startswith(role, h) if h in ("pcp", "specialist") else table.kind[practices.kind] == h
    host = np.flatnonzero(ok)
    if len(host) == 0:
        return np.zeros(0, np.int64)
    rng = _rng(seed, str(table.kind[i]))
    origins = units.origin.get(i)
    if origins is not None:
        from healthsim.reference.geography import zips

        z, s = zips(), practices.sites
        if len(origins) == 0:
            return np.zeros(0, np.int64)
        pick, _ = choose_near_zips(occ.rows[origins], z.lat, z.lon, s.lat[host], s.lon[host], rng)
        return host[pick]
    anesth = table.index(hosts[0])
    ratio = table.per_100k[i] / table.per_100k[anesth]
    n = rng.poisson(counts[host] * ratio)
    if n.sum() < table.min_count[i]:
        n[0] += int(table.min_count[i]) - int(n.sum())
    return np.repeat(host, n)


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
    uniq, inv = np.unique(credential.astype(str), return_inverse=True)
    degree = np.array([DEGREES.index(c) for c in uniq], np.int8)[inv]
    degree = np.where((credential == "MD") & (rng.random(n) < DO_SHARE), DEGREES.index("DO"), degree)
    hospital = practices.hospital[practice]
    office = practices.hospital < 0
    if office.any() and len(hospitals):  # the network hospital nearest the practice's ZIP
        from healthsim.reference.geography import zips

        z = zips()
        near_of_practice = np.full(len(practices.kind), -1, np.int64)
        site_zip, which = np.unique(practices.sites.zip_row[office], return_inverse=True)
        near, _ = nearest_k(z.lat[site_zip], z.lon[site_zip],
                            facilities.sites.lat[hospitals], facilities.sites.lon[hospitals], 1)
        near_of_practice[office] = hospitals[near[which, 0]]
        hospital = np.where(hospital < 0, near_of_practice[practice], hospital)
    return Providers(kind=kind.astype(np.int32), npi=np.zeros(n, np.int64), female=female,
                     first=first.astype(np.int32),
                     last=rng.choice(len(last_vocab), n, p=last_p).astype(np.int32),
                     degree=degree.astype(np.int8), practice=practice.astype(np.int32),
                     hospital=hospital.astype(np.int64))


def _pcp_lists(units: Units, occ: Occupancy, first_provider: dict[int, int], table: SupplyTable,
               n_zips: int) -> dict[str, Candidates]:
    """Each occupied ZIP's PCP candidates: the physicians its own draws landed on (adults:
    its adult draws; children: its children's draws and the family physicians among its
    adult draws), equally weighted."""
    fam = table.index("family_medicine")
    pairs: dict[int, list] = {0: [], 1: []}
    for i, origin, person, group in units.pcp_draws:
        pairs[group].append((origin, first_provider[i] + person))
        if i == fam and group == 0:
            pairs[1].append((origin, first_provider[i] + person))
    out = {}
    for group, name in ((0, "pcp_adult"), (1, "pcp_child")):
        if not pairs[group]:
            continue
        key = np.unique(np.concatenate([p[0] for p in pairs[group]]).astype(np.int64) << 32
                        | np.concatenate([p[1] for p in pairs[group]]))
        origin, provider = key >> 32, key & 0xFFFFFFFF
        lens = np.bincount(origin, minlength=len(occ.rows))
        has = lens > 0
        out[name] = Candidates.of(n_zips, occ.rows[has], np.r_[0, np.cumsum(lens[has])], provider,
                                  1.0 / lens[origin])
    return out
