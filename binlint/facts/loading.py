"""Facts about how the dynamic loader would find an ELF file's libraries inside the artifact
that carries it (binlint.facts.loader is the model): members of the same wheel or tarball, or files
next to it on disk."""
from __future__ import annotations

import functools
import os
import posixpath

from binlint.formats.members import Budget
from binlint.patterns import Pattern  # compiled on first use: only the loader model needs these
from binlint.facts.catalogue import Fact
from binlint.formats.elf.facts import libc
from binlint.formats.elf.prefix import read_elf_member
from binlint.formats.elf.reader import DT_NEEDED, DT_RPATH, DT_RUNPATH, DT_SONAME, ElfFile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from binlint.facts.loader import Dynamic, Graph, Step, Tree
    from binlint.formats.members import Member
    from binlint.facts.view import FileView, Walked
    from binlint.formats.container import Container

ELF_MAGIC = b"\x7fELF"
# Where a wheel's `{name}.data/{scheme}/` files are installed, relative to the installation
# prefix; the wheel's root goes to site-packages, `lib/pythonX.Y/site-packages` under it.
_SITE_PACKAGES = "lib/python/site-packages"
_DATA = Pattern(r"^[^/]+\.data/(purelib|platlib|scripts|headers|data)(/|$)")
_EXTENSION = Pattern(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)?\.so$")  # a module: name[.tag].so
_SCHEMES = {"purelib": _SITE_PACKAGES, "platlib": _SITE_PACKAGES, "scripts": "bin", "headers": "include",
            "data": "."}


class NeedsWholeArchive(Exception):  # noqa: N818 - a signal to the walk, not an error
    """Raised while the walk reads an archive's members the first time (the view has no
    siblings yet): what this member's libraries resolve to depends on the loads of other
    members, so what asks waits until every member has been read once and the walk returned
    what each loads (binlint.walk.members: the second look); the graph then reads no member
    a second time."""


def dynamic(elf: ElfFile) -> Dynamic:
    """What the loader reads of an ELF file (the last DT_RPATH, DT_RUNPATH and DT_SONAME, as
    glibc's and musl's loaders keep the last entry of a tag)."""
    # The loader model's modules are imported where it is used, here and below: only the
    # rules that compare with a target's libraries ask, and importing them cost every
    # other run's start-up 1 ms.
    from binlint.facts.loader import Dynamic

    last = {tag: (elf.dynamic_strings(tag) or [None])[-1] for tag in (DT_RPATH, DT_RUNPATH, DT_SONAME)}
    return Dynamic(tuple(elf.dynamic_strings(DT_NEEDED)), last[DT_RPATH], last[DT_RUNPATH], last[DT_SONAME],
                   elf.bits, elf.machine, elf.little_endian, libc(elf) == "musl")


# -- the tree of a container's members -------------------------------------------------

class _Members:
    """The loader's tree of one container, and its graph once a member needs it."""

    def __init__(self, view: FileView, container: Container) -> None:
        # No reference to the container, which keeps this (binlint.formats.container.Container.loader).
        # A fresh budget: what the graph inflates must not depend on which process builds it.
        self.budget = Budget(view.limits, view.budget.file_size)
        self.siblings: Walked | None = None  # what the walk returned of the members, for the graph
        wheel = view.context.wheel
        self.members: dict[str, Member] = {}
        files, links = {}, {}
        for member in container.members:
            path = installed(member.name, wheel)
            if member.link is None and member.open is not None:
                files.setdefault(path, member.name)
                self.members.setdefault(path, member)
        folders = set()  # every folder above a file, each climbed to once (members share folders)
        for path in files:
            folder = path.rpartition("/")[0]
            while folder and folder not in folders:
                folders.add(folder)
                folder = folder.rpartition("/")[0]
        for member in container.members:
            if member.link is not None and member.link:
                path = installed(member.name, wheel)
                # A symbolic link is relative to its folder; a tar hard link names a path from the root.
                near = posixpath.normpath(posixpath.join(posixpath.dirname(path), member.link))
                rooted = installed(member.link, wheel)
                links[path] = rooted if near not in files and near not in folders and rooted in files else near
        from binlint.facts.loader import Tree

        # A container image is a whole system: its own library directories and musl loader
        # (binlint.formats.image.world); other containers have none.
        self.tree = Tree(files, links, self.read, getattr(container, "library_dirs", ()),
                         getattr(container, "musl_loader", None))
        self.wheel = wheel
        self.graph: Graph | None = None
        self.extensions: dict[str, list[str]] | None = None  # folder -> its extension modules

    def read(self, path: str) -> Dynamic | None:
        member = self.members.get(path)
        if member is None or self.siblings is None or self.siblings.kinds.get(member.name, "elf") != "elf":
            return None
        if member.name in self.siblings.dynamics:  # told by its own view: not read again
            return self.siblings.dynamics[member.name]  # type: ignore[no-any-return]
        try:
            stream = member.open()
            try:
                head = stream.read(4)
                if head != ELF_MAGIC:
                    return None
                data, prefix = read_elf_member(self.budget, member, stream, head)
            finally:
                stream.close()
            return dynamic(ElfFile(data, prefix))
        except Exception:  # noqa: BLE001 - a member that cannot be read loads nowhere, as on a real system
            return None

    def graph_of(self, siblings: Walked) -> Graph:
        if self.graph is None:
            from binlint.facts.loader import Graph

            self.siblings = siblings
            self.graph = Graph(self.tree, self.imported_before if self.wheel else None)
        return self.graph

    def imported_before(self, root: str) -> list[str]:
        """The extension modules of the packages above the one `root` is in: Python imports a
        package (its `__init__.py`, which imports its own extension modules) before the
        subpackages in it, so what those load is already loaded when `root` is imported (or
        dlopen()ed by them: mujoco's plugins, PySide's designer plugin). Not the modules beside
        `root`, which its own package may import before or after it."""
        folders, folder = set(), root.rsplit("/", 1)[0].rsplit("/", 1)[0]
        while folder.startswith(f"{_SITE_PACKAGES}/"):
            folders.add(folder)
            folder = folder.rsplit("/", 1)[0]
        if self.extensions is None:
            self.extensions = {}
            for path in sorted(self.tree.files):
                folder, _, name = path.rpartition("/")
                if _EXTENSION.match(name):
                    self.extensions.setdefault(folder, []).append(path)
        return [p for folder in sorted(folders) for p in self.extensions.get(folder, [])]


def installed(name: str, wheel: bool) -> str:
    """Where a member lands relative to the others once installed: a wheel's root goes to
    site-packages, its `.data/` folders to the prefix; other archives unpack as they are."""
    path = _normpath(name.lstrip("/"))
    if not wheel:
        return path
    match = _DATA.match(path)
    if match:
        return posixpath.normpath(f"{_SCHEMES[match[1]]}/{path[match.end():]}")
    return f"{_SITE_PACKAGES}/{path}"


def _normpath(path: str) -> str:
    """posixpath.normpath(path) for a path without a leading slash: most members' names are
    already normal (no empty, `.` or `..` part), and are taken as they are."""
    if path and "//" not in path and "/." not in path and path[0] != "." and path[-1] != "/":
        return path
    return posixpath.normpath(path)


def _members(view: FileView, container: Container) -> _Members:
    """The container's members as the loader model sees them, made for its first ELF member
    that asks, and kept with the container (so gone with it)."""
    if container.loader is None:
        container.loader = _Members(view, container)
    return container.loader  # type: ignore[no-any-return]


# -- files on disk ----------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _disk() -> type[Tree]:
    """The file system around a file on disk: only what its $ORIGIN entries reach counts
    (absolute entries name the machine binlint runs on, never the target). A class made on
    first use, with the loader model's modules."""
    from binlint.facts.loader import Tree

    class Disk(Tree):
        def __init__(self) -> None:
            super().__init__({}, {}, lambda path: None)

        def real(self, path: str) -> str | None:
            return path if os.path.isfile(path) else None

        def named(self, name: str) -> list[str]:
            return []

        def find(self, directory: str, name: str) -> str | None:
            if "*" not in directory.split("/"):
                return super().find(directory, name)
            import glob

            return next((p for p in sorted(glob.glob(glob.escape(directory).replace("[*]", "*") + "/" +
                                                     glob.escape(name))) if os.path.isfile(p)), None)

    return Disk


# -- the facts --------------------------------------------------------------------------

def search(view: FileView) -> list[tuple[Step, str | None]]:
    """Each DT_NEEDED name of the file and what the loader model gave it, with the root of the
    load that decided it (None: the object's own search paths decided)."""
    if "loading" in view._values:
        return view._values["loading"]
    from binlint.facts.loader import Step, own_search

    elf = view.elf()
    own = view.dynamic = dynamic(elf)  # the walk hands it to the loader model of the holder's other members
    holder = view.holder
    if not own.needed:
        result: list[tuple[Step, str | None]] = []
    elif holder is not None and holder.bundle is not None:
        # A PyInstaller bundle: its bootloader puts the folder holding every library on the
        # search path (LD_LIBRARY_PATH), so a library the bundle carries is found by name.
        names = holder.basenames()
        result = [(Step(n, n if n in names else None, "bundle" if n in names else "not-in-artifact"), None)
                  for n in own.needed]
    elif holder is not None:
        members = _members(view, holder)
        path = installed(view.members[-1], members.wheel)
        steps, whole = own_search(members.tree, path, own)
        result = [(s, None) for s in steps]
        if not whole:  # a carried library its own paths miss: the loads it takes part in decide
            if view.siblings is None:
                raise NeedsWholeArchive(path)
            decided = members.graph_of(view.siblings).steps(path)
            if decided is not None:
                result = [(s, root) for s, root in decided]
        show = members.tree.show
        result = [(s._replace(path=show(s.path) if s.path else None, carried=tuple(show(c) for c in s.carried),
                              via=show(s.via) if s.via else None), show(root) if root else None)
                  for s, root in result]
    elif view.fs_path is not None:  # a file on disk: from its real directory
        here = os.path.dirname(os.path.realpath(view.fs_path))
        result = [(s._replace(via=view.path) if s.via else s, None)
                  for s in own_search(_disk()(), f"{here}/x", own)[0]]
    else:
        result = [(Step(n, None, "not-in-artifact"), None) for n in own.needed]
    view._values["loading"] = result
    return result


def unresolved_needed(view: FileView) -> list[str]:
    return [step.name for step, _ in search(view) if step.path is None]


def needed_search(view: FileView) -> list[dict]:
    return [{"name": step.name, "path": step.path, "how": step.how, "through": step.through, "via": step.via,
             "carried": list(step.carried), "in_load_of": root} for step, root in search(view)]


def needed_not_found(view: FileView) -> list[dict]:
    who = view.members[-1] if view.members else view.path
    return [{"name": step.name, "carried_at": step.carried[0] if step.how == "not-reached" else None,
             "in_load_of": root if root and root != who else None}
            for step, root in search(view) if step.path is None]


FACTS = {
    "elf.unresolved_needed": Fact(
        "list[str]", "DT_NEEDED libraries the artifact does not provide where the dynamic loader looks, so the "
        "target system must: for a member of a wheel or archive, the loader's search is followed among the "
        "members as glibc's ld.so or musl's loader does it (libraries already loaded, DT_RPATH of the object and "
        "of those that loaded it, its DT_RUNPATH, `$ORIGIN`, `$LIB`, `$PLATFORM`), loading each extension "
        "module or program as a root (after the extension modules of the packages above it, which Python imports "
        "first), and a name counts when it fails in any load the member takes part in; in "
        "a PyInstaller bundle, a library with that file name; for a file on disk, a file reached through an "
        "`$ORIGIN` entry of its own DT_RUNPATH (or DT_RPATH).", unresolved_needed),
    "elf.needed_search": Fact(
        "list[object]", "How the loader model met each DT_NEEDED library inside the artifact: name; path where "
        "it was found, or null; how: `search-path` (through a search path: `through` DT_RPATH or DT_RUNPATH "
        "of the object `via`), `path` (a name with `/`), `already-loaded`, `bundle` (a PyInstaller bundle's "
        "folder), or not found: `not-in-artifact`, `not-reached` (carried where no search path looks), "
        "`not-loadable` or `other-architecture` (the file found cannot be loaded), `outside-artifact` (a "
        "path), `musl-itself`, `system` (left to the system by an earlier request); carried: the files of that "
        "name the loader did not use; in_load_of: the load that decided it when other objects took part.",
        needed_search,
        items={"name": "str", "path": "str?", "how": "str", "through": "str?", "via": "str?", "carried": "list[str]",
               "in_load_of": "str?"}),
    "elf.needed_not_found": Fact(
        "list[object]", "The libraries of elf.unresolved_needed, each with where the artifact carries a copy "
        "that no search path reaches (carried_at: `pkg.libs/libfoo.so.1`, the first one the search met; null "
        "when the artifact has none) and, when the load of another object decided it, that object (in_load_of: "
        "`pkg/_ext.so`; null when the object's own search did).", needed_not_found,
        items={"name": "str", "carried_at": "str?", "in_load_of": "str?"}),
}
