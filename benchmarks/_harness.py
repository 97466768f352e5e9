"""What every generation benchmark shares: one run in a fresh DuckDB file, measured.

Each size runs in its own subprocess (`in_child`) so its peak RSS — the larger
of the process's own ru_maxrss and its worker children's — is that run's alone.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def peak_rss_mb() -> int:
    """Peak resident memory of this process or its largest child, in MB."""
    return round(max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                     resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024)


def generate_once(spec, workers: int) -> dict:
    """Generate `spec` into a fresh DuckDB file; seconds, rows, rows/s, RSS, file size."""
    from healthsim import api

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        started = time.perf_counter()
        result = api.generate(spec, db, workers=workers)
        seconds = time.perf_counter() - started
        size_mb = db.stat().st_size / 1e6
    rows = sum(result.row_counts.values())
    return {"members": spec.count, "workers": workers, "seconds": round(seconds, 2),
            "members_per_s": round(spec.count / seconds), "rows": rows,
            "rows_per_s": round(rows / seconds), "peak_rss_mb": peak_rss_mb(),
            "db_mb": round(size_mb, 1), "row_counts": result.row_counts}


def in_child(script: str, argv: list[str]) -> dict:
    """Run `script --child argv...` and return the JSON it prints last."""
    out = subprocess.run([sys.executable, script, "--child", *argv], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(label: str, r: dict) -> None:
    print(f"{label} {r['members']:>9,} members, workers={r['workers']}: {r['seconds']:6.2f} s  "
          f"{r['members_per_s']:>9,} members/s  {r['rows']:>11,} rows  {r['rows_per_s']:>10,} rows/s  "
          f"peak RSS {r['peak_rss_mb']:,} MB  db {r['db_mb']} MB")
    print("   rows:", ", ".join(f"{k}={v:,}" for k, v in r["row_counts"].items()))
