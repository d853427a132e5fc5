"""Facts of Mach-O files, thin and fat: one parse per file gives every slice's facts.

LIEF reads the file in a helper process (binlint/formats/macho/isolate.py, binlint/formats/macho/reader.py):
a crash or hang there becomes this file's `unreadable-artifact` finding. Here the plain
values it returns are turned into facts, and dylib paths are resolved against the files
that ship beside this one (the members of the same wheel or archive, or the directory).
"""
from __future__ import annotations

import os
import posixpath

from binlint.errors import ArtifactError
from binlint.facts.catalogue import Fact
from binlint.wheeltags import target_from_platforms

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.facts import FileView
    from binlint.formats.macho.isolate import Helper

PARSE_SECONDS = 30.0  # per file: LIEF reads a large framework in well under a second
SYSTEM_PREFIXES = ("/usr/lib/", "/System/")  # in the dyld shared cache: not on disk since macOS 11

_helper: Helper | None = None


def _parse(request: Any) -> Any:
    from binlint.formats.macho.reader import parse

    return parse(request)


def slices(view: FileView) -> list[dict[str, Any]]:
    """The raw facts of each slice, parsed once per file in the helper process."""
    if "macho" not in view._values:
        from binlint.formats.macho.isolate import Helper, IsolatedError  # only when a Mach-O file is met

        global _helper
        if _helper is None:
            _helper = Helper(_parse, PARSE_SECONDS)
        fs_path = view._fs_path if view.depth == 0 else None
        request = (fs_path, None) if fs_path is not None else (None, view.data)
        try:
            view._values["macho"] = _helper.call(request)
        except IsolatedError as err:
            raise ArtifactError(str(err)) from None
    return view._values["macho"]


def _slice_facts(view: FileView) -> list[dict[str, Any]]:
    keep = ("arch", "cputype", "cpusubtype", "filetype", "flags", "min_os", "sdk", "platform", "install_name",
            "signed", "signature_valid", "signature_problem")
    return [{key: raw[key] for key in keep} for raw in slices(view)]


# -- where a dylib is found ----------------------------------------------------------------
class Tree:
    """What ships beside the file: the members of its archive, or the files on disk."""

    def __init__(self, view: FileView) -> None:
        holder = view.holder
        self.names: frozenset[str] | None = None
        self.dirs: frozenset[str] = frozenset()
        if holder is not None:
            self.names, self.dirs = holder.name_set(), holder.folders()
            self.base = posixpath.dirname(view.members[-1])
        else:
            self.base = os.path.dirname(view.fs_path or view.path)

    def has(self, relative: str, directory: bool = False) -> bool:
        if self.names is None:
            path = os.path.join(self.base, relative)
            return os.path.isdir(path) if directory else os.path.isfile(path)
        path = posixpath.normpath(posixpath.join(self.base, relative))
        if path.startswith("../") or path == "..":
            return False
        return path in self.dirs or path == "." if directory else path in self.names


def _anchored(path: str, executable: bool) -> str | None:
    """`path` relative to the file's directory, for @loader_path (and @executable_path in
    an executable); None for paths that do not start there."""
    for anchor in ("@loader_path", *(("@executable_path",) if executable else ())):
        if path == anchor or path.startswith(anchor + "/"):
            return path[len(anchor):].lstrip("/") or "."
    return None


def _where(path: str, executable: bool, tree: Tree, directory: bool = False) -> str:
    """system, build-machine, artifact, missing or unknown (see the facts' docs)."""
    if path.startswith(SYSTEM_PREFIXES) or f"{path}/" in SYSTEM_PREFIXES:  # an LC_RPATH of /usr/lib itself
        return "system"
    if path.startswith("/"):
        return "build-machine"
    relative = _anchored(path, executable)
    if relative is not None:
        return "artifact" if tree.has(relative, directory) else "missing"
    if path.startswith("@executable_path"):
        return "unknown"  # the program that loads this library decides
    return "missing"  # relative to the working directory: never reliably beside the file


def _resolve(path: str, rpaths: list[str], executable: bool, tree: Tree) -> str:
    if not path.startswith("@rpath/"):
        return _where(path, executable, tree)
    found = [_where(candidate, executable, tree) for candidate in candidates(path, rpaths)]
    for outcome in ("artifact", "system", "unknown"):  # an rpath into the build machine finds nothing here
        if outcome in found:
            return outcome
    return "missing"


def searched_in(path: str) -> str:
    """Where dyld looks for a load path: `absolute`, `rpaths`, `loader-folder`,
    `program-folder` or `working-directory` (see the facts' docs)."""
    if path.startswith("/"):
        return "absolute"
    if path.startswith("@rpath/"):
        return "rpaths"
    for anchor, where in (("@loader_path", "loader-folder"), ("@executable_path", "program-folder")):
        if path == anchor or path.startswith(anchor + "/"):
            return where
    # dyld opens a path without @ or / as it is: relative to the process's working directory.
    return "working-directory"


def candidates(path: str, rpaths: list[str]) -> list[str]:
    """The load path, or an @rpath one under each of the slice's rpaths, in order (dyld
    also tries the rpaths of what loads the file, which the file does not know)."""
    if not path.startswith("@rpath/"):
        return [path]
    return [posixpath.join(r, path[len("@rpath/"):]) for r in rpaths]


def dylibs(view: FileView) -> list[dict[str, Any]]:
    tree = Tree(view)
    found = []
    for raw in slices(view):
        executable = raw["filetype"] == "EXECUTE"
        for dylib in raw["dylibs"]:
            found.append({"arch": raw["arch"], **dylib,
                          "resolution": _resolve(dylib["path"], raw["rpaths"], executable, tree),
                          "searched_in": searched_in(dylib["path"]),
                          "candidates": candidates(dylib["path"], raw["rpaths"])})
    return found


def rpaths(view: FileView) -> list[dict[str, Any]]:
    tree = Tree(view)
    return [{"arch": raw["arch"], "path": path, "resolution": _where(path, raw["filetype"] == "EXECUTE", tree, True)}
            for raw in slices(view) for path in raw["rpaths"]]


def missing_tag_archs(view: FileView) -> list[str]:
    """The architectures the macOS platform tags of the wheel holding the file promise (a
    universal2 tag: both) that no slice has; the nearest wheel holding it, as the walk tells."""
    platforms = view.context.wheel_platforms
    promise = target_from_platforms(list(platforms)) if platforms is not None else {}
    if "macos" not in promise:
        return []
    return sorted(set(promise.get("arch") or ()) - {raw["arch"] for raw in slices(view)})


_WHERE_DOC = ("`system` (under /usr/lib or /System: the dyld shared cache), `build-machine` (any other absolute "
              "path), `artifact` (found beside the file: @loader_path, @executable_path in an executable, "
              "@rpath through one of the slice's rpaths, against the members of the same archive or the "
              "directory on disk), `missing` (not found there), `unknown` (@executable_path in a library)")
FACTS = {
    "macho.slices": Fact(
        "list[object]", "One item per architecture slice (one for a thin file), in file order: the header "
        "(filetype without MH_, flags with it), the minimum OS and SDK (LC_BUILD_VERSION or LC_VERSION_MIN_*), "
        "LC_ID_DYLIB, and the code signature. signature_valid: every page hash of every code directory matches "
        "the slice's bytes, signature_problem says where not.", _slice_facts,
        items={"arch": "str", "cputype": "int", "cpusubtype": "int", "filetype": "str", "flags": "list[str]",
               "min_os": "str?", "sdk": "str?", "platform": "str?",
               "install_name": "str?", "signed": "bool", "signature_valid": "bool", "signature_problem": "str?"}),
    "macho.archs": Fact("list[str]", "The slices' architectures as wheel tags spell them (x86_64, arm64, i386...).",
                        lambda v: [s["arch"] for s in slices(v)]),
    "macho.fat": Fact("bool", "A fat (universal) file: a fat header before the slices, even a single one.",
                      lambda v: v.head[:4] in (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf")),
    "macho.platforms": Fact("list[str]", "The LC_BUILD_VERSION (or LC_VERSION_MIN_*) platforms of the slices, once "
                            "each, in file order: macos, ios, iossimulator, tvos, watchos, ... (the `platform` of "
                            "macho.slices).",
                            lambda v: list(dict.fromkeys(s["platform"] for s in slices(v) if s["platform"]))),
    "macho.dylibs": Fact(
        "list[object]", "Every dylib load command (LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB, "
        "LC_LOAD_UPWARD_DYLIB, LC_LAZY_LOAD_DYLIB) and the LC_ID_DYLIB of every slice; kind: load, weak, "
        "reexport, upward, lazy, or id for the file's own install name; "
        "resolution: " + _WHERE_DOC + "; searched_in: where dyld looks for the path, `absolute` (the path itself), `rpaths` (@rpath: under each "
        "of the slice's rpaths), `loader-folder` (@loader_path: the file's own folder), `program-folder` "
        "(@executable_path: the folder of the program, the file itself or the one that loads it) or "
        "`working-directory` (a path without `@` or `/`, such as `liba.dylib`, is opened from the process's "
        "working directory); candidates: the path, or for @rpath the path under each of the slice's own rpaths, "
        "in order (dyld also tries the rpaths of what loads the file).", dylibs,
        items={"arch": "str", "path": "str", "kind": "str", "current_version": "str", "compat_version": "str",
               "resolution": "str", "searched_in": "str", "candidates": "list[str]"}),
    "macho.rpaths": Fact("list[object]", "Every LC_RPATH of every slice; resolution as for macho.dylibs, the "
                         "directory's.", rpaths,
                         items={"arch": "str", "path": "str", "resolution": "str"}),
    "macho.missing_tag_archs": Fact(
        "list[str]", "The architectures the macOS platform tags of the wheel holding the file promise (both "
        "x86_64 and arm64 for universal2) with no slice in the file; empty outside a wheel with a macosx tag.",
        missing_tag_archs),
}
