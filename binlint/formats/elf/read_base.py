"""What every part of the ELF reader stands on: the ELF header, the structures of the file's
class and byte order, bounds-checked reads, and the program headers (segments).

Every offset and count is checked against the file size, so a hostile file raises
ArtifactError instead of reading out of bounds or looping.
"""
from __future__ import annotations

import functools
import struct
from collections import namedtuple

from binlint.errors import ArtifactError
from binlint.formats.elf.read_constants import PT_INTERP, PT_LOAD

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# A program header, its fields named as in each class's order (p_flags moved in ELF64), so
# a header is made from the unpacked tuple without a Python call.
Segment = namedtuple("Segment", "type flags offset vaddr paddr filesz memsz align")
_Segment32 = namedtuple("Segment", "type offset vaddr paddr filesz memsz flags align")
# A file of which only the first bytes were read (binlint.formats.elf.prefix): it is `size`
# bytes, and `reason` says why the rest was not read.
Prefix = namedtuple("Prefix", "size reason")


class ReadPast(ArtifactError):
    """A read of bytes the file has but that were not read (a Prefix): the error says why
    they were not, and `end` is how far the file must be read for this read to succeed."""

    def __init__(self, reason: str, end: int) -> None:
        super().__init__(reason)
        self.end = end


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
        "_u64": struct.Struct(e + "Q"),
        "_note": struct.Struct(e + "III"),
        "_gnu_hash": struct.Struct(e + "IIII"),
        "_property": struct.Struct(e + "II"),
        # st_name, st_info and st_shndx of a symbol, the rest skipped: all that imports need.
        "_sym_name_info_shndx": struct.Struct(e + ("IBxH16x" if wide else "I8xBxH")),
    }


class ElfBase:
    """The header, the segments and the bounds-checked reads; binlint.formats.elf.reader.ElfFile
    adds the dynamic section, symbols, sections and notes."""

    def __init__(self, data: bytes, prefix: Prefix | None = None) -> None:  # bytes or an mmap
        self.data = data
        self.prefix = prefix
        self.size = len(data) if prefix is None else prefix.size  # the file's, not what was read of it
        if (len(data) < 16 and self._past(16)) or data[:4] != b"\x7fELF":
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
    def _past(self, end: int) -> bool:
        """Whether byte `end` (exclusive) is past the end of the file. Of a file read in part,
        a read past what was read but within the file raises ReadPast: the file is not
        truncated, and the read is neither answered from the bytes at hand nor called broken."""
        if end <= len(self.data):
            return False
        if self.prefix is not None and end <= self.prefix.size:
            raise ReadPast(self.prefix.reason, end)
        return True

    def _unpack(self, st: struct.Struct, offset: int, what: str) -> tuple:
        end = offset + st.size  # _past called only near the end: a tree scan unpacks 30,000 times
        if offset < 0 or (end > len(self.data) and self._past(end)):
            raise ArtifactError(f"truncated: {what} at offset {offset:#x} is past the end of the file")
        return st.unpack_from(self.data, offset)

    def _table(self, st: struct.Struct, offset: int, count: int, stride: int, what: str) -> list[tuple]:
        if count and (stride < st.size or offset < 0 or self._past(offset + count * stride)):
            raise ArtifactError(f"truncated: {what} ({count} entries at offset {offset:#x}) is past the end of the file")
        if stride == st.size:
            return list(st.iter_unpack(self.data[offset:offset + count * stride]))
        return [st.unpack_from(self.data, offset + i * stride) for i in range(count)]

    def _string(self, offset: int, end: int | None = None) -> str:
        if self.prefix is not None:  # of a file read in part, the whole table must have been read
            self._past(self.size if end is None else end)
        end = len(self.data) if end is None else min(end, len(self.data))
        if not 0 <= offset < end:
            raise ArtifactError(f"string at offset {offset:#x} is outside its string table")
        stop = self.data.find(b"\0", offset, end)
        raw = self.data[offset:(end if stop < 0 else stop)]
        return raw.decode("utf-8", "backslashreplace")

    # -- program headers ---------------------------------------------------------------
    @cached_property
    def segments(self) -> list[Segment]:
        if self._phoff == 0:
            return []
        phdrs = self._table(self._phdr, self._phoff, self._phnum, self._phentsize, "program header table")
        return list(map((Segment if self.bits == 64 else _Segment32)._make, phdrs))

    def _segment_bytes(self, seg: Segment, what: str) -> bytes:
        if self._past(seg.offset + seg.filesz):
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
