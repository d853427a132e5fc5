"""What a Mach-O slice's embedded code signature says: who signed it, with which CodeDirectory
flags (hardened runtime) and Team ID, and which entitlements it grants.

Read from the raw bytes here, in the reporting process, not by LIEF in the helper: the
signature is a few big-endian headers (Apple's cs_blobs.h) that plain `struct` reads with every
bound checked, LC_CODE_SIGNATURE gives its file offset and size, and a container's facts can
then read the signatures of its members without a LIEF parse of each. A malformed blob becomes
`problem`, never an exception. The page hashes are checked elsewhere (reader.verify_signature).
"""
from __future__ import annotations

import plistlib
import struct

from binlint.formats.macho.layout import (CODEDIRECTORY_MAGIC, CODEDIRECTORY_SLOTS, CPU_SUBTYPES, CPU_TYPES,
                                          FILE_TYPES, SUPERBLOB_MAGIC, slice_spans)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

LC_CODE_SIGNATURE = 0x1D
CS_ADHOC, CS_RUNTIME, CS_LINKER_SIGNED = 0x2, 0x10000, 0x20000
SLOT_ENTITLEMENTS, SLOT_CMS = 5, 0x10000
ENTITLEMENTS_MAGIC, CMS_MAGIC = 0xFADE7171, 0xFADE0B01
TEAM_ID_VERSION = 0x20200  # CodeDirectory versions from this one have teamOffset (at byte 48)
_THIN = {b"\xce\xfa\xed\xfe": ("<", 28), b"\xcf\xfa\xed\xfe": ("<", 32),
         b"\xfe\xed\xfa\xce": (">", 28), b"\xfe\xed\xfa\xcf": (">", 32)}


def unsigned(problem: str | None = None) -> dict[str, Any]:
    return {"kind": "none", "hardened_runtime": False, "team_id": None, "identifier": None,
            "entitlements": [], "problem": problem}


def file_signatures(data: Any) -> list[dict[str, Any]]:
    """The signature of each slice of a thin or fat file, in the fat table's order (LIEF's)."""
    try:
        spans = slice_spans(data) or [(0, len(data))]
    except ValueError as err:
        return [{"arch": "unknown", "filetype": "unknown", **unsigned(str(err))}]
    return [slice_signature(memoryview(data)[start:end]) for start, end in spans]


def slice_signature(raw: Any) -> dict[str, Any]:
    """The signature of one thin slice, found through its LC_CODE_SIGNATURE."""
    endian, at = _THIN.get(bytes(raw[:4]), ("", 0))
    if not endian or len(raw) < at:
        return {"arch": "unknown", "filetype": "unknown", **unsigned("not a thin Mach-O slice")}
    cputype, subtype, _, ncmds, commands_size = struct.unpack_from(endian + "5I", raw, 4)
    arch = CPU_SUBTYPES.get((cputype, subtype & 0xFF)) or CPU_TYPES.get(cputype, f"cputype-{cputype:#x}")
    filetype = FILE_TYPES.get(struct.unpack_from(endian + "I", raw, 12)[0], "unknown")
    return {"arch": arch, "filetype": filetype, **_find_signature(raw, endian, at, ncmds, commands_size)}


def _find_signature(raw: Any, endian: str, at: int, ncmds: int, commands_size: int) -> dict[str, Any]:
    end = min(at + commands_size, len(raw))
    for _ in range(ncmds):
        if at + 8 > end:
            break
        command, size = struct.unpack_from(endian + "II", raw, at)
        if command == LC_CODE_SIGNATURE and at + 16 <= end:
            offset, length = struct.unpack_from(endian + "II", raw, at + 8)
            if offset + length > len(raw):
                return unsigned("the code signature lies past the end of the slice")
            return read_blob(bytes(raw[offset:offset + length]))
        if size < 8:
            break
        at += size
    return unsigned()


def read_blob(blob: bytes) -> dict[str, Any]:
    """The facts of an embedded signature SuperBlob (magic, length, count, then (type, offset)
    pairs); the primary CodeDirectory is the one in slot 0."""
    found = unsigned()
    found["kind"] = "adhoc"  # a signature is there; what it is follows
    if len(blob) < 12:
        return {**found, "problem": "the code signature is truncated"}
    magic, _, count = struct.unpack_from(">III", blob, 0)
    if magic != SUPERBLOB_MAGIC:
        return {**found, "problem": f"no code signature superblob (magic {magic:#x})"}
    slots = {}
    for i in range(min(count, (len(blob) - 12) // 8)):
        kind, where = struct.unpack_from(">II", blob, 12 + 8 * i)
        slots.setdefault(kind, where)
    directory = slots.get(0)
    if directory is None:
        directory = next((where for kind, where in slots.items() if kind in CODEDIRECTORY_SLOTS), None)
    if directory is None:
        return {**found, "problem": "the signature has no code directory"}
    problem = _code_directory(blob, directory, found)
    entitlements = _entitlements(blob, slots.get(SLOT_ENTITLEMENTS))
    if isinstance(entitlements, str):
        problem = problem or entitlements
    else:
        found["entitlements"] = entitlements
    if found["kind"] == "adhoc" and _has_cms(blob, slots.get(SLOT_CMS)):
        found["kind"] = "certificate"
    found["problem"] = problem
    return found


def _code_directory(blob: bytes, where: int, found: dict[str, Any]) -> str | None:
    """Fills in the flags, identifier and Team ID from the CodeDirectory at `where`."""
    if where + 44 > len(blob):
        return "the code directory is truncated"
    magic, length, version, flags, _, ident_offset = struct.unpack_from(">6I", blob, where)
    if magic != CODEDIRECTORY_MAGIC:
        return f"bad code directory magic {magic:#x}"
    end = min(where + length, len(blob))
    found["hardened_runtime"] = bool(flags & CS_RUNTIME)
    if flags & CS_LINKER_SIGNED:
        found["kind"] = "linker-signed"
    found["identifier"] = _string(blob, where + ident_offset, end)
    if version >= TEAM_ID_VERSION and where + 52 <= end:
        (team_offset,) = struct.unpack_from(">I", blob, where + 48)
        if team_offset:
            found["team_id"] = _string(blob, where + team_offset, end)
    if found["identifier"] is None:
        return "the code directory's identifier lies outside it"
    return None


def _string(blob: bytes, start: int, end: int) -> str | None:
    """The NUL-terminated string at `start`, within `end`; None when it does not fit."""
    stop = blob.find(b"\0", start, end)
    if start >= end or stop < 0:
        return None
    return blob[start:stop].decode("utf-8", "replace")


def _entitlements(blob: bytes, where: int | None) -> list[str] | str:
    """The keys the XML entitlements grant (value true), or why they cannot be read. The DER
    form (slot 7, magic 0xfade7172) carries the same entitlements: codesign writes both, so
    it is not read."""
    if where is None:
        return []
    if where + 8 > len(blob):
        return "the entitlements blob is truncated"
    magic, length = struct.unpack_from(">II", blob, where)
    if magic != ENTITLEMENTS_MAGIC or length < 8 or where + length > len(blob):
        return f"the entitlements blob is malformed (magic {magic:#x}, {length} bytes)"
    try:
        granted = plistlib.loads(blob[where + 8:where + length], fmt=plistlib.FMT_XML)
    except Exception:  # plistlib raises several kinds on bad XML
        return "the entitlements are not a readable XML property list"
    if not isinstance(granted, dict):
        return "the entitlements are not a dictionary"
    return sorted(str(key) for key, value in granted.items() if value is True)


def _has_cms(blob: bytes, where: int | None) -> bool:
    """A CMS signature blob with content: an ad hoc signature has none, or an empty wrapper."""
    if where is None or where + 8 > len(blob):
        return False
    magic, length = struct.unpack_from(">II", blob, where)
    return magic == CMS_MAGIC and length > 8
