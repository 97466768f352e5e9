"""Where one block's time goes: each executor step of one block, in process, timed.

Usage: .venv/bin/python benchmarks/profile_block.py [--template medicare-diabetic]
           [--journey annual-care] [--n 10000] [--block 0] [--prof claims] [--top 40]
Prints seconds per step (population, member state, patient journey, network, claims,
conform) and rows per table; `--prof STEP` adds a cProfile of the steps whose label
contains STEP. One block, one process: run it on an idle machine or note `uptime`.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time


def main() -> None:
    from healthsim import api
    from healthsim.canonical import TABLES
    from healthsim.engine.population import generate_block
    from healthsim.engine.run import static_tables, step_label

    p = argparse.ArgumentParser()
    p.add_argument("--template", default="medicare-diabetic")
    p.add_argument("--journey", default="annual-care")
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--block", type=int, default=0)
    p.add_argument("--prof", default="")
    p.add_argument("--top", type=int, default=40)
    a = p.parse_args()
    spec = api.load_profile(a.template, count=a.n * (a.block + 1), seed=1,
                            journeys=[a.journey] if a.journey else [])
    prof = cProfile.Profile()

    def timed(label: str, fn):
        t0 = time.perf_counter()
        if a.prof and a.prof in label:
            prof.enable()
            out = fn()
            prof.disable()
        else:
            out = fn()
        print(f"{label:30s} {time.perf_counter() - t0:7.2f} s")
        return out

    run = timed("plan", lambda: api.build_run(spec))
    timed("static tables", lambda: static_tables(run))
    made = timed("population", lambda: generate_block(run.population, a.block, a.block * run.block_size, a.n))
    tables = made.tables
    for s in run.steps:
        tables.update(timed(step_label(s), lambda s=s: s.run_block(made.members, tables)))
    out = timed("conform", lambda: {k: TABLES[k].conform(t) for k, t in tables.items()})
    print(f"rows {sum(t.num_rows for t in out.values()):,}:",
          ", ".join(f"{k}={t.num_rows:,}" for k, t in out.items()))
    if a.prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(a.top)
        pstats.Stats(prof).sort_stats("tottime").print_stats(a.top)


if __name__ == "__main__":
    main()
