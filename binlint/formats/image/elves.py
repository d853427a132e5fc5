"""The ELF files of an image, read once in the order the layers hold them: what the loader
reads of each (binlint.facts.loader.Dynamic), its machine, and its GLIBC version needs."""
from __future__ import annotations

import re
from collections import namedtuple

from binlint.errors import ArtifactError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.formats.image.layers import ImageContainer

ELF_MAGIC = b"\x7fELF"
ET_EXEC, ET_DYN = 2, 3
# What may run or load: a file with an execute bit, or a library by its name (dlopen() and
# Python's import need no execute bit). Other ELF files are data: the test files of Go's and
# binutils' sources (`src/debug/elf/testdata/gcc-386-freebsd-exec`, 0644) run nowhere.
_LIBRARY_NAME = re.compile(r"\.so(\.[0-9]+)*$")
# The largest ELF member whose bytes are kept while the walk reads it: a copy of a larger one
# would double the peak memory (libLLVM is 117 MB); those few are read again for the facts.
RECORD_LIMIT = 16 << 20
# What one loadable ELF file (a program or a library) of the image is. glibc_needs: (library,
# version node, release) of each GLIBC_ version it needs that is not weak.
Elf = namedtuple("Elf", "path dynamic machine bits little glibc_needs interpreter")


def scan(view: Any, container: ImageContainer) -> dict[str, Elf]:
    """Every loadable ELF file of the image's final file system, by path (no leading slash):
    as the walk kept it, or read again (a file the walk read in part, or did not read)."""
    from binlint.formats.elf.prefix import read_elf_member
    from binlint.formats.members import Budget

    kinds = view.walked.kinds
    budget = Budget(view.limits, view.budget.file_size)  # its own: the walk spent the image's
    found: dict[str, Elf] = {}
    for entry in sorted(container.files.values(), key=lambda e: (e.layer, e.order)):
        if entry.target is not None or (kinds and kinds.get(f"/{entry.path}") not in ("elf", None)):
            continue
        if not (entry.member.mode or 0) & 0o111 and not _LIBRARY_NAME.search(entry.path):
            continue
        kept = container.elves.get((entry.layer, entry.order), _UNREAD)
        if kept is not _UNREAD:
            if kept is not None:
                found[entry.path] = kept._replace(path=entry.path)
            continue
        try:
            stream = entry.member.open()
            try:
                head = stream.read(4)
                if head != ELF_MAGIC:
                    continue
                data, prefix = read_elf_member(budget, entry.member, stream, head)
            finally:
                stream.close()
            elf = summary(entry.path, data, prefix)
        except Exception:  # noqa: BLE001 - a hostile member costs its own facts only
            continue
        if elf is not None:
            found[entry.path] = elf
    return found


_UNREAD = object()


def summary(path: str, data: Any, prefix: Any = None) -> Elf | None:
    """What the image facts need of one ELF file; None for one no loader maps (an object
    file, a debug file) or one whose headers are broken (its own member's findings say so)."""
    from binlint.facts.loading import dynamic
    from binlint.formats.elf.reader import VER_FLG_WEAK, ElfFile
    from binlint.formats.elf.versions import parse_version_node

    try:
        elf = ElfFile(data, prefix)
        if elf.type not in (ET_EXEC, ET_DYN) or not elf.segments:
            return None
        needs = tuple((n.library, n.version, parse_version_node(n.version)[1]) for n in elf.version_needs
                      if not n.flags & VER_FLG_WEAK and parse_version_node(n.version)[0] == "GLIBC")
        return Elf(path, dynamic(elf), elf.machine, elf.bits, elf.little_endian, needs, elf.interpreter)
    except ArtifactError:
        return None
    except Exception:  # noqa: BLE001 - a hostile member costs its own facts only
        return None


def recording(member: Any, entry: Any, kept: dict[tuple[int, int], Elf | None]) -> Any:
    """The member's opener, whose stream keeps the summary of an ELF file read whole."""
    def open_member() -> Recorder:
        return Recorder(member.open(), member.size, entry, kept)
    return open_member


class Recorder:
    """A member's stream that, when the walk has read an ELF file whole, keeps its summary
    (under the entry's layer and place) as it is closed. The chunks read are held only until
    then: the walk holds the whole member at that moment anyway."""

    def __init__(self, stream: Any, size: int, entry: Any, kept: dict[tuple[int, int], Elf | None]) -> None:
        self.stream, self.size, self.entry, self.kept = stream, size, entry, kept
        self.chunks: list[bytes] | None = [] if size <= RECORD_LIMIT else None
        self.read_bytes = 0
        self.metered = getattr(stream, "metered", False)

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        if self.chunks is not None:
            if not self.chunks and data and not data.startswith(ELF_MAGIC[:len(data)]):
                self.chunks = None  # not ELF: nothing to keep
            else:
                self.chunks.append(data)
                self.read_bytes += len(data)
        return data

    def close(self) -> None:
        chunks, self.chunks = self.chunks, None
        if chunks and self.read_bytes == self.size and b"".join(chunks[:1])[:4] == ELF_MAGIC:
            self.kept[(self.entry.layer, self.entry.order)] = summary(self.entry.path, b"".join(chunks))
        self.stream.close()
