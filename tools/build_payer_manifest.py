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
