"""Fictional names for practices, facilities and pharmacies.

Names are built from the site's city or a common surname and a handful of
patterns per kind ('Springfield Regional Medical Center', 'Whitfield Family
Medicine', 'Larkspur Pharmacy #0412'). Chain names are invented for HealthSim
and are not meant to resemble any real chain. The pools are small (a few
thousand rows for a million members), so numpy's string functions are fast
enough here.
"""

from __future__ import annotations

import numpy as np

PRACTICE_LABELS = {
    "family_medicine": "Family Medicine", "internal_medicine": "Internal Medicine",
    "pediatrics": "Pediatrics", "cardiology": "Cardiology", "endocrinology": "Endocrinology",
    "nephrology": "Kidney Care", "pulmonology": "Pulmonary & Sleep Medicine",
    "gastroenterology": "Gastroenterology", "neurology": "Neurology",
    "psychiatry": "Behavioral Health", "orthopaedic_surgery": "Orthopaedics",
    "general_surgery": "General Surgery", "obstetrics_gynecology": "Women's Health",
    "dermatology": "Dermatology", "ophthalmology": "Eye Care", "urology": "Urology",
    "hematology_oncology": "Cancer Care", "emergency_medicine": "Emergency Physicians",
    "hospitalist": "Hospitalist Group", "radiology": "Radiology", "pathology": "Pathology",
    "anesthesiology": "Anesthesia", "physical_therapy": "Physical Therapy",
    "dietitian": "Nutrition Services",
}
PRACTICE_PATTERNS = ("{city} {label}", "{surname} {label}", "{city} {label} Associates",
                     "{surname} {label} Partners")
FACILITY_PATTERNS = {
    "hospital": ("{city} General Hospital", "{surname} Memorial Hospital",
                 "{city} Regional Medical Center", "{city} Community Hospital"),
    "critical_access_hospital": ("{city} Community Hospital", "{surname} Memorial Hospital",
                                 "{city} Area Hospital", "{city} District Hospital"),
    "asc": ("{city} Surgery Center", "{surname} Ambulatory Surgery Center",
            "{city} Outpatient Surgery Center", "{city} Endoscopy Center"),
    "lab": ("Meridian Clinical Laboratories - {city}", "Keystone Diagnostic Lab - {city}",
            "Harborline Lab Services - {city}", "{city} Clinical Laboratory"),
    "snf": ("{surname} Health and Rehabilitation Center", "{city} Skilled Nursing and Rehab",
            "{surname} Gardens Care Center", "{city} Nursing and Rehabilitation"),
    "home_health_agency": ("{city} Home Health", "{surname} Home Care Services", "{city} Visiting Nurses",
                           "{surname} Home Health Agency"),
    "hospice": ("{city} Hospice", "{surname} Hospice and Palliative Care", "{city} Community Hospice",
                "{surname} Comfort Care Hospice"),
    "dme_supplier": ("{city} Medical Supply", "{surname} Home Medical Equipment", "{city} Respiratory and DME",
                     "{surname} Medical Equipment"),
    "imaging": ("{city} Imaging Center", "{surname} Diagnostic Imaging", "{city} Open MRI",
                "{city} Radiology Center"),
    "dialysis": ("{city} Dialysis Center", "{surname} Kidney Center", "{city} Renal Care",
                 "{city} Home and In-Center Dialysis"),
    "urgent_care": ("{city} Urgent Care", "{surname} Walk-In Clinic", "{city} Express Care",
                    "{city} Immediate Care"),
}
PHARMACY_CHAINS = ("Larkspur Pharmacy", "Medwell Drug", "Brightway Pharmacy", "Goldleaf Pharmacy")
PHARMACY_CHAIN_SHARES = (0.28, 0.24, 0.16, 0.12)
"""Chain shares of retail pharmacies; the remaining 20% are independents (NCPA Digest:
roughly one in three community pharmacies is independently owned; rounded down here)."""
INDEPENDENT_PATTERNS = ("{surname} Family Pharmacy", "{city} Apothecary",
                        "{surname} Drug", "{city} Pharmacy")
PHARMACY_PATTERNS = {"mail_pharmacy": "HealthSim Mail Pharmacy",
                     "specialty_pharmacy": "Summit Specialty Pharmacy - {city}"}


def _fill(patterns: np.ndarray, city: np.ndarray, surname: np.ndarray,
          label: np.ndarray | None = None) -> np.ndarray:
    """Substitute {city}, {surname} and {label} in one pattern per row."""
    out = np.asarray(patterns, dtype=object)
    out = np.char.replace(out.astype(str), "{city}", city.astype(str))
    out = np.char.replace(out, "{surname}", surname.astype(str))
    if label is not None:
        out = np.char.replace(out, "{label}", label.astype(str))
    return out.astype(object)


def _city(zip_row: np.ndarray) -> np.ndarray:
    from healthsim.reference.geography import zips

    return np.asarray(zips().city, dtype=object)[zip_row]


def _surname(index: np.ndarray) -> np.ndarray:
    from healthsim.reference.names import last_names

    return np.asarray(last_names()[0], dtype=object)[index]


def practice_names(kinds: np.ndarray, sites) -> np.ndarray:
    """One name per practice; `kinds` are supply kind names."""
    label = np.array([PRACTICE_LABELS.get(k, k.replace("_", " ").title()) for k in kinds], object)
    pattern = np.array(PRACTICE_PATTERNS, object)[sites.style % len(PRACTICE_PATTERNS)]
    return _fill(pattern, _city(sites.zip_row), _surname(sites.surname), label)


def facility_names(kinds: np.ndarray, sites) -> np.ndarray:
    pattern = np.array([FACILITY_PATTERNS[k][s % 4] for k, s in zip(kinds, sites.style, strict=True)],
                       object)
    return _fill(pattern, _city(sites.zip_row), _surname(sites.surname))


def pharmacy_names(kinds: np.ndarray, chain: np.ndarray, store: np.ndarray, sites) -> np.ndarray:
    chains = np.array(PHARMACY_CHAINS, object)
    store_text = np.char.zfill(store.astype(str), 4)
    chain_name = np.char.add(np.char.add(chains[np.maximum(chain, 0)].astype(str), " #"), store_text)
    indep = np.array(INDEPENDENT_PATTERNS, object)[sites.style % len(INDEPENDENT_PATTERNS)]
    other = np.array([PHARMACY_PATTERNS.get(k, "") for k in kinds], object)
    pattern = np.where(kinds == "retail_pharmacy", np.where(chain >= 0, chain_name, indep), other)
    return _fill(pattern, _city(sites.zip_row), _surname(sites.surname))
