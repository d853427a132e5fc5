"""Facts of a Mach-O file's code signature, and of the signatures of the libraries a program
carries in its PyInstaller bundle: what macOS's hardened runtime checks when the program maps
them (library validation compares Team IDs) or asks for writable executable memory."""
from __future__ import annotations

import posixpath
import re

from binlint.errors import ArtifactError
from binlint.facts.catalogue import Fact
from binlint.formats import classify
from binlint.formats.macho.codesign import file_signatures
from binlint.formats.macho.facts import slices

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.facts import FileView

# The modules that build libffi closures in memory they write and then execute: cffi's backend
# (ffi.callback) and a libffi the bundle carries. CPython's _ctypes alone is left out: built
# against the system's libffi, its closures come from the trampolines in the dyld shared cache.
FFI_NAMES = re.compile(r"^(_cffi_backend\.[^/]*\.so|libffi[.\-][^/]*dylib)$")


def signatures(view: FileView) -> list[dict[str, Any]]:
    if "macho.signatures" not in view._values:
        found = file_signatures(view.data)
        view._values["macho.signatures"] = [{"arch": raw["arch"], "filetype": raw["filetype"], **signature}
                                            for raw, signature in zip(slices(view), found)]
    return view._values["macho.signatures"]


def hardened_runtime(view: FileView) -> bool:
    return all(s["hardened_runtime"] for s in signatures(view))


def team_id(view: FileView) -> str | None:
    return next((s["team_id"] for s in signatures(view) if s["team_id"]), None)


def entitlements(view: FileView) -> list[str]:
    return sorted({key for s in signatures(view) for key in s["entitlements"]})


def _macho_members(view: FileView) -> list[tuple[str, Any]]:
    """(name, bytes) of the Mach-O members of the program's PyInstaller bundle."""
    container = view.container()
    if container is None or container.bundle is None:
        return []
    found, kinds = [], view.walked.kinds
    for member in container.members:
        if member.open is None or kinds.get(member.name, "macho") != "macho":
            continue
        try:
            stream = member.open()
            try:
                data = stream.read(view.limits.member_bytes)
            finally:
                stream.close()
        except ArtifactError:
            continue  # the walk reports an unreadable member
        if classify(data[:64]) == "macho":
            found.append((member.name, data))
    return found


def carried_libraries(view: FileView) -> list[dict[str, Any]]:
    """Each slice, of an architecture the program has, of each library in its bundle."""
    own = {s["arch"]: s for s in signatures(view) if s["filetype"] == "EXECUTE"}
    if not own:
        return []
    found = []
    for name, data in _macho_members(view):
        for signature in file_signatures(data):
            loader = own.get(signature["arch"])
            if loader is None:
                continue  # never mapped by this program: another architecture
            found.append({"path": name, "arch": signature["arch"], "signature": signature["kind"],
                          "team_id": signature["team_id"],
                          "same_team": signature["team_id"] is not None and signature["team_id"] == loader["team_id"]})
    return found


def carried_ffi(view: FileView) -> list[str]:
    container = view.container()
    if container is None or container.bundle is None:
        return []
    return [m.name for m in container.members if FFI_NAMES.match(posixpath.basename(m.name))]


FACTS = {
    "macho.signatures": Fact(
        "list[object]", "The embedded code signature of each slice, read from its SuperBlob (LC_CODE_SIGNATURE): "
        "kind `none` (no signature), `linker-signed` (CS_LINKER_SIGNED: the linker's own ad hoc signature), "
        "`adhoc` (CS_ADHOC, or no CMS signature), `certificate` (a CMS signature blob with content); "
        "hardened_runtime: the CodeDirectory has CS_RUNTIME; team_id: its Team ID (CodeDirectory version "
        "2.2 and later); identifier: its identifier; entitlements: the keys the XML entitlements blob sets to "
        "true (the DER copy codesign writes beside it is not read); problem: why the blob could not be read "
        "whole (the page hashes are macho.slices' signature_problem).", signatures,
        items={"arch": "str", "filetype": "str", "kind": "str", "hardened_runtime": "bool", "team_id": "str?",
               "identifier": "str?", "entitlements": "list[str]", "problem": "str?"}),
    "macho.hardened_runtime": Fact("bool", "Every slice is signed with the hardened runtime (CS_RUNTIME).",
                                   hardened_runtime),
    "macho.team_id": Fact("str?", "The Team ID in the code signature (of the first slice that has one): a "
                          "Developer ID or App Store signature has one, an ad hoc one never.", team_id),
    "macho.entitlements": Fact("list[str]", "The entitlements any slice's signature grants (keys set to true).",
                               entitlements),
    "macho.carried_libraries": Fact(
        "list[object]", "For a program (MH_EXECUTE) that carries a PyInstaller bundle: each Mach-O member of "
        "the bundle (its libraries, extension modules and the Python library it extracts and maps), one item "
        "per slice of an architecture the program has; signature and team_id as in macho.signatures; "
        "same_team: the slice has a Team ID and it is the program's own slice's. Empty for other files: "
        "libraries in an app's folder on disk are not looked for.", carried_libraries,
        items={"path": "str", "arch": "str", "signature": "str", "team_id": "str?", "same_team": "bool"}),
    "macho.carried_ffi": Fact(
        "list[str]", "Members of the program's PyInstaller bundle that make libffi closures in memory they "
        "write, then execute: cffi's `_cffi_backend` extension and `libffi` libraries (CPython's `_ctypes` "
        "linked to the system's libffi is not listed: that libffi takes closures from prebuilt trampolines).",
        carried_ffi),
}
