"""Read facts: one view per artifact, each fact computed once, only when a rule asks."""
from __future__ import annotations

import mmap
import os
import stat
from binlint.classify import HEAD_SIZE, classify, pyc_python
from binlint.discover import Artifact
from binlint.errors import ArtifactError
from binlint.facts import elf, file
from binlint.facts.catalogue import Fact
from binlint.facts.elffile import ElfFile

TYPE_CHECKING = False  # typing costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from typing import Any

CATALOGUE: dict[str, Fact] = {**file.FACTS, **elf.FACTS}
DESCRIPTIONS = {
    "elf": "an ELF file", "macho": "a Mach-O file", "script": "a #! script", "zip": "a zip archive",
    "tar": "a tar archive", "ar": "an ar archive", "pe": "a Windows PE file", "java-class": "a Java class file",
    "text": "text without a #! line", "empty": "an empty file", "other": "data of no known format",
    "unreadable": "a file",
}
# Which facts a kind of file has besides the file.* ones.
FORMAT_FACTS = {"elf": "elf."}


def fact_format(name: str) -> str:
    return name.split(".", 1)[0]


class FileView:
    """The facts of one artifact: its first bytes say what it is; the format's facts are
    parsed when a rule first asks. Parsing errors surface as ArtifactError from get()."""

    def __init__(self, artifact: Artifact) -> None:
        self.artifact = artifact
        self.kind = "unreadable"
        self.error: str | None = None
        self.head = b""
        self.mode = self.size = 0
        self._values: dict[str, Any] = {}
        self._map: mmap.mmap | None = None
        self._elf: ElfFile | None = None
        try:
            fd = os.open(artifact.fs_path, os.O_RDONLY)
        except OSError as err:
            self.error = err.strerror or type(err).__name__
            return
        try:
            st = os.fstat(fd)
            self.mode, self.size = stat.S_IMODE(st.st_mode), st.st_size
            self.head = os.read(fd, HEAD_SIZE)
            self.kind = classify(self.head)
            if self.kind in FORMAT_FACTS:
                # A map keeps memory flat in file size: only the pages read are loaded.
                self._map = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as err:
            self.error = f"cannot read: {err}"
        finally:
            os.close(fd)

    def get(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            pass
        source = self if fact_format(name) == "file" else self._reader(fact_format(name))
        value = self._values[name] = CATALOGUE[name].compute(source)
        return value

    def names(self) -> list[str]:
        """Every fact this artifact has."""
        prefix = FORMAT_FACTS.get(self.kind)
        return [n for n in CATALOGUE if fact_format(n) == "file" or (prefix and n.startswith(prefix))]

    def open(self) -> None:
        """Parse the format's headers now, so a broken file is known before any rule runs."""
        if self.kind in FORMAT_FACTS and self.error is None:
            self._reader(self.kind)

    def _reader(self, fmt: str) -> ElfFile:
        if fmt != self.kind or fmt not in FORMAT_FACTS:
            raise LookupError(f"{self.artifact.path} has no {fmt} facts")
        if self.error is not None:
            raise ArtifactError(self.error)
        if self._elf is None:
            self._elf = ElfFile(self._map)  # type: ignore[arg-type]
        return self._elf

    def pyc_python(self) -> str | None:
        return pyc_python(self.head) if self.kind == "pyc" else None

    def description(self) -> str:
        kind = self.kind
        if kind == "pyc":
            return f"Python {self.pyc_python()} bytecode"
        return DESCRIPTIONS.get(kind, f"a {kind} file")

    def fail(self, reason: str) -> None:
        """Mark the artifact unreadable: from now on only file.* facts are available."""
        self.error = reason
        self._values = {}
        self.close()

    def close(self) -> None:
        self._elf = None
        if self._map is not None:
            self._map.close()
            self._map = None
