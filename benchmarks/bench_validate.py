"""Validation and report benchmark: generate a cohort with a year of care, then time `validate` and
`report` on it (the generation itself is timed too, as context).

Usage: .venv/bin/python benchmarks/bench_validate.py [--sizes 20000 100000] [--template medicare-general]
       [--journey annual-care] [--workers 2]
Each size runs in its own subprocess so peak RSS is that run's alone. Final figures need an idle
machine; on the shared 2-core machine they are only indicative.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _harness import in_child, peak_rss_mb


def one_run(count: int, workers: int, template: str, journey: str) -> dict:
    from healthsim import api

    spec = api.load_profile(template, count=count, seed=1, journeys=[journey] if journey else None)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        t0 = time.perf_counter()
        gen = api.generate(spec, db, workers=workers)
        t1 = time.perf_counter()
        result = api.validate(db)
        t2 = time.perf_counter()
        rep = api.report(db, Path(tmp) / "report.html")
        t3 = time.perf_counter()
    counts = result.counts()
    return {"members": count, "workers": workers, "generate_s": round(t1 - t0, 2), "validate_s": round(t2 - t1, 2),
            "report_s": round(t3 - t2, 2), "rows": sum(gen.row_counts.values()), "report_mb": round(rep.bytes / 1e6, 2),
            "pass": counts["pass"], "fail": counts["fail"], "violations": len(result.violations),
            "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--template", default="medicare-general")
    parser.add_argument("--journey", default="annual-care")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(args.sizes[0], args.workers, args.template, args.journey)))
        return
    for n in args.sizes:
        r = in_child(__file__, ["--sizes", str(n), "--workers", str(args.workers), "--template", args.template,
                                "--journey", args.journey])
        print(f"{args.template} + {args.journey} {r['members']:>9,} members: generate {r['generate_s']:7.2f} s, "
              f"validate {r['validate_s']:6.2f} s, report {r['report_s']:6.2f} s ({r['report_mb']} MB), "
              f"{r['rows']:,} rows, benchmarks {r['pass']} pass / {r['fail']} fail, "
              f"{r['violations']} invariants violated, peak RSS {r['peak_rss_mb']:,} MB")


if __name__ == "__main__":
    main()
