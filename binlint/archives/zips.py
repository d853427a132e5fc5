"""Zip files (wheels, eggs, jars): members listed from the central directory.

The archive is a buffer (a map of the file on disk, or a member's bytes), so stored and
deflated members are read straight from it: zipfile's own member reader costs about as much
again as the inflation itself (small reads from the file, CRC per chunk, Python overhead),
and inflation is what a wheel check spends its time on. Other methods (bzip2, lzma) go
through zipfile.
"""
from __future__ import annotations

import io
import lzma
import stat
import struct
import zipfile
import zlib

from binlint.archives.members import CheckedStream, Member
from binlint.errors import ArtifactError

try:  # ISA-L inflates about twice as fast as zlib: a dependency where it has wheels
    from isal.isal_zlib import crc32, decompressobj
    from isal.isal_zlib import error as InflateError
except ImportError:  # pragma: no cover - other platforms
    from zlib import crc32, decompressobj
    from zlib import error as InflateError

TYPE_CHECKING = False  # typing costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from typing import Any, BinaryIO

UNIX = 3  # create_system: the external attributes hold Unix mode bits
# UnicodeDecodeError: a name flagged UTF-8 (bit 11) that is not.
ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, ValueError, EOFError,
          zlib.error, lzma.LZMAError, UnicodeDecodeError)
LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, ..., name length, extra length
FEED = 256 << 10  # compressed bytes given to zlib per call: bounds the copy of its unconsumed input
PEEK_FEED = 8 << 10  # for a peek at the first bytes: deflate rarely needs more for 512 bytes


def read_zip(data: Any) -> tuple[list[Member], zipfile.ZipFile]:
    """The members of the zip archive in `data` (an mmap or bytes)."""
    try:
        archive = zipfile.ZipFile(_MapFile(data) if hasattr(data, "seek") else io.BytesIO(data))
        infos = archive.infolist()
    except ERRORS as err:
        raise ArtifactError(f"corrupt zip: {err}") from None
    overlap = _overlap(infos)
    if overlap is not None:
        raise ArtifactError(f"overlapping zip members {overlap[0]!r} and {overlap[1]!r}: their data shares "
                            "bytes, as in a zip bomb")
    members = []
    for info in infos:
        if info.filename.endswith("/"):  # a directory (is_dir() fails on an empty name)
            continue
        mode = info.external_attr >> 16 if info.create_system == UNIX else 0
        if mode and stat.S_ISLNK(mode):
            if info.flag_bits & 0x1:  # an encrypted link: its target cannot be read
                members.append(Member(info.filename, stat.S_IMODE(mode), 0, None, None))
                continue
            stream = _open(data, archive, info)
            try:
                target = stream.read(4096).decode("utf-8", "backslashreplace")
            finally:
                stream.close()
            members.append(Member(info.filename, stat.S_IMODE(mode), 0, None, target))
            continue
        members.append(Member(info.filename, stat.S_IMODE(mode) if mode else None, info.file_size,
                              lambda info=info: _open(data, archive, info)))
    return members, archive


class _MapFile:
    """A map of the file as zipfile wants a file: mmap has read, seek and tell, not seekable
    (which zipfile's reader of bzip2 and lzma members asks)."""

    def __init__(self, data: Any) -> None:
        self.read, self.seek, self.tell = data.read, data.seek, data.tell

    def seekable(self) -> bool:
        return True


def _overlap(infos: list[zipfile.ZipInfo]) -> tuple[str, str] | None:
    """Two members whose data overlap: what no zip writer makes, and what makes a small zip
    inflate to terabytes (David Fifield's overlapping and quoted-overlap bombs). A member's
    data starts after its local header, so it ends past header_offset + compress_size."""
    spans = sorted((i.header_offset, i.header_offset + i.compress_size, i.filename) for i in infos)
    for (_, end, name), (start, _, following) in zip(spans, spans[1:]):
        if end > start:
            return name, following
    return None


def _open(data: Any, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> BinaryIO:
    if info.flag_bits & 0x1:
        raise ArtifactError("encrypted zip member")
    if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return MemberStream(data, info)  # type: ignore[return-value]
    try:
        return CheckedStream(archive.open(info), ERRORS, "zip member")  # type: ignore[return-value]
    except ERRORS as err:
        raise ArtifactError(f"corrupt zip member: {err}") from None


class MemberStream:
    """A stored or deflated member read from the archive's buffer; the CRC-32 is checked when
    the member is read to its end, as zipfile does."""

    def __init__(self, data: Any, info: zipfile.ZipInfo) -> None:
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
        self.inflater = decompressobj(-15) if self.info.compress_type == zipfile.ZIP_DEFLATED else None
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
