"""The cohort store: whole cohorts or nothing; cohorts independent of each other."""

from __future__ import annotations

import duckdb
import pytest
from tests.conftest import table_digest

from healthsim import api
from healthsim.canonical import TABLES
from healthsim.engine import run as run_module


def counts(db):
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ["cohorts", *TABLES]}


def test_exception_after_first_table_leaves_no_partial_cohort(tmp_path, monkeypatch):
    db = tmp_path / "s.duckdb"
    first = api.generate(api.load_profile("medicare-diabetic", count=500, seed=1), db)
    before = counts(db)
    real = run_module.run_block
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # the first block's tables are already inserted
            raise RuntimeError("simulated crash mid-write")
        return real(*args, **kwargs)

    monkeypatch.setattr(run_module, "run_block", failing)
    with pytest.raises(RuntimeError):
        api.generate(api.load_profile("medicare-diabetic", count=25_000, seed=2), db)
    assert counts(db) == before
    assert [c["cohort_id"] for c in api.list_cohorts(db)] == [first.cohort_id]


def test_keyboard_interrupt_rolls_back(tmp_path):
    """Ctrl-C mid-run: a store the run created is removed (no empty file to mistake for a
    cohort store); a store that held cohorts keeps them, byte for byte, and gains nothing."""

    def interrupt(done, total):
        raise KeyboardInterrupt

    db = tmp_path / "k.duckdb"
    with pytest.raises(KeyboardInterrupt):
        api.generate(api.load_profile("medicare-diabetic", count=25_000), db, progress=interrupt)
    assert not db.exists() and not db.with_name(db.name + ".wal").exists()

    first = api.generate(api.load_profile("medicare-diabetic", count=300, seed=1), db)
    before = counts(db)
    with pytest.raises(KeyboardInterrupt):
        api.generate(api.load_profile("medicare-diabetic", count=25_000), db, progress=interrupt)
    assert counts(db) == before
    assert [c["cohort_id"] for c in api.list_cohorts(db)] == [first.cohort_id]


def test_new_cohorts_and_deletes_leave_other_cohorts_untouched(tmp_path):
    db = tmp_path / "m.duckdb"
    a = api.generate(api.load_profile("medicare-diabetic", count=300, seed=1), db)
    digest = {t: table_digest(db, a.cohort_id, t) for t in ("persons", "conditions", "enrollments")}
    b = api.generate(api.load_profile("medicare-diabetic", count=900, seed=1), db)
    c = api.generate(api.load_profile("medicare-diabetic", count=300, seed=99), db)
    assert (a.cohort_id, b.cohort_id, c.cohort_id) == (1, 2, 3)
    api.delete_cohort(db, b.cohort_id)
    assert [x["cohort_id"] for x in api.list_cohorts(db)] == [1, 3]
    assert {t: table_digest(db, a.cohort_id, t) for t in digest} == digest
    shown = api.show_cohort(db, a.cohort_id)
    assert shown["row_counts"]["persons"] == 300 and shown["spec"]["seed"] == 1
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM persons WHERE cohort_id = 2").fetchone()[0] == 0


def test_stored_spec_reproduces_the_cohort(tmp_path):
    db = tmp_path / "r.duckdb"
    a = api.generate(api.load_profile("commercial-healthy", count=700, seed=8), db)
    stored = api.show_cohort(db, a.cohort_id)["spec"]
    b = api.generate(api.load_profile(stored), db)
    for t in ("persons", "conditions", "enrollments", "identities"):
        assert table_digest(db, a.cohort_id, t) == table_digest(db, b.cohort_id, t)


def test_process_killed_mid_write_leaves_no_partial_cohort(tmp_path):
    """SIGKILL while blocks are being inserted: on reopen the file holds only earlier cohorts."""
    import os
    import signal
    import subprocess
    import sys
    import time

    db = tmp_path / "kill.duckdb"
    api.generate(api.load_profile("medicare-diabetic", count=200, seed=1), db)
    before = counts(db)
    code = ("import sys; from healthsim import api\n"
            "def slow(done, total):\n"
            "    print('block', flush=True)\n"
            "    import time; time.sleep(0.2)\n"
            f"api.generate(api.load_profile('medicare-diabetic', count=400_000, seed=2), {str(db)!r}, progress=slow)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    for _ in range(3):  # wait until several blocks are inserted
        assert proc.stdout.readline().startswith("block")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    time.sleep(0.1)
    assert counts(db) == before
