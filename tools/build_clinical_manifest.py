"""Write the MANIFEST.json rows of the hand-authored clinical code sets (run by hand).

The clinical subsets (CPT/HCPCS, LOINC, lab panels, RxNorm, ICD-10-PCS, place of
service, encounter settings) are edited by hand; after an edit run
`.venv/bin/python tools/build_clinical_manifest.py` to refresh their rows
(sha256, rows, bytes). Other rows of the manifest are left untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "healthsim" / "reference" / "data"
HEALTHSIM = "Apache-2.0 (HealthSim)"

CLINICAL = {
    "cpt_hcpcs.csv": {
        "description": "CPT and HCPCS Level II codes used by journeys (E/M, preventive, lab, procedure, surgery, "
                       "therapy, maternity, imaging, supplies) with sex/age validity",
        "source": "hand-authored by HealthSim; HCPCS Level II codes and descriptions from the CMS HCPCS quarterly file",
        "publisher": "CPT: American Medical Association (codes used as identifiers with HealthSim's own labels, no AMA "
                     "descriptors); HCPCS Level II: Centers for Medicare & Medicaid Services",
        "licence": "HealthSim labels Apache-2.0; HCPCS Level II is a U.S. government work (public domain); CPT code "
                   "numbers are used as identifiers only",
    },
    "loinc_subset.csv": {
        "description": "LOINC codes and display names of the labs, vital signs and surveys journeys record, with "
                       "UCUM units, reference intervals and HealthSim default value models",
        "source": "LOINC (Regenstrief Institute) codes and long common names; value models hand-authored by HealthSim",
        "publisher": "Regenstrief Institute, Inc. (LOINC)",
        "licence": "LOINC content under the LOINC licence (http://loinc.org/license), notice in the file header; "
                   "HealthSim columns Apache-2.0",
    },
    "lab_panels.csv": {
        "description": "orderable lab panels: ordered LOINC, billed CPT codes, result keys, turnaround",
        "source": "hand-authored by HealthSim from LOINC panel codes and CPT lab code numbers",
        "publisher": "Regenstrief Institute, Inc. (LOINC codes); American Medical Association (CPT numbers as identifiers)",
        "licence": "LOINC content under the LOINC licence (http://loinc.org/license); HealthSim columns Apache-2.0",
    },
    "rxnorm_subset.csv": {
        "description": "RxNorm clinical/branded drug concepts used in medication orders, with HealthSim order defaults",
        "source": "RxNorm (U.S. National Library of Medicine) concept ids and normalised names, as used by the "
                  "Synthea open-source modules (Apache-2.0); order defaults hand-authored by HealthSim",
        "publisher": "U.S. National Library of Medicine",
        "licence": "RxNorm NLM-authored content: no licence restrictions; HealthSim columns Apache-2.0",
    },
    "icd10pcs_subset.csv": {
        "description": "ICD-10-PCS codes used for inpatient procedures in journeys",
        "source": "CMS ICD-10-PCS FY2026 code tables",
        "publisher": "Centers for Medicare & Medicaid Services",
        "licence": "U.S. government work (public domain)",
    },
    "place_of_service.csv": {
        "description": "CMS place of service codes used by encounter settings",
        "source": "CMS Place of Service Code Set",
        "publisher": "Centers for Medicare & Medicaid Services",
        "licence": "U.S. government work (public domain)",
    },
    "encounter_settings.csv": {
        "description": "encounter settings: FHIR class, HL7 patient class, place of service, facility type, "
                       "default specialty, E/M level mix, duration and opening hours",
        "source": "hand-authored by HealthSim; E/M level mixes approximate the CMS Part B National Summary Data File",
        "publisher": "HealthSim",
        "licence": HEALTHSIM,
    },
}


def count_rows(path: Path) -> int:
    with open(path, encoding="utf-8") as f:
        return sum(1 for line in f if line.strip() and not line.startswith("#")) - 1


def main() -> None:
    path = DATA / "MANIFEST.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    today = dt.date.today().isoformat()
    for name, meta in CLINICAL.items():
        f = DATA / name
        old = manifest["files"].get(name, {})
        sha = hashlib.sha256(f.read_bytes()).hexdigest()
        built = old.get("built", today) if old.get("sha256") == sha else today
        manifest["files"][name] = dict(meta, built=built, rows=count_rows(f), bytes=f.stat().st_size, sha256=sha)
    manifest["files"] = dict(sorted(manifest["files"].items()))
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"MANIFEST.json: {len(CLINICAL)} clinical rows refreshed")


if __name__ == "__main__":
    main()
