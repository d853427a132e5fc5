"""Tests of a file's first bytes, for the formats without a fixed magic prefix (the registry in
binlint.formats holds the prefixes and tells the kinds apart)."""
from __future__ import annotations

import struct

HEAD_SIZE = 512  # enough for every magic below, including tar's at offset 257
# A script's head is read on to its first newline, up to this many bytes: the kernel reads
# at most 255 of a #! line, so a longer one is long enough to know it is too long.
SCRIPT_LINE_MAX = 4096
UTF8_BOM = b"\xef\xbb\xbf"

_MACHO_THIN = {b"\xfe\xed\xfa\xce", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe"}
_FAT = {b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"}

# CPython gives each minor release a range of bytecode magic numbers
# (Lib/importlib/_bootstrap_external.py); the last one of a range is the release's.
_PYC_RANGES = (
    (62211, 62211, "2.7"), (3000, 3131, "3.0"), (3132, 3160, "3.1"), (3161, 3180, "3.2"),
    (3181, 3230, "3.3"), (3231, 3310, "3.4"), (3311, 3351, "3.5"), (3352, 3379, "3.6"),
    (3380, 3399, "3.7"), (3400, 3419, "3.8"), (3420, 3429, "3.9"), (3430, 3449, "3.10"),
    (3450, 3499, "3.11"), (3500, 3549, "3.12"), (3550, 3599, "3.13"), (3600, 3649, "3.14"),
    (3650, 3699, "3.15"), (3700, 3749, "3.16"),
)


def pyc_python(head: bytes) -> str | None:
    """The Python version whose bytecode magic starts `head`, or None."""
    if len(head) < 4 or head[2:4] != b"\r\n":
        return None
    magic = int.from_bytes(head[:2], "little")
    for low, high, version in _PYC_RANGES:
        if low <= magic <= high:
            return version
    return None


def _fat_slices(head: bytes) -> int | None:
    """The slice count of a universal Mach-O header, or None when `head` has none. Java class
    files share 0xCAFEBABE; their next word is a class-file version (major >= 45), while a
    universal Mach-O has a handful of slices."""
    if head[:4] not in _FAT or len(head) < 8:
        return None
    return struct.unpack_from(">I", head, 4)[0]  # type: ignore[no-any-return]


def is_macho(head: bytes) -> bool:
    if head[:4] in _MACHO_THIN:
        return True
    count = _fat_slices(head)
    return count is not None and 0 < count < 45


def is_java_class(head: bytes) -> bool:
    count = _fat_slices(head)
    return count is not None and not 0 < count < 45


def is_tar(head: bytes) -> bool:
    return head[257:262] == b"ustar"


def is_text(head: bytes) -> bool:
    if b"\0" in head:
        return False
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as err:
        return err.start >= len(head) - 3  # a multi-byte character cut at the end of the head is still text
