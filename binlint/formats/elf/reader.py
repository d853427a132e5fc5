"""A small reader for the few ELF structures binlint's facts need.

pyelftools costs ~2.8 ms per file, which is 40x what these structures need; this reader
reads them with `struct` from a memory map and is held equal to pyelftools and LIEF by
tests/test_elf_differential.py. Every offset and count is checked against the file size,
so a hostile file raises ArtifactError instead of reading out of bounds or looping.

ElfFile is made of one class per part of the file, each in its own module: read_base (the
header, segments and bounds-checked reads the others use), read_dynamic, read_sections,
read_symbols, read_notes and read_arm_attributes. The constants are in read_constants and
are imported from here.
"""
from __future__ import annotations

from binlint.formats.elf.read_arm_attributes import ElfArmAttributes
from binlint.formats.elf.read_base import Segment  # noqa: F401
from binlint.formats.elf.read_constants import (  # noqa: F401 - imported from here by the facts
    DT_BIND_NOW, DT_FLAGS, DT_FLAGS_1, DT_GNU_HASH, DT_HASH, DT_NEEDED, DT_RPATH, DT_RUNPATH, DT_SONAME,
    DT_STRSZ, DT_STRTAB, DT_SYMTAB, DT_TEXTREL, DT_VERNEED, DT_VERNEEDNUM, DT_VERSYM, ET_NAMES,
    NT_GNU_PROPERTY_TYPE_0, PF_R, PF_W, PF_X, PT_DYNAMIC, PT_GNU_PROPERTY, PT_GNU_RELRO, PT_GNU_STACK,
    PT_INTERP, PT_LOAD, PT_NOTE, SHF_EXECINSTR, SHN_XINDEX, SHT_ARM_ATTRIBUTES, SHT_DYNSYM, SHT_GNU_VERSYM,
    SHT_NOBITS, SHT_NOTE, SHT_SYMTAB, STB_WEAK, VER_FLG_WEAK,
)
from binlint.formats.elf.read_dynamic import VersionNeed  # noqa: F401
from binlint.formats.elf.read_notes import ElfNotes
from binlint.formats.elf.read_sections import Section  # noqa: F401
from binlint.formats.elf.read_symbols import ElfSymbols


class ElfFile(ElfSymbols, ElfNotes, ElfArmAttributes):
    """An ELF file in `data` (bytes or an mmap), each part read when first asked for."""
