"""`binlint check --dask` and `--scheduler tcp://HOST:8786`: the check spread over a Dask
cluster (`pip install 'binlint[dask]'`), with the same findings as one process.

The artifacts are cut into batches (walk_file, the unit the walk already splits work by),
balanced by size and submitted largest first with the futures API, then gathered as they
finish (as_completed): the progress line moves with them, and a worker's memory holds one
batch's findings at a time. Measured against a dask.bag of the same batches
(bench/dask_scale.py), futures cost the same per artifact and stream without a graph to
build first.

The rules reach every worker once, through a worker plugin (binlint/distributed/plugin.py)
that the scheduler also gives a worker started later. The tasks then depend on no data, so
the scheduler keeps them queued and hands each to the first idle worker (with the rules as
a task's result, every task waited on the worker holding it, and work stealing evened
them out late). A worker that dies takes no irreplaceable data with it, the
scheduler runs its batches again elsewhere, and each batch is gathered once, so nothing is
lost or reported twice. The findings are sorted as engine.check sorts them.
"""
from __future__ import annotations

import time

from binlint.errors import BinlintError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

    from binlint.report.finding import Finding
    from binlint.walk.discover import Artifact

BATCH_MAX = 32  # artifacts per task at most: a lost worker costs little to redo
BATCHES_PER_WORKER = 8  # enough tasks that the last ones finish together


def batches(artifacts: list[Artifact], workers: int) -> list[list[Artifact]]:
    """The artifacts in about BATCHES_PER_WORKER batches a worker, largest first: each batch
    holds about as many bytes as the others (a file larger than that is a batch of its own),
    so the small batches left at the end keep every worker busy until the last one ends."""
    from binlint.walk.split import artifact_weight

    weights = [artifact_weight(artifact) for artifact in artifacts]
    budget = sum(weights) / (max(workers, 1) * BATCHES_PER_WORKER)
    parts: list[list[Artifact]] = []
    part: list[Artifact] = []
    weight = 0
    for index in sorted(range(len(artifacts)), key=lambda i: -weights[i]):  # stable: ties keep their order
        part.append(artifacts[index])
        weight += weights[index]
        if weight >= budget or len(part) == BATCH_MAX:
            parts.append(part)
            part, weight = [], 0
    return parts + [part] if part else parts


def check_batch(artifacts: list[Artifact], rules: str, limits: Any) -> tuple[list[Finding], tuple]:
    """On a worker: the findings of `artifacts` under the rules the plugin named `rules`
    installed, and what reading remote ones fetched. A large archive is not split between
    processes again inside a worker (member_jobs 1)."""
    from binlint.distributed.plugin import installed
    from binlint.remote.ranged import TRANSFERS
    from binlint.walk import walk_file

    evaluation = installed(rules)
    before = TRANSFERS.snapshot()
    found = [finding for artifact in artifacts for finding in walk_file(artifact, evaluation, limits, 1)]
    return found, TRANSFERS.since(before)


def scan(client: Any, artifacts: list[Artifact], rules: list, options: Any,
         on_batch: Callable[[int, int, float], None] | None = None) -> list[Finding]:
    """engine.check's findings for `artifacts`, computed on `client`'s cluster. `on_batch`
    is told (artifacts done, findings so far, seconds since the start) as batches finish."""
    from dask.distributed import as_completed

    from binlint.distributed.plugin import InstallRules
    from binlint.remote.ranged import TRANSFERS
    from binlint.report.finding import finding_order
    from binlint.rules.evaluate import Evaluation
    from binlint.rules.targets import complete

    start = time.monotonic()
    options = options._replace(targets=tuple(map(complete, options.targets)))
    plugin = InstallRules(Evaluation(rules, options))
    client.register_plugin(plugin)
    parts = batches(artifacts, len(client.scheduler_info().get("workers", {})))
    # Submitted largest first, and run in that order (a higher priority runs earlier).
    futures = {client.submit(check_batch, part, plugin.name, options.limits, pure=False,
                             priority=len(parts) - index): index
               for index, part in enumerate(parts)}
    results: list[list[Finding]] = [[] for _ in parts]
    done = findings = 0
    try:
        for future in as_completed(futures):
            index = futures[future]
            try:
                results[index], transfers = future.result()
            except Exception as err:  # a batch whose workers kept dying (KilledWorker), a lost scheduler
                raise BinlintError(f"the Dask cluster failed to check {parts[index][0].path}: "
                                   f"{type(err).__name__}: {err}") from None
            TRANSFERS.add(transfers)
            future.release()
            done += len(parts[index])
            findings += len(results[index])
            if on_batch is not None:
                on_batch(done, findings, time.monotonic() - start)
    finally:
        try:
            client.unregister_worker_plugin(plugin.name)
        except Exception:  # noqa: BLE001 - a lost cluster: nothing left to clean, and the run's own error says why
            pass
    return sorted((f for found in results for f in found), key=finding_order)


def connect(scheduler: str | None, workers: int | None) -> Any:
    """A client of the cluster at `scheduler`, or of a new local cluster of `workers`
    processes (one thread each: the walk holds the GIL); closing it closes that cluster.

    The local workers are forked from a fork server (a fresh process with distributed
    imported, single-threaded), not from this process: forking this one would start them
    sooner, but it holds threads (the cluster's event loop, fsspec's, a test runner's) whose
    locks a child may inherit held, and a CI run hung there for good. Spawned workers start
    slowest (docs/scale.md)."""
    if scheduler is None:
        _start_fork_server()
    try:
        import logging

        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise BinlintError("--dask and --scheduler need dask.distributed: pip install 'binlint[dask]'") from None
    if scheduler is not None:
        try:
            return Client(scheduler, timeout="5s")
        except (OSError, TimeoutError) as err:
            raise BinlintError(f"cannot reach the Dask scheduler at {scheduler}: {err}") from None
    import multiprocessing
    import os

    import dask

    # The workers' sampling profiler (for the dashboard, which is off) takes the GIL every 10 ms.
    dask.config.set({"distributed.worker.profile.enabled": False})
    # Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536 to hand memory back to the system
    # early; glibc then also stops raising its mmap threshold, so every member inflated gets
    # fresh pages from the kernel: a worker ran 35% slower than one binlint process.
    environ = dask.config.get("distributed.nanny.pre-spawn-environ", {})
    dask.config.set({"distributed.nanny.pre-spawn-environ":
                     {k: v for k, v in environ.items() if k != "MALLOC_TRIM_THRESHOLD_"}})
    if "forkserver" in multiprocessing.get_all_start_methods():
        dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"})

    cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(cluster)
    client.close_cluster = cluster  # type: ignore[attr-defined]
    return client


def _start_fork_server() -> None:
    """Start the fork server the local workers come from before this process imports
    distributed: the two imports (0.4 s each) then overlap."""
    import importlib.util
    import multiprocessing

    if "forkserver" in multiprocessing.get_all_start_methods() and importlib.util.find_spec("distributed"):
        from multiprocessing import forkserver

        multiprocessing.get_context("forkserver").set_forkserver_preload(["distributed"])
        forkserver.ensure_running()


def close(client: Any) -> None:
    cluster = getattr(client, "close_cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def check_on_cluster(artifacts: list[Artifact], rules: list, options: Any, scheduler: str | None,
                     show_progress: bool) -> list[Finding]:
    """`binlint check --dask|--scheduler`: scan() on the cluster asked for (a local one of
    --jobs workers), with a progress line of artifacts done, findings and throughput."""
    line = None
    if show_progress and len(artifacts) > 1:
        from binlint.cli import progress

        if progress.wanted():
            line = progress.Progress(len(artifacts))

    def on_batch(done: int, findings: int, seconds: float) -> None:
        if line is not None:
            line.update(done, f", {findings} finding{'s' if findings != 1 else ''}, "
                              f"{done / max(seconds, 1e-3):.1f} files/s")

    client = connect(scheduler, options.jobs)
    try:
        return scan(client, artifacts, rules, options, on_batch)
    finally:
        if line is not None:
            line.close()
        close(client)
