"""Facts of a Mach-O file's code signature, and of the signatures of the libraries a program
carries in its PyInstaller bundle: what macOS's hardened runtime checks when the program maps
them (library validation compares Team IDs) or asks for writable executable memory."""
from __future__ import annotations

import itertools
import mmap
import os
import posixpath
import re

from binlint.errors import ArtifactError
from binlint.facts.catalogue import Fact
from binlint.formats import classify
from binlint.formats.macho.facts import slices

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterator

    from binlint.facts import FileView

LIBRARY_TYPES = frozenset({"DYLIB", "BUNDLE"})  # what a process maps: libraries, extension modules, plug-ins
OWN_PROCESS = (".app", ".appex", ".xpc")
APP_FILES_MAX = 50_000  # files looked at in one app: Xcode.app has 400,000; a Python app a few thousand
HEAD = 64
# The modules that build libffi closures in memory they write and then execute: cffi's backend
# (ffi.callback) and a libffi the bundle carries. CPython's _ctypes alone is left out: built
# against the system's libffi, its closures come from the trampolines in the dyld shared cache.
FFI_NAMES = re.compile(r"^(_cffi_backend\.[^/]*\.so|libffi[.\-][^/]*dylib)$")


def file_signatures(data: Any) -> list[dict[str, Any]]:
    from binlint.formats.macho.codesign import file_signatures  # only when a Mach-O file is met

    return file_signatures(data)


def signatures(view: FileView) -> list[dict[str, Any]]:
    """Read once a file, in the fat header's order; only once LIEF has read the file (a file
    it cannot read is unreadable, whatever its signature)."""
    if "macho.signatures" not in view._values:
        slices(view)
        view._values["macho.signatures"] = file_signatures(view.data)
    return view._values["macho.signatures"]


def hardened_runtime(view: FileView) -> bool:
    return all(s["hardened_runtime"] for s in signatures(view))


def team_id(view: FileView) -> str | None:
    return next((s["team_id"] for s in signatures(view) if s["team_id"]), None)


def entitlements(view: FileView) -> list[str]:
    return sorted({key for s in signatures(view) for key in s["entitlements"]})


def _bundle_members(view: FileView) -> Iterator[tuple[str, Any]]:
    """(name, bytes) of the Mach-O members of the program's PyInstaller bundle."""
    container = view.container()
    if container is None or container.bundle is None:
        return
    kinds = view.walked.kinds
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
        if classify(data[:HEAD]) == "macho":
            yield member.name, data


def _app_contents(view: FileView) -> str | None:
    """The `Contents` folder of the app whose main program the file is (`X.app/Contents/MacOS/x`
    on disk), or None."""
    path = view.fs_path
    if view.depth or path is None:
        return None
    macos = os.path.dirname(os.path.abspath(path))
    contents = os.path.dirname(macos)
    if os.path.basename(macos) != "MacOS" or os.path.basename(contents) != "Contents" or \
            not os.path.dirname(contents).endswith(".app"):
        return None
    return contents


def _app_paths(contents: str) -> Iterator[tuple[str, str]]:
    """(path under Contents/, full path) of the app's files, links left out (a framework's
    links lead to its own files); nested apps, app extensions and XPC services run as
    processes of their own and are left out too."""
    seen = 0
    for root, dirs, files in os.walk(contents):
        dirs[:] = sorted(d for d in dirs if not d.endswith(OWN_PROCESS))
        for name in sorted(files):
            seen += 1
            if seen > APP_FILES_MAX:
                return
            full = os.path.join(root, name)
            if not os.path.islink(full):
                yield os.path.relpath(full, contents), full


def _app_files(view: FileView) -> Iterator[tuple[str, Any]]:
    """(path under Contents/, mapped bytes) of the Mach-O files of the app around the program."""
    contents = _app_contents(view)
    if contents is None:
        return
    program = os.path.abspath(view.fs_path or "")
    for name, full in _app_paths(contents):
        data = _mapped(full) if full != program else None
        if data is not None:
            try:
                yield name, data
            finally:
                data.close()


def _mapped(path: str) -> Any:
    """The file mapped, when it is Mach-O; None otherwise or when it cannot be read."""
    try:
        with open(path, "rb") as stream:
            if classify(stream.read(HEAD)) != "macho":
                return None
            return mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None


def carried_libraries(view: FileView) -> list[dict[str, Any]]:
    """Each slice, of an architecture the program has, of each library in its bundle."""
    own = {s["arch"]: s for s in signatures(view) if s["filetype"] == "EXECUTE"}
    if not own:
        return []
    found = []
    for name, data in itertools.chain(_bundle_members(view), _app_files(view)):
        for signature in file_signatures(data):
            loader = own.get(signature["arch"])
            if loader is None or signature["filetype"] not in LIBRARY_TYPES:
                continue  # never mapped by this program: another architecture, or a program of its own
            found.append({"path": name, "arch": signature["arch"], "signature": signature["kind"],
                          "team_id": signature["team_id"],
                          "same_team": signature["team_id"] is not None and signature["team_id"] == loader["team_id"]})
    return found


def carried_ffi(view: FileView) -> list[str]:
    container = view.container()
    names = [m.name for m in container.members] if container is not None and container.bundle is not None else []
    contents = _app_contents(view)
    if contents is not None:
        names += [name for name, _ in _app_paths(contents)]
    return [name for name in names if FFI_NAMES.match(posixpath.basename(name))]


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
        "list[object]", "For a program (MH_EXECUTE): the libraries and loadable bundles (MH_DYLIB, MH_BUNDLE) "
        "it carries, as members of its PyInstaller bundle (the Python library and extension modules it "
        "extracts and maps) or, for the main program of an app on disk (`X.app/Contents/MacOS/x`), as files "
        "under the app's `Contents/` (nested .app, .appex and .xpc bundles left out: they are processes of "
        "their own); one item per slice of an architecture the program has; path: the member's name, or the "
        "path under Contents/; signature and team_id as in macho.signatures; same_team: the slice has a Team "
        "ID and it is the program's own slice's. Empty for libraries and for programs carrying nothing.", carried_libraries,
        items={"path": "str", "arch": "str", "signature": "str", "team_id": "str?", "same_team": "bool"}),
    "macho.carried_ffi": Fact(
        "list[str]", "Members of the program's PyInstaller bundle, or files under the `Contents/` of the app it is "
        "the main program of (as for macho.carried_libraries), that make libffi closures in memory they "
        "write, then execute: cffi's `_cffi_backend` extension and `libffi` libraries (CPython's `_ctypes` "
        "linked to the system's libffi is not listed: that libffi takes closures from prebuilt trampolines).",
        carried_ffi),
}
