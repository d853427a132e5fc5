"""The dynamic symbols: what an object imports, which symbols need which version, and
whether the symbol names hold a string. The table is found through the section headers when
they are there, else as the loader finds it: through the dynamic section and its hash table."""
from __future__ import annotations

import array
import itertools
import operator
import sys

from binlint.errors import ArtifactError
from binlint.formats.elf.read_base import cached_property
from binlint.formats.elf.read_constants import (
    DT_GNU_HASH, DT_HASH, DT_STRTAB, DT_SYMTAB, DT_VERSYM, SHT_DYNSYM, SHT_GNU_VERSYM, SHT_NOBITS, SHT_SYMTAB,
    STB_WEAK,
)
from binlint.formats.elf.read_dynamic import ElfDynamic
from binlint.formats.elf.read_sections import ElfSections

_MAX_CHAIN = 1 << 20


class ElfSymbols(ElfDynamic, ElfSections):
    """The dynamic symbol table, decoded only as far as each question needs."""

    def symbols_by_version_index(self, indexes: set[int]) -> dict[int, list[str]]:
        """Names of the dynamic symbols whose .gnu.version entry is one of `indexes`."""
        found: dict[int, list[str]] = {i: [] for i in indexes}
        table = self._dynsym() if indexes else None
        if table is None:
            return found
        sym_offset, count, versym_offset, str_start, str_end = table
        for offset, size, what in ((versym_offset, 2 * count, ".gnu.version"),
                                   (sym_offset, self._sym.size * count, ".dynsym")):
            if offset < 0 or self._past(offset + size):
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
        if offset < 0 or self._past(offset + size):
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

    def defines(self, names: tuple[str, ...], symtab: bool = True) -> list[str]:
        """Which of `names` the object defines (a symbol of that name whose st_shndx is not
        SHN_UNDEF, any binding) in .dynsym, or in .symtab too, in the order given. Each string
        table is searched for the names first, then the symbol table for the entries that start
        with their offsets (st_name comes first), so only those are decoded: an extension
        module's few exports or a library's 50,000 cost the same (decoding every entry of
        scipy's modules cost 6 ms a wheel)."""
        if not symtab:  # what dlsym could find: the hash table's bloom filter rules most names out
            names = tuple(name for name in names if not self._gnu_hash_excludes(name))
            if not names:
                return []
        wanted = {name.encode() + b"\0": name for name in names}
        found: set[str] = set()
        for offset, count, str_start, str_end in self._symbol_tables(symtab):
            str_end = len(self.data) if str_end is None else str_end
            if str_start < 0 or str_start > str_end or self._past(str_end):
                continue
            at = {}  # offset in the string table -> name; a name may also end a longer one
            for needle, name in wanted.items():
                hit = self.data.find(needle, str_start, str_end)
                while hit >= 0:
                    at[hit - str_start] = name
                    hit = self.data.find(needle, hit + 1, str_end)
            entry = self._sym.size
            end = offset + entry * count
            if not at or offset < 0 or self._past(end):
                continue
            for st_name, name in at.items():
                needle = self._u32.pack(st_name)
                hit = self.data.find(needle, offset, end)
                while hit >= 0 and name not in found:
                    if (hit - offset) % entry == 0 and self._sym_name_info_shndx.unpack_from(self.data, hit)[2] != 0:
                        found.add(name)
                    hit = self.data.find(needle, hit + 1, end)
        return [name for name in names if name in found]

    def _gnu_hash_excludes(self, name: str) -> bool:
        """Whether the DT_GNU_HASH bloom filter says no exported symbol is called `name`, as
        the dynamic loader's lookup first asks (do_lookup_x in glibc's dl-lookup.c): an
        extension module's init function is looked for in every library named like a module
        (`libfoo.so`), and scanning their string tables cost a tree scan 14 ms. False when
        there is no such table or it cannot be read: the name is then searched for."""
        bloom = self._bloom
        if bloom is None:
            return False
        offset, size, shift = bloom
        h = 5381
        for byte in name.encode():
            h = (h * 33 + byte) & 0xFFFFFFFF
        bits = self.bits
        try:
            (word,) = self._unpack(self._u64 if bits == 64 else self._u32,
                                   offset + ((h // bits) & (size - 1)) * (bits // 8), "DT_GNU_HASH bloom filter")
        except ArtifactError:
            return False
        return (word >> (h % bits)) & (word >> ((h >> shift) % bits)) & 1 == 0

    @cached_property
    def _bloom(self) -> tuple[int, int, int] | None:
        """Where the DT_GNU_HASH bloom filter's words start, how many there are, and its shift."""
        try:
            gnu_hash = self._dynamic_value(DT_GNU_HASH)
            if gnu_hash is None:
                return None
            offset = self._offset_of(gnu_hash, "DT_GNU_HASH")
            _, _, size, shift = self._unpack(self._gnu_hash, offset, "DT_GNU_HASH")
        except ArtifactError:
            return None
        return (offset + 16, size, shift) if size else None

    def _symbol_tables(self, symtab: bool) -> list[tuple[int, int, int, int | None]]:
        """(symbols, count, strings start, strings end) of .dynsym, and of .symtab when asked
        for and present."""
        dynamic = self._dynamic_symbol_table()
        tables = [dynamic] if dynamic is not None else []
        sections = self.readable_sections if symtab else []
        for table in (s for s in sections if s.type == SHT_SYMTAB and s.link < len(self.sections)):
            strtab = self.sections[table.link]
            if strtab.type != SHT_NOBITS:
                tables.append((table.offset, table.size // self._sym.size, strtab.offset, strtab.offset + strtab.size))
        return tables

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
            ranges = [(start, self.size if end is None else end)]
        for start, end in ranges:
            if start < 0 or start > end or self._past(end):
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

    def _strings(self, start: int, end: int | None, offsets: list[int]) -> list[str]:
        """`_string(start + n, end)` for each n, from one copy of the table. When the names
        wanted are most of the table (a module's imports), it is split once and they are
        looked up: scipy's 119 objects, 44,000 names, 37 ms one by one, 12 ms so. A name
        that starts inside another (a shared suffix) is read alone. When they are few (a
        library that exports 50,000 names and imports 2,000), they are read one by one."""
        self._past(self.size if end is None else end)  # of a file read in part, the whole table
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
