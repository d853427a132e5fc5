"""Section headers: objects have no program headers, and symbol tables are found through them."""
from __future__ import annotations

import array
import sys
from collections import namedtuple

from binlint.errors import ArtifactError
from binlint.formats.elf.read_base import ElfBase, cached_property
from binlint.formats.elf.read_constants import SHN_XINDEX, SHT_NOBITS

Section = namedtuple("Section", "name type flags offset size link align")


class ElfSections(ElfBase):
    """The section headers and their names, each header decoded only when asked for."""

    @cached_property
    def _section_table(self) -> bytes:
        """The section header table, each header cut to the structure's size. Of a file read
        in part (a Prefix) it is not read: linkers write it last, and what the sections hold
        lies anywhere in the file."""
        if self.prefix is not None:
            raise ArtifactError(self.prefix.reason)
        if self._shoff == 0:
            return b""
        count = self._shnum
        if count == 0:  # more than 0xff00 sections: the real count is in section 0
            count = self._unpack(self._shdr, self._shoff, "section header")[5]  # bounded by the file size below
        stride, size = self._shentsize, self._shdr.size
        if count and (stride < size or self._shoff + count * stride > len(self.data)):
            raise ArtifactError(f"truncated: section header table ({count} entries at offset "
                                f"{self._shoff:#x}) is past the end of the file")
        table = self.data[self._shoff:self._shoff + count * stride]
        if stride != size and count:  # headers larger than the structure: take the structure's part of each
            table = b"".join(table[i:i + size] for i in range(0, len(table), stride))
        return table  # type: ignore[no-any-return]

    @cached_property
    def section_table_end(self) -> int:
        """Where the section header table ends in the file, 0 without one. Linkers write it
        last: bytes after it were appended (a PyInstaller package, a signature)."""
        table = self._section_table
        return self._shoff + len(table) // self._shdr.size * self._shentsize if table else 0

    @cached_property
    def sections(self) -> list[Section]:
        return [Section(n, t, fl, off, sz, ln, al)
                for n, t, fl, _, off, sz, ln, _, al, _ in self._shdr.iter_unpack(self._section_table)]

    def check_sections(self) -> None:
        """Read the section header table and its name table, bounds-checked: ArtifactError
        when they cannot be. Cheaper than finding a section by name (every ELF file asks)."""
        self._section_table  # noqa: B018 - cached properties, read for their checks
        self._section_name_table  # noqa: B018

    @cached_property
    def readable_sections(self) -> list[Section]:
        """The sections, or none when their header table cannot be read: what the loader
        reads (the dynamic section, its symbol and version tables) is then read without them."""
        try:
            return self.sections
        except ArtifactError:
            return []

    def _section(self, index: int) -> Section | None:
        if (index + 1) * self._shdr.size > len(self._section_table):
            return None
        n, t, fl, _, off, sz, ln, _, al, _ = self._shdr.unpack_from(self._section_table, index * self._shdr.size)
        return Section(n, t, fl, off, sz, ln, al)

    @cached_property
    def _section_name_table(self) -> bytes | None:
        index = self._shstrndx
        if index == SHN_XINDEX:  # too many sections: the index is in section 0
            first = self._section(0)
            index = first.link if first is not None else index
        names = self._section(index)
        if names is None:
            return None
        if names.offset + names.size > len(self.data):
            raise ArtifactError("truncated: section name table is past the end of the file")
        return self.data[names.offset:names.offset + names.size]  # type: ignore[no-any-return]

    def section_named(self, name: str) -> Section | None:
        """The first section called `name`. Only headers whose name the string table spells
        are made into Sections: objects built with -ffunction-sections have thousands."""
        table = self._section_name_table
        if table is None:
            return None
        # Every offset where the string table spells the name (linkers share tails:
        # `.text` may start inside `.rela.text`), then the section whose sh_name is one.
        wanted, offsets = name.encode() + b"\0", set()
        at = table.find(wanted)
        while at >= 0:
            offsets.add(at)
            at = table.find(wanted, at + 1)
        if not offsets:
            return None
        words = array.array("I", self._section_table)  # sh_name is every header's first word
        if self.little_endian != (sys.byteorder == "little"):
            words.byteswap()
        names = words[::self._shdr.size // 4]
        found = [names.index(offset) for offset in offsets if offset in names]
        return self._section(min(found)) if found else None

    def section_contains(self, section: Section, needle: bytes, limit: int | None = None) -> bool:
        """Whether the bytes of `section` hold `needle` (SHT_NOBITS sections hold nothing),
        searched in its first `limit` bytes when given."""
        if section.type == SHT_NOBITS:  # no bytes in the file
            return False
        if section.offset + section.size > len(self.data):
            raise ArtifactError(f"truncated: section at offset {section.offset:#x} is past the end of the file")
        size = section.size if limit is None else min(section.size, limit)
        return self.data.find(needle, section.offset, section.offset + size) >= 0
