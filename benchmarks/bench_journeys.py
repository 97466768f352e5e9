"""Journey executor benchmark: medicare-diabetic + diabetic-first-year into a fresh DuckDB file.

Usage: .venv/bin/python benchmarks/bench_journeys.py [--sizes 100000 1000000] [--workers 2]
Each size runs in its own subprocess so peak RSS (ru_maxrss of the run and its worker
children) is that run's alone. Prints members/s, rows/s, peak RSS and rows per table.
Targets (issue 3): 1,000,000 members, all tables into DuckDB in <= 60 s, peak RSS <= 2 GB.
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


def one_run(count: int, workers: int, template: str, journey: str, claims: bool) -> dict:
    from healthsim import api

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        spec = api.load_profile(template, count=count, seed=1, journeys=[journey])
        if not claims:  # issue 3's figure: the clinical tables only
            spec = api.load_profile({**api.spec_document(spec), "claims": {"medical": False, "pharmacy": False}})
        started = time.perf_counter()
        result = api.generate(spec, db, workers=workers)
        seconds = time.perf_counter() - started
        size_mb = db.stat().st_size / 1e6
    rows = sum(result.row_counts.values())
    rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return {"members": count, "workers": workers, "seconds": round(seconds, 2),
            "members_per_s": round(count / seconds), "rows": rows, "rows_per_s": round(rows / seconds),
            "peak_rss_mb": round(rss), "db_mb": round(size_mb, 1), "row_counts": result.row_counts}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--template", default="medicare-diabetic")
    parser.add_argument("--journey", default="diabetic-first-year")
    parser.add_argument("--no-claims", action="store_true", help="journeys only (no claims steps)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(args.sizes[0], args.workers, args.template, args.journey, not args.no_claims)))
        return
    for n in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--child", "--sizes", str(n), "--workers", str(args.workers),
                              "--template", args.template, "--journey", args.journey,
                              *(["--no-claims"] if args.no_claims else [])],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        label = f"{args.template} + {args.journey}{' (no claims)' if args.no_claims else ' + claims'}"
        print(f"{label} {r['members']:>9,} members, workers={r['workers']}: "
              f"{r['seconds']:6.2f} s  {r['members_per_s']:>8,} members/s  {r['rows']:>11,} rows  "
              f"{r['rows_per_s']:>10,} rows/s  peak RSS {r['peak_rss_mb']:,} MB  db {r['db_mb']} MB")
        print("   rows:", ", ".join(f"{k}={v:,}" for k, v in r["row_counts"].items()))


if __name__ == "__main__":
    main()
