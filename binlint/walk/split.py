"""The split between processes: a scan's artifacts, or a large archive's members, in batches
that the processes take as they become free (map_queue).

Each process but this one is a child forked by binlint.forks; only its results travel back.
"""
from __future__ import annotations

import mmap
import os
import struct

from binlint.patterns import Pattern  # compiled on first use: only large archives need it
from binlint.remote import is_url

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

    from binlint.facts.view import FileView
    from binlint.formats.members import Member
    from binlint.walk.discover import Artifact


_IN_WORKER = False  # set in forked children: they never fork again


def can_fork() -> bool:
    return hasattr(os, "fork")


def in_worker() -> bool:
    return _IN_WORKER


def map_groups(function: Callable[[list[Any]], list[Any]], groups: list[list[Any]]) -> list[Any]:
    """function(group) for every group, concatenated; the first group runs in this process,
    each other in a forked child."""
    from binlint import forks  # here: a run that never forks spares importing pickle (2 ms)

    def group_in_child(index: int) -> Callable[[int, int], None]:
        def serve(_requests: int, answers: int) -> None:
            global _IN_WORKER
            _IN_WORKER = True
            try:
                answer = (True, function(groups[index]))
            except BaseException as err:  # reported to the parent, which fails the run
                answer = (False, f"{type(err).__name__}: {err}")
            forks.send(answers, answer)
        return serve

    children = []
    for index in range(1, len(groups)):
        pid, requests, answers = forks.fork(group_in_child(index))
        os.close(requests)  # a group needs no request: it was inherited
        children.append((pid, answers))
    try:
        results = function(groups[0])
    except BaseException:  # this process's group failed (or ^C): the children's work is moot
        import signal  # here: importing it costs a run 0.4 ms

        for pid, answers in children:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(answers)
        raise
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


# -- a scan's artifacts ------------------------------------------------------------------------

PARALLEL_MIN = 512  # this many artifacts are split between processes, in runs: alike enough
# Fewer are split when they hold this many bytes beside the largest, the largest taken first:
# then each process walks whole archives. Splitting each large archive's members instead cost a
# fork (and a LIEF helper, for Mach-O members) per archive and gained nothing: the 76 wheels
# of the real-world catalogue took 6.2 s that way, 5.7 s in one process, 3.4 s split so.
PARALLEL_BYTES = 16 << 20
ARTIFACT_COST = 64 << 10  # an artifact's own cost, in bytes of file: opening it, its first bytes


def split_pays(artifacts: list[Artifact]) -> bool:
    """Whether splitting `artifacts` between processes pays for the forks."""
    if len(artifacts) >= PARALLEL_MIN:
        return True
    if len(artifacts) < 2 or not can_fork():
        return False
    sizes = [file_size(artifact) for artifact in artifacts]  # a remote object's is not known: no split
    return sum(sizes) - max(sizes) >= PARALLEL_BYTES


def artifact_batches(artifacts: list[Artifact], jobs: int) -> list[list[Artifact]]:
    """The artifacts in batches the processes take as they become free (map_queue): a large
    scan's in runs of its listing, about BATCHES_PER_JOB a process; fewer one by one, the
    largest first."""
    if len(artifacts) >= PARALLEL_MIN:
        run = -(-len(artifacts) // (jobs * BATCHES_PER_JOB))
        return [artifacts[start:start + run] for start in range(0, len(artifacts), run)]
    return [[artifact] for artifact in sorted(artifacts, key=artifact_weight, reverse=True)]


def artifact_weight(artifact: Artifact) -> int:
    """What an artifact costs to check, in bytes: its file's size and its own cost."""
    return file_size(artifact) + ARTIFACT_COST


def file_size(artifact: Artifact) -> int:
    """The size of the artifact's file; 0 for a remote object (not known before it is read)
    or a file that cannot be read (the walk reports it)."""
    try:
        return 0 if is_url(artifact.fs_path) else os.stat(artifact.fs_path).st_size
    except OSError:
        return 0


# -- a large archive's members -------------------------------------------------------------

PARALLEL_MEMBER_BYTES = 16 << 20  # below this much work (in bytes inflated), forking costs more than it saves
# Costs in bytes inflated (about 0.6 GB/s a core), measured on numpy's wheel: a member's own
# (opening it, its first bytes, its rules: 30 us), and a native member's facts and rules (1 ms).
# They decide whether a split pays, the order the members are taken in and the batches' size.
PEEK_COST, NATIVE_COST = 16 << 10, 512 << 10
# The cost model guesses from names which members are compiled code or archives (read whole,
# then parsed): their kinds are known only once they are read, which is the work being split.
# numpy's `.npz` files are zips, read whole and walked (scipy's 20 cost its check 35 ms).
_NATIVE_NAME = Pattern(r"\.(so(\.[\d.]+)?|dylib|pyd|dll|exe|a|o|whl|zip|npz|egg|jar|tar|gz|tgz|bz2|xz)$|/[^./]+$")


def member_batches(view: FileView, members: list[Member], jobs: int | None = None) -> tuple[int, list[list[Member]]]:
    """How many processes (`jobs`, default one per CPU up to 8) read the members of an archive
    or bundle on disk, and the members in batches, the costliest first: each process takes
    the next batch when it is free (map_queue), so none waits for another to finish a share
    fixed in advance. The cost of a member is its own, plus the bytes inflated for names that
    look like compiled code or archives (the rest cost a peek at their first bytes). One
    process and one batch when a split would not pay, or when the members' declared sizes
    alone may spend the file's budget (then where it ends depends on the order of reading,
    which only one process keeps)."""
    jobs = jobs or min(os.cpu_count() or 1, 8)
    # Only members read from a map of the file: a streamed tar shares its file offset with
    # forked children.
    if not isinstance(view.data, mmap.mmap) or jobs < 2 or in_worker() or not can_fork():
        return 1, [members]
    declared = sum(min(m.size, view.limits.member_bytes) for m in members if m.open is not None)
    if declared >= view.budget.left or len(members) > view.budget.members_left:
        return 1, [members]
    weights = [PEEK_COST + (NATIVE_COST + m.size if _NATIVE_NAME.search(m.name) else 0) for m in members]
    total = sum(weights)
    if total < PARALLEL_MEMBER_BYTES:
        return 1, [members]
    # About BATCHES_PER_JOB batches a process: the last ones, light, even out the processes' ends.
    batches, batch, weight, target = [], [], 0, total // (jobs * BATCHES_PER_JOB)
    for index in sorted(range(len(members)), key=lambda i: -weights[i]):
        batch.append(index)
        weight += weights[index]
        if weight >= target:
            batches.append(batch)
            batch, weight = [], 0
    batches += [batch] if batch else []
    return jobs, [[members[i] for i in sorted(batch)] for batch in batches]


BATCHES_PER_JOB = 16
_TOKEN = struct.Struct("<I")


def map_queue(function: Callable[[Any], Any], batches: list[Any], jobs: int) -> list[Any]:
    """function(batch) for every batch, in `jobs` processes (this one and forked children),
    each taking the next batch from a pipe as it becomes free; the results in the batches'
    order, whichever process made each."""
    queue, tokens = os.pipe()
    try:  # at most 2 * jobs * BATCHES_PER_JOB numbers (member_batches): far below a pipe's 4 KiB
        os.write(tokens, b"".join(_TOKEN.pack(index) for index in range(len(batches))))
    finally:
        os.close(tokens)

    def take(_: Any) -> list[tuple[int, Any]]:
        taken = []
        while True:
            token = os.read(queue, _TOKEN.size)  # whole: a pipe gives each reader whole reads
            if not token:
                return taken
            index = _TOKEN.unpack(token)[0]
            taken.append((index, function(batches[index])))

    try:
        results = map_groups(take, [None] * jobs)
    finally:
        os.close(queue)
    return [result for _, result in sorted(results, key=lambda item: item[0])]
