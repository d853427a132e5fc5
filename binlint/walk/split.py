"""The split between processes: artifacts in slices, a large archive's members in groups.

Each slice or group runs in a child forked by binlint.forks; only its results travel back.
"""
from __future__ import annotations

import mmap
import os

from binlint.patterns import Pattern  # compiled on first use: only large archives need it

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
    from binlint import forks  # here: a run that never forks spares importing pickle (2 ms)

    def slice_in_child(index: int) -> Callable[[int, int], None]:
        def serve(_requests: int, answers: int) -> None:
            global _IN_WORKER
            _IN_WORKER = True
            try:
                answer = (True, function(items[index::jobs]))
            except BaseException as err:  # reported to the parent, which fails the run
                answer = (False, f"{type(err).__name__}: {err}")
            forks.send(answers, answer)
        return serve

    children = []
    for index in range(1, jobs):
        pid, requests, answers = forks.fork(slice_in_child(index))
        os.close(requests)  # a slice needs no request: it was inherited
        children.append((pid, answers))
    results = function(items[0::jobs])
    failure = None
    for pid, answers in children:
        try:
            ok, value = forks.receive(answers)
        except Exception:
            ok, value = False, "a worker process died"
        os.close(answers)
        os.waitpid(pid, 0)
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
_NATIVE_NAME = Pattern(r"\.(so(\.[\d.]+)?|dylib|pyd|dll|exe|a|o|whl|zip|egg|jar|tar|gz|tgz|bz2|xz)$|/[^./]+$")


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
