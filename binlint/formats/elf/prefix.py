"""An ELF member too large to read whole (over the member limit, or over what the file's
budget has left), read only as far as the loader reads it.

The loader reads the ELF header, the program headers and what they point at: PT_INTERP,
PT_DYNAMIC, the notes (PT_NOTE, PT_GNU_PROPERTY), and through the dynamic section's addresses
(PT_LOAD maps them to file offsets) the dynamic strings, the symbol table sized by DT_HASH or
DT_GNU_HASH, and the version tables (DT_VERSYM, DT_VERNEED). The section headers, and the
debug sections before them, come after all of it. Where the rest lies depends on the linker:
GNU ld puts the tables before the code and .dynamic after the code and read-only data (79 to
93 % into real libraries); patchelf, which auditwheel runs, appends a new .dynstr and
.dynamic at the end. So the prefix may be most of the member, and the limit may cut it.

The member is read forward until every one of those reads succeeds on the bytes at hand
(each read of the ELF reader raises ReadPast naming how far it needs), within the limit;
what follows, sections and their headers included, is never read. A read that needs bytes
past the limit fails with the reason the member was read in part, as a read of a section
does: the facts that make it are not checked, and the elf-sections-unreadable note says so.
"""
from __future__ import annotations

from binlint.errors import ArtifactError
from binlint.formats.elf.read_base import Prefix, ReadPast
from binlint.formats.elf.read_constants import DT_NEEDED, DT_RPATH, DT_RUNPATH, DT_SONAME
from binlint.formats.elf.reader import ElfFile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Callable

    from binlint.formats.members import Budget, Member

# Each round reads at least this much more, and at least doubles what was read: a few rounds,
# not one per structure, even when a hostile file spreads its structures over the member.
_CHUNK, _PIECE = 64 << 10, 1 << 20

# What the loader-level facts read of the file, each by the reader's own code: the bytes
# they need are then in the prefix by construction. Nothing reads DT_VERDEF: no fact asks.
_LOADER_READS: tuple[Callable[[ElfFile], Any], ...] = (
    lambda elf: elf.interpreter,
    lambda elf: [elf.dynamic_strings(tag) for tag in (DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH)],
    lambda elf: elf.symbols_by_version_index({need.index for need in elf.version_needs}),
    lambda elf: elf.imports,
    lambda elf: elf.symbol_strings_have((b"\0",)),  # the whole dynamic string table
    lambda elf: list(elf.notes()),
    lambda elf: elf.gnu_properties(),
)


def loader_ends(data: bytes, size: int) -> list[int]:
    """For each read of _LOADER_READS that the bytes at hand (`data`, of a file of `size`
    bytes) do not answer, how far the file must be read for it to go on. A broken structure
    needs no more bytes: the facts that read it say so."""
    try:
        elf = ElfFile(data, Prefix(size, "not read yet"))
    except ReadPast as past:  # not even the ELF header yet
        return [past.end]
    ends = []
    for read in _LOADER_READS:
        try:
            read(elf)
        except ReadPast as past:
            ends.append(past.end)
        except ArtifactError:
            continue
    return ends


def read_elf_member(budget: Budget, member: Member, stream: BinaryIO, head: bytes) -> tuple[Any, Prefix | None]:
    """The ELF member (of which `head` was read from `stream`): whole when it fits the limits
    (or ends before what the loader reads does), else its first bytes, as far as the loader
    reads them, and the Prefix that says so. What lies past the limit is never read: nor are
    the bytes before it when no read needs them (a PT_DYNAMIC declared at 900 MiB costs none)."""
    allowed, limit = budget.allowance(stream, head)
    if member.size <= allowed:
        return budget.read(member, stream, head), None
    data = bytearray(head)
    ends = loader_ends(data, member.size)
    while any(end <= allowed for end in ends):
        target = min(max(max(end for end in ends if end <= allowed), len(data) + max(_CHUNK, len(data))), allowed)
        while len(data) < target:  # a piece at a time: the buffer grows in place, no joined copy
            piece = stream.read(min(_PIECE, target - len(data)))
            if not piece:  # smaller than it declares: all of it was read
                budget.count(stream, len(data) - len(head), False)
                return data, None
            data += piece
        ends = loader_ends(data, member.size)
    budget.count(stream, len(data) - len(head), allowed < budget.limits.member_bytes)
    read = f"though the loader reads on past the limit, to byte {min(ends)} at least" if ends else \
        "the headers and what the loader reads"
    reason = (f"the member declares {member.size} bytes, over {limit} (see --max-member-size): only its first "
              f"{len(data)} bytes were read, {read}, and none of its sections")
    return data, Prefix(member.size, reason)
