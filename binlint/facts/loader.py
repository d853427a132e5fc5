"""How the dynamic loader finds the DT_NEEDED libraries of the ELF files an artifact carries.

A pure model, with no I/O of its own: it is handed a tree (the artifact's file paths, and the
dynamic facts of each file, read when first asked) and follows the loaders step by step.

glibc (elf/dl-load.c, _dl_map_object), for a name without a `/`:
 1. an object already loaded whose DT_SONAME, or a name it was loaded by, is the name;
 2. unless the requesting object has DT_RUNPATH: the DT_RPATH of the requesting object, then
    of the object that loaded it, and on up to the root. An object with DT_RUNPATH on the way
    gives nothing (its DT_RPATH is ignored) but the walk goes on past it: glibc's loop over
    `l_loader` does not stop there;
 3. LD_LIBRARY_PATH: the user's environment, not the artifact's;
 4. the requesting object's own DT_RUNPATH, never inherited;
 5. /etc/ld.so.cache and the system directories: the target's business.
 A file of another ELF class or machine met on the way is skipped; a file that is not ELF fails.
musl (ldso/dynlink.c, load_library):
 1. an object already loaded that a search found under this file name (musl never reads
    DT_SONAME); lib{c,pthread,rt,m,dl,util,xnet}.* are musl itself;
 2. LD_LIBRARY_PATH, as above;
 3. the DT_RUNPATH, or the DT_RPATH when there is none, of the requesting object, then of the
    object that loaded it, and on up: musl makes no difference between the two, both are
    inherited. A list holding a `$` token other than $ORIGIN is ignored whole;
 4. the system path. The first file found is taken, whatever it is.
Both load breadth first from the root, each object's DT_NEEDED in order, and never load one
file twice. A name with a `/` is a path: glibc expands $ORIGIN in it, musl does not; relative
paths are relative to the working directory, never inside the artifact. Only `$ORIGIN`
entries reach into an artifact: an absolute directory is on the target's file system.
"""
from __future__ import annotations

import posixpath
import re
from collections import namedtuple

TYPE_CHECKING = False  # typing costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from typing import Callable, Iterable

# The loader's view of one ELF file. rpath, runpath: the string of the last DT_RPATH and
# DT_RUNPATH entry (both loaders keep the last one of a tag), or None; musl: linked with musl.
Dynamic = namedtuple("Dynamic", "needed rpath runpath soname bits machine little musl")

# What one DT_NEEDED name gave in one load: `path` where it was found in the tree, or None
# (the target must provide it); `how`, in words, for evidence; `carried`: tree paths of that
# file name that no search reached.
Step = namedtuple("Step", "name path how carried", defaults=((),))

MUSL_SELF = re.compile(r"^lib(c|pthread|rt|m|dl|util|xnet)\.")  # load_library's `reserved` names
_GLIBC_TOKEN = re.compile(r"\$(?:\{(ORIGIN|LIB|PLATFORM)\}|(ORIGIN|LIB|PLATFORM)(?![A-Za-z0-9_]))")
_MUSL_ORIGIN = re.compile(r"^\$(\{ORIGIN\}|ORIGIN)")
_ANY = "*"  # a directory component the model cannot know (the user's CPU)

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
    triplet = _TRIPLETS.get(dyn.machine, {}).get((dyn.bits == 64, dyn.little), _ANY)
    return [base, f"lib/{triplet}"] + (["lib64/lp64d"] if dyn.machine == 243 and dyn.bits == 64 else [])


class Tree:
    """The files of one artifact as the loader sees them once installed: `files` maps each
    path (relative to the artifact's root, normalised) to the name shown in evidence; `links`
    maps link paths to what they point to; `read(path)` gives a file's Dynamic, or None when
    it is not a readable ELF file."""

    def __init__(self, files: dict[str, str], links: dict[str, str], read: Callable[[str], Dynamic | None]) -> None:
        self.files, self.links, self._read = files, links, read
        self._dynamic: dict[str, Dynamic | None] = {}
        self._named: dict[str, list[str]] | None = None

    def dynamic(self, path: str) -> Dynamic | None:
        if path not in self._dynamic:
            self._dynamic[path] = self._read(path)
        return self._dynamic[path]

    def real(self, path: str) -> str | None:
        """The file at `path`, through links to files and folders (as the kernel follows
        them, 40 at most)."""
        for _ in range(40):
            if path in self.files:
                return path
            if path in self.links:
                path = self.links[path]
                continue
            parts = path.split("/")
            folder = next((i for i in range(len(parts) - 1, 0, -1) if "/".join(parts[:i]) in self.links), None)
            if folder is None:
                return None
            path = posixpath.normpath("/".join([self.links["/".join(parts[:folder])], *parts[folder:]]))
        return None

    def named(self, name: str) -> list[str]:
        """Paths of files and links called `name`, sorted."""
        if self._named is None:
            self._named = {}
            for path in sorted({*self.files, *self.links}):
                self._named.setdefault(path.rsplit("/", 1)[-1], []).append(path)
        return self._named.get(name, [])

    def find(self, directory: str, name: str) -> str | None:
        """The path of `name` in `directory` (whose components may be _ANY), or None."""
        if _ANY not in directory.split("/"):
            path = posixpath.normpath(f"{directory}/{name}")
            return path if self.real(path) else None
        pattern = directory.split("/")
        for path in self.named(name):
            parts = path.split("/")[:-1]
            if len(parts) == len(pattern) and all(p in (_ANY, q) for p, q in zip(pattern, parts)) and self.real(path):
                return path
        return None

    def show(self, path: str) -> str:
        return self.files.get(path) or path


def _outside(path: str) -> bool:
    return path == ".." or path.startswith("../")


def glibc_dirs(value: str | None, origin: str, dyn: Dynamic) -> list[str]:
    """The tree directories a DT_RPATH or DT_RUNPATH value names, in order."""
    found = []
    for entry in (value or "").split(":"):
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
    values = {"LIB": lib_dirs(dyn), "PLATFORM": [_ANY]}.get(token[1] or token[2])
    if values is None:  # $ORIGIN again, past the start: a path no tree holds
        return []
    return [d for v in values for d in _expand(text[:token.start()] + v + text[token.end():], dyn)]


def musl_dirs(value: str | None, origin: str) -> list[str]:
    if not value:
        return []
    if any(not _MUSL_ORIGIN.match(value[i:]) for i in range(len(value)) if value[i] == "$"):
        return []  # fixup_rpath gives up on the whole list
    found = []
    for entry in re.split("[:\n]", value):
        first = _MUSL_ORIGIN.match(entry)
        if first:
            path = posixpath.normpath(origin + _MUSL_ORIGIN.sub(lambda m: origin, entry[first.end():]))
            if not _outside(path):
                found.append(path)
    return found


def origin_of(path: str) -> str:
    return posixpath.dirname(path) or "."


def own_dirs(path: str, dyn: Dynamic, musl: bool) -> list[tuple[str, str]]:
    """(directory, which entry) the object's own search paths reach, in the order searched."""
    origin = origin_of(path)
    if musl:
        tag = "DT_RUNPATH" if dyn.runpath is not None else "DT_RPATH"
        return [(d, tag) for d in musl_dirs(dyn.runpath if dyn.runpath is not None else dyn.rpath, origin)]
    rpath = [] if dyn.runpath is not None else [(d, "DT_RPATH") for d in glibc_dirs(dyn.rpath, origin, dyn)]
    return rpath + [(d, "DT_RUNPATH") for d in glibc_dirs(dyn.runpath, origin, dyn)]


def describe_paths(dyn: Dynamic) -> str:
    if dyn.runpath is not None:
        return f"its DT_RUNPATH is {dyn.runpath or 'empty'}"
    if dyn.rpath is not None:
        return f"its DT_RPATH is {dyn.rpath or 'empty'}"
    return "it has no DT_RPATH or DT_RUNPATH"


def slash_path(name: str, origin: str, dyn: Dynamic) -> str | None:
    """The tree path a DT_NEEDED name with a `/` opens under glibc, which expands $ORIGIN
    (musl opens the name as it is: relative to the working directory)."""
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
    dirs = own_dirs(path, dyn, dyn.musl)
    for name in dyn.needed:
        if "/" in name:
            found = None if dyn.musl else slash_path(name, origin_of(path), dyn)
            found = found if found and tree.real(found) else None
            steps.append(Step(name, found, "a path" if found else "a path outside the artifact"))
            continue
        if dyn.musl and MUSL_SELF.match(name):
            steps.append(Step(name, None, "musl itself"))
            continue
        hit = next(((d, tag) for d, tag in dirs if tree.find(d, name)), None)
        if hit is not None:
            steps.append(Step(name, tree.find(hit[0], name), f"through the {hit[1]} of {tree.show(path)}"))
            continue
        carried = tuple(tree.named(name))
        whole = whole and not carried
        steps.append(Step(name, None, "not in the artifact" if not carried else "not reached", carried))
    return steps, whole


class TooLarge(Exception):
    """More loading to model than an artifact of real libraries needs (a hostile archive)."""


# Requests all the loads of one artifact may model: the largest real wheels (torch, scipy)
# make tens of thousands; an archive of thousands of objects that all need each other would
# make billions.
MAX_REQUESTS = 2_000_000


class Load:
    """One load from a root: the objects in the order the loader maps them, and what each
    DT_NEEDED name of each gave."""

    def __init__(self, tree: Tree, root: str, preloaded: dict[str, str] | None = None,
                 budget: list[int] | None = None) -> None:
        """`preloaded`: names -> objects already loaded when the root is (by another load);
        `budget`: [requests left], shared by the loads of one artifact."""
        self.tree, self.root, self.budget = tree, root, budget
        top = tree.dynamic(root)
        assert top is not None
        self.musl, self.bits, self.machine, self.little = top.musl, top.bits, top.machine, top.little
        self.order: list[str] = [root]
        self.loader: dict[str, str | None] = {root: None}
        self.steps: dict[str, list[Step]] = {}
        # name -> object (None: from the system) that a request by that name gets at once
        self.known: dict[str, str | None] = dict(preloaded or {})
        self.loader.update((path, None) for path in self.known.values() if path not in self.loader)
        if not self.musl and top.soname:
            self.known[top.soname] = root
        index = 0
        while index < len(self.order):
            self._load_needed(self.order[index])
            index += 1

    def _load_needed(self, path: str) -> None:
        dyn = self.tree.dynamic(path)
        assert dyn is not None
        if self.budget is not None:
            self.budget[0] -= len(dyn.needed)
            if self.budget[0] < 0:
                raise TooLarge
        self.steps[path] = [self._request(path, dyn, name) for name in dyn.needed]

    def _request(self, path: str, dyn: Dynamic, name: str) -> Step:
        tree = self.tree
        if "/" in name:
            target = slash_path(name, origin_of(path), dyn) if not self.musl else None
            return self._map(path, name, target, "a path") if target and tree.real(target) else \
                Step(name, None, "a path outside the artifact")
        if self.musl and MUSL_SELF.match(name):
            return Step(name, None, "musl itself")
        if name in self.known:
            found = self.known[name]
            return Step(name, found, "already loaded" if found else "from the system, already loaded")
        for directory, how in self._search_path(path, dyn):
            hit = tree.find(directory, name)
            if hit is None:
                continue
            target = tree.dynamic(tree.real(hit) or hit)
            if target is None:
                return self._fail(name, f"{tree.show(hit)} is not a loadable ELF file")
            if (target.bits, target.machine, target.little) != (self.bits, self.machine, self.little):
                if self.musl:
                    return self._fail(name, f"{tree.show(hit)} is for another architecture")
                continue  # glibc skips it and searches on
            return self._map(path, name, hit, how)
        carried = tuple(tree.named(name))
        return self._fail(name, "not reached" if carried else "not in the artifact", carried)

    def _fail(self, name: str, how: str, carried: tuple[str, ...] = ()) -> Step:
        # On a system that has it, it comes from there, and so for every later request by name.
        self.known.setdefault(name, None)
        return Step(name, None, how, carried)

    def _map(self, path: str, name: str, hit: str, how: str) -> Step:
        real = self.tree.real(hit) or hit
        if real not in self.loader:  # the same file is never loaded twice (glibc: file id, musl: inode)
            self.order.append(real)
            self.loader[real] = path
            target = self.tree.dynamic(real)
            if not self.musl and target is not None and target.soname:
                self.known.setdefault(target.soname, real)
        if "/" not in name:
            self.known.setdefault(name, real)
        return Step(name, real, how)

    def _search_path(self, path: str, dyn: Dynamic) -> Iterable[tuple[str, str]]:
        show = self.tree.show
        if self.musl:
            chain: str | None = path
            while chain is not None:
                for directory, tag in own_dirs(chain, self.tree.dynamic(chain), True):  # type: ignore[arg-type]
                    yield directory, f"through the {tag} of {show(chain)}"
                chain = self.loader[chain]
            return
        if dyn.runpath is None:
            chain = path
            while chain is not None:
                up = self.tree.dynamic(chain)
                assert up is not None
                if up.runpath is None:
                    for directory in glibc_dirs(up.rpath, origin_of(chain), up):
                        yield directory, f"through the DT_RPATH of {show(chain)}"
                chain = self.loader[chain]
        for directory in glibc_dirs(dyn.runpath, origin_of(path), dyn):
            yield directory, f"through the DT_RUNPATH of {show(path)}"


class Graph:
    """Every load an artifact's ELF files take part in: each object that no other one loads
    (an extension module, a program, a plugin) is loaded as a root, as Python's import or the
    kernel would; objects only a cycle reaches are roots too. An object is judged by the loads
    it takes part in: a name that fails in any of them is not found. dlopen() calls are not
    seen: a plugin that its host opens after loading what the plugin needs is judged as a
    root of its own."""

    def __init__(self, tree: Tree, preloaders: Callable[[str], list[str]] | None = None) -> None:
        """`preloaders(root)`: the objects whose loads are done before the root's (Python
        imports a package before its modules); their objects are already loaded then.
        Past MAX_REQUESTS nothing is decided: steps() answers None for every object."""
        self.results: dict[str, list[tuple[Step, str]]] = {}
        try:
            self._load_all(tree, preloaders, [MAX_REQUESTS])
        except TooLarge:
            self.results = {}

    def _load_all(self, tree: Tree, preloaders: Callable[[str], list[str]] | None, budget: list[int]) -> None:
        objects = sorted(p for p in tree.files if tree.dynamic(p) is not None)
        loads = {p: Load(tree, p, budget=budget) for p in objects}
        loaded_by_others = {q for load in loads.values() for q in load.order[1:]}
        roots = [p for p in objects if p not in loaded_by_others]
        covered = {q for r in roots for q in loads[r].order}
        for p in objects:
            if p not in covered:
                roots.append(p)
                covered.update(loads[p].order)
        self.loads = {r: loads[r] for r in roots}
        for root in roots:
            preloaded = {name: path for p in (preloaders(root) if preloaders else []) if p in loads and p != root
                         for name, path in loads[p].known.items() if path is not None}
            if preloaded:
                self.loads[root] = Load(tree, root, preloaded, budget)
        for root in roots:  # sorted, then the cycles': the same answer in every process
            for path, steps in self.loads[root].steps.items():
                known = self.results.setdefault(path, [(s, root) for s in steps])
                for index, step in enumerate(steps):
                    if step.path is None and known[index][0].path is not None:
                        known[index] = (step, root)

    def steps(self, path: str) -> list[tuple[Step, str]] | None:
        """Each DT_NEEDED name of the object and the root of the load that decided it (the
        first load where it fails, else the first where it is found), or None for an object
        no load maps."""
        return self.results.get(path)
