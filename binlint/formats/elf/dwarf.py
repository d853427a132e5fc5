"""The compile units an ELF file's DWARF describes, and the compiler switches each records.

GCC writes the command-line options that change code generation into each unit's
DW_AT_producer (`GNU C17 12.2.0 -mtune=generic -march=x86-64 -g -O2 -fstack-protector-strong`;
-grecord-gcc-switches, its default since GCC 4.8). It leaves out preprocessor options (-D, -U,
-I), so _FORTIFY_SOURCE is never there; Clang records its whole command line, -D options
included, only with -grecord-command-line. Read with pyelftools, imported here and only when a rule asks: the
facts are read on the opt-in path only, and only from files that carry .debug_info (an
object's separate debug file is found by binlint.formats.elf.debug_file).
"""
from __future__ import annotations

import io
import weakref

from binlint.errors import ArtifactError
from binlint.formats.elf.reader import ElfFile

MAX_UNITS = 10_000  # a hostile .debug_info of millions of tiny units must not run for minutes
# The debug sections pyelftools reads whole (and inflates when compressed) before the first
# unit: a file that claims more is not read.
MAX_DEBUG_BYTES = 1 << 30
# DW_AT_language -> the language's name; what is not here is named by its code.
LANGUAGES = {
    **dict.fromkeys((0x1, 0x2, 0xC, 0x1D, 0x2C), "C"),
    **dict.fromkeys((0x4, 0x19, 0x1A, 0x21, 0x2A, 0x2B), "C++"),
    0x10: "Objective-C", 0x11: "Objective-C++", 0x8001: "Assembler", 0x1C: "Rust", 0x16: "Go",
    **dict.fromkeys((0x7, 0x8, 0xE, 0x22, 0x23), "Fortran"), 0x13: "D", 0x1E: "Swift", 0x27: "Zig",
}
OPTIMIZATION_PREFIX = "-O"
PIC_OPTIONS = frozenset({"-fpic", "-fPIC", "-fpie", "-fPIE", "-fno-pic", "-fno-PIC", "-fno-pie", "-fno-PIE"})
_READ: weakref.WeakKeyDictionary[ElfFile, tuple[list[dict], str | None]] = weakref.WeakKeyDictionary()


def compile_units(elf: ElfFile) -> list[dict]:
    return _read(elf)[0]


def dwarf_error(elf: ElfFile) -> str | None:
    return _read(elf)[1]


def _read(elf: ElfFile) -> tuple[list[dict], str | None]:
    if elf not in _READ:
        _READ[elf] = _read_units(elf) if has_debug_info(elf) else ([], None)
    return _READ[elf]


def has_debug_info(elf: ElfFile) -> bool:
    """Asked of binlint's own reader first: most files have no DWARF, and opening them with
    pyelftools would cost more than every other fact."""
    try:
        return any(elf.section_named(name) is not None for name in (".debug_info", ".zdebug_info"))
    except ArtifactError:  # no readable section table: elf.section_error says why
        return False


def _read_units(elf: ElfFile) -> tuple[list[dict], str | None]:
    from elftools.elf.elffile import ELFFile

    units: list[dict] = []
    try:
        pyelf = ELFFile(io.BytesIO(elf.data))
        debug = sum(s.data_size for s in pyelf.iter_sections() if s.name.startswith((".debug_", ".zdebug_")))
        if debug > MAX_DEBUG_BYTES:
            return [], f"debug sections of {debug} bytes, over the {MAX_DEBUG_BYTES}-byte limit: not read"
        # follow_links=False: a .gnu_debugaltlink names a file on the machine running binlint
        for unit in pyelf.get_dwarf_info(relocate_dwarf_sections=True, follow_links=False).iter_CUs():
            if len(units) == MAX_UNITS:
                return units, f"over {MAX_UNITS} compile units: the first {MAX_UNITS} were read"
            units.append(_unit(unit.get_top_DIE().attributes))
    except Exception as err:  # noqa: BLE001 - pyelftools raises anything on hostile input
        return units, f"DWARF not readable: {type(err).__name__}: {err}"[:300]
    return units, None


def _text(attributes: dict, name: str) -> str | None:
    value = attributes[name].value if name in attributes else None
    # A form pyelftools cannot resolve (a dwz file's DW_FORM_GNU_strp_alt) leaves an offset.
    return value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else None


def _unit(attributes: dict) -> dict:
    producer = _text(attributes, "DW_AT_producer") or ""
    code = attributes["DW_AT_language"].value if "DW_AT_language" in attributes else None
    language = None if not isinstance(code, int) else LANGUAGES.get(code, f"DW_LANG_{code:#x}")
    return {"name": _text(attributes, "DW_AT_name") or "", "language": language, "producer": producer,
            **switches(producer)}


def switches(producer: str) -> dict:
    """The switches that matter for hardening, from a producer string: for each, the last one
    given wins, as on the compiler's command line."""
    words = producer.split()
    # Clang records the whole command line (-grecord-command-line), a -D or -U option's
    # macro as a word of its own: `-D _FORTIFY_SOURCE=2`.
    options = [word + words[i + 1] if word in ("-D", "-U") and i + 1 < len(words) else word
               for i, word in enumerate(words) if word.startswith("-")]
    recorded = bool(options)
    found: dict[str, str | None] = {"stack_protector": None, "fortify_source": None, "cf_protection": None,
                                    "optimization": "0" if recorded else None, "pic": None}
    for option in options:
        if option.startswith(("-fstack-protector", "-fno-stack-protector")):
            found["stack_protector"] = option
        elif option.startswith("-D_FORTIFY_SOURCE"):
            found["fortify_source"] = option.partition("=")[2] or "1"
        elif option == "-U_FORTIFY_SOURCE":
            found["fortify_source"] = None
        elif option.startswith(("-fcf-protection", "-fno-cf-protection")):
            found["cf_protection"] = ("none" if option.startswith("-fno") else option.partition("=")[2] or "full")
        elif option.startswith(OPTIMIZATION_PREFIX):
            found["optimization"] = option[2:] or "1"
        elif option in PIC_OPTIONS:
            found["pic"] = option
    # GCC leaves preprocessor options out of what it records; Clang's record is the command line.
    defines_recorded = recorded and "clang" in producer.split(" -", 1)[0]
    return {"switches_recorded": recorded, "defines_recorded": defines_recorded, **found}
