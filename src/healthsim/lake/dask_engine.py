"""Blocks as Dask tasks: `--engine dask` with `--scheduler ADDRESS` or `--workers N`.

The run plan is scattered to the workers once; each task makes one block and
writes its Parquet files to the lake's staging directory, which every worker
must reach (a local disk for a LocalCluster, shared storage on a real
cluster). Only file records and statistics travel back. When a worker dies,
Dask runs its blocks again elsewhere; a block's files are rewritten whole with
identical bytes, so a retry can neither duplicate nor tear rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from healthsim.engine.run import RunPlan
from healthsim.errors import HealthSimError


class DaskError(HealthSimError):
    """Dask is missing, or the scheduler cannot be reached."""


def _task(run: RunPlan, job: tuple, root: str):
    from healthsim.lake.build import write_block

    return write_block(run, job, root)


def run_on_dask(run: RunPlan, jobs: list, root: str, *, scheduler: str | None = None,
                workers: int | None = None, in_flight: int | None = None) -> Iterator:
    """Results of `write_block` for every job, in completion order."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise DaskError("--engine dask needs dask.distributed: pip install 'healthsim[dask]'") from None
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="20s")
        else:
            cluster = LocalCluster(n_workers=workers or 1, threads_per_worker=1, processes=True,
                                   dashboard_address=":0", silence_logs=40)
            client = Client(cluster)
    except (OSError, TimeoutError) as exc:
        raise DaskError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
    try:
        plan = client.scatter(run, broadcast=True)
        token = uuid.uuid4().hex[:12]  # task keys unique per run on a shared scheduler
        # keep a bounded number of tasks queued, so results (and memory) stay flat at any size
        width = in_flight or max(2, 2 * len(client.scheduler_info().get("workers", {})) + 2)
        queue = iter(jobs)
        futures = [client.submit(_task, plan, j, root, key=f"healthsim-{token}-b{j[0]}", retries=2)
                   for _, j in zip(range(width), queue)]
        pending = as_completed(futures)
        for fut in pending:
            yield fut.result()
            fut.release()
            nxt = next(queue, None)
            if nxt is not None:
                pending.add(client.submit(_task, plan, nxt, root, key=f"healthsim-{token}-b{nxt[0]}",
                                          retries=2))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
