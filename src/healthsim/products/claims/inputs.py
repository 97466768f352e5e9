"""A block's clinical tables as the numpy columns claims generation reads.

The journey tables arrive as Arrow; string columns become integer codes with a
small vocabulary (Arrow's dictionary encoding, in C++), codes that bill become
fee-schedule rows once per distinct code, and timestamps become day numbers.
Everything downstream is integer arithmetic on these columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from healthsim.reference.claims import fee_schedule

PERIODS = ("snf", "home_health", "hospice")
"""Encounters that last days without a discharge date (their end is end_time's day)."""
FACILITY_POS = frozenset({"19", "21", "22", "23", "24", "26", "31", "34", "51", "52", "56", "61"})
"""Places of service where the physician fee schedule pays its facility rate
(hospital outpatient, inpatient, ED, ASC, SNF, inpatient psychiatric, ...;
CMS Medicare Claims Processing Manual ch. 12, section 20.4.2)."""


def plain(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """One contiguous array; dictionary-encoded columns (as the engine makes them) decoded."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return arr.cast(arr.type.value_type) if pa.types.is_dictionary(arr.type) else arr


def encode(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(int64 codes, object vocabulary) of a string column; null becomes ''."""
    arr = plain(column)
    enc = pc.dictionary_encode(pc.fill_null(arr, ""))
    return enc.indices.to_numpy(zero_copy_only=False).astype(np.int64), np.array(
        enc.dictionary.to_pylist(), dtype=object)


def small_codes(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """(int codes, vocabulary) of an object array of strings, via Arrow's C++ encoder."""
    enc = pa.array(values, pa.string()).dictionary_encode()
    return enc.indices.to_numpy(zero_copy_only=False).astype(np.int64), enc.dictionary.to_pylist()


def in_set(values: np.ndarray, wanted: tuple[str, ...] | list[str]) -> np.ndarray:
    """np.isin for object string arrays, done on their small vocabulary."""
    codes, vocab = small_codes(values)
    return np.array([v in wanted for v in vocab] + [False], bool)[codes]


def fee_rows(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Fee schedule row per code (-1 for '' and for codes the schedule does not price)."""
    codes, vocab = encode(column)
    fs = fee_schedule()
    known = {c: i for i, c in enumerate(fs.code.tolist())}
    return np.array([known.get(v, -1) for v in vocab] + [-1], np.int64)[codes]


def day_numbers(column: pa.ChunkedArray) -> np.ndarray:
    """date32 or timestamp column -> int days since 1970-01-01 (nulls -> -1)."""
    arr = plain(column)
    if pa.types.is_timestamp(arr.type):
        arr = pc.cast(arr, pa.date32())
    return pc.fill_null(arr.cast(pa.int32()), -1).to_numpy(zero_copy_only=False).astype(np.int64)


def ints(column: pa.ChunkedArray, fill: int = 0) -> np.ndarray:
    arr = plain(column)
    return pc.fill_null(arr, fill).to_numpy(zero_copy_only=False).astype(np.int64)


@dataclass(frozen=True)
class Encounters:
    id: np.ndarray
    person: np.ndarray
    setting: np.ndarray       # object: encounter type per row (office, emergency, inpatient, ...)
    setting_code: np.ndarray  # int codes of setting into setting_vocab
    setting_vocab: list
    em_row: np.ndarray        # fee row of the E/M code, -1 = none
    em_code: np.ndarray       # int codes into em_vocab
    em_vocab: np.ndarray
    pos: np.ndarray           # object: place of service
    facility_pos: np.ndarray  # bool: the place of service takes the fee schedule's facility rate
    provider: np.ndarray      # provider_id, 0 = none
    facility: np.ndarray      # facility_id, 0 = none
    start_day: np.ndarray
    end_day: np.ndarray       # discharge day for stays, else the start day
    hours: np.ndarray         # length in hours (observation billing)
    id_order: np.ndarray      # argsort of id, for rows_of

    @classmethod
    def from_table(cls, t: pa.Table) -> Encounters:
        setting_code, setting_vocab = encode(t.column("type"))
        pos_code, pos_vocab = encode(t.column("place_of_service"))
        em_code, em_vocab = encode(t.column("em_code"))
        start = day_numbers(t.column("start_time"))
        discharge = day_numbers(t.column("discharge_date"))
        seconds = pc.subtract(t.column("end_time").cast(pa.int64()), t.column("start_time").cast(pa.int64()))
        return cls(
            id=ints(t.column("encounter_id")), person=ints(t.column("person_id")),
            setting=setting_vocab[setting_code], setting_code=setting_code,
            setting_vocab=list(setting_vocab), em_row=fee_rows(t.column("em_code")),
            em_code=em_code, em_vocab=em_vocab, pos=pos_vocab[pos_code],
            facility_pos=np.array([v in FACILITY_POS for v in pos_vocab] + [False], bool)[pos_code],
            provider=ints(t.column("provider_id")), facility=ints(t.column("facility_id")),
            start_day=start, end_day=np.where(discharge >= 0, discharge, np.where(
                np.isin(setting_vocab[setting_code], PERIODS), day_numbers(t.column("end_time")), start)),
            hours=np.maximum(ints(seconds) // 3600, 1),
            id_order=np.argsort(ints(t.column("encounter_id")), kind="stable"),
        )

    def is_setting(self, names: str | tuple[str, ...]) -> np.ndarray:
        """True for encounters of the given type(s), from the integer codes."""
        names = (names,) if isinstance(names, str) else names
        wanted = [i for i, v in enumerate(self.setting_vocab) if v in names]
        return np.isin(self.setting_code, wanted)

    def rows_of(self, encounter_id: np.ndarray) -> np.ndarray:
        """Row of each encounter id."""
        return self.id_order[np.searchsorted(self.id, encounter_id, sorter=self.id_order)]


@dataclass(frozen=True)
class Procedures:
    encounter: np.ndarray
    fee_row: np.ndarray        # -1 for ICD-10-PCS and codes without a fee
    code: np.ndarray           # object
    code_system: np.ndarray    # object
    units: np.ndarray
    modifier: np.ndarray       # object ('' = none)
    day: np.ndarray

    @classmethod
    def from_table(cls, t: pa.Table) -> Procedures:
        code, vocab = encode(t.column("code"))
        system, system_vocab = encode(t.column("code_system"))
        modifier, modifier_vocab = encode(t.column("modifier"))
        return cls(encounter=ints(t.column("encounter_id")), fee_row=fee_rows(t.column("code")),
                   code=vocab[code], code_system=system_vocab[system], units=ints(t.column("units"), 1),
                   modifier=modifier_vocab[modifier], day=day_numbers(t.column("date")))


@dataclass(frozen=True)
class LabTests:
    """One row per CPT code billed for a lab order (lab_orders.cpt_codes split)."""

    encounter: np.ndarray
    fee_row: np.ndarray
    code: np.ndarray
    day: np.ndarray

    @classmethod
    def from_table(cls, t: pa.Table) -> LabTests:
        split = pc.split_pattern(pc.fill_null(plain(t.column("cpt_codes")), ""), " ")
        split = split.combine_chunks() if isinstance(split, pa.ChunkedArray) else split
        counts = pc.list_value_length(split).to_numpy(zero_copy_only=False).astype(np.int64)
        flat = pc.list_flatten(split)
        keep = pc.not_equal(flat, "").to_numpy(zero_copy_only=False)
        encounter = np.repeat(ints(t.column("encounter_id")), counts)[keep]
        day = np.repeat(day_numbers(t.column("collected_time")), counts)[keep]
        code, vocab = encode(flat.filter(pa.array(keep)))
        return cls(encounter=encounter, fee_row=fee_rows(pa.array(vocab[code].astype(str))),
                   code=vocab[code], day=day)


@dataclass(frozen=True)
class Diagnoses:
    encounter: np.ndarray
    code: np.ndarray
    rank: np.ndarray

    @classmethod
    def from_table(cls, t: pa.Table) -> Diagnoses:
        code, vocab = encode(t.column("code"))
        return cls(ints(t.column("encounter_id")), vocab[code], ints(t.column("rank")))
