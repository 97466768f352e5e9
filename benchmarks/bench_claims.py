"""Cross-domain benchmark (issue 4): members + journeys + network + claims + pharmacy claims into DuckDB.

Usage: .venv/bin/python benchmarks/bench_claims.py [--sizes 100000 1000000] [--workers 2]
Each size runs in its own subprocess so peak RSS (ru_maxrss of the run and its worker
children) is that run's alone. Also times the claims step alone on one block, so the
claims share of the run can be read off. Target (issue 4): 1,000,000 members of
medicare-diabetic + diabetic-first-year with all claims, pharmacy claims and providers
into DuckDB in <= 120 s on a 2-core machine, peak RSS <= 2 GB.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _harness import generate_once, in_child, report

CLAIM_TABLES = ("providers", "facilities", "pharmacies", "pcp_attributions", "claims", "claim_lines",
                "pharmacy_claims")


def one_run(count: int, workers: int, template: str, journey: str) -> dict:
    from healthsim import api

    r = generate_once(api.load_profile(template, count=count, seed=1, journeys=[journey]), workers)
    r["row_counts"] = {k: v for k, v in r["row_counts"].items() if k in CLAIM_TABLES}
    return r


def claims_step_seconds(template: str, journey: str) -> dict:
    """Seconds per 10,000-member block for each step, on one block in this process."""
    from healthsim import api
    from healthsim.engine.population import generate_block

    run = api.build_run(api.load_profile(template, count=10_000, seed=1, journeys=[journey]))
    started = time.perf_counter()
    made = generate_block(run.population, 0, 0, 10_000)
    out = {"population": time.perf_counter() - started}
    tables = made.tables
    for step in run.steps:
        started = time.perf_counter()
        tables.update(step.run_block(made.members, tables))
        out[type(step).__name__] = time.perf_counter() - started
    return {k: round(v, 3) for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--template", default="medicare-diabetic")
    parser.add_argument("--journey", default="diabetic-first-year")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(args.sizes[0], args.workers, args.template, args.journey)))
        return
    print("seconds per 10,000-member block by step:", claims_step_seconds(args.template, args.journey))
    for n in args.sizes:
        r = in_child(__file__, ["--sizes", str(n), "--workers", str(args.workers), "--template", args.template,
                                "--journey", args.journey])
        report(f"{args.template} + {args.journey}", r)


if __name__ == "__main__":
    main()
