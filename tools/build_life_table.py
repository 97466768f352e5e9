"""Build reference/data/ssa_life_table.csv from the SSA period life tables (run by hand).

Source: /work/shared/data/ssa_period_life_tables_tr2020 (SSA OCACT, 2020 Trustees
Report: historical tables to 2017 and Alternative-2 projections from 2018). We
keep q(x), the probability of dying within a year at exact age x, for single
ages 0-119, both sexes, calendar years 2010-2035: what member-state mortality
needs for windows in that range (a window outside it uses the nearest year).
Then the MANIFEST.json row is refreshed.

    .venv/bin/python tools/build_life_table.py [SHARED_DATA_DIR]
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "healthsim" / "reference" / "data" / "ssa_life_table.csv"
YEARS = range(2010, 2036)


def read(path: Path) -> dict[tuple[int, int], float]:
    with open(path, encoding="utf-8") as f:
        rows = list(csv.reader(f))[4:]
    header = [h.strip() for h in rows[0]]
    iy, ix, iq = header.index("Year"), header.index("x"), header.index("q(x)")
    return {(int(r[iy]), int(r[ix])): float(r[iq]) for r in rows[1:] if r and r[iy].strip()}


def main() -> None:
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data") / "ssa_period_life_tables_tr2020"
    q = {}
    for sex in ("M", "F"):
        table = read(src / f"PerLifeTables_{sex}_Hist_TR2020.csv")
        table.update(read(src / f"PerLifeTables_{sex}_Alt2_TR2020.csv"))
        q[sex] = table
    with open(OUT, "w", encoding="utf-8", newline="") as f:
        f.write("# SSA period life tables, 2020 Trustees Report (OCACT): q(x), probability of death within one year\n")
        f.write("# at exact age x, by sex and calendar year (2010-2017 historical, 2018-2035 Alternative-2 projection).\n")
        f.write("# Built by tools/build_life_table.py from shared/data/ssa_period_life_tables_tr2020. Public domain.\n")
        w = csv.writer(f)
        w.writerow(["year", "age", "q_male", "q_female"])
        for year in YEARS:
            for age in range(120):
                w.writerow([year, age, f"{q['M'][(year, age)]:.6f}", f"{q['F'][(year, age)]:.6f}"])
    manifest_path = OUT.with_name("MANIFEST.json")
    manifest = json.loads(manifest_path.read_text())
    data = OUT.read_bytes()
    manifest["files"][OUT.name] = {
        "description": "probability of death within one year by single age, sex and calendar year (member-state mortality)",
        "source": "SSA Office of the Chief Actuary, period life tables of the 2020 Trustees Report (historical and "
                  "Alternative-2 intermediate projections), via shared/data/ssa_period_life_tables_tr2020",
        "publisher": "U.S. Social Security Administration",
        "licence": "U.S. government work (public domain)",
        "built": dt.date.today().isoformat(),
        "rows": len(YEARS) * 120,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    manifest["files"] = dict(sorted(manifest["files"].items()))
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
