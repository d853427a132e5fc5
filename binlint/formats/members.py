"""What every container reader yields: its members, each openable for reading."""
from __future__ import annotations

import io
import posixpath
from collections import namedtuple

from binlint.errors import ArtifactError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Callable

# name: as stored in the archive; mode: permission bits (None when the archive has none);
# size: the declared size; open: returns a binary stream of the content; link: the target
# of a symbolic or hard link member (which has no content of its own), else None.
Member = namedtuple("Member", "name mode size open link", defaults=(None,))

_CHUNK = 1 << 20
_PREALLOCATE = 16 << 20  # the most allocated ahead of the bytes actually read

# max_depth: how many archives deep members are read; member_bytes: the most read of one
# member; total_bytes: the most read from one file on disk, all members together;
# debug_dirs: the directories (--debug-dir) where the separate debug files of ELF objects may
# be read, the only files binlint reads besides the artifacts and their own folders'.
# image_layers: the members of a container image are every layer's files, those later layers
# delete included (--image-layers), not its final file system.
Limits = namedtuple("Limits", "max_depth member_bytes total_bytes debug_dirs image_layers",
                    defaults=(4, 1 << 30, 8 << 30, (), False))


# A file on disk may inflate to BOMB_RATIO times its size, within total_bytes, and at least
# to BOMB_FLOOR: 966 real wheels inflate at most 18 times (deflate reaches ~1,000 on one member
# of zeros), Debian's data.tar.xz at most 178 times (docs/robustness.md), and a 12 KiB zip of
# zips of zips must not cost 8 GiB (40 s) of inflating.
BOMB_RATIO, BOMB_FLOOR = 256, 256 << 20
# Members viewed per file on disk, all nesting levels together: at least MEMBERS_FLOOR, or one
# per MEMBER_BYTES of the file. The real wheels at hand hold one member per 470 bytes or more;
# a 50 KiB zip of zips 32 wide and 5 deep holds a million.
MEMBERS_FLOOR, MEMBER_BYTES = 4096, 32


class BudgetSpent(ArtifactError):
    """Reading stopped because the file's budget (or a compressed stream's ratio) is spent,
    not because the data is corrupt."""


class Budget:
    """What may still be read from one file on disk, across all its members and nesting:
    bytes inflated (read, or decompressed to skip) and members viewed. Once either is spent,
    `spent` says why and no further member of the file is read."""

    def __init__(self, limits: Limits, file_size: int | None = None) -> None:
        self.limits = limits
        self.total = limits.total_bytes
        self.file_size = file_size
        self.members = MEMBERS_FLOOR
        if file_size is not None:
            self.total = min(self.total, max(BOMB_FLOOR, BOMB_RATIO * file_size))
            self.members = max(MEMBERS_FLOOR, file_size // MEMBER_BYTES)
        self.left = self.total
        self.members_left = self.members
        self.spent: str | None = None
        self.refused = False  # a read was refused for this budget (not for the member limit)

    def share(self, parts: int) -> None:
        """Keep 1/parts of what is left: for one of `parts` processes sharing the work, whose
        shares together never exceed the file's budget."""
        self.left //= parts
        self.members_left //= parts

    def take_member(self) -> bool:
        """Count one more member viewed; False (and `spent` says why) when none may be."""
        if self.spent is None and self.members_left <= 0:
            self.refused = True
            self.spent = (f"the {self.members} members a file of {self.file_size} bytes may hold "
                          "(nested archives included) were read" if self.file_size is not None else
                          f"{self.members} members were read")
        if self.spent is not None:
            return False
        self.members_left -= 1
        return True

    def charge(self, size: int) -> None:
        """Count `size` bytes inflated outside read() (a compressed tar decompressed to skip a
        member); an ArtifactError once the budget is spent."""
        self.left -= size
        if self.left < 0:
            self.left = 0
            raise BudgetSpent(self._refuse())

    def _refuse(self) -> str:
        self.refused = True
        if self.total < self.limits.total_bytes:
            reason = (f"inflates past {self.total} bytes, the most a file of {self.file_size} bytes may inflate to: "
                      "a zip bomb? (see --max-member-size)")
        else:
            reason = f"inflates past the archive limit of {self.total} bytes (see --max-member-size)"
        if self.spent is None:
            self.spent = f"the file {reason.split(' (see')[0]}"
        return reason

    def allowance(self, stream: BinaryIO, already: bytes = b"") -> tuple[int, str]:
        """The most of a member that may be read from `stream` (`already` read), and that
        limit in words: the member limit, or what the file's budget has left, unless the
        stream counts what it inflates itself (`metered`: compressed tars)."""
        member_limit = (self.limits.member_bytes, f"the member limit of {self.limits.member_bytes} bytes")
        if getattr(stream, "metered", False) or self.left + len(already) >= self.limits.member_bytes:
            return member_limit
        return self.left + len(already), f"the {self.left + len(already)} bytes its archive may still inflate to"

    def count(self, stream: BinaryIO, size: int, spent: bool) -> None:
        """Count `size` bytes read of `stream` past its first bytes, as read() does. `spent`:
        a member the budget (not the member limit) could not hold whole was read in part; the
        budget is then spent as if it had been read whole, so no member after it is read (a
        bomb is still called one, once) and a split of the archive is read again in one process."""
        if not getattr(stream, "metered", False):
            self.left = max(0, self.left - size)
            if spent:
                self._refuse()

    def read(self, member: Member, stream: BinaryIO, already: bytes = b"") -> bytes:
        """The whole member: `already` (what was read of `stream` so far) and the rest, within
        the limits (a zip bomb stops here). A stream that can give the whole member at once
        (`read_whole`: zip members, members already in memory) costs one buffer: at this
        size every further copy costs as much as inflating. Others are read in chunks into
        one buffer sized from the declared size, so a member costs its size once; but no
        more than _PREALLOCATE is taken on the archive's word (a 7 KiB zip declaring 1 GiB
        must not cost 1 GiB: bytearray(n) touches every page). A stream that counts what
        it inflates itself (`metered`: compressed tars) is not counted twice."""
        allowed = self.allowance(stream, already)[0]
        metered = getattr(stream, "metered", False)
        read_whole = getattr(stream, "read_whole", None)
        data = read_whole(allowed + 1) if read_whole else self._chunks(member, stream, already, allowed)
        # What was inflated counts even when it is too much: else every further member of
        # a bomb inflates the whole budget again before failing.
        if not metered:
            self.left = max(0, self.left - (len(data) - len(already)))
        if len(data) > allowed:
            if allowed == self.limits.member_bytes:
                raise ArtifactError(f"inflates past the member limit of {allowed} bytes (see --max-member-size)")
            raise ArtifactError(self._refuse())
        return data

    @staticmethod
    def _chunks(member: Member, stream: BinaryIO, already: bytes, allowed: int) -> bytes:
        """`already` and the rest of `stream`, at most allowed + 1 bytes."""
        buffer = bytearray(min(max(member.size, len(already)), allowed, _PREALLOCATE) + 1)
        buffer[:len(already)] = already
        size = len(already)
        while size <= allowed:
            chunk = stream.read(min(_CHUNK, allowed + 1 - size))
            if not chunk:
                break
            # Past the declared size this appends: the buffer grows in place (realloc), with
            # no zeroed temporary and no second copy.
            buffer[size:size + len(chunk)] = chunk
            size += len(chunk)
        del buffer[size:]
        return buffer  # type: ignore[return-value]  # bytes-like: every reader takes it


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


def stream_of(view: Any) -> BinaryIO:
    """A container's bytes as a stream: from memory or, on disk, read from the file as it goes."""
    return open(view.fs_path, "rb") if view.data is None else io.BytesIO(view.data)


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


class Window:
    """The bytes [start, start + size) of a file or buffer, as a seekable read-only stream:
    what tarfile needs to list a layer's headers without reading its contents, and what a
    package's compressed payload is read through without being copied whole."""

    def __init__(self, read_at: Callable[[int, int], bytes], start: int, size: int) -> None:
        self.read_at, self.start, self.size, self.position = read_at, start, size, 0

    def read(self, size: int = -1) -> bytes:
        left = self.size - self.position
        size = left if size is None or size < 0 else min(size, left)
        if size <= 0:
            return b""
        data = self.read_at(self.start + self.position, size)
        self.position += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.position, 2: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def tell(self) -> int:
        return self.position

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        pass


def buffer_window(data: Any, start: int, size: int) -> Window:
    """A Window on bytes or a memory map."""
    return Window(lambda at, n: bytes(data[at:at + n]), start, size)
