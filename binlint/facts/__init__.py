"""Read facts: one view per artifact, each fact computed once, only when a rule asks.

An artifact is a file on disk or a member of a container (an archive, a PyInstaller
bundle); members are views too, with the container's path before a `!`.
"""
from __future__ import annotations

import mmap
import os
import stat

from binlint.formats.members import Budget, Limits
from binlint.formats.classify import HEAD_SIZE, SCRIPT_LINE_MAX, classify, pyc_python
from binlint.walk.discover import display
from binlint.errors import ArtifactError
from binlint.facts import archive, file, loading
from binlint.formats.elf import facts as elf
from binlint.formats.macho import facts as macho
from binlint.formats.pyinstaller import facts as pyinstaller
from binlint.formats import script
from binlint.facts.catalogue import Fact
from binlint.formats.container import ARCHIVE_KINDS, BUNDLE_KINDS, Container, open_archive, open_bundle
from binlint.formats.elf.reader import PT_DYNAMIC, SHT_NOBITS, ElfFile

TYPE_CHECKING = False  # typing costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from typing import Any

    from binlint.formats.members import Member
    from binlint.walk.discover import Artifact

def _on_elf(facts: dict[str, Fact]) -> dict[str, Fact]:
    return {name: fact._replace(compute=lambda view, c=fact.compute: c(view.elf())) for name, fact in facts.items()}


# Every fact's compute() takes the FileView; ELF facts are written against the ElfFile.
CATALOGUE: dict[str, Fact] = {**file.FACTS, **_on_elf(elf.FACTS), **loading.FACTS, **archive.FACTS,
                              **pyinstaller.FACTS, **script.FACTS, **macho.FACTS}
FORMATS = {name: name.split(".", 1)[0] for name in CATALOGUE}  # fact -> its group: elf.needed -> elf
# The kinds of file that have each group of facts; file.* facts every artifact has.
FACT_KINDS: dict[str, frozenset[str]] = {
    "elf": frozenset({"elf", "elf-debug"}),
    "archive": ARCHIVE_KINDS,
    "wheel": frozenset({"zip"}),
    "pyinstaller": BUNDLE_KINDS,
    "script": frozenset({"script"}),
    "macho": frozenset({"macho"}),
}
DESCRIPTIONS = {
    "elf": "an ELF file", "elf-debug": "a separate ELF debug file", "macho": "a Mach-O file",
    "script": "a #! script", "zip": "a zip archive",
    "tar": "a tar archive", "ar": "an ar archive", "pe": "a Windows PE file", "java-class": "a Java class file",
    "gzip": "a gzip-compressed file", "bzip2": "a bzip2-compressed file", "xz": "an xz-compressed file",
    "zstd": "a zstd-compressed file", "symlink": "a symbolic link",
    "text": "text without a #! line", "empty": "an empty file", "other": "data of no known format",
    "unreadable": "a file",
}
NEEDS_CONTENT = ARCHIVE_KINDS | BUNDLE_KINDS  # kinds whose members are read beyond their first bytes
# Kinds read through a memory map when on disk; tar files are streamed instead.
MAPPED_KINDS = BUNDLE_KINDS | {"ar", "zip"}
READ_WHOLE = 64 << 10  # files up to this size are read, not mapped


def _line_goes_on(view: FileView) -> bool:
    """A script whose #! line does not end within the head: its facts need more of it."""
    return view.kind == "script" and len(view.head) == HEAD_SIZE and b"\n" not in view.head


def separate_debug(elf: ElfFile) -> bool:
    """A program or library's separate debug file (`objcopy --only-keep-debug`, the files of
    /usr/lib/debug): it keeps the headers, but its code has no bytes (`.text` is SHT_NOBITS),
    so no loader ever maps it and no loading rule applies."""
    if elf.type not in (2, 3):
        return False
    try:
        # Cheap first (a section lookup costs 45 us, a tenth of a tree scan): the dynamic
        # section a loadable object has is never empty, and most rules read it anyway.
        if any(s.type == PT_DYNAMIC for s in elf.segments) and elf.dynamic:
            return False
        text = elf.section_named(".text")
    except ArtifactError:  # broken headers: the facts that read them say so
        return False
    return text is not None and text.type == SHT_NOBITS


def fact_format(name: str) -> str:
    return name.split(".", 1)[0]


class FileView:
    """The facts of one artifact: its first bytes say what it is; the format's facts are
    parsed when a rule first asks. Parsing errors surface as ArtifactError from get()."""

    def __init__(self, path: str, location: str, members: tuple[str, ...], target: tuple,
                 limits: Limits, budget: Budget, depth: int = 0) -> None:
        self.path = path  # as reports show it: dist/app.tar.gz!pkg/x.whl!pkg/_ext.so
        self.location = location  # the file on disk that holds it
        self.members = members  # the names inside `location` leading to it
        self.target = target  # what it must run on: (name or None, values) per target
        self.limits, self.budget, self.depth = limits, budget, depth
        self.kind = "unreadable"
        self.error: str | None = None
        self.head = b""
        self.mode = self.size = 0
        self.data: Any = None  # an mmap for files on disk, bytes for members
        self._fs_path: str | None = None
        self.holder: Container | None = None  # the container a member was read from
        self.deferred: list[str] = []  # rules that wait until every member of its archive was read
        self.parent: FileView | None = None  # the view of that container (open while its members are checked)
        self._values: dict[str, Any] = {}
        self._elf: ElfFile | None = None
        self._container: Container | None | bool = False  # False: not looked for yet
        self.broken_link: str | None = None  # why a symbolic link found in a tree leads nowhere

    # -- opening -----------------------------------------------------------------------
    @classmethod
    def of_file(cls, artifact: Artifact, target: tuple, limits: Limits) -> FileView:
        view = cls(artifact.path, artifact.path, (), target, limits, Budget(limits))
        view._fs_path = artifact.fs_path
        if artifact.link is not None:  # a symbolic link that leads nowhere: nothing to open
            view.kind, view.broken_link = "symlink", artifact.link
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
            view.budget = Budget(limits, st.st_size)  # what a bomb of this size may inflate to
            view.head = os.read(fd, HEAD_SIZE)
            view.kind = classify(view.head)
            if _line_goes_on(view):
                view.head += os.read(fd, SCRIPT_LINE_MAX - HEAD_SIZE)
            if view.kind in MAPPED_KINDS:
                # A map keeps memory flat in file size: only the pages read are loaded. A
                # small file is read whole: one call costs less than mapping and unmapping.
                view.data = (os.pread(fd, view.size, 0) if view.size <= READ_WHOLE
                             else mmap.mmap(fd, 0, access=mmap.ACCESS_READ))
        except (OSError, ValueError) as err:
            view.error = f"cannot read: {err}"
        finally:
            os.close(fd)
        return view

    def member(self, member: Member, target: tuple) -> FileView:
        """The view of one member of this container, read within the limits."""
        # The path is one line of a text report: a newline in a member's name is shown escaped.
        view = FileView(f"{self.path}!{display(member.name)}", self.location, (*self.members, member.name),
                        target, self.limits, self.budget, self.depth + 1)
        view.mode = member.mode or 0
        view.size = member.size
        view.holder = self._container if isinstance(self._container, Container) else None
        view.parent = self
        try:
            stream = member.open()
            try:
                view.head = stream.read(HEAD_SIZE)
                view.kind = classify(view.head)
                if _line_goes_on(view):
                    view.head += stream.read(SCRIPT_LINE_MAX - HEAD_SIZE)
                view.data = self.budget.read(member, stream, view.head) if view.kind in NEEDS_CONTENT else view.head
            finally:
                stream.close()
            view.size = len(view.data) if view.kind in NEEDS_CONTENT else member.size
        except ArtifactError as err:
            view.error = str(err)
        except Exception as err:  # a hostile member must cost its own findings only
            view.error = f"internal error while reading: {type(err).__name__}: {err}"
        return view

    @property
    def fs_path(self) -> str | None:
        """The file's path on disk, for a file that is not an archive member."""
        return self._fs_path

    def open(self) -> None:
        """Parse the format's headers now, so a broken file is known before any rule runs. A
        separate debug file is told from a loadable ELF file here, by its sections."""
        if self.error is None and self.kind == "elf":
            if separate_debug(self.elf()):
                self.kind = "elf-debug"
        elif self.error is None and self.kind == "macho":
            macho.slices(self)

    # -- facts ---------------------------------------------------------------------------
    def get(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:  # once a fact a view; a tree scan asks 350,000 times
            pass
        fmt = FORMATS[name]
        if fmt != "file":
            if self.kind not in FACT_KINDS[fmt]:
                raise LookupError(f"{self.path} has no {fmt} facts")
            if self.error is not None:
                raise ArtifactError(self.error)
        value = self._values[name] = CATALOGUE[name].compute(self)
        return value

    def names(self) -> list[str]:
        """Every fact this artifact has."""
        return [n for n in CATALOGUE if FORMATS[n] == "file" or self.kind in FACT_KINDS[FORMATS[n]]]

    def elf(self) -> ElfFile:
        if self._elf is None:
            self._elf = ElfFile(self.data)
        return self._elf

    def container(self) -> Container | None:
        """The archive or bundle this artifact is, or None."""
        if self._container is False:
            self._container = None
            if self.error is None and self.kind in ARCHIVE_KINDS:
                self._container = open_archive(self.kind, self.data, self._fs_path if self.data is None else None,
                                               self.budget)
            elif self.error is None and self.kind in BUNDLE_KINDS and self._may_be_bundle():
                self._container = open_bundle(self.data, self._pydata(), self.limits)
        return self._container  # type: ignore[return-value]

    def _may_be_bundle(self) -> bool:
        # PyInstaller bundles are programs: skip the libraries that make up most trees.
        return self.kind != "elf" or self.elf().interpreter is not None or self.elf().type == 2

    def _pydata(self) -> tuple[int, int] | None:
        if self.kind != "elf":
            return None
        try:
            section = self.elf().section_named("pydata")
        except ArtifactError:  # unreadable section headers: look for a package the bootloader's way
            return None
        return (section.offset, section.size) if section is not None else None

    def pyc_python(self) -> str | None:
        return pyc_python(self.head) if self.kind == "pyc" else None

    def description(self) -> str:
        if self.kind == "pyc":
            return f"Python {self.pyc_python()} bytecode"
        return DESCRIPTIONS.get(self.kind, f"a {self.kind} file")

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
