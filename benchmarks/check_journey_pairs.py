"""The full grid of tests/state/test_journey_combinations.py, by hand: every shipped journey template
alone and every pair, on every shipped profile (1,000 members each), with the member state's
integrity checks over every row. Prints the number of runs, the time, and any violation.

Usage: .venv/bin/python benchmarks/check_journey_pairs.py [--members 1000]
"""

from __future__ import annotations

import argparse
import sys
import time
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.state import test_journey_combinations as t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1000)
    args = parser.parse_args()
    t.N = args.members
    combos = [(j,) for j in t.JOURNEYS] + list(combinations(t.JOURNEYS, 2))
    start, runs, bad = time.perf_counter(), 0, {}
    for profile in t.PROFILES:
        for combo, run in t._runs(profile, combos):
            runs += 1
            found = t._violations(run)
            if found:
                bad[f"{profile}: {'+'.join(combo)}"] = found
    print(f"{runs} runs ({len(t.PROFILES)} profiles x {len(combos)} combinations, {t.N} members each) "
          f"in {time.perf_counter() - start:.0f} s: {len(bad)} with violations")
    for name, found in bad.items():
        print(" ", name, found)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
