"""Zip files (wheels, eggs, jars): members listed from the central directory.

The archive is a buffer (a map of the file on disk, or a member's bytes). binlint reads the
central directory itself: importing zipfile costs 15 ms of start-up (it imports pathlib and
urllib) and its listing 10 us a member, a tenth of a numpy wheel's check. Stored and
deflated members are read straight from the buffer too: zipfile's own member reader costs
about as much again as the inflation itself (small reads, CRC per chunk), and inflation is
what a wheel check spends its time on. Other methods (bzip2, lzma) go through zipfile.
The central directory is read by zip_directory.py; tests/test_zip_members.py holds the
listing equal to zipfile's.
"""
from __future__ import annotations

import io
import stat
import struct
import zlib

from binlint.errors import ArtifactError
from binlint.formats.members import CheckedStream, Member
from binlint.formats.zip_directory import ZipEntry, central_directory, overlapping_members

try:  # ISA-L inflates about twice as fast as zlib: a dependency where it has wheels
    from isal.isal_zlib import crc32, decompressobj
    from isal.isal_zlib import error as InflateError
except ImportError:  # pragma: no cover - other platforms
    from zlib import crc32, decompressobj
    from zlib import error as InflateError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

UNIX = 3  # create_system: the external attributes hold Unix mode bits
STORED, DEFLATED = 0, 8
LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, ..., name length, extra length
FEED = 256 << 10  # compressed bytes given to zlib per call: bounds the copy of its unconsumed input
PEEK_FEED = 8 << 10  # for a peek at the first bytes: deflate rarely needs more for 512 bytes


def read_zip(data: Any) -> tuple[list[Member], ZipArchive]:
    """The members of the zip archive in `data` (an mmap or bytes)."""
    archive = ZipArchive(data)
    overlap = overlapping_members(archive.entries)
    if overlap is not None:
        raise ArtifactError(f"overlapping zip members {overlap[0]!r} and {overlap[1]!r}: their data shares "
                            "bytes, as in a zip bomb")
    members = []
    for entry in archive.entries:
        if entry.filename.endswith("/"):  # a directory
            continue
        mode = entry.external_attr >> 16 if entry.create_system == UNIX else 0
        if mode and stat.S_ISLNK(mode):
            if entry.flag_bits & 0x1:  # an encrypted link: its target cannot be read
                members.append(Member(entry.filename, stat.S_IMODE(mode), 0, None, None))
                continue
            stream = archive.open(entry)
            try:
                target = stream.read(4096).decode("utf-8", "backslashreplace")
            finally:
                stream.close()
            members.append(Member(entry.filename, stat.S_IMODE(mode), 0, None, target))
            continue
        members.append(Member(entry.filename, stat.S_IMODE(mode) if mode else None, entry.file_size,
                              lambda entry=entry: archive.open(entry)))
    return members, archive


class ZipArchive:
    """The entries of a zip archive's central directory, and a stream for each."""

    def __init__(self, data: Any) -> None:
        self.data = data
        self.entries = central_directory(data)
        self._zipfile: Any = None  # opened for the first member zipfile must read
        self._infos: dict[int, Any] = {}  # its ZipInfos by local header offset

    def open(self, entry: ZipEntry) -> BinaryIO:
        if entry.flag_bits & 0x1:
            raise ArtifactError("encrypted zip member")
        if entry.compress_type in (STORED, DEFLATED):
            return MemberStream(self.data, entry)  # type: ignore[return-value]
        import zipfile  # rare methods only: importing it costs 15 ms

        errors = _zipfile_errors()
        try:
            if self._zipfile is None:
                self._zipfile = zipfile.ZipFile(_MapFile(self.data) if hasattr(self.data, "seek") else
                                                io.BytesIO(self.data))
                self._infos = {i.header_offset: i for i in self._zipfile.infolist()}
            info = self._infos.get(entry.header_offset)
            if info is None:
                raise ArtifactError(f"corrupt zip member {entry.filename}: zipfile does not list it")
            return CheckedStream(self._zipfile.open(info), errors, "zip member")  # type: ignore[return-value]
        except errors as err:
            raise ArtifactError(f"corrupt zip member: {err}") from None

    def close(self) -> None:
        if self._zipfile is not None:
            self._zipfile.close()
            self._zipfile = None


def _zipfile_errors() -> tuple[type[BaseException], ...]:
    import lzma
    import zipfile

    # UnicodeDecodeError: a name flagged UTF-8 (bit 11) that is not.
    return (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, ValueError, EOFError,
            zlib.error, lzma.LZMAError, UnicodeDecodeError)


class _MapFile:
    """A map of the file as zipfile wants a file: mmap has read, seek and tell, not seekable
    (which zipfile's reader of bzip2 and lzma members asks)."""

    def __init__(self, data: Any) -> None:
        self.read, self.seek, self.tell = data.read, data.seek, data.tell

    def seekable(self) -> bool:
        return True


class MemberStream:
    """A stored or deflated member read from the archive's buffer; the CRC-32 is checked when
    the member is read to its end, as zipfile does."""

    def __init__(self, data: Any, info: ZipEntry) -> None:
        start = info.header_offset
        header = data[start:start + LOCAL_HEADER.size]
        if len(header) < LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
            raise ArtifactError(f"corrupt zip member {info.filename}: no local header at offset {start}")
        name_length, extra_length = LOCAL_HEADER.unpack(header)[1:]
        self.start = start + LOCAL_HEADER.size + name_length + extra_length
        self.end = self.start + info.compress_size
        if self.end > len(data):
            raise ArtifactError(f"corrupt zip member {info.filename}: its data runs past the end of the archive")
        self.data, self.info = data, info
        self._restart()

    def _restart(self) -> None:
        self.position = self.start
        self.inflater = decompressobj(-15) if self.info.compress_type == DEFLATED else None
        self.pending = b""  # input zlib has not consumed yet
        self.crc = 0
        self.done = False

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            size = 1 << 62
        if self.done or size == 0:
            return b""
        if self.inflater is None:
            out = bytes(self.data[self.position:min(self.end, self.position + size)])  # not a bytearray
            self.position += len(out)
            self.done = self.position >= self.end
        else:
            out = self._inflate(size)
        self.crc = crc32(out, self.crc)
        if self.done and self.crc != self.info.CRC:
            raise ArtifactError(f"corrupt zip member {self.info.filename}: bad CRC-32")
        return out

    def read_whole(self, limit: int) -> bytes:
        """The member from its start, at most `limit` bytes, inflated into one buffer."""
        self._restart()  # in memory: starting over costs nothing
        if self.inflater is not None:  # all the input at once: zlib keeps no unconsumed copy
            self.pending, self.position = self.data[self.start:self.end], self.end
        return self.read(limit)

    def _inflate(self, size: int) -> bytes:
        pieces, produced = [], 0
        inflater = self.inflater
        try:
            while produced < size:
                if not self.pending and self.position < self.end:
                    feed = PEEK_FEED if size - produced <= 4096 else FEED
                    self.pending = self.data[self.position:min(self.end, self.position + feed)]
                    self.position += len(self.pending)
                piece = inflater.decompress(self.pending, size - produced)  # type: ignore[union-attr]
                self.pending = inflater.unconsumed_tail  # type: ignore[union-attr]
                pieces.append(piece)
                produced += len(piece)
                if inflater.eof:  # type: ignore[union-attr]
                    self.done = True
                    break
                if not piece and not self.pending and self.position >= self.end:
                    raise ArtifactError(f"corrupt zip member {self.info.filename}: compressed data ends early")
        except (InflateError, zlib.error) as err:
            raise ArtifactError(f"corrupt zip member {self.info.filename}: {err}") from None
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def close(self) -> None:
        self.data = self.pending = b""
