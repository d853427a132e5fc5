"""binlint.forks: the one way binlint runs work in other processes (the split of a scan,
the Mach-O helper), told apart from a child that answers, dies or hangs."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from binlint import forks
from binlint.walk.split import map_groups

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def _echo(requests: int, answers: int) -> None:
    while True:
        try:
            value = forks.receive(requests)
        except EOFError:
            return
        forks.send(answers, [value, value])


def test_a_child_answers_each_request_until_the_pipe_closes() -> None:
    pid, requests, answers = forks.fork(_echo)
    for value in ("x", b"\0" * (3 << 20), {"k": 1}):  # 3 MiB: more than one pipe read
        forks.send(requests, value)
        assert forks.receive(answers, time.monotonic() + 10) == [value, value]
    os.close(requests)
    assert os.waitpid(pid, 0)[1] == 0
    os.close(answers)


def test_a_child_that_dies_is_an_eof_and_one_that_hangs_a_timeout() -> None:
    pid, requests, answers = forks.fork(lambda _r, _a: os._exit(3))
    with pytest.raises(EOFError):
        forks.receive(answers, time.monotonic() + 10)
    assert os.WEXITSTATUS(os.waitpid(pid, 0)[1]) == 3
    pid, requests2, answers2 = forks.fork(lambda _r, _a: time.sleep(30))
    started = time.monotonic()
    with pytest.raises(forks.Timeout):
        forks.receive(answers2, started + 0.3)
    assert time.monotonic() - started < 5
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    for fd in (requests, answers, requests2, answers2):
        os.close(fd)


def test_groups_come_back_and_a_failing_group_fails_the_run() -> None:
    assert sorted(map_groups(lambda group: [x * 2 for x in group], [[0, 3], [1, 4, 5], [2]])) == [0, 2, 4, 6, 8, 10]

    def fails_in_a_child(group: list[int]) -> list[int]:
        if 1 in group:
            raise ValueError("group 1 broke")
        return group

    with pytest.raises(RuntimeError, match="parallel check failed: ValueError: group 1 broke"):
        map_groups(fails_in_a_child, [[0], [1], [2]])


def test_a_failure_in_this_process_leaves_no_child_behind() -> None:
    """When the group this process runs fails, its children are stopped and reaped before
    the error goes on: no process of the run outlives it."""
    started: list[int] = []
    original = forks.fork

    def recorded(serve):  # type: ignore[no-untyped-def]
        pid, requests, answers = original(serve)
        started.append(pid)
        return pid, requests, answers

    def slow_child_failing_parent(group: list[int]) -> list[int]:
        if group == [0]:
            raise ValueError("this process's group broke")
        time.sleep(30)
        return group

    forks.fork = recorded  # type: ignore[assignment]
    try:
        began = time.monotonic()
        with pytest.raises(ValueError, match="this process's group broke"):
            map_groups(slow_child_failing_parent, [[0], [1]])
        assert time.monotonic() - began < 10  # stopped, not waited for (it sleeps 30 s)
    finally:
        forks.fork = original  # type: ignore[assignment]
    [pid] = started
    with pytest.raises(ChildProcessError):  # reaped already
        os.waitpid(pid, os.WNOHANG)


def test_each_process_takes_batches_until_none_is_left() -> None:
    """map_queue: every batch once, whichever process takes it, the results in the batches'
    order; a slow batch does not hold back the others (the other process takes them)."""
    import time

    from binlint.walk.split import map_queue

    def run(batch: list[int]) -> tuple[int, list[int]]:
        if batch == [0]:
            time.sleep(0.3)
        return os.getpid(), [x * 2 for x in batch]

    batches = [[0], *([i] for i in range(1, 40))]
    results = map_queue(run, batches, 2)
    assert [doubled for _, doubled in results] == [[x * 2 for x in b] for b in batches]
    slow = results[0][0]
    assert sum(pid != slow for pid, _ in results) >= 30  # the other process took the rest
    # In a child it comes back as the run's failure, in this process as itself: either way the run fails.
    with pytest.raises((RuntimeError, ValueError), match="batch 7 broke"):
        map_queue(lambda batch: (_ for _ in ()).throw(ValueError("batch 7 broke")) if batch == [7] else batch,
                  [[i] for i in range(10)], 2)


def test_a_few_large_artifacts_are_split_by_size_and_small_ones_are_not(tmp_path: Path) -> None:
    """Fewer than PARALLEL_MIN artifacts go to several processes only when they hold
    PARALLEL_BYTES beside the largest, whole archives, the largest taken first."""
    from binlint.walk.discover import discover
    from binlint.walk.split import PARALLEL_BYTES, artifact_batches, split_pays

    for name, size in (("big.whl", PARALLEL_BYTES), ("a.whl", PARALLEL_BYTES // 2), ("b.whl", PARALLEL_BYTES // 2),
                       ("c.whl", 1000)):
        (tmp_path / name).write_bytes(b"\0" * size)
    artifacts = discover([str(tmp_path)])
    assert split_pays(artifacts)
    batches = artifact_batches(artifacts, 2)
    assert [[Path(a.path).name for a in batch] for batch in batches] == [["big.whl"], ["a.whl"], ["b.whl"], ["c.whl"]]
    (tmp_path / "a.whl").unlink()
    assert not split_pays(discover([str(tmp_path)]))  # one large archive: its members are split instead
    # Remote objects' sizes are not known before they are read: fewer than PARALLEL_MIN stay in one process.
    from binlint.walk.discover import Artifact

    assert not split_pays([Artifact(f"s3://bucket/w{i}.whl", f"s3://bucket/w{i}.whl") for i in range(400)])
