"""The ELF files of an image, read once in the order the layers hold them: what the loader
reads of each (binlint.facts.loader.Dynamic), its machine, and its GLIBC version needs."""
from __future__ import annotations

from collections import namedtuple

from binlint.errors import ArtifactError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.formats.image.layers import ImageContainer

ELF_MAGIC = b"\x7fELF"
ET_EXEC, ET_DYN = 2, 3
# What one loadable ELF file (a program or a library) of the image is. glibc_needs: (library,
# version node, release) of each GLIBC_ version it needs that is not weak.
Elf = namedtuple("Elf", "path dynamic machine bits little glibc_needs interpreter")


def scan(view: Any, container: ImageContainer) -> dict[str, Elf]:
    """Every loadable ELF file of the image's final file system, by path (no leading slash).
    The walk already told each member's kind: only the ELF ones are read again."""
    from binlint.facts.loading import dynamic
    from binlint.formats.elf.prefix import read_elf_member
    from binlint.formats.elf.reader import VER_FLG_WEAK, ElfFile
    from binlint.formats.elf.versions import parse_version_node
    from binlint.formats.members import Budget

    kinds = view.walked.kinds
    budget = Budget(view.limits, view.budget.file_size)  # its own: the walk spent the image's
    found: dict[str, Elf] = {}
    for entry in sorted(container.files.values(), key=lambda e: (e.layer, e.order)):
        if entry.target is not None or (kinds and kinds.get(f"/{entry.path}") not in ("elf", None)):
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
            elf = ElfFile(data, prefix)
            if elf.type not in (ET_EXEC, ET_DYN) or not elf.segments:
                continue
            needs = tuple((n.library, n.version, parse_version_node(n.version)[1]) for n in elf.version_needs
                          if not n.flags & VER_FLG_WEAK and parse_version_node(n.version)[0] == "GLIBC")
            found[entry.path] = Elf(entry.path, dynamic(elf), elf.machine, elf.bits, elf.little_endian, needs,
                                    elf.interpreter)
        except ArtifactError:
            continue  # a broken ELF file: its own member's findings say so
        except Exception:  # noqa: BLE001 - a hostile member costs its own facts only
            continue
    return found
