"""The files of one artifact as the dynamic loader sees them, and what the model says of each."""
from __future__ import annotations

import posixpath
from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable

# The loader's view of one ELF file. rpath, runpath: the string of the last DT_RPATH and
# DT_RUNPATH entry (both loaders keep the last one of a tag), or None; musl: linked with musl.
Dynamic = namedtuple("Dynamic", "needed rpath runpath soname bits machine little musl")

# What one DT_NEEDED name gave in one load: `path` where it was found in the tree, or None
# (the target must provide it); `how`, one of HOW; `carried`: tree paths of that file name
# that no search reached, or the file found that the loader cannot use; `through`, `via`: the
# search path that found it (DT_RPATH or DT_RUNPATH) and the object whose it is.
Step = namedtuple("Step", "name path how carried through via", defaults=((), None, None))
# How: found through a search path (`through` DT_RPATH, DT_RUNPATH, or `system`: the default
# directories of a tree that is a whole system), as a path (a name with `/`), already loaded, in a
# PyInstaller bundle; or not: a path outside the artifact, musl's own loader, already left to
# the system, a file found that is not a loadable ELF file or is for another architecture,
# carried where no search path reaches, not in the artifact.
HOW = ("search-path", "path", "already-loaded", "bundle", "outside-artifact", "musl-itself", "system",
       "not-loadable", "other-architecture", "not-reached", "not-in-artifact")

ANY = "*"  # a directory component the model cannot know (the user's CPU)


class Tree:
    """The files of one artifact as the loader sees them once installed: `files` maps each
    path (relative to the artifact's root, normalised) to the name shown in evidence; `links`
    maps link paths to what they point to; `read(path)` gives a file's Dynamic, or None when
    it is not a readable ELF file. A tree that is a whole system (a container image) also
    gives the loader's default directories (`system`, searched after each object's own paths,
    as ld.so.cache and the built-in path are), and its absolute paths are its own (`rooted`:
    an RPATH of /opt/app/lib names the tree's opt/app/lib); `musl_self`, the path of musl's
    loader that the names of musl itself (libc.so) stand for."""

    def __init__(self, files: dict[str, str], links: dict[str, str], read: Callable[[str], Dynamic | None],
                 system: tuple[str, ...] = (), musl_self: str | None = None) -> None:
        self.files, self.links, self._read = files, links, read
        self.system, self.musl_self, self.rooted = system, musl_self, bool(system)
        self._dynamic: dict[str, Dynamic | None] = {}
        self._named: dict[str, list[str]] | None = None
        # (path, DT_RPATH or DT_RUNPATH) -> the directories that entry names, for the loads
        self.entry_dirs: dict[tuple[str, str], list[str]] = {}

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
        """The path of `name` in `directory` (whose components may be ANY), or None."""
        if ANY not in directory.split("/"):
            path = posixpath.normpath(f"{directory}/{name}")
            return path if self.real(path) else None
        pattern = directory.split("/")
        for path in self.named(name):
            parts = path.split("/")[:-1]
            if len(parts) == len(pattern) and all(p in (ANY, q) for p, q in zip(pattern, parts)) and self.real(path):
                return path
        return None

    def show(self, path: str) -> str:
        return self.files.get(path) or path
