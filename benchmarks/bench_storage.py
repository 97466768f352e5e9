"""Storage compatibility benchmark: the same cohort written in DuckDB 1.1's storage
format (what HealthSim writes, so that older DuckDB tools open the file) and in the
library's newest format, alternating, each run in a fresh file and its own process.

Usage: .venv/bin/python benchmarks/bench_storage.py [--size 200000] [--journey diabetic-first-year] [--repeat 3]
Prints seconds, file size and the median of each. Run it on an idle machine: the
difference sought is small, and a busy machine's noise is larger.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _harness import generate_once, in_child


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--journey", action="append", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--kind", choices=["compat", "newest"], default="compat", help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import duckdb

        from healthsim import api
        from healthsim.store import compat

        if args.kind == "newest":  # the library's own default: no compatibility setting
            compat.connect = lambda path, read_only=False, config=None: duckdb.connect(
                str(path), read_only=read_only, config=dict(config or {}))
        spec = api.load_profile("medicare-diabetic", count=args.size, seed=1, journeys=args.journey)
        print(json.dumps(generate_once(spec, workers=1)))
        return
    extra = [a for j in (args.journey or []) for a in ("--journey", j)]
    runs: dict[str, list[dict]] = {"compat": [], "newest": []}
    for i in range(args.repeat):
        for kind in ("compat", "newest") if i % 2 == 0 else ("newest", "compat"):
            r = in_child(__file__, ["--size", str(args.size), *extra, "--kind", kind])
            runs[kind].append(r)
            print(f"{kind:7} {r['members']:>9,} members: {r['seconds']:7.2f} s  db {r['db_mb']:7.1f} MB  "
                  f"{r['rows_per_s']:>10,} rows/s")
    for kind, rs in runs.items():
        print(f"median {kind:7}: {statistics.median(r['seconds'] for r in rs):7.2f} s  "
              f"db {statistics.median(r['db_mb'] for r in rs):7.1f} MB")


if __name__ == "__main__":
    main()
