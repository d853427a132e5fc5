"""ARM build attributes: the .ARM.attributes section that says which architecture and
floating-point ABI an ARM object was built for."""
from __future__ import annotations

import struct

from binlint.errors import ArtifactError
from binlint.formats.elf.read_base import cached_property
from binlint.formats.elf.read_constants import SHT_ARM_ATTRIBUTES, SHT_NOBITS
from binlint.formats.elf.read_sections import ElfSections
from binlint.formats.leb128 import uleb128


class ElfArmAttributes(ElfSections):
    """The file-scope build attributes of an ARM file."""

    @cached_property
    def arm_attributes(self) -> dict[int, int | str]:
        """The file-scope attributes of the "aeabi" vendor in the SHT_ARM_ATTRIBUTES section
        (ARM's "Addenda to the ABI", build attributes): tag -> integer or string; empty when
        there is no such section. Every length is checked against the section."""
        section = next((s for s in self.sections if s.type == SHT_ARM_ATTRIBUTES), None)
        if section is None or section.type == SHT_NOBITS:
            return {}
        if section.offset + section.size > len(self.data):
            raise ArtifactError(f"truncated: .ARM.attributes at offset {section.offset:#x} is past the end of the file")
        data = bytes(self.data[section.offset:section.offset + section.size])
        if not data or data[0] != 0x41:  # format version 'A'
            return {}
        pos = 1
        while pos + 4 <= len(data):
            (length,) = self._u32.unpack_from(data, pos)
            if length < 4 or pos + length > len(data):
                raise ArtifactError(f".ARM.attributes subsection of {length} bytes at {pos:#x} overruns its section")
            end, name_end = pos + length, data.find(b"\0", pos + 4, pos + length)
            if name_end >= 0 and data[pos + 4:name_end] == b"aeabi":
                return _file_attributes(data, name_end + 1, end, self._u32)
            pos = end
        return {}


# ARM build attributes whose value is a NUL-terminated string (Tag_CPU_raw_name, Tag_CPU_name,
# Tag_also_compatible_with, Tag_conformance); from tag 32 on, every odd tag is a string too.
_ARM_STRING_TAGS = frozenset({4, 5, 65, 67})
_ARM_TAG_COMPATIBILITY = 32  # an integer, then a string
_ARM_TAG_FILE = 1


def _uleb128(data: bytes, pos: int, end: int) -> tuple[int, int]:
    found = uleb128(data, pos, end)
    if found is not None:
        return found
    raise ArtifactError("malformed .ARM.attributes: an integer is too long or runs past its subsection")


def _cstring(data: bytes, pos: int, end: int) -> tuple[str, int]:
    stop = data.find(b"\0", pos, end)
    if stop < 0:
        raise ArtifactError("malformed .ARM.attributes: a string runs past its subsection")
    return data[pos:stop].decode("utf-8", "backslashreplace"), stop + 1


def _file_attributes(data: bytes, pos: int, end: int, u32: struct.Struct) -> dict[int, int | str]:
    """The attributes of the Tag_File sub-subsections between `pos` and `end`."""
    found: dict[int, int | str] = {}
    while pos + 5 <= end:
        scope = data[pos]
        (size,) = u32.unpack_from(data, pos + 1)
        if size < 5 or pos + size > end:
            raise ArtifactError(f"malformed .ARM.attributes: {size} bytes of attributes at {pos:#x} "
                                "overrun their subsection")
        if scope == _ARM_TAG_FILE:
            at, stop = pos + 5, pos + size
            while at < stop:
                tag, at = _uleb128(data, at, stop)
                if tag == _ARM_TAG_COMPATIBILITY:
                    _, at = _uleb128(data, at, stop)
                    found[tag], at = _cstring(data, at, stop)
                elif tag in _ARM_STRING_TAGS or (tag > _ARM_TAG_COMPATIBILITY and tag % 2):
                    found[tag], at = _cstring(data, at, stop)
                else:
                    found[tag], at = _uleb128(data, at, stop)
        pos += size
    return found
