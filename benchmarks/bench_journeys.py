"""Journey executor benchmark: medicare-diabetic + diabetic-first-year into a fresh DuckDB file.

Usage: .venv/bin/python benchmarks/bench_journeys.py [--sizes 100000 1000000] [--workers 2]
Each size runs in its own subprocess so peak RSS (ru_maxrss of the run and its worker
children) is that run's alone. Prints members/s, rows/s, peak RSS and rows per table.
Targets (issue 3): 1,000,000 members, all tables into DuckDB in <= 60 s, peak RSS <= 2 GB.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _harness import generate_once, in_child, report


def one_run(count: int, workers: int, template: str, journey: str, claims: bool) -> dict:
    from healthsim import api

    spec = api.load_profile(template, count=count, seed=1, journeys=[journey])
    if not claims:  # issue 3's figure: the clinical tables only
        spec = api.load_profile({**api.spec_document(spec), "claims": {"medical": False, "pharmacy": False}})
    return generate_once(spec, workers)


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
        r = in_child(__file__, ["--sizes", str(n), "--workers", str(args.workers), "--template", args.template,
                                "--journey", args.journey, *(["--no-claims"] if args.no_claims else [])])
        report(f"{args.template} + {args.journey}{' (no claims)' if args.no_claims else ' + claims'}", r)


if __name__ == "__main__":
    main()
