"""Export benchmark: rates and peak RSS of every export format.

Usage: .venv/bin/python benchmarks/bench_export.py [--sizes 10000 40000] [--formats fhir-ndjson x12-837p | all]
       [--journeys diabetic-first-year annual-care] [--keep DIR]
For each size a cohort of medicare-diabetic with the journeys (default: the
diabetic-first-year journey and a year of ordinary care, annual-care) is
generated once (not timed); claims come from the cross-domain executor when the
store has them, else from the test fixture (tests/formats/claims_fixture.py).
`--keep DIR` keeps the cohort in DIR/bench-N.duckdb and reuses it on the next run.
Each export then runs in its own subprocess, so peak RSS (ru_maxrss) is the
export's alone: flat across sizes means memory does not grow with the cohort.
Prints wall-clock and CPU rates (the machine may be shared). Targets: issue 5,
>= 20,000 FHIR resources/s and >= 20,000 837P claims/s; issue 17, peak RSS
<= 1 GB for every format at 20,000 members with a year of care:
    .venv/bin/python benchmarks/bench_export.py --sizes 20000 --formats all
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


def make_cohort(db: Path, count: int, journeys: list[str]) -> None:
    sys.path.insert(0, str(ROOT))
    import duckdb
    from tests.formats.claims_fixture import add_claims

    from healthsim import api

    api.generate(api.load_profile("medicare-diabetic", count=count, seed=3, journeys=journeys), db,
                 workers=2)
    with duckdb.connect(str(db), read_only=True) as con:
        has = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'claims'").fetchall()
        rows = con.execute("SELECT count(*) FROM claims").fetchall()[0][0] if has[0][0] else 0
    if not rows:
        add_claims(db)


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB: VmHWM, the high-water mark of its own address
    space. (ru_maxrss is not used: Linux carries it across exec, so a child started by a
    parent that had just generated a cohort reported the parent's peak.)"""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_export(db: str, fmt: str) -> dict:
    from healthsim import api

    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu = time.perf_counter(), time.process_time()
        result = api.export_cohort(db, fmt, Path(tmp) / "out")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        size = sum(p.stat().st_size for p in (Path(tmp) / "out").rglob("*") if p.is_file())
    unit = UNIT.get(fmt, "records")
    n = (sum(result.counts.values()) if unit in ("resources", "messages", "rows", "records")
         else result.counts.get(unit, 0))
    rss = peak_rss_mb()
    return {"format": fmt, "unit": unit, "n": n, "wall": round(wall, 2), "cpu": round(cpu, 2),
            "per_s": round(n / wall), "per_cpu_s": round(n / cpu), "peak_rss_mb": round(rss), "mb": round(size / 1e6, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 40_000])
    parser.add_argument("--formats", nargs="+", default=["fhir-ndjson", "x12-837p"], help="formats, or: all")
    parser.add_argument("--journeys", nargs="*", default=["diabetic-first-year", "annual-care"])
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the cohorts in this directory")
    parser.add_argument("--child", nargs=2, metavar=("DB", "FORMAT"), help=argparse.SUPPRESS)
    parser.add_argument("--make", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        make_cohort(Path(args.make[0]), int(args.make[1]), args.make[2:])
        return
    if args.child:
        print(json.dumps(one_export(*args.child)))
        return
    if args.formats == ["all"]:
        from healthsim import api

        args.formats = list(api.list_formats())
    worst = 0
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = args.keep or Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            db = folder / f"bench-{n}-{'-'.join(args.journeys) or 'none'}.duckdb"
            if not db.exists():
                started = time.perf_counter()  # in a child, so the export children start small
                subprocess.run([sys.executable, __file__, "--make", str(db), str(n), *args.journeys], check=True,
                               cwd=ROOT)
                print(f"cohort of {n:,} members ({', '.join(args.journeys) or 'no journeys'}) made in "
                      f"{time.perf_counter() - started:.1f} s (not timed below)")
            for fmt in args.formats:
                out = subprocess.run([sys.executable, __file__, "--child", str(db), fmt], capture_output=True,
                                     text=True, cwd=ROOT, check=False)
                if out.returncode:
                    print(f"  {fmt:<12} {n:>9,} members: failed: {(out.stderr or out.stdout).strip()[-300:]}")
                    continue
                r = json.loads(out.stdout.strip().splitlines()[-1])
                worst = max(worst, r["peak_rss_mb"])
                print(f"  {fmt:<12} {n:>9,} members: {r['n']:>10,} {r['unit']:<9} {r['wall']:7.2f} s wall "
                      f"({r['per_s']:>7,}/s)  {r['cpu']:7.2f} s CPU ({r['per_cpu_s']:>7,}/s)  "
                      f"peak RSS {r['peak_rss_mb']:,} MB  output {r['mb']} MB", flush=True)
    print(f"largest peak RSS of any export: {worst:,} MB")


if __name__ == "__main__":
    main()
