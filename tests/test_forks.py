"""binlint.forks: the one way binlint runs work in other processes (the split of a scan,
the Mach-O helper), told apart from a child that answers, dies or hangs."""
from __future__ import annotations

import os
import time

import pytest

from binlint import forks
from binlint.walk.split import map_slices

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


def test_slices_come_back_in_order_and_a_failing_slice_fails_the_run() -> None:
    assert sorted(map_slices(lambda some: [x * 2 for x in some], list(range(10)), 3)) == [x * 2 for x in range(10)]

    def fails_in_a_child(some: list[int]) -> list[int]:
        if 1 in some:
            raise ValueError("slice 1 broke")
        return some

    with pytest.raises(RuntimeError, match="parallel check failed: ValueError: slice 1 broke"):
        map_slices(fails_in_a_child, [0, 1, 2], 3)
