"""Run a native parser in a forked helper process, so that its crash or hang costs one file.

The helper is forked on first use and serves one request at a time over pipes: it imports
what it needs once (LIEF costs 0.6 s to import), and nothing it does can touch this process.
A request that crashes the helper or outlasts the time limit kills it; the caller gets an
IsolatedError for that request and the next request forks a fresh helper.
"""
from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

_LENGTH = struct.Struct("<Q")


class IsolatedError(Exception):
    """The helper crashed, hung, or the function raised: the reason, in one line."""


class Helper:
    """`function(request)` run in a helper process; requests and results are pickled."""

    def __init__(self, function: Callable[[Any], Any], timeout: float) -> None:
        self.function, self.timeout = function, timeout
        self._pid = self._owner = 0
        self._to = self._from = -1

    def call(self, request: Any) -> Any:
        if not hasattr(os, "fork"):  # no isolation without fork (Windows): run in place
            return self.function(request)
        if self._owner != os.getpid():  # never started, or inherited by a forked worker
            self._start()
        payload = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            _write_all(self._to, _LENGTH.pack(len(payload)) + payload)
            ok, value = pickle.loads(self._read(time.monotonic() + self.timeout))
        except _Timeout:
            raise IsolatedError(self._stop(f"gave up after {self.timeout:g} s")) from None
        except (OSError, EOFError, pickle.UnpicklingError):
            raise IsolatedError(self._stop("the parser process died")) from None
        if not ok:
            raise IsolatedError(value)
        return value

    def _start(self) -> None:
        to_read, to_write = os.pipe()
        from_read, from_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(to_write)
            os.close(from_read)
            _serve(self.function, to_read, from_write)  # never returns
        os.close(to_read)
        os.close(from_write)
        self._pid, self._owner, self._to, self._from = pid, os.getpid(), to_write, from_read

    def _read(self, deadline: float) -> bytes:
        header = self._read_exactly(_LENGTH.size, deadline)
        return self._read_exactly(_LENGTH.unpack(header)[0], deadline)

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        chunks, left = [], size
        while left:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([self._from], [], [], wait)[0]:
                raise _Timeout
            chunk = os.read(self._from, min(left, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _stop(self, why: str) -> str:
        """Kill and reap the helper; `why`, or the signal that ended it."""
        os.close(self._to)
        os.close(self._from)
        self._owner = 0
        try:
            os.kill(self._pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, status = os.waitpid(self._pid, 0)
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) != signal.SIGKILL:
            return f"the parser crashed ({signal.Signals(os.WTERMSIG(status)).name})"
        return why

    def close(self) -> None:
        """End the helper (it also ends by itself when this process exits)."""
        if self._owner == os.getpid():
            os.close(self._to)
            os.close(self._from)
            os.waitpid(self._pid, 0)
            self._owner = 0


class _Timeout(Exception):
    pass


def _serve(function: Callable[[Any], Any], source: int, sink: int) -> None:
    """The helper's loop: read a request, answer it, until the pipe closes."""
    status = 0
    try:
        import fcntl

        # Lift the pipes above the standard streams (a parent started with stdin closed
        # gets fd 0 from pipe()), then keep only them: an inherited pipe end would keep a
        # reader elsewhere waiting.
        source, sink = (fd if fd > 2 else fcntl.fcntl(fd, fcntl.F_DUPFD, 3) for fd in (source, sink))
        for low, high in ((3, min(source, sink)), (min(source, sink) + 1, max(source, sink))):
            os.closerange(low, high)
        os.closerange(max(source, sink) + 1, 1 << 16)
        # Nothing the helper or its native code prints may reach binlint's own output.
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        if null > 2:
            os.close(null)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        while True:
            header = _read_all(source, _LENGTH.size)
            if len(header) < _LENGTH.size:
                break
            request = pickle.loads(_read_all(source, _LENGTH.unpack(header)[0]))
            try:
                answer = (True, function(request))
            except ValueError as err:  # the function's own account of bad input
                answer = (False, str(err))
            except Exception as err:
                answer = (False, f"{type(err).__name__}: {err}")
            payload = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
            _write_all(sink, _LENGTH.pack(len(payload)) + payload)
    except BaseException:
        status = 1
    os._exit(status)


def _read_all(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
