"""Export benchmark: FHIR NDJSON resources/s and X12 837P claims/s, with peak RSS.

Usage: .venv/bin/python benchmarks/bench_export.py [--sizes 10000 40000] [--formats fhir-ndjson x12-837p]
For each size a cohort of medicare-diabetic + diabetic-first-year is generated
once (not timed); claims come from the cross-domain executor when the store
has them, else from the test fixture (tests/formats/claims_fixture.py). Each
export then runs in its own subprocess, so peak RSS (ru_maxrss) is the
export's alone: flat across sizes means memory does not grow with the cohort.
Prints wall-clock and CPU rates (the machine may be shared). Targets (issue 5):
>= 20,000 FHIR resources/s and >= 20,000 837P claims/s.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNIT = {"fhir-ndjson": "resources", "fhir-bundles": "resources", "x12-837p": "claims", "x12-835": "claims",
        "hl7v2": "messages", "x12-834": "adds", "ncpdp": "b1_requests", "parquet": "rows", "csv": "rows"}


def make_cohort(db: Path, count: int) -> None:
    sys.path.insert(0, str(ROOT))
    import duckdb
    from tests.formats.claims_fixture import add_claims

    from healthsim import api

    api.generate(api.load_profile("medicare-diabetic", count=count, seed=3, journeys=["diabetic-first-year"]), db,
                 workers=2)
    with duckdb.connect(str(db), read_only=True) as con:
        has = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'claims'").fetchall()
        rows = con.execute("SELECT count(*) FROM claims").fetchall()[0][0] if has[0][0] else 0
    if not rows:
        add_claims(db)


def one_export(db: str, fmt: str) -> dict:
    from healthsim import api

    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu = time.perf_counter(), time.process_time()
        result = api.export_cohort(db, fmt, Path(tmp) / "out")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        size = sum(p.stat().st_size for p in (Path(tmp) / "out").rglob("*") if p.is_file())
    unit = UNIT.get(fmt, "items")
    n = sum(result.counts.values()) if unit in ("resources", "messages", "rows") else result.counts.get(unit, 0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"format": fmt, "unit": unit, "n": n, "wall": round(wall, 2), "cpu": round(cpu, 2),
            "per_s": round(n / wall), "per_cpu_s": round(n / cpu), "peak_rss_mb": round(rss), "mb": round(size / 1e6, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 40_000])
    parser.add_argument("--formats", nargs="+", default=["fhir-ndjson", "x12-837p"])
    parser.add_argument("--child", nargs=2, metavar=("DB", "FORMAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_export(*args.child)))
        return
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bench.duckdb"
            started = time.perf_counter()
            make_cohort(db, n)
            print(f"cohort of {n:,} members made in {time.perf_counter() - started:.1f} s (not timed below)")
            for fmt in args.formats:
                out = subprocess.run([sys.executable, __file__, "--child", str(db), fmt], capture_output=True,
                                     text=True, check=True, cwd=ROOT)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                print(f"  {fmt:<12} {n:>9,} members: {r['n']:>10,} {r['unit']:<9} {r['wall']:7.2f} s wall "
                      f"({r['per_s']:>7,}/s)  {r['cpu']:7.2f} s CPU ({r['per_cpu_s']:>7,}/s)  "
                      f"peak RSS {r['peak_rss_mb']:,} MB  output {r['mb']} MB")


if __name__ == "__main__":
    main()
