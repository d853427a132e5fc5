"""The dynamic section, read as the loader reads it (through PT_DYNAMIC), and the version
needs it points at (.gnu.version_r through DT_VERNEED)."""
from __future__ import annotations

from collections import namedtuple

from binlint.errors import ArtifactError
from binlint.formats.elf.read_base import ElfBase, cached_property
from binlint.formats.elf.read_constants import DT_FLAGS_1, DT_STRSZ, DT_STRTAB, DT_VERNEED, DT_VERNEEDNUM, PT_DYNAMIC

_MAX_VERSION_ENTRIES = 65536  # far above any real file; bounds hostile counts

# index is vna_other: what .gnu.version entries use to point at the need.
VersionNeed = namedtuple("VersionNeed", "library version flags index")


class ElfDynamic(ElfBase):
    """The dynamic section's entries and strings, and the version needs."""

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
        # _unpack's bounds check inlined (both structures are 16 bytes), _unpack itself called
        # only to raise: every ELF file of a tree has its versions read, 10,000 entries in all.
        data, need_at, aux_at = self.data, self._verneed.unpack_from, self._vernaux.unpack_from
        room = len(data) - 16
        for _ in range(min(count, _MAX_VERSION_ENTRIES)):
            _, aux_count, file_name, aux, next_need = need_at(data, offset) if 0 <= offset <= room else \
                self._unpack(self._verneed, offset, "version need")
            library = self._string(start + file_name, end)
            aux_offset = offset + aux
            for _ in range(aux_count):
                if len(needs) >= _MAX_VERSION_ENTRIES:  # entries can share chains; bound the total
                    raise ArtifactError(f"more than {_MAX_VERSION_ENTRIES} version need entries")
                _, flags, index, name, next_aux = aux_at(data, aux_offset) if 0 <= aux_offset <= room else \
                    self._unpack(self._vernaux, aux_offset, "version need entry")
                needs.append(VersionNeed(library, self._string(start + name, end), flags, index))
                if not next_aux:
                    break
                aux_offset += next_aux
            if not next_need:
                break
            offset += next_need
        return needs
