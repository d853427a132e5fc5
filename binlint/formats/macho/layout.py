"""The raw layout of Mach-O files that both sides read: the header's tables, the fat header's
slices, the code signature's magic numbers. The LIEF helper's reader and the reporting
process's code signature reader (codesign.py) share it; it imports nothing native."""
from __future__ import annotations

import struct

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# cputype -> name as wheel tags and `lipo` spell it; (cputype, cpusubtype & 0xff) first.
CPU_TYPES = {7: "i386", 0x01000007: "x86_64", 12: "arm", 0x0100000C: "arm64", 0x0200000C: "arm64_32",
             18: "ppc", 0x01000012: "ppc64"}
CPU_SUBTYPES = {(0x01000007, 8): "x86_64h", (0x0100000C, 2): "arm64e", (12, 9): "armv7", (12, 11): "armv7s",
                (12, 12): "armv7k", (12, 6): "armv6"}
FILE_TYPES = {1: "OBJECT", 2: "EXECUTE", 3: "FVMLIB", 4: "CORE", 5: "PRELOAD", 6: "DYLIB", 7: "DYLINKER",
              8: "BUNDLE", 9: "DYLIB_STUB", 10: "DSYM", 11: "KEXT_BUNDLE", 12: "FILESET"}
# Code signing blobs (Security framework's CSCommon.h / cs_blobs.h).
SUPERBLOB_MAGIC, CODEDIRECTORY_MAGIC = 0xFADE0CC0, 0xFADE0C02
CODEDIRECTORY_SLOTS = {0} | set(range(0x1000, 0x1005))  # the code directory and its alternates


def slice_spans(data: Any) -> list[tuple[int, int]]:
    """(start, end) of each slice of a fat file, in the fat_arch (or fat_arch_64) table's
    order, which is LIEF's; empty for a thin file."""
    if len(data) < 8:
        return []
    magic, count = struct.unpack_from(">II", data, 0)
    if magic not in (0xCAFEBABE, 0xCAFEBABF):
        return []
    entry = ">IIIII" if magic == 0xCAFEBABE else ">IIQQII"
    size = struct.calcsize(entry)
    spans = []
    for i in range(min(count, (len(data) - 8) // size)):
        fields = struct.unpack_from(entry, data, 8 + i * size)
        if fields[2] + fields[3] > len(data):
            raise ValueError(f"the fat header's slice {i} ends at {fields[2] + fields[3]}, "
                             f"past the end of the file ({len(data)} bytes)")
        spans.append((fields[2], fields[2] + fields[3]))
    return spans
