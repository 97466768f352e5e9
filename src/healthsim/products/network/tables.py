"""The network's numpy pools -> the canonical providers, facilities and pharmacies tables."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from healthsim.engine.columns import digits, join, labels
from healthsim.products.network.identifiers import CCN_RANGES, make_ncpdp_ids, state_codes
from healthsim.products.network.naming import (
    PHARMACY_CHAINS,
    facility_names,
    pharmacy_names,
    practice_names,
)
from healthsim.products.network.pool import DEGREES, Network, Sites
from healthsim.reference.network import supply

NCPDP_STATE_OFFSET = {"VA": 48, "WA": 49, "WV": 50, "WI": 51, "WY": 52}
"""NCPDP/NABP state codes follow the CMS list but have no 48 (VI), so the last five shift down."""


def network_tables(net: Network) -> dict[str, pa.Table]:
    return {"providers": providers_table(net), "facilities": facilities_table(net),
            "pharmacies": pharmacies_table(net)}


def _address_columns(sites: Sites, phone_seed: np.ndarray) -> dict[str, object]:
    from healthsim.reference.geography import zips
    from healthsim.reference.names import street_names, street_suffixes

    z, rows = zips(), sites.zip_row
    street = labels(sites.street, street_names()).cast(pa.string())
    suffix = labels(sites.suffix, street_suffixes()).cast(pa.string())
    area = 201 + (phone_seed * 7919) % 788
    area = np.where(area % 100 == 11, area + 1, area)
    return {
        "address_line": join(pa.array(sites.house).cast(pa.string()), " ", street, " ", suffix),
        "city": z.city[rows], "state": z.state[rows], "zip": z.zip[rows],
        "county_fips": z.county_fips[rows], "latitude": sites.lat, "longitude": sites.lon,
        "phone": join("(", digits(area, 3), ") 555-01", digits(phone_seed % 100, 2)),
    }


def _taxonomy_display(kind: np.ndarray) -> np.ndarray:
    t = supply()
    return np.array([t.display(i) for i in range(len(t))], object)[kind]


def providers_table(net: Network) -> pa.Table:
    from healthsim.reference.names import first_names, last_names

    p, pr, t = net.providers, net.practices, supply()
    first_vocab = np.concatenate([first_names("F")[0], first_names("M")[0]])
    sites = pr.sites.take(p.practice)
    return pa.table({
        "provider_id": np.arange(1, len(p.kind) + 1, dtype=np.int64),
        "npi": digits(p.npi, 10),
        "first_name": labels(p.first, first_vocab),
        "last_name": labels(p.last, last_names()[0]),
        "sex": labels((~p.female).astype(np.int32), ["F", "M"]),
        "credential": labels(p.degree, DEGREES),
        "specialty": labels(p.kind, t.kind),
        "taxonomy_code": labels(p.kind, t.taxonomy_code),
        "taxonomy_display": _taxonomy_display(p.kind),
        "role": t.role[p.kind],
        "practice_npi": digits(pr.npi[p.practice], 10),
        "practice_name": practice_names(t.kind[pr.kind], pr.sites)[p.practice],
        "hospital_id": np.where(p.hospital >= 0, p.hospital + 1, 0),
        **_address_columns(sites, p.practice.astype(np.int64) + net.seed),
    })


def facilities_table(net: Network) -> pa.Table:
    """Synthetic facilities get generated names, addresses and identifiers; real hospitals
    (facilities.real >= 0) carry their own CCN, name, street address, city, state, ZIP,
    county, coordinates and beds from reference.hospitals (the NPI and phone stay generated)."""
    f, t = net.facilities, supply()
    from healthsim.reference.geography import zips
    from healthsim.reference.hospitals import hospitals

    kind = t.kind[f.kind]
    state = digits(state_codes(zips().state[f.sites.zip_row]), 2)
    six = np.isin(kind, list(CCN_RANGES))
    ccn = np.where(six, digits(f.ccn_serial, 4).to_numpy(zero_copy_only=False), None)
    serial7 = digits(f.ccn_serial, 7)
    ccn_col = join(state, pa.array(ccn, pa.string()))
    ccn_col = _where(kind == "asc", join(state, "C", serial7), ccn_col)
    ccn_col = _where(kind == "lab", join(state, "D", serial7), ccn_col)
    address = _address_columns(f.sites, np.arange(len(f.kind), dtype=np.int64) * 31 + net.seed)
    name = facility_names(kind, f.sites)
    real = f.real >= 0
    if real.any():
        h, rows = hospitals(), f.real[real]

        def put(column, values):
            out = np.asarray(pa.array(column).to_pylist() if isinstance(column, pa.Array | pa.ChunkedArray)
                             else column, dtype=object)
            out[real] = values
            return out

        name = put(name, h.name[rows])
        ccn_col = put(ccn_col, h.ccn[rows].astype(object))
        for col, values in (("address_line", h.address[rows]), ("city", h.city[rows]),
                            ("state", h.state[rows].astype(object)), ("zip", h.zip[rows].astype(object)),
                            ("county_fips", np.where(h.county_fips[rows] == "", None,
                                                     h.county_fips[rows].astype(object)))):
            address[col] = put(address[col], values)
    return pa.table({
        "facility_id": np.arange(1, len(f.kind) + 1, dtype=np.int64),
        "npi": digits(f.npi, 10),
        "name": pa.array(name, pa.string()),
        "facility_type": labels(f.kind, t.kind),
        "taxonomy_code": labels(f.kind, t.taxonomy_code),
        "taxonomy_display": _taxonomy_display(f.kind),
        "ccn": pa.array(ccn_col, pa.string()) if not isinstance(ccn_col, pa.Array | pa.ChunkedArray) else ccn_col,
        "beds": pa.array(np.where(f.beds >= 0, f.beds, 0), pa.int32(), mask=f.beds < 0),
        "source": np.where(real, "cms", "synthetic").astype(object),
        **{k: (pa.array(v, pa.string()) if isinstance(v, np.ndarray) and v.dtype == object else v)
           for k, v in address.items()},
    })


def _where(cond: np.ndarray, yes: pa.Array, no: pa.Array) -> pa.Array:
    import pyarrow.compute as pc

    return pc.if_else(pa.array(cond), yes, no)


def ncpdp_ids(net: Network) -> np.ndarray:
    """The pharmacies' 7-digit NCPDP IDs (int) from their state and serial."""
    from healthsim.reference.geography import zips

    st = zips().state[net.pharmacies.sites.zip_row]
    code = state_codes(st)
    for abbr, value in NCPDP_STATE_OFFSET.items():
        code = np.where(st == abbr, value, code)
    return make_ncpdp_ids(code, net.pharmacies.ncpdp_serial)


def pharmacies_table(net: Network) -> pa.Table:
    ph, t = net.pharmacies, supply()
    kind = t.kind[ph.kind]
    kinds = {"retail_pharmacy": "retail", "mail_pharmacy": "mail", "specialty_pharmacy": "specialty"}
    chain = np.array(PHARMACY_CHAINS, object)[np.maximum(ph.chain, 0)]
    return pa.table({
        "pharmacy_id": np.arange(1, len(ph.kind) + 1, dtype=np.int64),
        "npi": digits(ph.npi, 10),
        "ncpdp_id": digits(ncpdp_ids(net), 7),
        "name": pharmacy_names(kind, ph.chain, ph.ncpdp_serial, ph.sites),
        "pharmacy_type": np.array([kinds[k] for k in kind], object),
        "chain": pa.array(chain, pa.string(), mask=ph.chain < 0),
        "taxonomy_code": labels(ph.kind, t.taxonomy_code),
        **_address_columns(ph.sites, np.arange(len(ph.kind), dtype=np.int64) * 17 + net.seed),
    })
