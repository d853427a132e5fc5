"""The loads of an artifact: from each root, the objects the loader maps and what each
DT_NEEDED name gives, searched as glibc or musl search."""
from __future__ import annotations

from binlint.facts.loader.search_paths import MUSL_SELF, glibc_dirs, origin_of, own_dirs, slash_path
from binlint.facts.loader.tree import Dynamic, Step, Tree

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Iterable


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
            target = slash_path(name, origin_of(path), dyn, tree.rooted, self.musl)
            return self._map(path, name, target, Step(name, None, "path")) if target and tree.real(target) else \
                Step(name, None, "outside-artifact")
        if self.musl and MUSL_SELF.match(name):
            return Step(name, tree.musl_self, "musl-itself")
        if name in self.known:
            found = self.known[name]
            return Step(name, found, "already-loaded" if found else "system")
        for directory, tag, via in self._search_path(path, dyn):
            hit = tree.find(directory, name)
            if hit is None:
                continue
            target = tree.dynamic(tree.real(hit) or hit)
            if target is None:
                return self._fail(name, "not-loadable", (hit,))
            if (target.bits, target.machine, target.little) != (self.bits, self.machine, self.little):
                if self.musl:
                    return self._fail(name, "other-architecture", (hit,))
                continue  # glibc skips it and searches on
            return self._map(path, name, hit, Step(name, None, "search-path", through=tag, via=via))
        carried = tuple(tree.named(name))
        return self._fail(name, "not-reached" if carried else "not-in-artifact", carried)

    def _fail(self, name: str, how: str, carried: tuple[str, ...] = ()) -> Step:
        # On a system that has it, it comes from there, and so for every later request by name.
        self.known.setdefault(name, None)
        return Step(name, None, how, carried)

    def _map(self, path: str, name: str, hit: str, found: Step) -> Step:
        """`found`, at the file `hit` leads to, which the load maps once."""
        real = self.tree.real(hit) or hit
        if real not in self.loader:  # the same file is never loaded twice (glibc: file id, musl: inode)
            self.order.append(real)
            self.loader[real] = path
            target = self.tree.dynamic(real)
            if not self.musl and target is not None and target.soname:
                self.known.setdefault(target.soname, real)
        if "/" not in name:
            self.known.setdefault(name, real)
        return found._replace(path=real)

    def _search_path(self, path: str, dyn: Dynamic) -> Iterable[tuple[str, str, str]]:
        """Each directory the loader searches for a name `path` needs, with the tag and the
        object whose search path it is on."""
        if self.musl:
            chain: str | None = path
            while chain is not None:
                for directory, tag in own_dirs(chain, self.tree.dynamic(chain), True, self.tree.rooted):  # type: ignore[arg-type]
                    yield directory, tag, chain
                chain = self.loader[chain]
            yield from ((d, "system", path) for d in self.tree.system)
            return
        if dyn.runpath is None:
            chain = path
            while chain is not None:
                up = self.tree.dynamic(chain)
                assert up is not None
                if up.runpath is None:
                    for directory in self._dirs(chain, up, "DT_RPATH"):
                        yield directory, "DT_RPATH", chain
                chain = self.loader[chain]
        for directory in self._dirs(path, dyn, "DT_RUNPATH"):
            yield directory, "DT_RUNPATH", path
        yield from ((d, "system", path) for d in self.tree.system)

    def _dirs(self, path: str, dyn: Dynamic, entry: str) -> list[str]:
        """The directories the object's DT_RPATH or DT_RUNPATH names, worked out once per
        tree: every load that maps the object searches them again (a third of scipy's graph)."""
        key = (path, entry)
        found = self.tree.entry_dirs.get(key)
        if found is None:
            value = dyn.rpath if entry == "DT_RPATH" else dyn.runpath
            found = self.tree.entry_dirs[key] = glibc_dirs(value, origin_of(path), dyn, self.tree.rooted)
        return found


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
