"""Dask engine: a LocalCluster of 2 worker processes writes the same cohort as one process.

20,000 members with a year of care (annual-care) and its claims: the lake made
on Dask and the DuckDB store made in-process have identical table digests; so
does a lake made while one Dask worker is killed mid-block (Dask reruns the
block; its files are rewritten whole with the same bytes).
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from healthsim import api
from healthsim.lake.manifest import read_manifest
from healthsim.store.digest import catalog_digests, store_digests

distributed = pytest.importorskip("distributed")

COUNT = 20_000


@pytest.fixture(scope="module")
def spec():
    return api.load_profile("medicare-diabetic", count=COUNT, seed=15, journeys=["annual-care"])


@pytest.fixture(scope="module")
def in_process(spec, tmp_path_factory):
    result = api.generate(spec, tmp_path_factory.mktemp("dask") / "store.duckdb", workers=1)
    assert result.row_counts["claims"] > 0 and result.row_counts["pharmacy_claims"] > 0
    return store_digests(result.db, result.cohort_id)


def test_dask_local_cluster_lake_equals_in_process_store(spec, in_process, tmp_path):
    result = api.generate_lake(spec, tmp_path / "lake", engine="dask", workers=2)
    assert result.engine == "dask"
    assert catalog_digests(tmp_path / "lake" / "catalog.duckdb") == in_process
    assert read_manifest(tmp_path / "lake")["row_counts"]["claims"] > 0


def test_killing_a_dask_worker_mid_block_changes_nothing(spec, in_process, tmp_path):
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", silence_logs=50) as cluster, \
            distributed.Client(cluster) as client:
        killed: list[int] = []

        def kill_a_busy_worker() -> None:
            """SIGKILL the first worker seen executing a block (while it is mid-block)."""
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not killed:
                busy = [w for w, keys in client.processing().items()
                        if any(str(k).startswith("healthsim-") for k in keys)]
                if busy:
                    time.sleep(0.5)  # let it get well into the block
                    pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                time.sleep(0.05)

        watcher = threading.Thread(target=kill_a_busy_worker, daemon=True)
        watcher.start()
        api.generate_lake(spec, tmp_path / "lake", engine="dask", scheduler=cluster.scheduler_address)
        watcher.join(timeout=5)
        assert killed, "no worker was killed: the test did not exercise a failure"
        assert killed[0] not in client.run(os.getpid).values()  # the nanny started a new one
    assert catalog_digests(tmp_path / "lake" / "catalog.duckdb") == in_process
    assert not list((tmp_path / "lake").rglob("*.tmp-*"))
