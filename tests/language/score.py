"""Score a request table: `python -m tests.language.score heldout.yaml` (or requests.yaml).

Prints the share of rows fully right (every dimension the row states, and in
strict mode the ones it leaves unstated) and each miss with its dimensions.
"""

from __future__ import annotations

import sys

from tests.language.table import DIMENSIONS, check, load_rows, parse_row


def score(name: str, *, strict: bool) -> tuple[float, list[tuple[str, list[tuple[str, str]]]]]:
    from healthsim.errors import HealthSimError

    rows = load_rows(name)
    misses = []
    for row in rows:
        try:
            failures = check(parse_row(row), row, strict=strict)
        except HealthSimError as exc:
            failures = [("error", str(exc).splitlines()[0])]
        if failures:
            misses.append((row["text"], failures))
    return 1 - len(misses) / len(rows), misses


def main(argv: list[str]) -> int:
    name = argv[0] if argv else "heldout.yaml"
    strict = name.startswith("heldout")
    share, misses = score(name, strict=strict)
    total = len(load_rows(name))
    print(f"{name}: {total - len(misses)}/{total} fully right ({share:.1%}){' [strict]' if strict else ''}")
    by_dim = {d: 0 for d in (*DIMENSIONS, "error")}
    for text, failures in misses:
        print(f"  MISS {text!r}")
        for dim, msg in failures:
            print(f"       {dim}: {msg}")
        for dim in {d for d, _ in failures}:
            by_dim[dim] += 1
    print("  misses by dimension: " + ", ".join(f"{d} {n}" for d, n in by_dim.items() if n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
