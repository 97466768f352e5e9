"""Write the MANIFEST.json rows of the hand-authored network and payer tables (run by hand).

NetworkSim's supply table and the claims reference data (fee schedule, MS-DRG
weights, payment multipliers, revenue codes, CARC/RARC codes, NDC products)
are edited by hand; after an edit run `.venv/bin/python tools/build_payer_manifest.py`
to refresh their rows (sha256, rows, bytes). Other rows are left untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "healthsim" / "reference" / "data"
HEALTHSIM = "Apache-2.0 (HealthSim)"

PAYER = {
    "network_supply.csv": {
        "description": "provider, facility and pharmacy kinds of the synthetic network: NUCC taxonomy code, "
                       "role, supply per 100,000 people served, share of women, geographic coverage floors",
        "source": "hand-authored by HealthSim; taxonomy codes from the NUCC Health Care Provider Taxonomy code "
                  "set v25.0; supply ratios approximated from AAMC 2022 Physician Specialty Data Report, AANP, "
                  "NCCPA, BLS OEWS May 2023, AHA Hospital Statistics 2024, MedPAC March 2024 (rounded, "
                  "recalled figures, see the file header)",
        "publisher": "National Uniform Claim Committee (taxonomy codes); supply figures: AAMC, AANP, NCCPA, BLS, "
                     "AHA, MedPAC",
        "licence": "HealthSim table Apache-2.0; NUCC taxonomy codes are free to use (nucc.org)",
    },
    "fee_schedule.csv": {
        "description": "Medicare-like base amounts per CPT/HCPCS code: physician fee schedule non-facility and "
                       "facility rates, OPPS facility rate, benefit service hint, UB-04 revenue code",
        "source": "hand-authored by HealthSim; approximate, rounded CY2025 national amounts recalled from the CMS "
                  "Physician Fee Schedule, Clinical Laboratory Fee Schedule, ASP drug pricing and OPPS Addendum B "
                  "(not copied, not re-verified line by line; see the file header)",
        "publisher": "Centers for Medicare & Medicaid Services (fee schedules); American Medical Association (CPT "
                     "code numbers used as identifiers with HealthSim's own labels)",
        "licence": "HealthSim table Apache-2.0; CMS fee schedules are U.S. government works; CPT numbers are used "
                   "as identifiers only",
    },
    "ms_drg.csv": {
        "description": "MS-DRG subset with relative weight, geometric mean length of stay, MDC and type",
        "source": "hand-authored by HealthSim; approximate FY2025 IPPS final rule Table 5 (MS-DRG v42) values, "
                  "rounded and recalled (see the file header)",
        "publisher": "Centers for Medicare & Medicaid Services",
        "licence": "HealthSim table Apache-2.0; MS-DRG definitions and weights are U.S. government works",
    },
    "payment_parameters.csv": {
        "description": "IPPS base rate, conversion factors, SNF/ESRD rates, chargemaster markup and locality spread",
        "source": "hand-authored by HealthSim from CMS FY/CY2025 payment rules and published charge-to-cost "
                  "studies (approximate; sources per row)",
        "publisher": "Centers for Medicare & Medicaid Services; Bai & Anderson, Health Affairs 2015",
        "licence": HEALTHSIM,
    },
    "payer_multipliers.csv": {
        "description": "allowed amount as a multiple of Medicare by coverage type, professional and institutional",
        "source": "hand-authored by HealthSim from RAND hospital price study round 5 (2024), MedPAC, FAIR Health, "
                  "KFF Medicaid-to-Medicare Fee Index (2019), MACPAC (approximate; see the file header)",
        "publisher": "RAND Corporation; MedPAC; KFF; MACPAC; FAIR Health",
        "licence": HEALTHSIM,
    },
    "revenue_codes.csv": {
        "description": "UB-04 revenue codes used on institutional claims, with inpatient charge shares",
        "source": "hand-authored by HealthSim; revenue code numbers from the NUBC UB-04 code list (HealthSim's own "
                  "labels); charge shares approximate the MedPAR charge mix",
        "publisher": "National Uniform Billing Committee (code numbers)",
        "licence": "HealthSim table Apache-2.0; code numbers used as identifiers with HealthSim labels",
    },
    "carc_rarc.csv": {
        "description": "claim adjustment reason codes and remittance advice remark codes used by adjudication, "
                       "with CAS group, use and denial weights",
        "source": "hand-authored by HealthSim; code values from the X12 CARC and RARC external code lists "
                  "(x12.org/codes, published free of charge), descriptions paraphrased; weights HealthSim "
                  "assumptions",
        "publisher": "X12 (code values)",
        "licence": "HealthSim table Apache-2.0; CARC/RARC code values used as identifiers with paraphrased text",
    },
    "ndc_products.csv": {
        "description": "NDC packages for the drugs journeys order: RxNorm concept, 11-digit NDC, package, units, "
                       "generic/brand, tier, approximate AWP-like and NADAC unit costs",
        "source": "hand-authored by HealthSim. NDCs are FICTIONAL placeholders (made-up labeler codes, valid 5-4-2 "
                  "format only). RxNorm concept ids from rxnorm_subset.csv or as used by the Synthea modules' "
                  "medication cost table (Apache-2.0); rows marked by_ingredient claim no RxNorm id; unit costs "
                  "approximate CMS NADAC survey values and list prices",
        "publisher": "U.S. National Library of Medicine (RxNorm ids); CMS (NADAC survey)",
        "licence": "HealthSim table Apache-2.0; RxNorm NLM-authored content has no licence restrictions",
    },
    "drg_rules.csv": {
        "description": "HealthSim's simplified MS-DRG assignment rules: ICD-10-PCS or principal diagnosis prefix "
                       "-> DRG with MCC / with CC / without",
        "source": "hand-authored by HealthSim from the MS-DRG v42 definitions (FY2025); a simplification, not "
                  "the CMS grouper",
        "publisher": "Centers for Medicare & Medicaid Services (MS-DRG definitions)",
        "licence": "HealthSim table Apache-2.0; MS-DRG definitions are U.S. government works",
    },
    "cc_mcc.csv": {
        "description": "ICD-10-CM prefixes counted as complication/comorbidity (CC) or major CC (MCC)",
        "source": "hand-authored by HealthSim: a small approximate subset of the FY2025 IPPS final rule Tables 6I "
                  "and 6J (CC and MCC lists), without CC exclusions",
        "publisher": "Centers for Medicare & Medicaid Services",
        "licence": "HealthSim table Apache-2.0; CMS tables are U.S. government works",
    },
}


def count_rows(path: Path) -> int:
    with open(path, encoding="utf-8") as f:
        return sum(1 for line in f if line.strip() and not line.startswith("#")) - 1


def main() -> None:
    path = DATA / "MANIFEST.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    today = dt.date.today().isoformat()
    for name, meta in PAYER.items():
        f = DATA / name
        old = manifest["files"].get(name, {})
        sha = hashlib.sha256(f.read_bytes()).hexdigest()
        built = old.get("built", today) if old.get("sha256") == sha else today
        manifest["files"][name] = dict(meta, built=built, rows=count_rows(f), bytes=f.stat().st_size, sha256=sha)
    manifest["files"] = dict(sorted(manifest["files"].items()))
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"MANIFEST.json: {len(PAYER)} network/payer rows refreshed")


if __name__ == "__main__":
    main()
