"""Forked child processes that answer over pipes: the one way binlint uses other processes
(the split of a large scan, walk/split.py; the helper that runs LIEF, formats/macho/isolate.py).

Plain fork and pipes rather than multiprocessing, whose import alone costs 20 ms, a tenth of
a whole-tree scan: a child inherits everything loaded (rules hold compiled conditions that
do not pickle), and only requests and answers travel, as length-prefixed pickles.
"""
from __future__ import annotations

import os
import pickle
import select
import struct
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

_LENGTH = struct.Struct("<Q")


class Timeout(Exception):
    """No whole answer came before the deadline."""


def fork(serve: Callable[[int, int], None]) -> tuple[int, int, int]:
    """A child process that runs serve(requests, answers) on the two pipe ends it keeps and
    then leaves without running this process's exit code; returns (pid, the end this process
    writes requests to, the end it reads answers from)."""
    request_read, request_write = os.pipe()
    answer_read, answer_write = os.pipe()
    for end in (request_write, answer_write):
        _widen(end)
    pid = os.fork()
    if pid == 0:
        os.close(request_write)
        os.close(answer_read)
        status = 0
        try:
            serve(request_read, answer_write)
        except BaseException:
            status = 1
        os._exit(status)
    os.close(request_read)
    os.close(answer_write)
    return pid, request_write, answer_read


def _widen(fd: int) -> None:
    """A pipe of 1 MiB where Linux allows it, not 64 KiB: a Mach-O library of 30 MB goes to
    the LIEF helper in 30 writes, not 460 (78 to 127 ms against 91 to 134 ms here; the
    copies of pickling it are the rest)."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):  # other systems; a lower /proc/sys/fs/pipe-max-size
        pass


def send(fd: int, value: Any) -> None:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_LENGTH.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view):]


def receive(fd: int, deadline: float | None = None) -> Any:
    """The next value sent on `fd`; EOFError when the sender closed or died first, Timeout
    when it did not come whole before `deadline` (time.monotonic())."""
    header = _read_exactly(fd, _LENGTH.size, deadline)
    return pickle.loads(_read_exactly(fd, _LENGTH.unpack(header)[0], deadline))


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, left = [], size
    while left:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise Timeout
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
