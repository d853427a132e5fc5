"""RPM packages: a lead, a signature header, the main header and a cpio payload (gzip, xz,
zstd, bzip2 or plain), as rpm's file format documentation lays them out.

A reader of its own, not `rpmfile` 2.2.1: the headers are a few fixed structures, and
rpmfile decompresses the whole payload into memory (an rpm of 400 programs, 87 MiB
unpacked: the same 0.55 s to read every file, but 191 MiB peak against 39 MiB here), bounds
no header count a hostile file claims, and reads zstd with `zstandard`, a second zstd
library; the walk needs the payload streamed within the file's budget
(binlint.formats.tars.Metered). The members are the payload's files named as installed
(`pkg.rpm!/usr/lib64/x.so`); the header's Requires and arch are the members' target.
"""
from __future__ import annotations

import re
import struct

from binlint.errors import ArtifactError
from binlint.facts.catalogue import Fact
from binlint.formats import classify
from binlint.formats.container import Closers
from binlint.formats.members import Member, buffer_window
from binlint.formats.package import PackageContainer, highest, installed_name, promises

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

MAGIC = b"\xed\xab\xee\xdb"
LEAD = 96
_HEADER_MAGIC = b"\x8e\xad\xe8\x01"
_INDEX = struct.Struct(">iiii")  # tag, type, offset, count
# rpm refuses headers past these (lib/header_internal.h: HEADER_TAGS_MAX, HEADER_DATA_MAX).
MAX_TAGS, MAX_DATA = 0xFFFF, 256 << 20
NAME, VERSION, RELEASE, ARCH = 1000, 1001, 1002, 1022
REQUIREFLAGS, REQUIRENAME, REQUIREVERSION = 1048, 1049, 1050
PAYLOADFORMAT = 1124
_STRING, _STRING_ARRAY, _I18NSTRING, _INT32 = 6, 8, 9, 4
SENSE_LESS, SENSE_GREATER, SENSE_EQUAL = 2, 4, 8
_GLIBC_NEED = re.compile(r"^libc\.so\.6\(GLIBC_(\d+(?:\.\d+)+)\)")
_CPIO = struct.Struct("6s8s8s8s8s8s8s8s8s8s8s8s8s8s")  # newc: magic, then 13 hex fields
_TRAILER = "TRAILER!!!"
S_IFMT, S_IFREG, S_IFLNK = 0o170000, 0o100000, 0o120000
MAX_LINK = 4096


def header(data: Any, offset: int) -> tuple[dict[int, Any], int]:
    """The tags of the header at `offset` (strings, string arrays and 32-bit integers; the
    rest are not needed) and where it ends."""
    if bytes(data[offset:offset + 4]) != _HEADER_MAGIC or offset + 16 > len(data):
        raise ArtifactError(f"corrupt rpm: no header at offset {offset:#x}")
    count, size = struct.unpack_from(">ii", data, offset + 8)
    if not 0 < count <= MAX_TAGS or not 0 <= size <= MAX_DATA:
        raise ArtifactError(f"corrupt rpm: the header at offset {offset:#x} claims {count} tags "
                            f"and {size} bytes (rpm allows {MAX_TAGS} and {MAX_DATA})")
    store = offset + 16 + 16 * count
    end = store + size
    if end > len(data):
        raise ArtifactError(f"truncated rpm: the header at offset {offset:#x} ends past the end of the file")
    tags: dict[int, Any] = {}
    for index in range(count):
        tag, kind, start, number = _INDEX.unpack_from(data, offset + 16 + 16 * index)
        if not 0 <= start < size or number < 0:
            raise ArtifactError(f"corrupt rpm: tag {tag} points outside its header")
        if kind in (_STRING, _STRING_ARRAY, _I18NSTRING):
            strings = bytes(data[store + start:end]).split(b"\0", number if kind == _STRING_ARRAY else 1)
            values = [s.decode("utf-8", "replace") for s in strings[:number if kind == _STRING_ARRAY else 1]]
            tags[tag] = values if kind == _STRING_ARRAY else values[0]
        elif kind == _INT32 and store + start + 4 * number <= end:
            tags[tag] = list(struct.unpack_from(f">{number}i", data, store + start))
    return tags, end


def read_headers(data: Any) -> tuple[dict[int, Any], int]:
    """The main header's tags and where the payload starts."""
    if bytes(data[:4]) != MAGIC or len(data) < LEAD:
        raise ArtifactError("truncated rpm: no lead")
    _, end = header(data, LEAD)  # the signature header, padded to 8 bytes
    return header(data, (end + 7) & ~7)


def open_members(view: Any) -> PackageContainer:
    from binlint.formats import tars

    tags, start = read_headers(view.data)
    if tags.get(PAYLOADFORMAT, "cpio") != "cpio":
        raise ArtifactError(f"an rpm payload in the {tags[PAYLOADFORMAT]!r} format, which binlint does not read")
    raw = buffer_window(view.data, start, len(view.data) - start)
    kind = classify(bytes(view.data[start:start + 512]))
    if kind not in tars.COMPRESSED and not bytes(view.data[start:start + 5]) == b"07070":
        raise ArtifactError(f"an rpm payload compressed with {tags.get(1125, 'an unknown method')!r}, "
                            "which binlint does not read")
    stream: Any = tars.Metered(raw, kind, view.budget) if kind in tars.COMPRESSED else raw  # type: ignore[arg-type]
    members = list(_cpio(stream, kind in tars.COMPRESSED))
    container = PackageContainer(members, Closers(stream))
    container.tags = tags
    return container


def _cpio(stream: Any, metered: bool) -> Any:
    """The members of a newc cpio archive read from `stream`, skipping over their content."""
    while True:
        start = stream.tell()
        raw = stream.read(_CPIO.size)
        if len(raw) < _CPIO.size:
            raise ArtifactError(f"truncated rpm payload: a cpio header at {start:#x} is cut short")
        fields = _CPIO.unpack(raw)
        if fields[0] not in (b"070701", b"070702"):
            raise ArtifactError(f"corrupt rpm payload: no cpio header at {start:#x} (rpm's large-file "
                                f"payloads, 07070X, are not read)" if fields[0] == b"07070X" else
                                f"corrupt rpm payload: no cpio header at {start:#x}")
        try:
            mode, size, name_size = int(fields[2], 16), int(fields[7], 16), int(fields[12], 16)
        except ValueError:
            raise ArtifactError(f"corrupt rpm payload: a cpio header at {start:#x} is not hexadecimal") from None
        if not 0 < name_size <= 4096:
            raise ArtifactError(f"corrupt rpm payload: a cpio name of {name_size} bytes at {start:#x}")
        name = stream.read(name_size)[:-1].decode("utf-8", "replace")
        stream.seek(_align(start + _CPIO.size + name_size))
        if name == _TRAILER:
            return
        data_start = stream.tell()
        kind = mode & S_IFMT
        if kind == S_IFLNK:
            link = stream.read(min(size, MAX_LINK)).decode("utf-8", "replace")
            yield Member(installed_name(name), mode & 0o7777, 0, None, link)
        elif kind == S_IFREG:
            yield Member(installed_name(name), mode & 0o7777, size, _opener(stream, data_start, size, metered))
        stream.seek(_align(data_start + size))


def _align(offset: int) -> int:
    return (offset + 3) & ~3


def _opener(stream: Any, start: int, size: int, metered: bool) -> Any:
    def open_member() -> BinaryIO:
        stream.seek(start)
        return _Bounded(stream, size, metered)  # type: ignore[return-value]
    return open_member


class _Bounded:
    """`size` bytes of the payload from where it stands; closing leaves the payload open."""

    def __init__(self, stream: Any, size: int, metered: bool) -> None:
        self.stream, self.left, self.metered = stream, size, metered

    def read(self, size: int = -1) -> bytes:
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self.stream.read(size)
        self.left -= len(data)
        return data  # type: ignore[no-any-return]

    def close(self) -> None:
        pass


def _tags(view: Any) -> dict[int, Any]:
    container = view.container()
    return getattr(container, "tags", {}) if container is not None else {}


def requires(tags: dict[int, Any]) -> list[tuple[str, int, str]]:
    names = tags.get(REQUIRENAME, [])
    flags = tags.get(REQUIREFLAGS, [0] * len(names))
    versions = tags.get(REQUIREVERSION, [""] * len(names))
    return list(zip(names, flags, versions))


def _requirement(name: str, flags: int, text: str) -> str:
    sense = {SENSE_LESS: "<", SENSE_GREATER: ">", SENSE_EQUAL: "=", SENSE_LESS | SENSE_EQUAL: "<=",
             SENSE_GREATER | SENSE_EQUAL: ">="}.get(flags & 0xE)
    return f"{name} {sense} {text}" if sense and text else name


def glibc_floor(tags: dict[int, Any]) -> tuple[str, str] | None:
    """The oldest glibc the Requires accept: the highest `libc.so.6(GLIBC_X)` (what rpmbuild
    computes from the binaries) or `glibc >= X` (or `= X`)."""
    found = []
    for name, flags, text in requires(tags):
        need = _GLIBC_NEED.match(name)
        if need:
            found.append((need[1], name))
        elif name == "glibc" and flags & SENSE_EQUAL and not flags & SENSE_LESS and text:
            upstream = re.match(r"^(?:\d+:)?(\d+(?:\.\d+)+)", text)
            if upstream:
                found.append((upstream[1], _requirement(name, flags, text)))
    return highest(found)


def context(view: Any, container: Any) -> dict[str, Any]:
    return promises(glibc_floor(container.tags), container.tags.get(ARCH))


FACTS = {
    "rpm.name": Fact("str?", "The header's name.", lambda v: _tags(v).get(NAME)),
    "rpm.version": Fact("str?", "The header's version-release.",
                        lambda v: f"{_tags(v)[VERSION]}-{_tags(v).get(RELEASE, '')}" if VERSION in _tags(v) else None),
    "rpm.arch": Fact("str?", "The header's architecture (`x86_64`, `noarch`).", lambda v: _tags(v).get(ARCH)),
    "rpm.requires": Fact("list[str]", "The Requires, each as `name`, or `name >= version`.",
                         lambda v: [_requirement(*r) for r in requires(_tags(v))]),
    "rpm.glibc_floor": Fact("str?", "The oldest glibc the Requires accept: the highest `libc.so.6(GLIBC_X)` or "
                            "`glibc >= X`; null when none bounds it.",
                            lambda v: (glibc_floor(_tags(v)) or (None,))[0]),
}
