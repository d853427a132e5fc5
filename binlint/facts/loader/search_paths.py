"""The directories of the tree that an object's DT_RPATH, DT_RUNPATH and DT_NEEDED paths name,
as glibc and musl expand them, and what those directories alone give."""
from __future__ import annotations

import posixpath
import re

from binlint.facts.loader.tree import ANY, Dynamic, Step, Tree
from binlint.patterns import Pattern  # compiled on first use (binlint/patterns.py)

MUSL_SELF = Pattern(r"^lib(c|pthread|rt|m|dl|util|xnet)\.")  # load_library's `reserved` names
_GLIBC_TOKEN = Pattern(r"\$(?:\{(ORIGIN|LIB|PLATFORM)\}|(ORIGIN|LIB|PLATFORM)(?![A-Za-z0-9_]))")
_MUSL_ORIGIN = Pattern(r"^\$(\{ORIGIN\}|ORIGIN)")

# $LIB is the library directory the target's glibc was configured with: `lib64` (64-bit) or
# `lib` (32-bit) upstream, on RHEL and in the manylinux images, `lib/<multiarch triplet>` on
# Debian and Ubuntu. Which distribution runs the artifact is not known, so each of them is
# searched: a library under any counts as found (a false report is the worse mistake).
# e_machine -> Debian's triplet, by (64-bit, little-endian).
_TRIPLETS = {
    62: {(True, True): "x86_64-linux-gnu", (False, True): "x86_64-linux-gnux32"},
    3: {(False, True): "i386-linux-gnu"},
    183: {(True, True): "aarch64-linux-gnu"},
    40: {(False, True): "arm-linux-gnueabihf"},
    21: {(True, True): "powerpc64le-linux-gnu", (True, False): "powerpc64-linux-gnu"},
    22: {(True, False): "s390x-linux-gnu"},
    243: {(True, True): "riscv64-linux-gnu"},
}
# $PLATFORM is AT_PLATFORM, the name the kernel (or glibc 2.26 to 2.36, `haswell`) gives the
# user's CPU: x86_64, haswell, aarch64, v7l, power9... It is one directory of any name here.


def lib_dirs(dyn: Dynamic) -> list[str]:
    base = "lib64" if dyn.bits == 64 else "lib"
    triplet = _TRIPLETS.get(dyn.machine, {}).get((dyn.bits == 64, dyn.little), ANY)
    return [base, f"lib/{triplet}"] + (["lib64/lp64d"] if dyn.machine == 243 and dyn.bits == 64 else [])


def _outside(path: str) -> bool:
    return path == ".." or path.startswith("../")


def glibc_dirs(value: str | None, origin: str, dyn: Dynamic, rooted: bool = False) -> list[str]:
    """The tree directories a DT_RPATH or DT_RUNPATH value names, in order (absolute ones
    only in a `rooted` tree, a whole system)."""
    found = []
    for entry in (value or "").split(":"):
        if rooted and entry.startswith("/"):
            found += [d.lstrip("/") or "." for d in _expand(posixpath.normpath(entry), dyn)]
            continue
        first = _GLIBC_TOKEN.match(entry)
        if not first or (first[1] or first[2]) != "ORIGIN":
            continue  # empty or relative: the working directory; absolute: the target's
        found += [d for d in _expand(origin + entry[first.end():], dyn) if not _outside(d)]
    return found


def _expand(text: str, dyn: Dynamic) -> list[str]:
    """`text` with $LIB and $PLATFORM replaced, once for each value $LIB may have."""
    token = _GLIBC_TOKEN.search(text)
    if token is None:
        return [posixpath.normpath(text)]
    values = {"LIB": lib_dirs(dyn), "PLATFORM": [ANY]}.get(token[1] or token[2])
    if values is None:  # $ORIGIN again, past the start: a path no tree holds
        return []
    return [d for v in values for d in _expand(text[:token.start()] + v + text[token.end():], dyn)]


def musl_dirs(value: str | None, origin: str, rooted: bool = False) -> list[str]:
    if not value:
        return []
    if any(not _MUSL_ORIGIN.match(value[i:]) for i in range(len(value)) if value[i] == "$"):
        return []  # fixup_rpath gives up on the whole list
    found = []
    for entry in re.split("[:\n]", value):
        if rooted and entry.startswith("/"):
            found.append(posixpath.normpath(entry).lstrip("/") or ".")
            continue
        first = _MUSL_ORIGIN.match(entry)
        if first:
            path = posixpath.normpath(origin + _MUSL_ORIGIN.sub(lambda m: origin, entry[first.end():]))
            if not _outside(path):
                found.append(path)
    return found


def origin_of(path: str) -> str:
    return posixpath.dirname(path) or "."


def own_dirs(path: str, dyn: Dynamic, musl: bool, rooted: bool = False) -> list[tuple[str, str]]:
    """(directory, which entry) the object's own search paths reach, in the order searched."""
    origin = origin_of(path)
    if musl:
        tag = "DT_RUNPATH" if dyn.runpath is not None else "DT_RPATH"
        return [(d, tag) for d in musl_dirs(dyn.runpath if dyn.runpath is not None else dyn.rpath, origin, rooted)]
    rpath = [] if dyn.runpath is not None else [(d, "DT_RPATH") for d in glibc_dirs(dyn.rpath, origin, dyn, rooted)]
    return rpath + [(d, "DT_RUNPATH") for d in glibc_dirs(dyn.runpath, origin, dyn, rooted)]


def slash_path(name: str, origin: str, dyn: Dynamic, rooted: bool = False, musl: bool = False) -> str | None:
    """The tree path a DT_NEEDED name with a `/` opens under glibc, which expands $ORIGIN
    (musl opens the name as it is: relative to the working directory, or in a `rooted` tree
    an absolute path as it is)."""
    if rooted and name.startswith("/"):
        return posixpath.normpath(name).lstrip("/")
    if musl:
        return None
    first = _GLIBC_TOKEN.match(name)
    if not first or (first[1] or first[2]) != "ORIGIN":
        return None
    paths = [p for p in _expand(origin + name[first.end():], dyn) if not _outside(p)]
    return paths[0] if paths else None


def own_search(tree: Tree, path: str, dyn: Dynamic) -> tuple[list[Step], bool]:
    """What the object's own search paths find, without loading anything else, and whether
    that is the whole answer: False when a name the tree carries was not reached, which only
    the loads it takes part in can settle (what loaded it, and its DT_RPATH, come first).
    This reads no other file: the first file found is taken (as musl does; glibc would skip
    one of another ELF class), and a name no file of the tree is called is left to the
    system (an object loaded under another name that has it as DT_SONAME is not looked for)."""
    steps, whole = [], True
    dirs = own_dirs(path, dyn, dyn.musl, tree.rooted) + [(d, "system") for d in tree.system]
    for name in dyn.needed:
        if "/" in name:
            found = slash_path(name, origin_of(path), dyn, tree.rooted, dyn.musl)
            found = found if found and tree.real(found) else None
            steps.append(Step(name, found, "path" if found else "outside-artifact"))
            continue
        if dyn.musl and MUSL_SELF.match(name):
            steps.append(Step(name, tree.musl_self, "musl-itself"))
            continue
        hit = next(((d, tag) for d, tag in dirs if tree.find(d, name)), None)
        if hit is not None:
            steps.append(Step(name, tree.find(hit[0], name), "search-path", through=hit[1], via=path))
            continue
        carried = tuple(tree.named(name))
        whole = whole and not carried
        steps.append(Step(name, None, "not-reached" if carried else "not-in-artifact", carried))
    return steps, whole
