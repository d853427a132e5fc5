"""Tell what a file is from its first bytes, never from its name."""
from __future__ import annotations

import struct

HEAD_SIZE = 512  # enough for every magic below, including tar's at offset 257
# A script's head is read on to its first newline, up to this many bytes: the kernel reads
# at most 255 of a #! line, so a longer one is long enough to know it is too long.
SCRIPT_LINE_MAX = 4096
UTF8_BOM = b"\xef\xbb\xbf"

KINDS = (
    "elf", "elf-debug", "macho", "script", "pyc", "zip", "tar", "gzip", "bzip2", "xz", "zstd",
    "ar", "pe", "java-class", "text", "empty", "other", "symlink",
)

_MACHO_THIN = {b"\xfe\xed\xfa\xce", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe"}
_FAT = {b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"}
_PREFIXES = (
    (b"\x7fELF", "elf"),
    (b"#!", "script"),
    # The kernel does not run these (it looks for `#!` at byte 0); they are scripts to
    # their author, and the script rules say why they fail.
    (UTF8_BOM + b"#!", "script"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty zip has only the end record
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"!<arch>\n", "ar"),
    (b"MZ", "pe"),
)

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


def classify(head: bytes) -> str:
    if not head:
        return "empty"
    for prefix, kind in _PREFIXES:
        if head.startswith(prefix):
            return kind
    magic = head[:4]
    if magic in _MACHO_THIN:
        return "macho"
    if magic in _FAT and len(head) >= 8:
        # Java class files share 0xCAFEBABE; their next word is a class-file version
        # (major >= 45), while a universal Mach-O has a handful of slices.
        (count,) = struct.unpack_from(">I", head, 4)
        return "macho" if 0 < count < 45 else "java-class"
    if head[257:262] == b"ustar":
        return "tar"
    if pyc_python(head):
        return "pyc"
    if b"\0" not in head:
        try:
            head.decode("utf-8")
            return "text"
        except UnicodeDecodeError as err:
            # A multi-byte character cut at the end of the head is still text.
            if err.start >= len(head) - 3:
                return "text"
    return "other"
