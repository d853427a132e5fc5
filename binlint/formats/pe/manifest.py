"""The side-by-side manifests of a PE file (RT_MANIFEST resources) and what they declare.

A program's manifest is resource 1; a DLL's, which the loader reads when it loads the DLL
(ISOLATIONAWARE_MANIFEST_RESOURCE_ID), is resource 2. The resource tree has three levels: type,
name or ID, language. Every offset is checked against the file, and the walk is bounded, so
a hostile tree (loops, huge counts) raises PeError, which makes the file unreadable.
"""
from __future__ import annotations

import struct
from typing import Any

from binlint.formats.pe.reader import RESOURCE, PeError, PeFile

RT_MANIFEST = 24
MAX_ENTRIES = 4096  # entries of one resource directory: far beyond any real file
MAX_MANIFESTS = 16
MAX_MANIFEST = 1 << 20  # bytes of one manifest


def _entries(pe: PeFile, base: int, offset: int) -> list[tuple[int, int]]:
    """(name or ID, offset) of each entry of the resource directory at `offset` from `base`."""
    named, numbered = struct.unpack_from("<HH", pe._bytes(base + offset + 12, 4))
    count = named + numbered
    if count > MAX_ENTRIES:
        raise PeError(f"a resource directory has {count} entries")
    table = pe._bytes(base + offset + 16, 8 * count)
    return [struct.unpack_from("<II", table, 8 * i) for i in range(count)]


def manifests(pe: PeFile) -> list[tuple[int, bytes]]:
    """(resource ID, bytes) of every RT_MANIFEST resource, in the tree's order."""
    rva, _ = pe.directory(RESOURCE)
    if not rva:
        return []
    base, found = pe.offset(rva), []
    for kind, types in _entries(pe, base, 0):
        if kind != RT_MANIFEST or not types & 0x80000000:
            continue
        for name, names in _entries(pe, base, types & 0x7FFFFFFF):
            if not names & 0x80000000:
                continue
            for _, data in _entries(pe, base, names & 0x7FFFFFFF):
                if data & 0x80000000:
                    continue  # a fourth level: not a resource the loader reads
                where, size = struct.unpack_from("<II", pe._bytes(base + data, 8))
                if size > MAX_MANIFEST:
                    raise PeError(f"a manifest resource of {size} bytes")
                found.append((name & 0x7FFFFFFF if name & 0x80000000 else name, pe._bytes(pe.offset(where), size)))
                if len(found) > MAX_MANIFESTS:
                    raise PeError(f"more than {MAX_MANIFESTS} manifest resources")
    return found


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def declared(pe: PeFile) -> dict[str, Any]:
    """What the manifests declare: dependencies (name, version, architecture of each
    dependentAssembly), execution_level, long_path_aware, active_code_page, and problem: why a
    manifest is not well-formed XML (Windows then refuses to load the file), or None."""
    result: dict[str, Any] = {"dependencies": [], "execution_level": None, "long_path_aware": False,
                              "active_code_page": None, "problem": None}
    found = manifests(pe)
    if found:  # most DLLs have none: the XML parser (5 ms to import) only for those that do
        import xml.etree.ElementTree as ElementTree
    for number, text in found:
        if b"<!DOCTYPE" in text or b"<!ENTITY" in text:
            result["problem"] = f"manifest {number} declares a DTD or entities: not read"
            continue
        try:
            root = ElementTree.fromstring(text.lstrip(b"\xef\xbb\xbf \t\r\n"))
        except ElementTree.ParseError as err:
            result["problem"] = f"manifest {number} is not well-formed XML: {err}"
            continue
        for element in root.iter():
            tag = _local(element.tag)
            if tag == "dependentAssembly":
                identity = next((e for e in element if _local(e.tag) == "assemblyIdentity"), None)
                if identity is not None:
                    result["dependencies"].append({"name": identity.get("name", ""),
                                                   "version": identity.get("version", ""),
                                                   "architecture": identity.get("processorArchitecture", "")})
            elif tag == "requestedExecutionLevel":
                result["execution_level"] = element.get("level")
            elif tag == "longPathAware":
                result["long_path_aware"] = (element.text or "").strip().lower() == "true"
            elif tag == "activeCodePage":
                result["active_code_page"] = (element.text or "").strip() or None
    return result
