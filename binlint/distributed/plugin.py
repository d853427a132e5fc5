"""The rules of one `binlint check --dask` run, installed on every worker of the cluster.

A Dask worker plugin: the scheduler runs its setup on each worker, and on a worker that
joins later (the nanny restarting a killed one), so a task names the rules instead of
carrying or depending on them. Removed from the cluster when the run ends.
"""
from __future__ import annotations

import gc
import pickle
import uuid

import cloudpickle
from distributed.diagnostics.plugin import WorkerPlugin

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_INSTALLED: dict[str, Any] = {}  # plugin name -> the Evaluation it installed on this worker


class InstallRules(WorkerPlugin):
    def __init__(self, evaluation: Any) -> None:
        self.name = f"binlint-rules-{uuid.uuid4().hex}"  # one per run: runs may share a cluster
        self.blob = cloudpickle.dumps(evaluation)  # compiled conditions are closures

    def setup(self, worker: Any) -> None:
        # What a worker has imported (distributed, its optional packages) lives as long as it
        # does: frozen, the garbage collector stops going through it on every full
        # collection, which made each worker 10% slower than one binlint process.
        import binlint.walk  # noqa: F401  (frozen with the rest)

        gc.freeze()
        _INSTALLED[self.name] = pickle.loads(self.blob)

    def teardown(self, worker: Any) -> None:
        _INSTALLED.pop(self.name, None)


def installed(name: str) -> Any:
    try:
        return _INSTALLED[name]
    except KeyError:
        raise RuntimeError(f"the rules {name} are not installed on this worker") from None
