"""Export benchmark: FHIR NDJSON resources/s and X12 837P claims/s, with peak RSS.

Usage: .venv/bin/python benchmarks/bench_export.py [--sizes 10000 40000] [--formats fhir-ndjson x12-837p | all]
       [--profile medicare|medicare-year|commercial] [--db PATH] [--check]
For each size a cohort is generated once (not timed, in a child process): `medicare` is
medicare-diabetic + diabetic-first-year, `medicare-year` adds a year of ordinary
care (annual-care), `commercial` is commercial families with a year of care
(tests/formats/commercial_year.py). Claims come from the
cross-domain executor when the store has them, else from the test fixture
(tests/formats/claims_fixture.py). `--db` keeps the generated store at PATH
(and reuses it when it exists). Each export then runs in its own subprocess,
so peak RSS (VmHWM: ru_maxrss would carry a parent's peak across exec) is the export's alone: flat across sizes means memory
does not grow with the cohort. Prints wall-clock and CPU rates (the machine may
be shared). Targets (issue 13): >= 40,000 FHIR resources/s and >= 20,000 837P
claims/s. `--check` (commercial) also asserts issue 13's "done when" on the
X12 files: corrected and void claims, reversals, dependents, 834 maintenance
beyond 021/024, no ST over 5,000 claims.
Issue 17's bound, peak RSS <= 1 GB for every format at 20,000 members with a year of care:
    .venv/bin/python benchmarks/bench_export.py --sizes 20000 --profile medicare-year --formats all
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
        "x12-837i": "claims", "hl7v2": "messages", "x12-834": "members", "ncpdp": "b1_requests",
        "parquet": "rows", "csv": "rows", "ccda": "documents", "ncpdp-script": "newrx",
        "x12-270-271": "inquiries", "x12-276-277": "inquiries", "x12-278": "requests"}
MEMBER_COUNTS = ("adds", "changes", "terms", "reinstatements", "audits")


def make_cohort(db: Path, count: int, profile: str = "medicare") -> None:
    sys.path.insert(0, str(ROOT))
    import duckdb
    from tests.formats.claims_fixture import add_claims

    from healthsim import api

    if profile == "commercial":
        from tests.formats.commercial_year import commercial_year_profile

        spec = commercial_year_profile(count)
    elif profile == "medicare-year":
        spec = api.load_profile("medicare-diabetic", count=count, seed=3,
                                journeys=["diabetic-first-year", "annual-care"])
    else:
        spec = api.load_profile("medicare-diabetic", count=count, seed=3, journeys=["diabetic-first-year"])
    api.generate(spec, db, workers=2)
    with duckdb.connect(str(db), read_only=True) as con:
        has = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'claims'").fetchall()
        rows = con.execute("SELECT count(*) FROM claims").fetchall()[0][0] if has[0][0] else 0
    if not rows:
        add_claims(db)


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB: VmHWM, the high-water mark of its own address
    space. (Not ru_maxrss: Linux carries it across exec, so an export child of a parent that had
    just generated a cohort reported the parent's peak.)"""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_export(db: str, fmt: str, keep: str = "") -> dict:
    from healthsim import api

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(keep) if keep else Path(tmp) / "out"
        wall, cpu = time.perf_counter(), time.process_time()
        result = api.export_cohort(db, fmt, out)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    unit = UNIT.get(fmt, "items")
    if unit in ("resources", "messages", "rows"):
        n = sum(v for k, v in result.counts.items() if k not in ("files", "bundles"))
    elif unit == "members":
        n = sum(result.counts.get(k, 0) for k in MEMBER_COUNTS)
    else:
        n = result.counts.get(unit, 0) or max((v for k, v in result.counts.items() if k != "files"), default=0)
    rss = peak_rss_mb()
    return {"format": fmt, "unit": unit, "n": n, "wall": round(wall, 2), "cpu": round(cpu, 2),
            "per_s": round(n / wall), "per_cpu_s": round(n / cpu), "peak_rss_mb": round(rss), "mb": round(size / 1e6, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 40_000])
    parser.add_argument("--formats", nargs="+", default=["fhir-ndjson", "x12-837p"],
                        help="formats to time, or 'all' (every member-cohort format)")
    parser.add_argument("--profile", choices=("medicare", "medicare-year", "commercial"), default="medicare")
    parser.add_argument("--db", help="keep the generated store here (reused when it exists; one size only)")
    parser.add_argument("--check", action="store_true",
                        help="commercial: assert issue 13's transaction variety on the X12 exports")
    parser.add_argument("--child", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    parser.add_argument("--make", nargs=3, metavar=("DB", "COUNT", "PROFILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        make_cohort(Path(args.make[0]), int(args.make[1]), args.make[2])
        return
    if args.child:
        print(json.dumps(one_export(*args.child)))
        return
    formats = args.formats
    if formats == ["all"]:
        sys.path.insert(0, str(ROOT))
        from healthsim.formats import EXPORTERS

        formats = [f for f, e in EXPORTERS.items() if getattr(e, "cohort_kind", "members") != "trial"]
    if args.db and len(args.sizes) > 1:
        parser.error("--db takes one --sizes value")
    check = ("x12-834", "x12-837p", "x12-837i", "x12-835") if args.check else ()
    worst = 0.0
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(args.db) if args.db else Path(tmp) / "bench.duckdb"
            if not db.exists():
                started = time.perf_counter()
                subprocess.run([sys.executable, __file__, "--make", str(db), str(n), args.profile], check=True,
                               cwd=ROOT)
                print(f"{args.profile} cohort of {n:,} members made in {time.perf_counter() - started:.1f} s "
                      "(not timed below)")
            kept = {}
            for fmt in list(formats) + [f for f in check if f not in formats]:
                keep = str(Path(tmp) / f"kept-{fmt}") if fmt in check else ""
                out = subprocess.run([sys.executable, __file__, "--child", str(db), fmt, keep], capture_output=True,
                                     text=True, check=False, cwd=ROOT)
                if out.returncode:
                    print(f"  {fmt:<12} {n:>9,} members: FAILED {(out.stderr or out.stdout).strip()[-400:]}")
                    continue
                r = json.loads(out.stdout.strip().splitlines()[-1])
                worst = max(worst, r["peak_rss_mb"])
                kept[fmt] = Path(keep) if keep else None
                print(f"  {fmt:<12} {n:>9,} members: {r['n']:>10,} {r['unit']:<11} {r['wall']:7.2f} s wall "
                      f"({r['per_s']:>7,}/s)  {r['cpu']:7.2f} s CPU ({r['per_cpu_s']:>7,}/s)  "
                      f"peak RSS {r['peak_rss_mb']:,} MB  output {r['mb']} MB", flush=True)
            if check:
                sys.path.insert(0, str(ROOT))
                from tests.formats.commercial_year import check_commercial_year

                found = check_commercial_year({f: kept[f] for f in check}, db)
                print("  issue 13 checks passed:", ", ".join(f"{k}={v:,}" for k, v in sorted(found.items())))
    print(f"largest export peak RSS: {worst:,.0f} MB")


if __name__ == "__main__":
    main()
