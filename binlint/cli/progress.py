"""A progress line on standard error for long scans at a terminal: shown only after DELAY
seconds, rewritten at most every INTERVAL seconds, erased at the end. Never in a pipe, a
file or a CI log (the CI variable), so reports and logs are unchanged."""
from __future__ import annotations

import os
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

DELAY = 1.0  # a scan shorter than this shows nothing
INTERVAL = 0.1


def wanted(stream: TextIO | None = None) -> bool:
    """Whether a progress line may be drawn on `stream` (standard error)."""
    stream = stream or sys.stderr
    try:
        return stream.isatty() and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None, delay: float | None = None) -> None:
        self.total, self.stream = total, stream or sys.stderr
        self.start = time.monotonic()
        self.delay = DELAY if delay is None else delay
        self.last = 0.0
        self.drawn = False

    def update(self, done: int, detail: str = "") -> None:
        """`detail` follows the count (a distributed check adds findings and throughput)."""
        now = time.monotonic()
        if now - self.start < self.delay or (self.drawn and now - self.last < INTERVAL):
            return
        self.last = now
        share = 100 * done // max(self.total, 1)
        self.stream.write(f"\r\033[Kbinlint: checked {done}/{self.total} files ({share}%){detail}")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
