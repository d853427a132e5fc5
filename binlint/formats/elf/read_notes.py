"""Notes (PT_NOTE segments, or SHT_NOTE sections in objects) and the GNU properties they carry."""
from __future__ import annotations

from binlint.errors import ArtifactError
from binlint.formats.elf.read_constants import (
    NT_GNU_BUILD_ID, NT_GNU_PROPERTY_TYPE_0, PT_GNU_PROPERTY, PT_NOTE, SHF_ALLOC, SHT_NOBITS, SHT_NOTE,
)
from binlint.formats.elf.read_sections import ElfSections

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class ElfNotes(ElfSections):
    """The notes of a file, and the GNU property note."""

    def notes(self) -> Iterator[tuple[str, int, bytes]]:
        """(name, type, descriptor) of every note: in the PT_NOTE segments, or for files
        without program headers (relocatable objects) in the SHT_NOTE sections."""
        if self.segments:
            places = [(s.offset, s.filesz, s.align) for s in self.segments if s.type == PT_NOTE]
        else:
            places = [(s.offset, s.size, s.align) for s in self.sections if s.type == SHT_NOTE]
        return self._notes_in(places)

    def gnu_properties(self) -> list[tuple[int, bytes]]:
        """(pr_type, pr_data) of each property of the first NT_GNU_PROPERTY_TYPE_0 note: the
        one in PT_GNU_PROPERTY when there is that header (what the loader and the kernel
        read), else the first among all notes (older linkers; objects)."""
        places = [(s.offset, s.filesz, s.align) for s in self.segments if s.type == PT_GNU_PROPERTY]
        for name, note_type, desc in (self._notes_in(places) if places else self.notes()):
            if name == "GNU" and note_type == NT_GNU_PROPERTY_TYPE_0:
                return self._properties(desc)
        return []

    def build_id(self) -> bytes | None:
        """The descriptor of the NT_GNU_BUILD_ID note (`-Wl,--build-id`), read from the note
        sections when there are any: a separate debug file keeps them, while its program
        headers still describe the stripped object's segments, whose bytes it no longer has."""
        sections = [(s.offset, s.size, s.align) for s in self.readable_sections
                    if s.type == SHT_NOTE and s.flags & SHF_ALLOC]
        places = sections or [(s.offset, s.filesz, s.align) for s in self.segments if s.type == PT_NOTE]
        for name, note_type, desc in self._notes_in(places):
            if name == "GNU" and note_type == NT_GNU_BUILD_ID:
                return bytes(desc)
        return None

    def debuglink(self) -> tuple[str, int] | None:
        """The file name and CRC-32 the .gnu_debuglink section records (objcopy
        --add-gnu-debuglink): the name, NUL-terminated, padded to 4 bytes, then the CRC in
        the file's byte order."""
        section = self.section_named(".gnu_debuglink")
        if section is None or section.type == SHT_NOBITS:
            return None
        if self._past(section.offset + section.size):
            raise ArtifactError(f"truncated: .gnu_debuglink at offset {section.offset:#x} is past the end of the file")
        data = bytes(self.data[section.offset:section.offset + section.size])
        end = data.find(b"\0")
        crc_at = (end + 4) & ~3
        if end < 0 or crc_at + 4 > len(data):
            return None
        return data[:end].decode("utf-8", "backslashreplace"), self._u32.unpack_from(data, crc_at)[0]

    def _properties(self, desc: bytes) -> list[tuple[int, bytes]]:
        align = 8 if self.bits == 64 else 4  # each property is padded to the class's word
        properties, pos = [], 0
        while pos + 8 <= len(desc):
            pr_type, size = self._property.unpack_from(desc, pos)
            start = pos + 8
            if start + size > len(desc):
                raise ArtifactError(f"truncated GNU property {pr_type:#x}: {size} bytes of data past its note")
            properties.append((pr_type, desc[start:start + size]))
            pos = _align(start + size, align)
        return properties

    def _notes_in(self, places: list[tuple[int, int, int]]) -> Iterator[tuple[str, int, bytes]]:
        for offset, size, alignment in places:
            if self._past(offset + size):
                raise ArtifactError(f"truncated: note at offset {offset:#x} is past the end of the file")
            data = self.data[offset:offset + size]
            align = 8 if alignment == 8 else 4
            pos = 0
            while pos + 12 <= len(data):
                namesz, descsz, note_type = self._note.unpack_from(data, pos)
                name_start = pos + 12
                desc_start = _align(name_start + namesz, align)
                desc_end = desc_start + descsz
                if desc_end > len(data):
                    raise ArtifactError("truncated note")
                name = data[name_start:name_start + namesz].rstrip(b"\0").decode("utf-8", "backslashreplace")
                yield name, note_type, data[desc_start:desc_end]
                pos = _align(desc_end, align)

    def words(self, raw: bytes) -> tuple[int, ...]:
        """`raw` read as 32-bit words in the file's byte order."""
        return tuple(w for (w,) in self._u32.iter_unpack(raw[:len(raw) // 4 * 4]))


def _align(value: int, alignment: int) -> int:
    return (value + alignment - 1) & ~(alignment - 1)
