"""What a trial reads from the candidate cohort: the member state as the stored tables hold it.

The engine's blocks stream past a tap (api.generate_trial) that keeps only these tables, and of
observations only the LOINC codes screening and baseline use, so memory stays small.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from healthsim.spec.trial import LAB_TESTS

VITALS = {  # LOINC -> CDISC VSTESTCD
    "8480-6": "SYSBP", "8462-4": "DIABP", "8867-4": "PULSE", "29463-7": "WEIGHT", "8302-2": "HEIGHT",
}
LOINCS = sorted({v[0] for v in LAB_TESTS.values()} | set(VITALS) | {"33914-3", "62238-1"})
TAPPED = ("persons", "conditions", "observations", "encounters", "deaths", "identities")


def tap_filter(name: str, table: pa.Table) -> pa.Table | None:
    """The part of a block's table the trial keeps (None: not needed)."""
    if name not in TAPPED:
        return None
    # select the columns kept before filtering rows: filtering a wide table first copies every column
    if name == "observations":
        keep = pc.is_in(table["loinc"], pa.array(LOINCS))
        return table.select(["person_id", "loinc", "value", "time"]).filter(keep)
    if name == "encounters":
        keep = pc.is_in(table["type"], pa.array(["inpatient", "observation"]))
        return table.select(["person_id", "admit_date", "discharge_date"]).filter(keep)
    if name == "conditions":
        return table.select(["person_id", "code", "description", "onset_date", "abatement_date"])
    if name == "identities":
        return table.select(["person_id", "identifier"]).filter(pc.equal(table["product"], "patientsim"))
    if name == "persons":
        return table.select(["person_id", "sex", "birth_date", "race", "ethnicity", "state", "latitude",
                             "longitude"])
    return table


def store_queries(cohort_id: int) -> dict[str, str]:
    """The same inputs read from a committed cohort (SQL with the tap's filters pushed down)."""
    loincs = ", ".join(f"'{x}'" for x in LOINCS)
    c = int(cohort_id)
    return {
        "persons": f"SELECT person_id, sex, birth_date, race, ethnicity, state, latitude, longitude FROM persons "
                   f"WHERE cohort_id = {c} ORDER BY person_id",
        "conditions": f"SELECT person_id, code, description, onset_date, abatement_date FROM conditions "
                      f"WHERE cohort_id = {c} ORDER BY person_id, code",
        "observations": f"SELECT person_id, loinc, value, time FROM observations WHERE cohort_id = {c} "
                        f"AND loinc IN ({loincs}) ORDER BY observation_id",
        "encounters": f"SELECT person_id, admit_date, discharge_date FROM encounters WHERE cohort_id = {c} "
                      f"AND type IN ('inpatient', 'observation') ORDER BY encounter_id",
        "deaths": f"SELECT person_id, death_date, cause_code FROM deaths WHERE cohort_id = {c} ORDER BY person_id",
        "identities": f"SELECT person_id, identifier FROM identities WHERE cohort_id = {c} "
                      f"AND product = 'patientsim' ORDER BY person_id",
    }


@dataclass
class TrialInputs:
    persons: pa.Table
    conditions: pa.Table
    observations: pa.Table
    stays: pa.Table
    deaths: pa.Table
    mrns: pa.Table
    facilities: pa.Table

    @classmethod
    def from_parts(cls, parts: dict[str, list[pa.Table]], facilities: pa.Table) -> TrialInputs:
        def cat(name: str, empty: pa.Schema) -> pa.Table:
            tables = parts.get(name) or []
            return pa.concat_tables(tables) if tables else empty.empty_table()

        obs_schema = pa.schema([("person_id", pa.int64()), ("loinc", pa.string()), ("value", pa.float64()),
                                ("time", pa.timestamp("s"))])
        stay_schema = pa.schema([("person_id", pa.int64()), ("admit_date", pa.date32()),
                                 ("discharge_date", pa.date32())])
        death_schema = pa.schema([("person_id", pa.int64()), ("death_date", pa.date32()),
                                  ("cause_code", pa.string())])
        return cls(
            persons=pa.concat_tables(parts["persons"]),
            conditions=cat("conditions", pa.schema([("person_id", pa.int64()), ("code", pa.string()),
                                                    ("description", pa.string()), ("onset_date", pa.date32()),
                                                    ("abatement_date", pa.date32())])),
            observations=cat("observations", obs_schema),
            stays=cat("encounters", stay_schema),
            deaths=cat("deaths", death_schema).select(["person_id", "death_date", "cause_code"]),
            mrns=cat("identities", pa.schema([("person_id", pa.int64()), ("identifier", pa.string())])),
            facilities=facilities,
        )


def days(col) -> np.ndarray:
    """Dates (Arrow date32 or datetime) as int64 days since 1970 (NaT-free: nulls -> a far-future day)."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if pa.types.is_timestamp(arr.type):
        arr = pc.cast(pc.floor_temporal(arr, unit="day"), pa.timestamp("s")).cast(pa.int64())
        out = arr.to_numpy(zero_copy_only=False).astype("float64") / 86400
        return np.where(np.isnan(out), 10**7, out).astype(np.int64)
    out = pc.fill_null(arr.cast(pa.int32()), 10**7).to_numpy(zero_copy_only=False)
    return out.astype(np.int64)
