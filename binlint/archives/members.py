"""What every container reader yields: its members, each openable for reading."""
from __future__ import annotations

import io
import posixpath
from collections import namedtuple

from binlint.errors import ArtifactError

TYPE_CHECKING = False  # typing costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from typing import BinaryIO, Callable

# name: as stored in the archive; mode: permission bits (None when the archive has none);
# size: the declared size; open: returns a binary stream of the content; link: the target
# of a symbolic or hard link member (which has no content of its own), else None.
Member = namedtuple("Member", "name mode size open link", defaults=(None,))

# max_depth: how many archives deep members are read; member_bytes: the most read of one
# member; total_bytes: the most read from one file on disk, all members together.
Limits = namedtuple("Limits", "max_depth member_bytes total_bytes", defaults=(4, 1 << 30, 8 << 30))


class Budget:
    """Bytes left to read from one file on disk, across all its members and nesting."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.left = limits.total_bytes

    def read(self, member: Member, stream: BinaryIO, already: bytes = b"") -> bytes:
        """The whole member: `already` (what was read of `stream` so far) and the rest, within
        the limits (a zip bomb stops here). Large members cost one buffer where the stream
        can give the whole member at once (`read_whole`): at this size, every further copy
        costs as much as inflating."""
        allowed = min(self.limits.member_bytes, self.left + len(already))
        read_whole = getattr(stream, "read_whole", None)
        data = read_whole(allowed + 1) if read_whole else already + stream.read(allowed + 1 - len(already))
        if len(data) > allowed:
            which = "member" if allowed == self.limits.member_bytes else "archive"
            limit = allowed if which == "member" else self.limits.total_bytes
            raise ArtifactError(f"inflates past the {which} limit of {limit} bytes (see --max-member-size)")
        self.left -= len(data) - len(already)
        return data


def unsafe_name(name: str) -> bool:
    """A name that would land outside the extraction directory: absolute, a drive, or `..`."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return True
    return ".." in name.replace("\\", "/").split("/")


def link_escapes(name: str, target: str) -> bool:
    """A link member whose target lies outside the archive's tree."""
    if target.startswith("/"):
        return True
    return posixpath.normpath(posixpath.join(posixpath.dirname(name), target)).startswith("..")


def open_slice(data: bytes, start: int, length: int) -> Callable[[], BinaryIO]:
    """Opens data[start:start+length], copied only when opened."""
    return lambda: SliceStream(data[start:start + length])


class SliceStream(io.BytesIO):
    """A member already in memory: its whole content costs no copy."""

    def read_whole(self, limit: int) -> bytes:
        value = self.getvalue()  # the bytes it was made from, not a copy
        return value if len(value) <= limit else value[:limit]


class CheckedStream:
    """A member stream whose read errors (corrupt or truncated compressed data) become
    ArtifactErrors naming `what`."""

    def __init__(self, stream: BinaryIO, errors: tuple[type[BaseException], ...], what: str) -> None:
        self.stream, self.errors, self.what = stream, errors, what

    def read(self, size: int = -1) -> bytes:
        try:
            return self.stream.read(size)
        except self.errors as err:
            raise ArtifactError(f"corrupt {self.what}: {err}") from None

    def close(self) -> None:
        self.stream.close()
