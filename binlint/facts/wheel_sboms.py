"""Facts of the SBOMs a wheel carries in `.dist-info/sboms/` (PEP 770), against the files
it holds, and of the libraries repair tools copy into wheels, which SBOMs should describe."""
from __future__ import annotations

import posixpath

from binlint.facts.archive import native_members
from binlint.facts.catalogue import Fact
from binlint.facts.wheel_metadata import dist_info, member_named, read_member

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.facts import FileView


def sboms(view: FileView) -> list[str]:
    folder = dist_info(view)
    if folder is None:
        return []
    return [name for name in view.container().names() if name.startswith(f"{folder}/sboms/")]


def grafted_libraries(view: FileView) -> list[str]:
    """Compiled members in a top-level `*.libs/` folder (auditwheel) or a `.dylibs/` folder
    (delocate): libraries copied in from the build machine."""
    return [name for name in native_members(view)
            if name.split("/", 1)[0].endswith(".libs") or "/.dylibs/" in f"/{name}"]


def _sbom_files(document: Any) -> list[tuple[str, str | None]]:
    """(path, SHA-256 in hex or None) of each file an SBOM names: SPDX `files`, CycloneDX
    components of type `file`. Packages and libraries are left out: their hashes are of
    source archives (cryptography's names OpenSSL's tarball), not of anything in the wheel."""
    found = []
    if not isinstance(document, dict):
        return found
    for entry in document.get("files") or []:  # SPDX 2
        if isinstance(entry, dict) and isinstance(entry.get("fileName"), str):
            sha = next((c.get("checksumValue") for c in entry.get("checksums") or []
                        if isinstance(c, dict) and c.get("algorithm") == "SHA256"), None)
            found.append((entry["fileName"], sha))
    stack = list(document.get("components") or [])
    while stack:  # CycloneDX, components nest
        component = stack.pop()
        if not isinstance(component, dict):
            continue
        stack += component.get("components") or []
        if component.get("type") == "file" and isinstance(component.get("name"), str):
            sha = next((h.get("content") for h in component.get("hashes") or []
                        if isinstance(h, dict) and h.get("alg") == "SHA-256"), None)
            found.append((component["name"], sha))
    return found


def _member_sha256(view: FileView, name: str) -> str | None:
    known = view.walked.digests.get(name)
    if known is not None:
        return known[0].hex()
    member = member_named(view, name)
    data = read_member(member, view.limits.member_bytes) if member else None
    if data is None:
        return None
    import hashlib

    return hashlib.sha256(data).hexdigest()


def sbom_mismatches(view: FileView) -> list[str]:
    """The files the SBOMs name that the wheel holds with another SHA-256, and those under one
    of the wheel's top folders that it does not hold (an SBOM may also describe the sources a
    wheel was built from: `src/...` is no claim about the wheel)."""
    container = view.container()
    names = set(container.names()) if container else set()
    folders = {name.split("/", 1)[0] for name in names if "/" in name}
    found = []
    for sbom in sboms(view):
        data = read_member(member_named(view, sbom))
        import json

        try:
            document = json.loads(data) if data else None
        except ValueError:
            continue
        for path, sha in _sbom_files(document):
            name = posixpath.normpath(path.lstrip("/")).removeprefix("./")
            if name not in names:
                if name.split("/", 1)[0] in folders:
                    found.append(f"{name} in {sbom}: not in the wheel")
                continue
            actual = _member_sha256(view, name) if sha else None
            if actual is not None and actual != str(sha).lower():
                found.append(f"{name} in {sbom}: sha256 {sha} in the SBOM, {actual} in the wheel")
    return found


FACTS = {
    "wheel.sboms": Fact("list[str]", "Files in `.dist-info/sboms/` (PEP 770).", sboms),
    "wheel.grafted_libraries": Fact("list[str]", "Compiled members in a top-level `*.libs/` folder (auditwheel) "
                                    "or a `.dylibs/` folder (delocate).", grafted_libraries),
    "wheel.sbom_mismatches": Fact("list[str]", "Files the SBOMs name (SPDX `files`, CycloneDX components of type "
                                  "`file`) that the wheel holds with another SHA-256, or that it lacks under one of "
                                  "its top folders; each with the SBOM and both hashes.", sbom_mismatches),

}
