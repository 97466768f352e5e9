"""Clinical code sets for journeys: CPT/HCPCS, LOINC, lab panels, RxNorm, ICD-10-PCS, POS, settings.

Small hand-authored subsets (see the header of each file in `data/` and its
MANIFEST row for provenance and licence). They are read once and handed out as
frozen dataclasses keyed by code, because the journey compile step resolves a
spec's codes one by one (a few hundred look-ups per run), while the engine only
ever sees the integer indices the compile step made from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from healthsim.reference._files import read_commented_csv


def _num(text: str) -> float | None:
    return float(text) if text.strip() else None


@dataclass(frozen=True)
class ProcedureCode:
    code: str
    system: str  # 'CPT' or 'HCPCS'
    category: str
    description: str
    sex: str | None
    min_age: int
    max_age: int


@dataclass(frozen=True)
class Observable:
    """One LOINC observation HealthSim can record, with its default value model."""

    key: str
    loinc: str
    display: str
    unit: str
    category: str  # laboratory | vital-signs | survey
    value_type: str  # quantity | text
    ref_low: float | None
    ref_high: float | None
    ref_low_f: float | None
    ref_high_f: float | None
    crit_low: float | None
    crit_high: float | None
    decimals: int
    mean: float | None
    mean_f: float | None
    sd_between: float | None
    sd_within: float | None
    min: float | None
    max: float | None
    shifts: tuple[tuple[str, float], ...]
    derive: str
    text_values: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class LabPanel:
    panel: str
    loinc: str
    display: str
    cpt: tuple[str, ...]
    members: tuple[str, ...]
    turnaround_hours: float


@dataclass(frozen=True)
class Drug:
    rxcui: str
    name: str
    ingredient: str
    drug_class: str
    generic: bool
    route: str
    dose: float
    dose_unit: str
    frequency: str
    units_per_day: float
    unit: str


@dataclass(frozen=True)
class Setting:
    """How an encounter setting (office, emergency, inpatient...) is coded."""

    setting: str
    fhir_class: str
    patient_class: str
    place_of_service: str
    facility_type: str
    default_specialty: str
    em_new: tuple[tuple[str, float], ...]
    em_established: tuple[tuple[str, float], ...]
    duration_min: int
    duration_max: int
    hours: tuple[int, int]


def _pairs(text: str, sep: str = " ", kv: str = ":") -> tuple[tuple[str, float], ...]:
    out = []
    for part in text.split(sep):
        if part.strip():
            key, value = part.rsplit(kv, 1)
            out.append((key.strip(), float(value)))
    return tuple(out)


@lru_cache(maxsize=1)
def procedure_codes() -> dict[str, ProcedureCode]:
    return {r["code"]: ProcedureCode(r["code"], r["system"], r["category"], r["description"], r["sex"] or None,
                                     int(r["min_age"]), int(r["max_age"]))
            for r in read_commented_csv("cpt_hcpcs.csv")}


@lru_cache(maxsize=1)
def pcs_codes() -> dict[str, str]:
    return {r["code"]: r["description"] for r in read_commented_csv("icd10pcs_subset.csv")}


@lru_cache(maxsize=1)
def observables() -> dict[str, Observable]:
    out = {}
    for r in read_commented_csv("loinc_subset.csv"):
        out[r["key"]] = Observable(
            r["key"], r["loinc"], r["display"], r["unit"], r["category"], r["value_type"],
            *(_num(r[k]) for k in ("ref_low", "ref_high", "ref_low_f", "ref_high_f", "crit_low", "crit_high")),
            int(r["decimals"] or 0),
            *(_num(r[k]) for k in ("mean", "mean_f", "sd_between", "sd_within", "min", "max")),
            _pairs(r["shifts"]), r["derive"], _pairs(r["text_values"], sep="|"))
    return out


@lru_cache(maxsize=1)
def lab_panels() -> dict[str, LabPanel]:
    return {r["panel"]: LabPanel(r["panel"], r["loinc"], r["display"], tuple(r["cpt"].split()),
                                 tuple(r["members"].split()), float(r["turnaround_hours"]))
            for r in read_commented_csv("lab_panels.csv")}


@lru_cache(maxsize=1)
def drugs() -> dict[str, Drug]:
    return {r["rxcui"]: Drug(r["rxcui"], r["name"], r["ingredient"], r["drug_class"], r["generic"] == "Y",
                             r["route"], float(r["dose"]), r["dose_unit"], r["frequency"],
                             float(r["units_per_day"]), r["unit"])
            for r in read_commented_csv("rxnorm_subset.csv")}


@lru_cache(maxsize=1)
def places_of_service() -> dict[str, str]:
    return {r["code"]: r["name"] for r in read_commented_csv("place_of_service.csv")}


@lru_cache(maxsize=1)
def settings() -> dict[str, Setting]:
    out = {}
    for r in read_commented_csv("encounter_settings.csv"):
        lo, hi = (int(x) for x in r["hours"].split("-"))
        out[r["setting"]] = Setting(
            r["setting"], r["fhir_class"], r["patient_class"], r["place_of_service"], r["facility_type"],
            r["default_specialty"], _pairs(r["em_new"]), _pairs(r["em_established"]),
            int(r["duration_min"]), int(r["duration_max"]), (lo, hi))
    return out
