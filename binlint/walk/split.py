"""The split between processes: artifacts in slices, a large archive's members in groups.

Plain fork and pipes rather than multiprocessing: importing multiprocessing alone costs
20 ms, a tenth of a whole-tree scan. Children inherit everything loaded (rules hold
compiled conditions that do not pickle); only results travel back, pickled.
"""
from __future__ import annotations

import mmap
import os
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

    from binlint.facts.view import FileView
    from binlint.formats.members import Member


_IN_WORKER = False  # set in forked children: they never fork again


def can_fork() -> bool:
    return hasattr(os, "fork")


def in_worker() -> bool:
    return _IN_WORKER


def map_slices(function: Callable[[list[Any]], list[Any]], items: list[Any], jobs: int) -> list[Any]:
    """function(items[i::jobs]) for every i, concatenated; slice 0 runs in this process."""
    import pickle  # here: a run that does not fork spares its 2 ms of imports

    children = []
    for index in range(1, jobs):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: compute, send, and leave without running the parent's exit code
            global _IN_WORKER
            _IN_WORKER = True
            os.close(read_end)
            status = 0
            try:
                payload = pickle.dumps((True, function(items[index::jobs])))
            except BaseException as err:  # report any failure to the parent
                payload, status = pickle.dumps((False, f"{type(err).__name__}: {err}")), 1
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
            os._exit(status)
        os.close(write_end)
        children.append((pid, read_end))
    results = function(items[0::jobs])
    failure = None
    for pid, read_end in children:
        with os.fdopen(read_end, "rb") as source:
            data = source.read()
        os.waitpid(pid, 0)
        try:
            ok, value = pickle.loads(data)
        except Exception:
            ok, value = False, "a worker process died"
        if ok:
            results += value
        else:
            failure = failure or value
    if failure:
        raise RuntimeError(f"parallel check failed: {failure}")
    return results


# -- a large archive's members -------------------------------------------------------------

PARALLEL_MEMBER_BYTES = 16 << 20  # below this much work (in bytes inflated), forking costs more than it saves
# Costs in bytes inflated (about 0.6 GB/s a core), measured on numpy's wheel: a member's own
# (opening it, its first bytes, its rules: 30 us), and a native member's facts and rules (1 ms).
PEEK_COST, NATIVE_COST = 16 << 10, 512 << 10
# The cost model guesses from names which members are compiled code or archives (read whole,
# then parsed): their kinds are known only once they are read, which is the work being split.
_NATIVE_NAME = re.compile(r"\.(so(\.[\d.]+)?|dylib|pyd|dll|exe|a|o|whl|zip|egg|jar|tar|gz|tgz|bz2|xz)$|/[^./]+$")


def member_groups(view: FileView, members: list[Member], jobs: int | None = None) -> list[list[Member]]:
    """The members of an archive or bundle on disk split into one group per process (`jobs`,
    default one per CPU up to 8), balanced by their cost: every member's own, plus the bytes
    inflated for names that look like compiled code or archives (the rest cost a peek at their
    first bytes); a single group when a split would not pay, or when the members' declared
    sizes alone may spend the file's budget (then where it ends depends on the order of
    reading, which only one process keeps)."""
    jobs = jobs or min(os.cpu_count() or 1, 8)
    # Only members read from a map of the file: a streamed tar shares its file offset with
    # forked children.
    if not isinstance(view.data, mmap.mmap) or jobs < 2 or in_worker() or not can_fork():
        return [members]
    declared = sum(min(m.size, view.limits.member_bytes) for m in members if m.open is not None)
    if declared >= view.budget.left or len(members) > view.budget.members_left:
        return [members]
    weights = [(PEEK_COST + (NATIVE_COST + m.size if _NATIVE_NAME.search(m.name) else 0), index)
               for index, m in enumerate(members)]
    if sum(w for w, _ in weights) < PARALLEL_MEMBER_BYTES:
        return [members]
    loads, groups = [0] * jobs, [[] for _ in range(jobs)]  # type: list[int], list[list[int]]
    for weight, index in sorted(weights, reverse=True):  # largest first, each to the lightest group
        lightest = loads.index(min(loads))
        loads[lightest] += weight
        groups[lightest].append(index)
    return [[members[i] for i in sorted(group)] for group in groups if group]
