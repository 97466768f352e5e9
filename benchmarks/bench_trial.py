"""TrialSim benchmark: a protocol's candidates, screening, the trial and its SDTM export.

Usage: .venv/bin/python benchmarks/bench_trial.py [--subjects 10000] [--protocol t2d-phase3] [--workers 2]
Runs in a subprocess so peak RSS is this run's alone. Prints the generation (candidates + trial)
and SDTM export times, subjects/s, SDTM records/s, the conformance result and peak RSS.
Target (issue 12): 10,000 subjects through generation and SDTM export in <= 60 s on 2 cores.
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


def one_run(subjects: int, protocol: str, workers: int | None) -> dict:
    from healthsim import api

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "trial.duckdb"
        t0 = time.perf_counter()
        run = api.generate_trial(api.load_protocol(protocol, subjects=subjects), db, workers=workers)
        t1 = time.perf_counter()
        exported = api.export_cohort(db, "sdtm", Path(tmp) / "sdtm", cohort_id=run.result.cohort_id)
        t2 = time.perf_counter()
        check = api.validate_sdtm(Path(tmp) / "sdtm")
        records = sum(exported.counts.values())
        return {"subjects": run.summary["randomised"], "screened": run.summary["screened"],
                "candidates": run.result.spec.count, "generate_s": round(t1 - t0, 1),
                "export_s": round(t2 - t1, 1), "total_s": round(t2 - t0, 1), "sdtm_records": records,
                "conformance_errors": len(check.errors), "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=10_000)
    parser.add_argument("--protocol", default="t2d-phase3")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(args.subjects, args.protocol, args.workers)))
        return
    argv = ["--subjects", str(args.subjects), "--protocol", args.protocol]
    if args.workers:
        argv += ["--workers", str(args.workers)]
    r = in_child(__file__, argv)
    print(f"{args.protocol}: {r['subjects']:,} subjects ({r['screened']:,} screened of {r['candidates']:,} "
          f"candidates): generate {r['generate_s']} s, SDTM export {r['export_s']} s, total {r['total_s']} s "
          f"({r['subjects'] / r['total_s']:,.0f} subjects/s, {r['sdtm_records'] / max(r['export_s'], 0.01):,.0f} "
          f"SDTM records/s); conformance errors {r['conformance_errors']}; peak RSS {r['peak_rss_mb']:,} MB")


if __name__ == "__main__":
    main()
