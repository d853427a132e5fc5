"""Run a native parser in a forked helper process, so that its crash or hang costs one file.

The helper is forked on first use and serves one request at a time over pipes: it imports
what it needs once (LIEF costs 0.6 s to import), and nothing it does can touch this process.
A request that crashes the helper or outlasts the time limit kills it; the caller gets an
IsolatedError for that request and the next request forks a fresh helper.
"""
from __future__ import annotations

import os
import pickle
import signal
import time

from binlint import forks

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


class IsolatedError(Exception):
    """The helper crashed, hung, or the function raised: the reason, in one line."""


class Helper:
    """`function(request)` run in a helper process (binlint.forks)."""

    def __init__(self, function: Callable[[Any], Any], timeout: float) -> None:
        self.function, self.timeout = function, timeout
        self._pid = self._owner = 0
        self._to = self._from = -1

    def call(self, request: Any) -> Any:
        if not hasattr(os, "fork"):  # no isolation without fork (Windows): run in place
            return self.function(request)
        if self._owner != os.getpid():  # never started, or inherited by a forked worker
            serve = self.function
            self._pid, self._to, self._from = forks.fork(lambda requests, answers: _serve(serve, requests, answers))
            self._owner = os.getpid()
        try:
            forks.send(self._to, request)
            ok, value = forks.receive(self._from, time.monotonic() + self.timeout)
        except forks.Timeout:
            raise IsolatedError(self._stop(f"gave up after {self.timeout:g} s")) from None
        except (OSError, EOFError, pickle.UnpicklingError):
            raise IsolatedError(self._stop("the parser process died")) from None
        if not ok:
            raise IsolatedError(value)
        return value

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


def _serve(function: Callable[[Any], Any], source: int, sink: int) -> None:
    """The helper's loop: read a request, answer it, until the pipe closes."""
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
        try:
            request = forks.receive(source)
        except EOFError:  # binlint closed the pipe: done
            return
        try:
            answer = (True, function(request))
        except ValueError as err:  # the function's own account of bad input
            answer = (False, str(err))
        except Exception as err:
            answer = (False, f"{type(err).__name__}: {err}")
        forks.send(sink, answer)
