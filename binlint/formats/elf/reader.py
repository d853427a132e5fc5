"""A small reader for the few ELF structures binlint's facts need.

pyelftools costs ~2.8 ms per file, which is 40x what these structures need; this reader
reads them with `struct` from a memory map and is held equal to pyelftools and LIEF by
tests/test_elf_differential.py. Every offset and count is checked against the file size,
so a hostile file raises ArtifactError instead of reading out of bounds or looping.
"""
from __future__ import annotations

import array
import itertools
import operator
import functools
import struct
import sys
from collections import namedtuple

from binlint.errors import ArtifactError

TYPE_CHECKING = False  # typing costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from typing import Any, Iterator

PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_NOTE = 1, 2, 3, 4
PT_GNU_STACK, PT_GNU_RELRO, PT_GNU_PROPERTY = 0x6474E551, 0x6474E552, 0x6474E553
PF_X, PF_W, PF_R = 1, 2, 4
SHT_SYMTAB, SHT_NOTE, SHT_NOBITS, SHT_DYNSYM, SHT_GNU_VERSYM = 2, 7, 8, 11, 0x6FFFFFFF
SHF_EXECINSTR = 4
SHT_ARM_ATTRIBUTES = 0x70000003
SHN_XINDEX = 0xFFFF
DT_NEEDED, DT_HASH, DT_STRTAB, DT_SYMTAB, DT_STRSZ, DT_SONAME, DT_RPATH = 1, 4, 5, 6, 10, 14, 15
DT_TEXTREL, DT_BIND_NOW, DT_RUNPATH, DT_FLAGS = 22, 24, 29, 30
DT_GNU_HASH, DT_VERSYM, DT_FLAGS_1 = 0x6FFFFEF5, 0x6FFFFFF0, 0x6FFFFFFB
DT_VERNEED, DT_VERNEEDNUM = 0x6FFFFFFE, 0x6FFFFFFF
VER_FLG_WEAK = 2
STB_WEAK = 2  # st_info >> 4
NT_GNU_PROPERTY_TYPE_0 = 5
ET_NAMES = {0: "NONE", 1: "REL", 2: "EXEC", 3: "DYN", 4: "CORE"}

_MAX_VERSION_ENTRIES = 65536  # far above any real file; bounds hostile counts
_MAX_CHAIN = 1 << 20


# A program header, its fields named as in each class's order (p_flags moved in ELF64), so
# a header is made from the unpacked tuple without a Python call.
Segment = namedtuple("Segment", "type flags offset vaddr paddr filesz memsz align")
_Segment32 = namedtuple("Segment", "type offset vaddr paddr filesz memsz flags align")


class cached_property:  # noqa: N801 - used as functools' is
    """functools.cached_property without the lock it takes on every first access (Python
    3.8-3.11): the lock cost a tenth of the time spent on each object of a static library."""

    def __init__(self, compute: Any) -> None:
        self.compute, self.name = compute, compute.__name__

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


Section = namedtuple("Section", "name type flags offset size link align")


# index is vna_other: what .gnu.version entries use to point at the need.
VersionNeed = namedtuple("VersionNeed", "library version flags index")


class ElfFile:
    def __init__(self, data: bytes) -> None:  # bytes or an mmap
        self.data = data
        if len(data) < 16 or data[:4] != b"\x7fELF":
            raise ArtifactError("not an ELF file")
        if data[4] not in (1, 2):
            raise ArtifactError(f"invalid ELF class {data[4]}")
        if data[5] not in (1, 2):
            raise ArtifactError(f"invalid ELF data encoding {data[5]}")
        self.bits = 32 if data[4] == 1 else 64
        self.little_endian = data[5] == 1
        self.__dict__.update(_layouts(data[4], data[5]))
        (self.type, self.machine, _, _, self._phoff, self._shoff, self.flags, _,
         self._phentsize, self._phnum, self._shentsize, self._shnum,
         self._shstrndx) = self._unpack(self._ehdr, 16, "ELF header")

    # -- bounds-checked access ------------------------------------------------------
    def _unpack(self, st: struct.Struct, offset: int, what: str) -> tuple:
        if offset < 0 or offset + st.size > len(self.data):
            raise ArtifactError(f"truncated: {what} at offset {offset:#x} is past the end of the file")
        return st.unpack_from(self.data, offset)

    def _table(self, st: struct.Struct, offset: int, count: int, stride: int, what: str) -> list[tuple]:
        if count and (stride < st.size or offset < 0 or offset + count * stride > len(self.data)):
            raise ArtifactError(f"truncated: {what} ({count} entries at offset {offset:#x}) is past the end of the file")
        if stride == st.size:
            return list(st.iter_unpack(self.data[offset:offset + count * stride]))
        return [st.unpack_from(self.data, offset + i * stride) for i in range(count)]

    def _string(self, offset: int, end: int | None = None) -> str:
        end = len(self.data) if end is None else min(end, len(self.data))
        if not 0 <= offset < end:
            raise ArtifactError(f"string at offset {offset:#x} is outside its string table")
        stop = self.data.find(b"\0", offset, end)
        raw = self.data[offset:(end if stop < 0 else stop)]
        return raw.decode("utf-8", "backslashreplace")

    def _strings(self, start: int, end: int | None, offsets: list[int]) -> list[str]:
        """`_string(start + n, end)` for each n, from one copy of the table. When the names
        wanted are most of the table (a module's imports), it is split once and they are
        looked up: scipy's 119 objects, 44,000 names, 37 ms one by one, 12 ms so. A name
        that starts inside another (a shared suffix) is read alone. When they are few (a
        library that exports 50,000 names and imports 2,000), they are read one by one."""
        end = len(self.data) if end is None else min(end, len(self.data))
        table = bytes(self.data[start:end]) if 0 <= start < end else b""
        if len(offsets) * 32 < len(table) or not table.isascii():
            find, size, names = table.find, len(table), []
            for n in offsets:
                if not 0 <= n < size:
                    raise ArtifactError(f"string at offset {start + n:#x} is outside its string table")
                stop = find(b"\0", n)
                names.append(table[n:stop if stop >= 0 else size].decode("utf-8", "backslashreplace"))
            return names
        parts = table.decode("ascii").split("\0")
        if not parts[-1]:  # the table's last NUL starts no string: an offset there is outside it
            parts.pop()
        # part k starts at the lengths of the parts before it plus their k NULs
        starts = itertools.chain((0,), map(operator.add, itertools.accumulate(map(len, parts)), itertools.count(1)))
        at = dict(zip(starts, parts))
        names = [at.get(n) for n in offsets]
        if None in names:
            names = [name if name is not None else self._string(start + n, end) for n, name in zip(offsets, names)]
        return names

    # -- program headers ---------------------------------------------------------------
    @cached_property
    def segments(self) -> list[Segment]:
        if self._phoff == 0:
            return []
        phdrs = self._table(self._phdr, self._phoff, self._phnum, self._phentsize, "program header table")
        return list(map((Segment if self.bits == 64 else _Segment32)._make, phdrs))

    def _segment_bytes(self, seg: Segment, what: str) -> bytes:
        if seg.offset + seg.filesz > len(self.data):
            raise ArtifactError(f"truncated: {what} at offset {seg.offset:#x} is past the end of the file")
        return self.data[seg.offset:seg.offset + seg.filesz]

    @cached_property
    def interpreter(self) -> str | None:
        for seg in self.segments:
            if seg.type == PT_INTERP:
                raw = self._segment_bytes(seg, "PT_INTERP")
                return raw.split(b"\0", 1)[0].decode("utf-8", "backslashreplace")
        return None

    def _offset_of(self, vaddr: int, what: str) -> int:
        for seg in self.segments:
            if seg.type == PT_LOAD and seg.vaddr <= vaddr < seg.vaddr + seg.filesz:
                return vaddr - seg.vaddr + seg.offset
        raise ArtifactError(f"{what} address {vaddr:#x} is in no loaded segment")

    # -- dynamic section (read as the loader does: through PT_DYNAMIC) ----------------------
    @cached_property
    def dynamic(self) -> list[tuple[int, int]]:
        for seg in self.segments:
            if seg.type == PT_DYNAMIC:
                raw = self._segment_bytes(seg, "dynamic section")
                entries = []
                for tag, value in self._dyn.iter_unpack(raw[:len(raw) - len(raw) % self._dyn.size]):
                    if tag == 0:  # DT_NULL ends the table, as it does for the loader
                        break
                    entries.append((tag, value))
                return entries
        return []

    @cached_property
    def _first_values(self) -> dict[int, int]:
        first: dict[int, int] = {}
        for tag, value in self.dynamic:
            first.setdefault(tag, value)
        return first

    def _dynamic_value(self, tag: int) -> int | None:
        return self._first_values.get(tag)

    @cached_property
    def _dynstr(self) -> tuple[int, int | None]:
        strtab = self._dynamic_value(DT_STRTAB)
        if strtab is None:
            raise ArtifactError("dynamic section has strings but no DT_STRTAB")
        start = self._offset_of(strtab, "DT_STRTAB")
        size = self._dynamic_value(DT_STRSZ)
        return start, None if size is None else start + size

    def dynamic_strings(self, tag: int) -> list[str]:
        wanted = [v for t, v in self.dynamic if t == tag]
        if not wanted:
            return []
        start, end = self._dynstr
        return [self._string(start + v, end) for v in wanted]

    @property
    def flags_1(self) -> int:
        return self._dynamic_value(DT_FLAGS_1) or 0

    def has_dynamic_tag(self, tag: int) -> bool:
        return tag in self._first_values

    def dynamic_flags(self, tag: int) -> int:
        """The bits of every `tag` entry (DT_FLAGS, DT_FLAGS_1), tested as bits: linkers
        combine them (DF_BIND_NOW | DF_TEXTREL), and a duplicate entry adds to them."""
        bits = 0
        for entry_tag, value in self.dynamic:
            if entry_tag == tag:
                bits |= value
        return bits

    # -- version needs (.gnu.version_r through DT_VERNEED) ---------------------------------
    @cached_property
    def version_needs(self) -> list[VersionNeed]:
        address, count = self._dynamic_value(DT_VERNEED), self._dynamic_value(DT_VERNEEDNUM)
        if address is None or not count:
            return []
        start, end = self._dynstr
        offset = self._offset_of(address, "DT_VERNEED")
        needs: list[VersionNeed] = []
        for _ in range(min(count, _MAX_VERSION_ENTRIES)):
            _, aux_count, file_name, aux, next_need = self._unpack(self._verneed, offset, "version need")
            library = self._string(start + file_name, end)
            aux_offset = offset + aux
            for _ in range(aux_count):
                if len(needs) >= _MAX_VERSION_ENTRIES:  # entries can share chains; bound the total
                    raise ArtifactError(f"more than {_MAX_VERSION_ENTRIES} version need entries")
                _, flags, index, name, next_aux = self._unpack(self._vernaux, aux_offset, "version need entry")
                needs.append(VersionNeed(library, self._string(start + name, end), flags, index))
                if not next_aux:
                    break
                aux_offset += next_aux
            if not next_need:
                break
            offset += next_need
        return needs

    def symbols_by_version_index(self, indexes: set[int]) -> dict[int, list[str]]:
        """Names of the dynamic symbols whose .gnu.version entry is one of `indexes`."""
        found: dict[int, list[str]] = {i: [] for i in indexes}
        table = self._dynsym() if indexes else None
        if table is None:
            return found
        sym_offset, count, versym_offset, str_start, str_end = table
        for offset, size, what in ((versym_offset, 2 * count, ".gnu.version"),
                                   (sym_offset, self._sym.size * count, ".dynsym")):
            if offset < 0 or offset + size > len(self.data):
                raise ArtifactError(f"truncated: {what} ({count} entries at offset {offset:#x}) is past the end of the file")
        versions = array.array("H", self.data[versym_offset:versym_offset + 2 * count])
        if self.little_endian != (sys.byteorder == "little"):
            versions.byteswap()
        for i, version in enumerate(versions):
            names = found.get(version & 0x7FFF)  # the top bit only hides the symbol
            if names is not None:
                (st_name,) = self._u32.unpack_from(self.data, sym_offset + i * self._sym.size)  # st_name comes first
                names.append(self._string(str_start + st_name, str_end))
        return found

    def _dynsym(self) -> tuple[int, int, int, int, int | None] | None:
        """(symbols, count, versions, strings start, strings end), from section headers
        when present, else from the dynamic section and its hash table."""
        dynsym = next((s for s in self.readable_sections if s.type == SHT_DYNSYM), None)
        versym = next((s for s in self.readable_sections if s.type == SHT_GNU_VERSYM), None)
        if dynsym is not None and versym is not None and dynsym.link < len(self.sections):
            strtab = self.sections[dynsym.link]
            count = dynsym.size // self._sym.size
            return dynsym.offset, count, versym.offset, strtab.offset, strtab.offset + strtab.size
        symtab, versym_address = self._dynamic_value(DT_SYMTAB), self._dynamic_value(DT_VERSYM)
        count = self._symbol_count()
        if symtab is None or versym_address is None or count is None:
            return None
        start, end = self._dynstr
        return (self._offset_of(symtab, "DT_SYMTAB"), count,
                self._offset_of(versym_address, "DT_VERSYM"), start, end)

    @cached_property
    def _undefined(self) -> tuple[list[str], list[str]]:
        """(strong, weak): names of the undefined (st_shndx SHN_UNDEF) dynamic symbols, in
        table order, split by binding. Only st_name, st_info and st_shndx are decoded, and
        only undefined names are read: a table of 50,000 symbols costs a few milliseconds."""
        table = self._dynamic_symbol_table()
        if table is None:
            return [], []
        offset, count, str_start, str_end = table
        size = self._sym.size * count
        if offset < 0 or offset + size > len(self.data):
            raise ArtifactError(f"truncated: .dynsym ({count} entries at offset {offset:#x}) "
                                "is past the end of the file")
        undefined = [(st_name, st_info >> 4) for st_name, st_info, shndx
                     in self._sym_name_info_shndx.iter_unpack(self.data[offset:offset + size])
                     if shndx == 0 and st_name]
        names = self._strings(str_start, str_end, [n for n, _ in undefined])
        strong = [name for name, (_, binding) in zip(names, undefined) if binding != STB_WEAK]
        weak = [name for name, (_, binding) in zip(names, undefined) if binding == STB_WEAK]
        return strong, weak

    @property
    def imports(self) -> list[str]:
        """The undefined dynamic symbols the loader must resolve (every binding but STB_WEAK)."""
        return self._undefined[0]

    @property
    def weak_imports(self) -> list[str]:
        """The undefined STB_WEAK dynamic symbols: the loader binds them to 0 when no object
        defines them, so they never stop a load."""
        return self._undefined[1]

    def _dynamic_symbol_table(self) -> tuple[int, int, int, int | None] | None:
        """(symbols, count, strings start, strings end) of the dynamic symbol table: from
        the section headers when present, else from the dynamic section and its hash table."""
        dynsym = next((s for s in self.readable_sections if s.type == SHT_DYNSYM), None)
        if dynsym is not None and dynsym.link < len(self.sections):
            strtab = self.sections[dynsym.link]
            if strtab.type == SHT_NOBITS:
                raise ArtifactError(".dynsym names a string table without bytes in the file (SHT_NOBITS)")
            return dynsym.offset, dynsym.size // self._sym.size, strtab.offset, strtab.offset + strtab.size
        symtab = self._dynamic_value(DT_SYMTAB)
        if symtab is None:
            return None
        count = self._symbol_count()
        if count is None:
            return None
        start, end = self._dynstr
        return self._offset_of(symtab, "DT_SYMTAB"), count, start, end

    def symbol_strings_have(self, needles: tuple[bytes, ...]) -> bool:
        """Whether the string table of .symtab or .dynsym (DT_STRTAB without section headers)
        holds a name starting with one of `needles`, each given with the NUL that ends the
        name before it (b"\\0__rust_"). Searched as bytes, without decoding any symbol."""
        tables = [self.sections[s.link] for s in self.readable_sections
                  if s.type in (SHT_SYMTAB, SHT_DYNSYM) and s.link < len(self.sections)]
        ranges = [(t.offset, t.offset + t.size) for t in tables if t.type != SHT_NOBITS]
        if not ranges and self._dynamic_value(DT_STRTAB) is not None:
            start, end = self._dynstr
            ranges = [(start, len(self.data) if end is None else end)]
        for start, end in ranges:
            if start < 0 or start > end or end > len(self.data):
                raise ArtifactError(f"truncated: symbol string table at offset {start:#x} "
                                    "is past the end of the file")
            if any(self.data.find(needle, start, end) >= 0 for needle in needles):
                return True
        return False

    def _symbol_count(self) -> int | None:
        hash_address = self._dynamic_value(DT_HASH)
        if hash_address is not None:  # nchain is the number of symbols
            return self._unpack(self._u32, self._offset_of(hash_address, "DT_HASH") + 4, "DT_HASH")[0]
        gnu_hash = self._dynamic_value(DT_GNU_HASH)
        if gnu_hash is None:
            return None
        # The highest bucket's chain ends at the last symbol (its low bit set).
        offset = self._offset_of(gnu_hash, "DT_GNU_HASH")
        nbuckets, symoffset, bloom_size, _ = self._unpack(self._gnu_hash, offset, "DT_GNU_HASH")
        buckets = offset + 16 + bloom_size * (self.bits // 8)
        last = max((b for (b,) in self._table(self._u32, buckets, nbuckets, 4, "DT_GNU_HASH buckets")), default=0)
        if last < symoffset:
            return symoffset
        chain = buckets + nbuckets * 4
        for _ in range(_MAX_CHAIN):
            (value,) = self._unpack(self._u32, chain + (last - symoffset) * 4, "DT_GNU_HASH chain")
            if value & 1:
                return last + 1
            last += 1
        raise ArtifactError("DT_GNU_HASH chain does not end")

    # -- section headers (objects, and symbol tables) ------------------------------------
    @cached_property
    def _section_table(self) -> bytes:
        """The section header table, each header cut to the structure's size."""
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

    # -- ARM build attributes (.ARM.attributes) ---------------------------------------------
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

    # -- notes ---------------------------------------------------------------------------
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
            if offset + size > len(self.data):
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


@functools.lru_cache(maxsize=None)
def _layouts(elf_class: int, encoding: int) -> dict[str, struct.Struct]:
    """The structures of one ELF class and byte order, made once: a static library has
    thousands of objects, and making these costs each one 10 us."""
    e = "<" if encoding == 1 else ">"
    wide = elf_class == 2
    return {
        "_ehdr": struct.Struct(e + ("HHIQQQIHHHHHH" if wide else "HHIIIIIHHHHHH")),
        "_phdr": struct.Struct(e + ("IIQQQQQQ" if wide else "IIIIIIII")),
        "_shdr": struct.Struct(e + ("IIQQQQIIQQ" if wide else "IIIIIIIIII")),
        "_dyn": struct.Struct(e + ("qQ" if wide else "iI")),
        "_sym": struct.Struct(e + ("IBBHQQ" if wide else "IIIBBH")),
        "_verneed": struct.Struct(e + "HHIII"),
        "_vernaux": struct.Struct(e + "IHHII"),
        "_u16": struct.Struct(e + "H"),
        "_u32": struct.Struct(e + "I"),
        "_note": struct.Struct(e + "III"),
        "_gnu_hash": struct.Struct(e + "IIII"),
        "_property": struct.Struct(e + "II"),
        # st_name, st_info and st_shndx of a symbol, the rest skipped: all that imports need.
        "_sym_name_info_shndx": struct.Struct(e + ("IBxH16x" if wide else "I8xBxH")),
    }


# ARM build attributes whose value is a NUL-terminated string (Tag_CPU_raw_name, Tag_CPU_name,
# Tag_also_compatible_with, Tag_conformance); from tag 32 on, every odd tag is a string too.
_ARM_STRING_TAGS = frozenset({4, 5, 65, 67})
_ARM_TAG_COMPATIBILITY = 32  # an integer, then a string
_ARM_TAG_FILE = 1


def _uleb128(data: bytes, pos: int, end: int) -> tuple[int, int]:
    value = shift = 0
    while pos < end:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            break
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


def _align(value: int, alignment: int) -> int:
    return (value + alignment - 1) & ~(alignment - 1)
