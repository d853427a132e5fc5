"""The DWARF of an ELF object: its own .debug_info, or that of its separate debug file, found
as GDB finds it (gdb/build-id.c, gdb/symfile.c: find_separate_debug_file).

Distributions strip what they ship and put the DWARF in debug packages (Debian's -dbg and
-dbgsym, Fedora's -debuginfo): `objcopy --only-keep-debug` writes it to a file of its own,
and the stripped object names that file two ways, both checked before it is believed:

- its build ID (the NT_GNU_BUILD_ID note), which the debug file keeps: the file is
  `DIR/.build-id/xx/yyyy.debug` (the first byte in hex, then the rest), in each directory
  the user gave (--debug-dir, `debug-dir` in the configuration), and its own note must say
  the same ID;
- its .gnu_debuglink section: a file name and the CRC-32 of the debug file, looked for
  beside the object, in the object's `.debug/` folder, in each given DIR under the object's
  own directory (DIR/usr/lib/libfoo.so.debug, the older layout) and in DIR itself.

The first candidate that matches is used; one that does not is refused, as GDB refuses it,
and stated (elf.debug_files_rejected). Nothing is read outside the directories the user gave
and the object's own folder: a symbolic link leading out of them is refused, and only
regular files are opened. Objects inside archives have no folder: only the given
directories are searched for them. The DWARF rules are opt-in, so none of this is done unless
one of them asks for elf.compile_units of an object without .debug_info.
"""
from __future__ import annotations

import mmap
import os
import stat
from collections import namedtuple

from binlint.errors import ArtifactError
from binlint.facts.catalogue import Fact
from binlint.formats.elf.reader import ElfFile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterator

    from binlint.facts.view import FileView

BUILD_ID_DIR, DEBUG_SUBDIR = ".build-id", ".debug"
READ_WHOLE = 1 << 20  # smaller debug files are read, larger ones mapped
# Why a candidate was refused: its build ID or CRC-32 differs from what the object records,
# it is not a readable ELF file, or it is a link that leads out of the directories given.
BUILD_ID_MISMATCH, CRC_MISMATCH, UNREADABLE, OUTSIDE = "build-id-mismatch", "crc-mismatch", "unreadable", "outside"

# path: the debug file found, as the user will read it, and real: where it lies (None: the
# object's own DWARF is read, or there is none); rejected: the candidates refused, {path, reason}.
Found = namedtuple("Found", "path real rejected")
OWN = Found(None, None, [])
# A place to look: the path, as the user will read it, and what the file found there must
# match: its build ID (bytes) or the CRC-32 of its bytes (int).
Candidate = namedtuple("Candidate", "path build_id crc")


def found(view: FileView) -> Found:
    """The object's separate debug file, looked for once per view; reading its DWARF waits for
    a rule that asks for the compile units."""
    result = view._values.get("elf.debug_lookup")
    if result is None:
        result = view._values["elf.debug_lookup"] = _look(view)
    return result  # type: ignore[no-any-return]


def units(view: FileView) -> tuple[list[dict], str | None]:
    """elf.compile_units and elf.dwarf_error: of the debug file found, else of the object."""
    from binlint.formats.elf import dwarf  # with weakref: only the opt-in DWARF rules ask
    result = view._values.get("elf.dwarf")
    if result is None:
        real = found(view).real
        result = view._values["elf.dwarf"] = _units_of(real) if real is not None else (
            dwarf.compile_units(view.elf()), dwarf.dwarf_error(view.elf()))
    return result  # type: ignore[no-any-return]


def _look(view: FileView) -> Found:
    from binlint.formats.elf import dwarf
    elf = view.elf()
    if view.kind != "elf" or dwarf.has_debug_info(elf):  # a debug file is judged by its own DWARF only
        return OWN
    rejected: list[dict[str, str]] = []
    roots = _roots(view)
    seen = {os.path.realpath(view.fs_path)} if _on_disk(view) else set()  # type: ignore[arg-type]
    for candidate in _candidates(view, elf):
        real = os.path.realpath(candidate.path)
        if real in seen or not _is_file(real):
            continue
        seen.add(real)
        reason = _refusal(candidate, real, roots)
        if reason is None:
            return Found(candidate.path, real, rejected)
        rejected.append({"path": candidate.path, "reason": reason})
    return Found(None, None, rejected)


def _on_disk(view: FileView) -> bool:
    return view.depth == 0 and view.fs_path is not None


def _roots(view: FileView) -> list[str]:
    """Where a debug file may lie, links resolved: the given directories and the object's folder."""
    places = list(view.limits.debug_dirs)
    if _on_disk(view):
        places.append(os.path.dirname(os.path.abspath(view.fs_path)))  # type: ignore[arg-type]
    return [os.path.realpath(place) for place in places]


def _candidates(view: FileView, elf: ElfFile) -> Iterator[Candidate]:
    """The places GDB looks, in its order: by build ID in each directory, then by debug link."""
    dirs = view.limits.debug_dirs
    build_id, link = _read_or_none(elf.build_id), _read_or_none(elf.debuglink)
    if build_id is not None and len(build_id) >= 2:
        name = os.path.join(BUILD_ID_DIR, build_id[:1].hex(), build_id[1:].hex() + ".debug")
        yield from (Candidate(os.path.join(directory, name), build_id, None) for directory in dirs)
    if link is None or not _plain_name(link[0]):
        return
    name, crc = link
    if _on_disk(view):
        folder = os.path.dirname(view.fs_path)  # type: ignore[arg-type] # as the user named it
        yield Candidate(os.path.join(folder, name), None, crc)
        yield Candidate(os.path.join(folder, DEBUG_SUBDIR, name), None, crc)
        for directory in dirs:
            for under in dict.fromkeys((os.path.abspath(folder or "."), os.path.realpath(folder or "."))):
                yield Candidate(os.path.join(directory, under.lstrip(os.sep), name), None, crc)
    yield from (Candidate(os.path.join(directory, name), None, crc) for directory in dirs)


def _read_or_none(read: Callable[[], Any]) -> Any:
    try:
        return read()
    except ArtifactError:  # broken notes or sections (or a member read in part): other facts say so
        return None


def _plain_name(name: str) -> bool:
    """A debug link is a file name: one with a folder in it would lead anywhere."""
    return bool(name) and name not in (".", "..") and "/" not in name and os.sep not in name and "\0" not in name


def _is_file(path: str) -> bool:
    """A regular file: never a FIFO or a device, whose reading could wait for ever."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _refusal(candidate: Candidate, real: str, roots: list[str]) -> str | None:
    """Why the file at `real` is not the object's debug file, or None when it is."""
    if not any(os.path.commonpath((root, real)) == root for root in roots):
        return OUTSIDE
    import zlib  # here: every run imports this module, few look for a debug file

    try:
        with _Opened(real) as data:
            if candidate.crc is not None:
                return None if zlib.crc32(data) == candidate.crc else CRC_MISMATCH
            if bytes(data[:4]) != b"\x7fELF":
                return UNREADABLE
            return None if ElfFile(data).build_id() == candidate.build_id else BUILD_ID_MISMATCH
    except Exception:  # noqa: BLE001 - a hostile debug file costs itself, never the object's checks
        return UNREADABLE


def _units_of(path: str) -> tuple[list[dict], str | None]:
    """The compile units of the debug file at `path` and why some could not be read, as the
    object's own would be (a debug link's CRC says nothing of what the file holds)."""
    from binlint.formats.elf import dwarf
    try:
        with _Opened(path) as data:
            elf = ElfFile(data)
            elf.check_sections()  # else a debug file cut off in its section table would pass for one without DWARF
            return dwarf.compile_units(elf), dwarf.dwarf_error(elf)
    except Exception as err:  # noqa: BLE001 - as above
        return [], f"debug file not readable: {err}"[:300]


class _Opened:
    """The bytes of a file, mapped when large, closed on leaving."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.data: bytes | mmap.mmap = b""

    def __enter__(self) -> bytes | mmap.mmap:
        fd = os.open(self.path, os.O_RDONLY)
        try:
            size = os.fstat(fd).st_size
            self.data = os.pread(fd, size, 0) if size <= READ_WHOLE else mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        finally:
            os.close(fd)
        return self.data

    def __exit__(self, *_: object) -> None:
        if isinstance(self.data, mmap.mmap):
            self.data.close()


FACTS = {
    # pyelftools reads the DWARF, only when a rule asks (the DWARF rules are opt-in).
    "elf.compile_units": Fact(
        "list[object]",
        "One item per DWARF compile unit (.debug_info, compressed or not; DWARF 2 to 5; at most 10000), "
        "of the object's own .debug_info or, without one, of its separate debug file (elf.debug_file): "
        "its DW_AT_name, language (`C`, `C++`, `Assembler` for GNU as, `Rust`, ... or `DW_LANG_0x..`), "
        "DW_AT_producer, and what that producer records: switches_recorded (it names any option: GCC's "
        "-grecord-gcc-switches, its default; Clang only with -grecord-command-line), defines_recorded (the "
        "record holds -D and -U options too: Clang's command line; GCC leaves them out), and the last of each "
        "kind of option: stack_protector (`-fstack-protector-strong`, `-fno-stack-protector`, ...), "
        "fortify_source (the N of -D_FORTIFY_SOURCE=N: GCC never records -D options, so null for GCC), "
        "cf_protection (`full`, `branch`, `return`, `none`), optimization (`0`, `2`, `s`, `fast`, ...; `0` "
        "when switches are recorded without -O) and pic (`-fPIC`, `-fpie`, ...); null when not recorded. "
        "Empty without DWARF.",
        lambda view: units(view)[0],
        items={"name": "str", "language": "str?", "producer": "str", "switches_recorded": "bool",
               "defines_recorded": "bool", "stack_protector": "str?", "fortify_source": "str?", "cf_protection": "str?",
               "optimization": "str?", "pic": "str?"},
    ),
    "elf.dwarf_error": Fact("str?", "Why elf.compile_units holds fewer units than the DWARF has: more than "
                            "10000 units, debug sections over 1 GiB, DWARF pyelftools cannot read, or a "
                            "separate debug file (elf.debug_file) binlint cannot read; null when every unit "
                            "was read.", lambda view: units(view)[1]),
    "elf.debug_file": Fact("str?", "The separate debug file elf.compile_units was read from, for an object "
                           "without .debug_info: `DIR/.build-id/xx/yyyy.debug` by its build ID, or the file "
                           "its .gnu_debuglink names (beside it, in its `.debug/` folder, in DIR under the "
                           "object's directory, or in DIR), DIR being each --debug-dir; null when none matched.",
                           lambda view: found(view).path),
    "elf.debug_files_rejected": Fact(
        "list[object]",
        "The debug files found for an object without .debug_info but refused, as GDB refuses them, before "
        "the one used (if any): path, and reason: `build-id-mismatch` (its build ID is not the object's), "
        "`crc-mismatch` (its CRC-32 is not the one .gnu_debuglink records), `unreadable` (not an ELF file "
        "binlint can read), `outside` (a symbolic link leading out of the directories given and the "
        "object's folder).",
        lambda view: found(view).rejected, items={"path": "str", "reason": "str"}),
}
