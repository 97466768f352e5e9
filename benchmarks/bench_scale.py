"""Scale benchmark (issue 15): DuckDB store vs Parquet lake, worker processes vs Dask.

Usage:
  .venv/bin/python benchmarks/bench_scale.py                       # every case at the issue's sizes
  .venv/bin/python benchmarks/bench_scale.py --cases duckdb lake --members 100000   # quick check
  .venv/bin/python benchmarks/bench_scale.py --cases big --big 10000000

Cases (each in its own child process, so its peak RSS is its own):
  duckdb  --members into a fresh DuckDB store (api.generate, --workers processes)
  lake    --members into a Parquet lake (api.generate_lake, --workers forked processes)
  dask    --dask-members into a lake on a Dask LocalCluster with 1, then 2 workers (speed-up)
  big     --big members into a lake (flat memory, time vs the 1M lake)
CPU is user+system seconds of the run and all its processes; with the time it
gives a floor for an idle 2-core machine (max(main process CPU, all CPU / 2)),
a figure other jobs on a shared machine do not inflate.
Peak RSS is the largest VmHWM of any process in the run (the run itself, its
forked workers, Dask's nanny and worker processes), sampled every 0.2 s.
Targets (issue 15, 2-core machine, idle): 1M duckdb <= 60 s, 1M lake <= 45 s,
each <= 2 GB per process; dask 2 vs 1 workers >= 1.6x on 200k; 10M lake
<= 11x the 1M lake time. The machine's load average is printed with each
figure: on a shared machine the times are upper bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class PeakRSS:
    """Largest peak RSS of any process of this run (sampled), in MB."""

    def __init__(self) -> None:
        self.peak: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in _descendants(os.getpid()):
                self.peak[pid] = max(self.peak.get(pid, 0), _hwm_kb(pid))
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak[os.getpid()] = max(self.peak.get(os.getpid(), 0), _hwm_kb(os.getpid()))

    @property
    def max_mb(self) -> int:
        return round(max(self.peak.values()) / 1024)

    @property
    def total_mb(self) -> int:
        return round(sum(self.peak.values()) / 1024)


def one_case(case: str, members: int, workers: int, template: str, journeys: list[str]) -> dict:
    from healthsim import api

    spec = api.load_profile(template, count=members, seed=1, journeys=journeys)
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-", dir=os.environ.get("BENCH_DIR")))
    load_before = os.getloadavg()[0]
    try:
        with PeakRSS() as rss:
            started = time.perf_counter()
            if case == "duckdb":
                r = api.generate(spec, tmp / "bench.duckdb", workers=workers)
                rows = sum(r.row_counts.values())
                size = (tmp / "bench.duckdb").stat().st_size
            else:
                engine = "dask" if case == "dask" else "local"
                r = api.generate_lake(spec, tmp / "lake", engine=engine, workers=workers)
                rows = sum(r.row_counts.values())
                size = sum(f.stat().st_size for f in (tmp / "lake").rglob("*.parquet"))
            seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_main = me.ru_utime + me.ru_stime
    cpu_all = cpu_main + kids.ru_utime + kids.ru_stime
    return {"case": case, "members": members, "workers": workers, "seconds": round(seconds, 2),
            "cpu_s": round(cpu_all, 1), "cpu_main_s": round(cpu_main, 1),
            # what 2 idle cores would need at best: the busiest process alone, or all CPU over 2 cores
            "idle_2core_floor_s": round(max(cpu_main, cpu_all / 2), 1),
            "members_per_s": round(members / seconds), "rows": rows, "rows_per_s": round(rows / seconds),
            "peak_rss_mb_max_process": rss.max_mb, "peak_rss_mb_all_processes": rss.total_mb,
            "processes": len(rss.peak), "output_mb": round(size / 1e6),
            "load_before": round(load_before, 1), "load_after": round(os.getloadavg()[0], 1)}


def _child(case: str, members: int, workers: int, args) -> dict:
    argv = [sys.executable, __file__, "--child", case, "--members", str(members), "--workers", str(workers),
            "--template", args.template, "--journey", *args.journey]
    out = subprocess.run(argv, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{case} failed:\n{out.stderr[-3000:]}")
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{r['case']:>6} {r['members']:>10,} members, {r['workers']} workers: {r['seconds']:7.2f} s "
          f"{r['members_per_s']:>8,} members/s {r['rows']:>12,} rows {r['rows_per_s']:>10,} rows/s  "
          f"peak RSS {r['peak_rss_mb_max_process']:,} MB/process ({r['processes']} processes, "
          f"{r['peak_rss_mb_all_processes']:,} MB summed)  output {r['output_mb']:,} MB  "
          f"load {r['load_before']}->{r['load_after']}  CPU {r.get('cpu_s')} s (main {r.get('cpu_main_s')} s, "
          f"2-idle-core floor {r.get('idle_2core_floor_s')} s)", flush=True)
    return r


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", nargs="+", default=["duckdb", "lake", "dask", "big"],
                   choices=["duckdb", "lake", "dask", "big"])
    p.add_argument("--members", type=int, default=1_000_000)
    p.add_argument("--dask-members", type=int, default=200_000)
    p.add_argument("--big", type=int, default=10_000_000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--template", default="medicare-diabetic")
    p.add_argument("--journey", nargs="+", default=["diabetic-first-year"])
    p.add_argument("--json", type=Path, help="also write the results here")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(one_case(args.child, args.members, args.workers, args.template, args.journey)))
        return
    print(f"{args.template} + {' + '.join(args.journey)} (claims on); {os.cpu_count()} CPUs")
    results = []
    for case in args.cases:
        if case == "dask":
            one = _child("dask", args.dask_members, 1, args)
            two = _child("dask", args.dask_members, 2, args)
            print(f"  dask speed-up 2 vs 1 workers: {one['seconds'] / two['seconds']:.2f}x (target >= 1.6x)")
            results += [one, two]
        elif case == "big":
            big = _child("lake", args.big, args.workers, args)
            ref = next((r for r in results if r["case"] == "lake" and r["members"] == args.members), None)
            if ref:
                print(f"  {args.big:,} vs {args.members:,} lake time: {big['seconds'] / ref['seconds']:.2f}x "
                      f"(target <= 11x)")
            results.append(big)
        else:
            results.append(_child(case, args.members, args.workers, args))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
