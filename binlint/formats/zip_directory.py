"""The central directory of a zip file, read as zipfile reads it (tests/test_zip_members.py
holds the two equal), and the overlapping members a zip bomb is made of."""
from __future__ import annotations

import struct
from collections import namedtuple

from binlint.errors import ArtifactError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# APPNOTE.TXT 4.3: end of central directory, its zip64 locator and record, a directory entry.
_END = struct.Struct("<4s4H2LH")  # signature, disks, entries, size, offset, comment length
_END64_LOCATOR = struct.Struct("<4sLQL")  # signature, disk, offset of the record, disks
_END64 = struct.Struct("<4sQ2H2L4Q")  # signature, ..., entries, size, offset
# signature, versions, flags, method, time, date, CRC, sizes, lengths, disk, attributes, offset
_ENTRY = struct.Struct("<4s4B4HL2L5H2L")
_ZIP64_EXTRA = 0x0001
_MAX_EXTRACT_VERSION = 63  # what zipfile reads: a later format is refused
# The end record is in the last 64 KiB (its comment) and 22 bytes; the zip64 locator and record before it.
_TAIL = (1 << 16) + _END.size + _END64_LOCATOR.size + _END64.size

# The fields of a central directory entry that binlint uses, named as zipfile's ZipInfo
# names them; header_offset is where the local header is in the buffer.
ZipEntry = namedtuple("ZipEntry", "filename flag_bits compress_type CRC compress_size file_size header_offset "
                            "create_system external_attr")


def central_directory(data: Any) -> list[ZipEntry]:
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
        entries.append(ZipEntry(name.split("\0", 1)[0], flags, method, crc, compressed, file_size, header + shift,
                             system, attributes))
        position = name_start + name_length + extra_length + comment_length
    return entries


def _end_record(data: Any) -> tuple[int, int, int] | None:
    """(where the end record is, the directory's size, its offset) or None. Read from the
    file's last bytes, sliced once: `data` may be a map, bytes, or a remote file fetched by
    range (binlint/remote), which has slices but no buffer for struct to unpack."""
    length = len(data)
    base = max(length - _TAIL, 0)
    tail = bytes(data[base:length])
    at = len(tail) - _END.size
    if at < 0:
        return None
    if tail[at:at + 4] != b"PK\x05\x06" or tail[-2:] != b"\0\0":  # not without a comment
        low = max(len(tail) - (1 << 16) - _END.size, 0)
        at = tail.rfind(b"PK\x05\x06", low)
        if at < 0 or at + _END.size > len(tail):
            return None
    _, _, _, _, _, size, offset, _ = _END.unpack_from(tail, at)
    locator = at - _END64_LOCATOR.size
    if locator < 0:
        return base + at, size, offset
    signature, disk, _, disks = _END64_LOCATOR.unpack_from(tail, locator)
    if signature != b"PK\x06\x07":
        return base + at, size, offset
    if disk != 0 or disks > 1:
        raise ArtifactError("corrupt zip: zipfiles that span multiple disks are not supported")
    record = locator - _END64.size
    if record < 0:
        return base + at, size, offset
    fields = _END64.unpack_from(tail, record)
    if fields[0] != b"PK\x06\x06":
        return base + at, size, offset
    # zipfile takes the zip64 record to end where the locator starts.
    return base + at - _END64_LOCATOR.size - _END64.size, fields[8], fields[9]


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


def overlapping_members(infos: list[ZipEntry]) -> tuple[str, str] | None:
    """Two members whose data overlap: what no zip writer makes, and what makes a small zip
    inflate to terabytes (David Fifield's overlapping and quoted-overlap bombs). A member's
    data starts after its local header, so it ends past header_offset + compress_size."""
    spans = sorted((i.header_offset, i.header_offset + i.compress_size, i.filename) for i in infos)
    for (_, end, name), (start, _, following) in zip(spans, spans[1:]):
        if end > start:
            return name, following
    return None

