"""The view of one artifact: what it is, its bytes, and its facts, each computed once, only
when a rule asks.

An artifact is a file on disk or a member of a container (an archive, a PyInstaller bundle);
members are views too, with the container's path before a `!`. A view states what it holds:
it never climbs to the container that held it, nor knows the target it is judged against.
What a member needs to know of its holders, the walk hands down as its Context.
"""
from __future__ import annotations

import mmap
import os
import stat
from collections import namedtuple

from binlint.errors import ArtifactError
from binlint.facts import fact_format, group_facts
from binlint.formats import FOLDER_KIND, MAPPED, REGISTRY, classify, description, hook
from binlint.formats.classify import HEAD_SIZE, SCRIPT_LINE_MAX, pyc_python
from binlint.formats.container import Container
from binlint.formats.elf.reader import ElfFile
from binlint.formats.members import Budget

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.formats.elf.read_base import Prefix
    from binlint.formats.members import Limits
    from binlint.walk.discover import Artifact

# What the walk tells a member of its holders. held_in: the kind of the archive or bundle it
# was read from (`deb` for a Debian package), None on disk; wheel: that archive is a wheel (its
# members install into site-packages); wheel_platforms: the platform tags of the nearest wheel
# holding it, at any depth, None outside wheels; wheel_tags: the tags of the wheel that holds it
# directly (`cp312-cp312-manylinux_2_17_x86_64`), None elsewhere: only its own members are imported.
# promises: the target values a distribution package's declared dependencies and architecture
# promise its own members (binlint.formats.package), as (key, value) pairs; () elsewhere.
Context = namedtuple("Context", "held_in wheel wheel_platforms wheel_tags promises",
                     defaults=(None, False, None, None, ()))
ON_DISK = Context()

# What the walk returned of a container's members: kinds, each member's kind by its first
# bytes; dynamics, what the loader reads of each ELF member whose facts computed it
# (binlint.facts.loader.Dynamic); digests, the SHA-256 and size of each member of a wheel
# as the walk read it (binlint.walk.digest), for RECORD's check.
Walked = namedtuple("Walked", "kinds dynamics digests")
NOT_WALKED = Walked({}, {}, {})

READ_WHOLE = 64 << 10  # files up to this size are read, not mapped
_UNKNOWN = object()  # a fact not computed yet


class _Computes(dict):  # type: ignore[type-arg]
    """kind -> {fact: compute} for the facts that kind has (the file facts and its groups'),
    made when a view of the kind first asks: start-up sees few of the 19 kinds."""

    def __missing__(self, kind: str) -> dict[str, Any]:
        found = self[kind] = {n: f.compute for n, f in group_facts(("file", *REGISTRY[kind].groups)).items()}
        return found


_COMPUTES = _Computes()


class FileView:
    """The facts of one artifact: its first bytes say what it is; the format's facts are
    parsed when a rule first asks. Parsing errors surface as ArtifactError from get()."""

    def __init__(self, path: str, location: str, members: tuple[str, ...], limits: Limits, budget: Budget,
                 depth: int = 0, context: Context = ON_DISK) -> None:
        self.path = path  # as reports show it: dist/app.tar.gz!pkg/x.whl!pkg/_ext.so
        self.location = location  # the file on disk that holds it
        self.members = members  # the names inside `location` leading to it
        self.limits, self.budget, self.depth = limits, budget, depth
        self.context = context
        self.kind = "unreadable"
        self.error: str | None = None
        self.head = b""
        self.mode = self.size = 0
        self.data: Any = None  # an mmap for files on disk, bytes for members
        self._fs_path: str | None = None
        self.holder: Container | None = None  # the container a member was read from: its siblings
        self.walked = NOT_WALKED  # a container's members, as the walk returned them
        # For a member's second look (binlint.facts.loading): what the walk returned of its
        # holder's members; None while they are being walked.
        self.siblings: Walked | None = None
        self.dynamic: Any = None  # what the loader reads of it, once a fact computed it (for the walk)
        self.digest: tuple[bytes, int] | None = None  # a wheel member's SHA-256 and size, as read
        self._values: dict[str, Any] = {}
        self._elf: ElfFile | None = None
        self.prefix: Prefix | None = None  # an ELF member read in part: how large it is, and why
        self._container: Container | None | bool = False  # False: not looked for yet
        # A symbolic link found in a tree that leads nowhere: why (loop, dangling), and its target.
        self.broken_link: str | None = None
        self.link_target: str | None = None

    # -- opening -----------------------------------------------------------------------
    @classmethod
    def of_file(cls, artifact: Artifact, limits: Limits) -> FileView:
        view = cls(artifact.path, artifact.path, (), limits, Budget(limits))
        view._fs_path = artifact.fs_path
        if artifact.link is not None:  # a symbolic link that leads nowhere: nothing to open
            view.kind, view.broken_link, view.link_target = "symlink", artifact.link, artifact.link_target
            return view
        if artifact.error is not None:
            view.error = artifact.error
            return view
        try:
            fd = os.open(artifact.fs_path, os.O_RDONLY)
        except OSError as err:
            view.error = err.strerror or type(err).__name__
            return view
        try:
            st = os.fstat(fd)
            view.mode, view.size = stat.S_IMODE(st.st_mode), st.st_size
            if stat.S_ISDIR(st.st_mode):  # found as one artifact by discover: an image layout
                view.kind = FOLDER_KIND
                return view
            view.budget = Budget(limits, st.st_size)  # what a bomb of this size may inflate to
            view.head = os.read(fd, HEAD_SIZE)
            view.kind = classify(view.head)
            if view.line_goes_on():
                view.head += os.read(fd, SCRIPT_LINE_MAX - HEAD_SIZE)
            if view.kind in MAPPED:
                # A map keeps memory flat in file size: only the pages read are loaded. A
                # small file is read whole: one call costs less than mapping and unmapping.
                view.data = (os.pread(fd, view.size, 0) if view.size <= READ_WHOLE
                             else mmap.mmap(fd, 0, access=mmap.ACCESS_READ))
        except (OSError, ValueError) as err:
            view.error = f"cannot read: {err}"
        finally:
            os.close(fd)
        return view

    def line_goes_on(self) -> bool:
        """A script whose #! line does not end within the head: its facts need more of it."""
        return self.kind == "script" and len(self.head) == HEAD_SIZE and b"\n" not in self.head

    @property
    def fs_path(self) -> str | None:
        """The file's path on disk, for a file that is not an archive member."""
        return self._fs_path

    def open(self) -> None:
        """Parse the format's headers now, so a broken file is known before any rule runs (a
        separate debug file is told from a loadable ELF file here, by its sections)."""
        parse = REGISTRY[self.kind].parse
        if self.error is None and parse is not None:
            self.kind = parse(self) or self.kind

    # -- facts ---------------------------------------------------------------------------
    def get(self, name: str) -> Any:
        # A sentinel, not try/except KeyError: a tree scan asks 270,000 times, 79,000 of them
        # for a fact not computed yet, and raising the KeyError cost each 0.6 us more (timeit).
        value = self._values.get(name, _UNKNOWN)
        if value is not _UNKNOWN:
            return value
        # The kind's own table of computes: one lookup where the group, the kind's groups and
        # the catalogue were three. With ELF facts taking the reader without a call (facts/__init__):
        # 2% of the instructions of a tree scan of the files, 4% of the static libraries' objects.
        compute = _COMPUTES[self.kind].get(name)
        if compute is None:
            raise LookupError(f"{self.path} has no {fact_format(name)} facts")
        if self.error is not None and fact_format(name) != "file":
            raise ArtifactError(self.error)
        value = self._values[name] = compute(self)
        return value

    def names(self) -> list[str]:
        """Every fact this artifact has."""
        return list(group_facts(("file", *REGISTRY[self.kind].groups)))

    def elf(self) -> ElfFile:
        if self._elf is None:
            self._elf = ElfFile(self.data, self.prefix)
        return self._elf

    def container(self) -> Container | None:
        """The archive or bundle this artifact is, or None."""
        if self._container is False:
            self._container = None
            opener = REGISTRY[self.kind].members
            if self.error is None and opener is not None:
                self._container = hook(opener)(self)
        return self._container  # type: ignore[return-value]

    def pyc_python(self) -> str | None:
        return pyc_python(self.head) if self.kind == "pyc" else None

    def description(self) -> str:
        return description(self)

    # -- closing -------------------------------------------------------------------------
    def fail(self, reason: str) -> None:
        """Mark the artifact unreadable: from now on only file.* facts are available."""
        self.error = reason
        self._values = {}
        self.close()

    def close(self) -> None:
        self._elf = None
        if isinstance(self._container, Container):
            self._container.close()
        self._container = None
        if isinstance(self.data, mmap.mmap):
            self.data.close()
        self.data = None
