"""Zip files (wheels, eggs, jars): members listed from the central directory.

The archive is a buffer (a map of the file on disk, or a member's bytes). binlint reads the
central directory itself: importing zipfile costs 15 ms of start-up (it imports pathlib and
urllib) and its listing 10 us a member, a tenth of a numpy wheel's check. Stored and
deflated members are read straight from the buffer too: zipfile's own member reader costs
about as much again as the inflation itself (small reads, CRC per chunk), and inflation is
what a wheel check spends its time on. Other methods (bzip2, lzma) go through zipfile.
tests/test_zip_members.py holds the listing equal to zipfile's.
"""
from __future__ import annotations

import io
import stat
import struct
import zlib
from collections import namedtuple

from binlint.formats.members import CheckedStream, Member
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
STORED, DEFLATED = 0, 8
LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, ..., name length, extra length
FEED = 256 << 10  # compressed bytes given to zlib per call: bounds the copy of its unconsumed input
PEEK_FEED = 8 << 10  # for a peek at the first bytes: deflate rarely needs more for 512 bytes

# APPNOTE.TXT 4.3: end of central directory, its zip64 locator and record, a directory entry.
_END = struct.Struct("<4s4H2LH")  # signature, disks, entries, size, offset, comment length
_END64_LOCATOR = struct.Struct("<4sLQL")  # signature, disk, offset of the record, disks
_END64 = struct.Struct("<4sQ2H2L4Q")  # signature, ..., entries, size, offset
# signature, versions, flags, method, time, date, CRC, sizes, lengths, disk, attributes, offset
_ENTRY = struct.Struct("<4s4B4HL2L5H2L")
_ZIP64_EXTRA = 0x0001
_MAX_EXTRACT_VERSION = 63  # what zipfile reads: a later format is refused

# The fields of a central directory entry that binlint uses, named as zipfile's ZipInfo
# names them; header_offset is where the local header is in the buffer.
Entry = namedtuple("Entry", "filename flag_bits compress_type CRC compress_size file_size header_offset "
                            "create_system external_attr")


def read_zip(data: Any) -> tuple[list[Member], ZipArchive]:
    """The members of the zip archive in `data` (an mmap or bytes)."""
    archive = ZipArchive(data)
    overlap = _overlap(archive.entries)
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
        self.entries = _central_directory(data)
        self._zipfile: Any = None  # opened for the first member zipfile must read
        self._infos: dict[int, Any] = {}  # its ZipInfos by local header offset

    def open(self, entry: Entry) -> BinaryIO:
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


def _central_directory(data: Any) -> list[Entry]:
    """The entries, read as zipfile reads them: the end record in the last 64 KiB, the zip64
    record when its locator precedes it, then entries over the directory's bytes. Data
    before the archive (a self-extracting stub) shifts every offset, as zipfile allows."""
    end = _end_record(data)
    if end is None:
        raise ArtifactError("corrupt zip: File is not a zip file")
    location, size, offset = end
    shift = location - size - offset
    start = offset + shift
    if start < 0:
        raise ArtifactError("corrupt zip: Bad offset for central directory")
    directory = bytes(data[start:start + size])
    entries, position = [], 0
    while position < size:
        if position + _ENTRY.size > len(directory):
            raise ArtifactError("corrupt zip: Truncated central directory")
        (signature, _, system, extract_version, _, flags, method, _, _, crc, compressed, file_size,
         name_length, extra_length, comment_length, _, _, attributes, header) = _ENTRY.unpack_from(directory, position)
        if signature != b"PK\x01\x02":
            raise ArtifactError("corrupt zip: Bad magic number for central directory")
        name_start = position + _ENTRY.size
        raw_name = directory[name_start:name_start + name_length]
        extra = directory[name_start + name_length:name_start + name_length + extra_length]
        try:
            name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
        except UnicodeDecodeError as err:
            raise ArtifactError(f"corrupt zip: {err}") from None
        if extract_version > _MAX_EXTRACT_VERSION:
            raise ArtifactError(f"corrupt zip: zip file version {extract_version / 10:.1f}")
        file_size, compressed, header = _zip64_sizes(extra, file_size, compressed, header)
        entries.append(Entry(name.split("\0", 1)[0], flags, method, crc, compressed, file_size, header + shift,
                             system, attributes))
        position = name_start + name_length + extra_length + comment_length
    return entries


def _end_record(data: Any) -> tuple[int, int, int] | None:
    """(where the end record is, the directory's size, its offset) or None."""
    length = len(data)
    at = length - _END.size
    if at < 0:
        return None
    if data[at:at + 4] != b"PK\x05\x06" or data[length - 2:length] != b"\0\0":  # not without a comment
        low = max(length - (1 << 16) - _END.size, 0)
        at = data.rfind(b"PK\x05\x06", low)
        if at < 0 or at + _END.size > length:
            return None
    _, _, _, _, _, size, offset, _ = _END.unpack_from(data, at)
    locator = at - _END64_LOCATOR.size
    if locator < 0:
        return at, size, offset
    signature, disk, _, disks = _END64_LOCATOR.unpack_from(data, locator)
    if signature != b"PK\x06\x07":
        return at, size, offset
    if disk != 0 or disks > 1:
        raise ArtifactError("corrupt zip: zipfiles that span multiple disks are not supported")
    record = locator - _END64.size
    if record < 0:
        return at, size, offset
    fields = _END64.unpack_from(data, record)
    if fields[0] != b"PK\x06\x06":
        return at, size, offset
    # zipfile takes the zip64 record to end where the locator starts.
    return at - _END64_LOCATOR.size - _END64.size, fields[8], fields[9]


def _zip64_sizes(extra: bytes, file_size: int, compressed: int, header: int) -> tuple[int, int, int]:
    """The sizes and offset from the zip64 extra field, for each one the entry marks as
    there (0xFFFFFFFF)."""
    while len(extra) >= 4:
        kind, length = struct.unpack_from("<HH", extra)
        if length + 4 > len(extra):
            raise ArtifactError(f"corrupt zip: Corrupt extra field {kind:04x} (size={length})")
        if kind == _ZIP64_EXTRA:
            values, field = extra[4:length + 4], None
            try:
                if file_size == 0xFFFFFFFF:
                    field = "File size"
                    (file_size,), values = struct.unpack_from("<Q", values), values[8:]
                if compressed == 0xFFFFFFFF:
                    field = "Compress size"
                    (compressed,), values = struct.unpack_from("<Q", values), values[8:]
                if header == 0xFFFFFFFF:
                    field = "Header offset"
                    (header,) = struct.unpack_from("<Q", values)
            except struct.error:
                raise ArtifactError(f"corrupt zip: Corrupt zip64 extra field. {field} not found.") from None
        extra = extra[length + 4:]
    return file_size, compressed, header


class _MapFile:
    """A map of the file as zipfile wants a file: mmap has read, seek and tell, not seekable
    (which zipfile's reader of bzip2 and lzma members asks)."""

    def __init__(self, data: Any) -> None:
        self.read, self.seek, self.tell = data.read, data.seek, data.tell

    def seekable(self) -> bool:
        return True


def _overlap(infos: list[Entry]) -> tuple[str, str] | None:
    """Two members whose data overlap: what no zip writer makes, and what makes a small zip
    inflate to terabytes (David Fifield's overlapping and quoted-overlap bombs). A member's
    data starts after its local header, so it ends past header_offset + compress_size."""
    spans = sorted((i.header_offset, i.header_offset + i.compress_size, i.filename) for i in infos)
    for (_, end, name), (start, _, following) in zip(spans, spans[1:]):
        if end > start:
            return name, following
    return None


class MemberStream:
    """A stored or deflated member read from the archive's buffer; the CRC-32 is checked when
    the member is read to its end, as zipfile does."""

    def __init__(self, data: Any, info: Entry) -> None:
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
