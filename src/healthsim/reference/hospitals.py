"""Real Medicare-certified hospitals (CMS Hospital General Information + HIFLD beds/locations).

What NetworkSim places inpatient stays and ED visits at: each row's CCN, name, street
address and ZIP are the hospital's own (public CMS data); see MANIFEST.json for vintages
and how beds and coordinates were matched. Rows are sorted by CCN.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa

from healthsim.reference._files import code_column, frozen, read_table, text_column

KINDS = ("acute", "critical_access", "childrens", "psychiatric", "dod")


@dataclass(frozen=True)
class HospitalTable:
    ccn: np.ndarray          # 'U6'
    name: np.ndarray         # object
    address: np.ndarray      # object
    city: np.ndarray         # object
    state: np.ndarray        # 'U2'
    zip: np.ndarray          # 'U5'
    county_fips: np.ndarray  # 'U5' ('' where unknown)
    kind: np.ndarray         # object: one of KINDS
    emergency: np.ndarray    # bool: offers emergency services
    beds: np.ndarray         # int64, -1 unknown
    lat: np.ndarray
    lon: np.ndarray

    def __len__(self) -> int:
        return len(self.ccn)


@lru_cache(maxsize=1)
def hospitals() -> HospitalTable:
    t = read_table("hospitals.csv.gz", {
        "ccn": pa.string(), "name": pa.string(), "address": pa.string(), "city": pa.string(),
        "state": pa.string(), "zip": pa.string(), "county_fips": pa.string(), "kind": pa.string(),
        "emergency": pa.int8(), "beds": pa.int64(), "lat": pa.float64(), "lon": pa.float64(),
        "location_source": pa.string()})
    return HospitalTable(
        code_column(t, "ccn", 6), text_column(t, "name"), text_column(t, "address"), text_column(t, "city"),
        code_column(t, "state", 2), code_column(t, "zip", 5), code_column(t, "county_fips", 5),
        text_column(t, "kind"), frozen(t.column("emergency").to_numpy().astype(bool)),
        frozen(t.column("beds").to_numpy()), frozen(t.column("lat").to_numpy()),
        frozen(t.column("lon").to_numpy()))
