"""Population executor benchmark: medicare-diabetic into a fresh DuckDB file.

Usage: .venv/bin/python benchmarks/bench_population.py [--sizes 100000 1000000] [--workers 1]
       [--place TX,CA,FL,NY | --place 48201 | --place nation]
Prints members/s, rows/s and peak RSS per size (each in its own subprocess).
Targets (issue 2): 1,000,000 members in <= 20 s, peak RSS <= 1.5 GB.
`--place` (issue 11) moves the template to states (comma-separated codes) or a county (5-digit FIPS)
and drops its race/ethnicity, so demographics come from the place (raked county shares, every
member's SDOH from their county): the place-based path. Run it under `flock /work/.bench.lock`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _harness import generate_once, in_child, report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--template", default="medicare-diabetic")
    parser.add_argument("--place", help="states 'TX,CA', a county FIPS '48201', or 'nation' (place-based)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        from healthsim import api

        spec = api.load_profile(args.template, count=args.sizes[0], seed=1)
        if args.place:
            spec = placed(spec, args.place)
        print(json.dumps(generate_once(spec, args.workers)))
        return
    for n in args.sizes:
        r = in_child(__file__, ["--sizes", str(n), "--workers", str(args.workers), "--template", args.template,
                                *(["--place", args.place] if args.place else [])])
        report(args.template + (f" in {args.place}" if args.place else ""), r)


def placed(spec, place: str):
    """The spec moved to `place`, race and ethnicity left to the place (demographics.source hybrid)."""
    geography = ({} if place == "nation" else {"counties": [place]} if place.isdigit()
                 else {"states": place.split(",")})
    demographics = spec.demographics.model_copy(update={"race": None, "ethnicity": None, "source": "hybrid"})
    return spec.model_copy(update={"geography": spec.geography.model_validate(geography),
                                   "demographics": demographics})


if __name__ == "__main__":
    main()
