"""Killing `healthsim generate` (SIGKILL, SIGTERM, SIGINT) at exact points, with 1 and 2 workers.

Whatever the signal and the point, the outcome is all or nothing and is
reported truthfully: exit 128 + signal, "rolled back" when the cohort is not in
the file and "committed" when it is (a signal during COMMIT is held until COMMIT
is done); no worker process outlives the run; no spool directory is left (after
a SIGKILL the next run sweeps it); the cohort committed before is unchanged.
The signal is sent by the process to itself at a named fault point
(healthsim.faults), so each case hits exactly the place it names.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from healthsim import api
from healthsim.store.digest import store_digests

COUNT = 10_001  # two blocks: the worker pool really runs
POINTS = ("run.block", "store.commit", "store.committed")


@pytest.fixture(scope="module")
def base_db(tmp_path_factory):
    """A store holding one committed cohort, copied for each case."""
    db = tmp_path_factory.mktemp("faults") / "base.duckdb"
    api.generate(api.load_profile("commercial-healthy", count=2_000, seed=3), db)
    return db, store_digests(db, 1)


def _session_processes(sid: int) -> list[int]:
    """Processes still alive in the killed command's session (its workers, if orphaned)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # field 6 of stat: session id
            pids.append(int(entry))
    return pids


def _cohort_count(db) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT count(*) FROM cohorts").fetchone()[0]


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("sig", ["SIGKILL", "SIGTERM", "SIGINT"])
@pytest.mark.parametrize("point", POINTS)
def test_signal_at_point_gives_truthful_outcome(tmp_path, monkeypatch, base_db, point, sig, workers):
    base, before = base_db
    db = tmp_path / "run.duckdb"
    shutil.copy(base, db)
    spool = tmp_path / "spool"
    spool.mkdir()
    env = {**os.environ, "HEALTHSIM_FAULT": f"{point}:{sig}", "HEALTHSIM_SPOOL_DIR": str(spool),
           "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from healthsim.cli.main import main; sys.exit(main())",
         "generate", "--template", "commercial-healthy", "--count", str(COUNT), "--seed", "9",
         "--workers", str(workers), "--db", str(db)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    out, err = proc.communicate(timeout=120)
    text = " ".join((out + err).split())

    # the outcome: SIGKILL before COMMIT rolls back; any signal at or after COMMIT's
    # critical section leaves the cohort committed (a held signal waits for COMMIT)
    committed = point != "run.block" and not (sig == "SIGKILL" and point == "store.commit")
    assert _cohort_count(db) == (2 if committed else 1), text
    if sig == "SIGKILL":
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 128 + getattr(signal, sig), text
        assert "Traceback" not in text
        if committed:
            assert "cohort 2" in text and "was committed" in text and "rolled back" not in text, text
        else:
            assert "rolled back" in text and "committed" not in text, text

    # no orphaned workers (they die with their parent, also under SIGKILL)
    deadline = time.monotonic() + 10
    while _session_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _session_processes(proc.pid) == []

    # the cohort committed before is untouched
    assert store_digests(db, 1) == before

    # no spool left: removed on exit, or (SIGKILL) swept by the next run
    if sig == "SIGKILL":
        monkeypatch.setenv("HEALTHSIM_SPOOL_DIR", str(spool))
        api.generate(api.load_profile("commercial-healthy", count=20_001, seed=1), tmp_path / "next.duckdb",
                     workers=2)
    assert list(spool.iterdir()) == []
