"""Differential test: binlint's own ELF reader against pyelftools and LIEF.

binlint reads ELF with a small `struct` reader (binlint/formats/elf/reader.py) instead of a
library. The project accepts that only while this test shows that the reader gives the
same facts as two independent parsers, pyelftools and LIEF, on

* every ELF test fixture (kinds "elf" and "cross"; the "bad" ones are not valid ELF), and
* every regular ELF file under /usr/lib/x86_64-linux-gnu (recursively, symbolic links
  skipped, each hard-linked file once).

binlint's facts come from the same code path as `binlint facts FILE` (discover ->
FileView -> FACTS). The two oracles below compute the same facts from their own
libraries' APIs; they share nothing with binlint but the definitions written in the
docstrings of the facts:

    elf.class, elf.endian, elf.machine, elf.type   ELF header
    elf.interpreter                                the first PT_INTERP
    elf.gnu_stack                                  "RWX"-style flags of every PT_GNU_STACK
    elf.stack_note                                 ET_REL only: .note.GNU-stack "missing", or "exec" when it
                                                   has SHF_EXECINSTR, else "noexec"; None for other types
    elf.needed, soname, rpath, runpath             the first PT_DYNAMIC (rpath/runpath split on ':')
    elf.version_needs                              {(library, version, weak, {symbols})}: symbols are
                                                   the dynamic symbols whose .gnu.version index
                                                   (hidden bit masked) is the vernaux `vna_other`
    elf.abi_tag                                    (os, kernel) of the first GNU NT_GNU_ABI_TAG note,
                                                   from PT_NOTE segments, or from SHT_NOTE sections in
                                                   a file without program headers (ET_REL objects),
                                                   as `readelf -n` and LIEF read them
    elf.static                                     ET_EXEC or ET_DYN without PT_INTERP, and without
                                                   PT_DYNAMIC or an ET_DYN with DF_1_PIE and no DT_NEEDED
    elf.textrel, elf.bind_now                      DT_TEXTREL or DF_TEXTREL (0x4) in a DT_FLAGS; DT_BIND_NOW,
                                                   DF_BIND_NOW (0x8) in a DT_FLAGS or DF_1_NOW (0x1) in a
                                                   DT_FLAGS_1 (the first PT_DYNAMIC, up to DT_NULL)
    elf.relro                                      "none" without PT_GNU_RELRO, else "full" with bind-now,
                                                   else "partial"
    elf.rwx_segments                               (offset "0x...", flags "RWX") for each PT_LOAD with PF_W
                                                   and PF_X
    elf.imports, elf.weak_imports                  names of the SHN_UNDEF dynamic symbols, in table order:
                                                   of every binding but STB_WEAK, and of STB_WEAK
    elf.stack_protector, fortified, fortifiable    from both import lists, by binlint's published lists
                                                   (the definitions: STACK_PROTECTOR and glibc's FORTIFIABLE)
    elf.cf_protection                              the X86 (IBT, SHSTK) or AArch64 (BTI, PAC) FEATURE_1_AND
                                                   bits of the first NT_GNU_PROPERTY_TYPE_0 note
    elf.language                                   "go": a .go.buildinfo section or a note named "Go" of
                                                   type 4; "rust": a .rustc section, a symbol named
                                                   __rust_* / rust_eh_personality / rust_begin_unwind /
                                                   rust_panic, or "rustc version " in .comment

A disagreement between any two of the three is a failure. Where an oracle is known to be
wrong, ORACLE_EXCEPTIONS names the file, the fact and the reason, and only that value is
ignored. The system-library test collects every disagreement and fails once with a
compact table instead of stopping at the first.

Cost: pyelftools ~13 ms and LIEF ~6 ms per file on average here, so the ~900 system files
are spread over a fork()ed pool of min(2, cpus) workers (lief is imported first, in the
parent, so the 0.6 s import is paid once).
"""
from __future__ import annotations

import multiprocessing
import os
import re
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, NamedTuple

import lief  # only ever imported here: LIEF is a test oracle, not a binlint dependency at run time
import pytest
from elftools.common.utils import struct_parse
from elftools.construct import Array
from elftools.elf.elffile import ELFFile
from elftools.elf.enums import ENUM_E_MACHINE
from elftools.elf.gnuversions import GNUVerNeedSection, GNUVerSymSection
from elftools.elf.notes import iter_notes

from binlint.formats.members import Limits
from binlint.walk.discover import discover
from binlint.errors import ArtifactError
from binlint.facts import FileView
from binlint.formats.elf.hardening import FORTIFIABLE, STACK_PROTECTOR  # definitions (glibc's list), not code
from fixtures import fixture_names

SYSTEM_DIR = Path("/usr/lib/x86_64-linux-gnu")
# pyelftools must parse nearly everything, or the comparison means little.
MAX_PYELFTOOLS_FAILURES = 5

FACTS = (
    "elf.class", "elf.endian", "elf.machine", "elf.type", "elf.interpreter", "elf.gnu_stack",
    "elf.stack_note", "elf.needed", "elf.soname", "elf.rpath", "elf.runpath", "elf.version_needs",
    "elf.abi_tag",
    # The hardening facts.
    "elf.static", "elf.textrel", "elf.rwx_segments", "elf.bind_now", "elf.relro", "elf.imports",
    "elf.weak_imports", "elf.stack_protector", "elf.fortified", "elf.fortifiable", "elf.cf_protection", "elf.language",
)
ORACLES = ("pyelftools", "lief")

# e_machine -> the architecture binlint must report (numbers from the ELF gABI and glibc's
# elf.h; names as uname, wheel tags and Debian use them). Any other number must be reported
# as "EM_<number>". Each oracle reads the number with its own parser; the name comes from
# this table only, so a number a library has no name for (LIEF 1.0: 189, pyelftools: 0x9026)
# is still compared.
MACHINES = {
    2: "sparc", 3: "i386", 4: "m68k", 8: "mips", 10: "mips",  # 10: EM_MIPS_RS3_LE
    15: "parisc", 18: "sparc", 20: "ppc", 21: "ppc64", 22: "s390",  # 18: EM_SPARC32PLUS
    40: "arm", 42: "sh", 43: "sparc64", 50: "ia64", 62: "x86_64", 92: "or1k",  # 92: EM_OPENRISC
    93: "arc", 183: "aarch64", 189: "microblaze", 195: "arc",  # 93/195: EM_ARC_COMPACT(2)
    243: "riscv", 252: "csky", 258: "loongarch", 0x9026: "alpha",  # 0x9026: EM_ALPHA (unofficial)
}


def _machine(number: int) -> str:
    return MACHINES.get(number, f"EM_{number}")


# NT_GNU_ABI_TAG word 0 (glibc's elf.h ELF_NOTE_OS_*) as binlint names it.
PYELF_ABI_OS = {"ELF_NOTE_OS_LINUX": "Linux", "ELF_NOTE_OS_GNU": "Hurd",
                "ELF_NOTE_OS_SOLARIS2": "Solaris", "ELF_NOTE_OS_FREEBSD": "FreeBSD"}
LIEF_ABI_OS = {"LINUX": "Linux", "GNU": "Hurd", "SOLARIS2": "Solaris", "FREEBSD": "FreeBSD"}

PF_X, PF_W, PF_R = 1, 2, 4
SHF_EXECINSTR = 4
VER_FLG_WEAK = 2
VERSYM_HIDDEN = 0x8000


class Failed(NamedTuple):
    """A fact that could not be computed; it compares unequal to every real value."""

    error: str


Facts = dict[str, Any]


# --------------------------------------------------------------------------------------
# Oracle exceptions: (file, fact, oracle) whose value is known to be wrong, with why.
# Keep them narrow: one fact of one oracle, for files named exactly (fixtures by fixture
# name, system files by path relative to SYSTEM_DIR).
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OracleException:
    files: frozenset[str]
    fact: str
    oracle: str
    reason: str


# None is needed on the fixtures or on Debian 12's /usr/lib/x86_64-linux-gnu: pyelftools 0.33
# and LIEF 1.0 agree with each other on every fact there. Known oracle limits outside this
# corpus, for whoever adds such files: LIEF 1.0 reads no section headers when e_shnum is 0
# (extended numbering, objects with >= 0xff00 sections), so its stack_note is None there.
ORACLE_EXCEPTIONS: tuple[OracleException, ...] = (
    OracleException(frozenset({"many-sections-obj"}), "elf.stack_note", "lief",
                    "LIEF 1.0 reads no section headers when e_shnum is 0 (extended numbering)"),
)


def _exception_for(file_key: str, fact: str, oracle: str) -> OracleException | None:
    for exc in ORACLE_EXCEPTIONS:
        if exc.fact == fact and exc.oracle == oracle and file_key in exc.files:
            return exc
    return None


# --------------------------------------------------------------------------------------
# binlint
# --------------------------------------------------------------------------------------


def binlint_facts(path: str) -> Facts:
    """The facts as `binlint facts PATH` computes them, normalised for comparison."""
    artifacts = discover([path])
    view = FileView.of_file(artifacts[0], Limits())
    if len(artifacts) != 1 or view.kind != "elf":
        view.close()
        return {name: Failed(f"binlint classified the file as {view.kind!r}, not elf") for name in FACTS}
    facts: Facts = {}
    try:
        for name in FACTS:
            try:
                facts[name] = _normalise_binlint(name, view.get(name))
            except ArtifactError as err:
                facts[name] = Failed(f"ArtifactError: {err}")
    finally:
        view.close()
    return facts


def _normalise_binlint(name: str, value: Any) -> Any:
    if name == "elf.version_needs":
        return frozenset(
            (item["library"], item["version"], item["weak"], frozenset(item["symbols"])) for item in value)
    if name == "elf.abi_tag":
        return None if value is None else (value["os"], value["kernel"])
    if name == "elf.rwx_segments":
        return tuple((item["offset"], item["flags"]) for item in value)
    if isinstance(value, list):
        return tuple(value)
    return value


def _flags(flags: int) -> str:
    return ("R" if flags & PF_R else "") + ("W" if flags & PF_W else "") + ("X" if flags & PF_X else "")


def _split(entries: Iterable[str]) -> tuple[str, ...]:
    return tuple(part for entry in entries for part in entry.split(":"))


def _version_needs(needs: list[tuple[str, str, int, int]], symbols: dict[int, set[str]]) -> frozenset:
    return frozenset((library, version, bool(flags & VER_FLG_WEAK), frozenset(symbols.get(other, ())))
                     for library, version, flags, other in needs)


# --------------------------------------------------------------------------------------
# pyelftools
# --------------------------------------------------------------------------------------


def pyelftools_facts(path: str) -> Facts:
    """The facts from pyelftools' structures. Raises if pyelftools cannot parse the file."""
    with open(path, "rb") as stream:
        elf = ELFFile(stream)
        header = elf.header
        e_machine = header["e_machine"]  # a name such as "EM_X86_64", or an int it has no name for
        machine = _machine(ENUM_E_MACHINE[e_machine] if isinstance(e_machine, str) else e_machine)
        e_type = header["e_type"]
        facts: Facts = {
            "elf.class": elf.elfclass,
            "elf.endian": "little" if elf.little_endian else "big",
            "elf.machine": machine,
            "elf.type": e_type[3:] if isinstance(e_type, str) else f"{e_type:#x}",
        }
        interpreter, stack, dynamic, abi_tag = None, [], None, None
        segments = list(elf.iter_segments())
        for segment in segments:
            kind = segment["p_type"]
            if kind == "PT_INTERP" and interpreter is None:
                interpreter = segment.get_interp_name()
            elif kind == "PT_GNU_STACK":
                stack.append(_flags(segment["p_flags"]))
            elif kind == "PT_DYNAMIC" and dynamic is None:
                dynamic = segment
            elif kind == "PT_NOTE" and abi_tag is None:
                abi_tag = _pyelf_abi_tag(segment.iter_notes())
        if not segments:  # objects: their notes are only in SHT_NOTE sections
            for section in elf.iter_sections():
                if section["sh_type"] == "SHT_NOTE" and abi_tag is None:
                    abi_tag = _pyelf_abi_tag(section.iter_notes())
        facts["elf.interpreter"] = interpreter
        facts["elf.gnu_stack"] = tuple(stack)
        facts["elf.abi_tag"] = abi_tag

        tags: dict[str, list[str]] = {"DT_NEEDED": [], "DT_SONAME": [], "DT_RPATH": [], "DT_RUNPATH": []}
        if dynamic is not None:
            for tag in dynamic.iter_tags():
                d_tag = tag.entry.d_tag
                if d_tag in tags:
                    tags[d_tag].append(getattr(tag, d_tag[3:].lower()))
        facts["elf.needed"] = tuple(tags["DT_NEEDED"])
        facts["elf.soname"] = tags["DT_SONAME"][0] if tags["DT_SONAME"] else None
        facts["elf.rpath"] = _split(tags["DT_RPATH"])
        facts["elf.runpath"] = _split(tags["DT_RUNPATH"])

        stack_note = None
        if e_type == "ET_REL":
            note = elf.get_section_by_name(".note.GNU-stack")
            if note is None:
                stack_note = "missing"
            else:
                stack_note = "exec" if note["sh_flags"] & SHF_EXECINSTR else "noexec"
        facts["elf.stack_note"] = stack_note

        needs: list[tuple[str, str, int, int]] = []
        versym = None
        for section in elf.iter_sections():
            if isinstance(section, GNUVerNeedSection):
                for verneed, auxiliaries in section.iter_versions():
                    for aux in auxiliaries:
                        needs.append((verneed.name, aux.name, aux["vna_flags"], aux["vna_other"]))
            elif isinstance(section, GNUVerSymSection) and versym is None:
                versym = section
        facts["elf.version_needs"] = _version_needs(needs, _pyelf_versioned_symbols(versym, needs))
        facts.update(_pyelf_hardening(elf, segments, dynamic))
    return facts


def _pyelf_abi_tag(notes: Iterable[Any]) -> tuple[str, str] | None:
    for note in notes:
        if note["n_name"] == "GNU" and note["n_type"] == "NT_GNU_ABI_TAG":
            desc = note["n_desc"]
            os_name = PYELF_ABI_OS.get(desc["abi_os"], str(desc["abi_os"]))
            return os_name, f"{desc['abi_major']}.{desc['abi_minor']}.{desc['abi_tiny']}"
    return None


def _pyelf_versioned_symbols(versym: GNUVerSymSection | None, needs: list) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    if versym is None or not needs:
        return found
    wanted = {other for *_, other in needs}
    # GNUVerSymSection.iter_symbols() parses every dynsym entry too (4 s for libLLVM's 46k
    # symbols); parse the .gnu.version array with pyelftools' own Elf_Versym struct instead
    # and name only the symbols that matter.
    entries = struct_parse(Array(versym.num_symbols(), versym.structs.Elf_Versym), versym.stream,
                           versym["sh_offset"])
    for index, entry in enumerate(entries):
        ndx = entry["ndx"]
        if isinstance(ndx, int) and ndx & ~VERSYM_HIDDEN in wanted:  # str: VER_NDX_LOCAL/GLOBAL
            found.setdefault(ndx & ~VERSYM_HIDDEN, set()).add(versym.symboltable.get_symbol(index).name)
    return found


# --------------------------------------------------------------------------------------
# The hardening facts, from each oracle's own view of segments, tags, symbols and notes
# --------------------------------------------------------------------------------------

DF_TEXTREL, DF_BIND_NOW, DF_1_NOW, DF_1_PIE = 0x4, 0x8, 0x1, 0x08000000
X86_FEATURES = ((1, "IBT"), (2, "SHSTK"))  # GNU_PROPERTY_X86_FEATURE_1_AND bits
AARCH64_FEATURES = ((1, "BTI"), (2, "PAC"))  # GNU_PROPERTY_AARCH64_FEATURE_1_AND bits
RUST_NAMES = {"rust_eh_personality", "rust_begin_unwind", "rust_panic"}


def _is_rust_symbol(name: str) -> bool:
    return name.startswith("__rust_") or name in RUST_NAMES


def _hardening(facts: Facts, *, has_relro: bool, bind_now: bool, undefined: list[tuple[str, bool]]) -> None:
    """The facts defined from others: RELRO from PT_GNU_RELRO and bind-now; the import
    lists from the undefined dynamic symbols, (name, weak) in table order."""
    facts["elf.bind_now"] = bind_now
    facts["elf.relro"] = "none" if not has_relro else "full" if bind_now else "partial"
    facts["elf.imports"] = tuple(name for name, weak in undefined if not weak)
    facts["elf.weak_imports"] = tuple(name for name, weak in undefined if weak)
    calls = [name for name, _ in undefined]
    facts["elf.stack_protector"] = not STACK_PROTECTOR.isdisjoint(calls)
    facts["elf.fortified"] = tuple(sorted({n for n in calls if re.fullmatch(r"__\w+_chk", n)}))
    facts["elf.fortifiable"] = tuple(sorted(FORTIFIABLE.intersection(calls)))


def _language(go: bool, rust: bool) -> str | None:
    return "go" if go else "rust" if rust else None


def _pyelf_hardening(elf: ELFFile, segments: list, dynamic: Any) -> Facts:
    e_type, e_machine = elf.header["e_type"], elf.header["e_machine"]
    kinds = [segment["p_type"] for segment in segments]
    facts: Facts = {
        "elf.static": False,  # below, from the dynamic tags
        "elf.rwx_segments": tuple(
            (f"{s['p_offset']:#x}", _flags(s["p_flags"])) for s in segments
            if s["p_type"] == "PT_LOAD" and s["p_flags"] & PF_W and s["p_flags"] & PF_X),
    }
    tags: dict[str, list[int]] = {}
    if dynamic is not None:
        for tag in dynamic.iter_tags():
            tags.setdefault(tag.entry.d_tag, []).append(tag.entry.d_val)
    flags = tags.get("DT_FLAGS", [])
    static_pie = (e_type == "ET_DYN" and any(v & DF_1_PIE for v in tags.get("DT_FLAGS_1", []))
                  and "DT_NEEDED" not in tags)
    facts["elf.static"] = (e_type in ("ET_EXEC", "ET_DYN") and "PT_INTERP" not in kinds
                           and ("PT_DYNAMIC" not in kinds or static_pie))
    facts["elf.textrel"] = "DT_TEXTREL" in tags or any(v & DF_TEXTREL for v in flags)
    bind_now = ("DT_BIND_NOW" in tags or any(v & DF_BIND_NOW for v in flags)
                or any(v & DF_1_NOW for v in tags.get("DT_FLAGS_1", [])))

    # Every symbol name (for Rust) and the undefined dynamic ones, in table order.
    names: list[str] = []
    undefined: list[tuple[str, bool]] = []
    dynsym_seen = False
    for section in elf.iter_sections():
        if section["sh_type"] in ("SHT_DYNSYM", "SHT_SYMTAB"):
            dynsym = section["sh_type"] == "SHT_DYNSYM"
            dynsym_seen |= dynsym
            for symbol in section.iter_symbols():
                names.append(symbol.name)
                if dynsym and symbol["st_shndx"] == "SHN_UNDEF" and symbol.name:
                    undefined.append((symbol.name, symbol["st_info"]["bind"] == "STB_WEAK"))
    if not dynsym_seen and dynamic is not None and "DT_SYMTAB" in tags:
        for symbol in dynamic.iter_symbols():  # no section headers: DT_SYMTAB and the hash table
            names.append(symbol.name)
            if symbol["st_shndx"] == "SHN_UNDEF" and symbol.name:
                undefined.append((symbol.name, symbol["st_info"]["bind"] == "STB_WEAK"))
    _hardening(facts, has_relro="PT_GNU_RELRO" in kinds, bind_now=bind_now, undefined=undefined)

    # Notes: PT_GNU_PROPERTY for the property note when there is one, else PT_NOTE segments,
    # else (objects) SHT_NOTE sections.
    def notes_of(kind: str) -> list:
        return [n for s in segments if s["p_type"] == kind for n in iter_notes(elf, s["p_offset"], s["p_filesz"])]

    all_notes = notes_of("PT_NOTE") if segments else [
        n for section in elf.iter_sections() if section["sh_type"] == "SHT_NOTE" for n in section.iter_notes()]
    property_notes = notes_of("PT_GNU_PROPERTY") or all_notes
    wanted = {"EM_X86_64": ("GNU_PROPERTY_X86_FEATURE_1_AND", X86_FEATURES),
              "EM_386": ("GNU_PROPERTY_X86_FEATURE_1_AND", X86_FEATURES),
              "EM_AARCH64": ("GNU_PROPERTY_AARCH64_FEATURE_1_AND", AARCH64_FEATURES)}.get(e_machine)
    cf: tuple[str, ...] = ()
    note = next((n for n in property_notes if n["n_name"] == "GNU" and n["n_type"] == "NT_GNU_PROPERTY_TYPE_0"), None)
    if note is not None and wanted is not None:
        for prop in note["n_desc"]:
            if prop["pr_type"] == wanted[0]:
                cf = tuple(name for bit, name in wanted[1] if prop["pr_data"] & bit)
                break
    facts["elf.cf_protection"] = cf

    comment = elf.get_section_by_name(".comment")
    go = elf.get_section_by_name(".go.buildinfo") is not None or any(
        n["n_name"] == "Go" and n["n_type"] in (4, "NT_GNU_GOLD_VERSION") for n in all_notes)  # type 4, GNU's name
    rust = (elf.get_section_by_name(".rustc") is not None or any(map(_is_rust_symbol, names))
            or (comment is not None and comment["sh_type"] != "SHT_NOBITS" and b"rustc version " in comment.data()))
    facts["elf.language"] = _language(go, rust)
    return facts


def _lief_hardening(binary: lief.ELF.Binary, facts: Facts) -> None:
    segment_type, flags = lief.ELF.Segment.TYPE, lief.ELF.Segment.FLAGS
    kinds = {seg.type for seg in binary.segments}
    tag = lief.ELF.DynamicEntry.TAG
    entries = list(binary.dynamic_entries)
    static_pie = (facts["elf.type"] == "DYN" and not any(e.tag == tag.NEEDED for e in entries)
                  and any(e.value & DF_1_PIE for e in entries if e.tag == tag.FLAGS_1))
    facts["elf.static"] = (facts["elf.type"] in ("EXEC", "DYN") and segment_type.INTERP not in kinds
                           and (segment_type.DYNAMIC not in kinds or static_pie))
    def rwx(seg: lief.ELF.Segment) -> str:
        return ("R" if seg.has(flags.R) else "") + "WX"

    facts["elf.rwx_segments"] = tuple(
        (f"{seg.file_offset:#x}", rwx(seg))
        for seg in binary.segments if seg.type == segment_type.LOAD and seg.has(flags.W) and seg.has(flags.X))
    dt_flags = [e.value for e in entries if e.tag == tag.FLAGS]
    facts["elf.textrel"] = any(e.tag == tag.TEXTREL for e in entries) or any(v & DF_TEXTREL for v in dt_flags)
    bind_now = (any(e.tag == tag.BIND_NOW for e in entries) or any(v & DF_BIND_NOW for v in dt_flags)
                or any(e.value & DF_1_NOW for e in entries if e.tag == tag.FLAGS_1))
    undefined = [(_text(s.name), s.binding == lief.ELF.Symbol.BINDING.WEAK)
                 for s in binary.dynamic_symbols if s.shndx == 0 and s.name]
    _hardening(facts, has_relro=segment_type.GNU_RELRO in kinds, bind_now=bind_now, undefined=undefined)

    cf: tuple[str, ...] = ()
    machine = int(binary.header.machine_type)
    note = next((n for n in binary.notes if isinstance(n, lief.ELF.NoteGnuProperty)), None)
    if note is not None:
        for prop in note.properties:
            if machine in (3, 62) and isinstance(prop, lief.ELF.X86Features):
                found = {feature.name for flag, feature in prop.features if flag == lief.ELF.X86Features.FLAG.NONE}
                cf = tuple(name for _, name in X86_FEATURES if name in found)
                break
            if machine == 183 and isinstance(prop, lief.ELF.AArch64Feature):
                found = {feature.name for feature in prop.features}
                cf = tuple(name for _, name in AARCH64_FEATURES if name in found)
                break
    facts["elf.cf_protection"] = cf

    comment = binary.get_section(".comment")
    go = binary.get_section(".go.buildinfo") is not None or any(
        _text(n.name) == "Go" and n.original_type == 4 for n in binary.notes)
    names = [_text(s.name) for s in (*binary.dynamic_symbols, *binary.symtab_symbols)]
    rust = (binary.get_section(".rustc") is not None or any(map(_is_rust_symbol, names))
            or (comment is not None and b"rustc version " in bytes(comment.content)))
    facts["elf.language"] = _language(go, rust)


# --------------------------------------------------------------------------------------
# LIEF
# --------------------------------------------------------------------------------------

lief.logging.disable()


def _lief_config() -> lief.ELF.ParserConfig:
    config = lief.ELF.ParserConfig()
    config.parse_relocations = False
    config.parse_symtab_symbols = True  # for Rust's symbols (system libraries have no .symtab)
    config.parse_overlay = False
    config.parse_dyn_symbols = True  # needed for the symbols bound to each version
    config.parse_symbol_versions = True
    config.parse_notes = True
    return config


_LIEF_CONFIG = _lief_config()


def _text(value: str | bytes) -> str:
    # LIEF returns bytes for names that are not valid UTF-8.
    return value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else value


def lief_facts(path: str) -> Facts:
    with warnings.catch_warnings():  # "N is not a valid TYPE" per unknown segment type
        warnings.simplefilter("ignore")
        binary = lief.ELF.parse(path, _LIEF_CONFIG)
        if binary is None:
            return {name: Failed("lief.ELF.parse returned None") for name in FACTS}
        return _lief_facts(binary)


def _lief_facts(binary: lief.ELF.Binary) -> Facts:
    header = binary.header
    elf_class = {"ELF32": 32, "ELF64": 64}.get(header.identity_class.name, Failed(str(header.identity_class)))
    endian = {"LSB": "little", "MSB": "big"}.get(header.identity_data.name, Failed(str(header.identity_data)))
    file_type = header.file_type
    facts: Facts = {
        "elf.class": elf_class,
        "elf.endian": endian,
        "elf.machine": _machine(int(header.machine_type)),
        "elf.type": getattr(file_type, "name", None) or f"{int(file_type):#x}",
        "elf.interpreter": _text(binary.interpreter) if binary.has_interpreter else None,
    }
    flags = lief.ELF.Segment.FLAGS
    facts["elf.gnu_stack"] = tuple(
        ("R" if seg.has(flags.R) else "") + ("W" if seg.has(flags.W) else "") + ("X" if seg.has(flags.X) else "")
        for seg in binary.segments if seg.type == lief.ELF.Segment.TYPE.GNU_STACK)

    stack_note = None
    if facts["elf.type"] == "REL":
        note = binary.get_section(".note.GNU-stack")
        if note is None:
            stack_note = "missing"
        else:
            stack_note = "exec" if note.has(lief.ELF.Section.FLAGS.EXECINSTR) else "noexec"
    facts["elf.stack_note"] = stack_note

    tag = lief.ELF.DynamicEntry.TAG
    entries = list(binary.dynamic_entries)
    facts["elf.needed"] = tuple(_text(e.name) for e in entries if e.tag == tag.NEEDED)
    sonames = [_text(e.name) for e in entries if e.tag == tag.SONAME]
    facts["elf.soname"] = sonames[0] if sonames else None
    facts["elf.rpath"] = _split(_text(e.rpath) for e in entries if e.tag == tag.RPATH)
    facts["elf.runpath"] = _split(_text(e.runpath) for e in entries if e.tag == tag.RUNPATH)

    needs = [(_text(req.name), _text(aux.name), aux.flags, aux.other)
             for req in binary.symbols_version_requirement for aux in req.get_auxiliary_symbols()]
    symbols: dict[int, set[str]] = {}
    if needs:
        wanted = {other for *_, other in needs}
        for symbol in binary.dynamic_symbols:
            if symbol.has_version:
                index = symbol.symbol_version.value & ~VERSYM_HIDDEN
                if index in wanted:
                    symbols.setdefault(index, set()).add(_text(symbol.name))
    facts["elf.version_needs"] = _version_needs(needs, symbols)

    abi_tag = None
    for note in binary.notes:
        if isinstance(note, lief.ELF.NoteAbi) and _text(note.name) == "GNU":
            abi = note.abi
            os_name = LIEF_ABI_OS.get(getattr(abi, "name", None), str(int(abi)) if abi is not None else "None")
            abi_tag = (os_name, ".".join(str(v) for v in note.version))
            break
    facts["elf.abi_tag"] = abi_tag
    _lief_hardening(binary, facts)
    return facts


# --------------------------------------------------------------------------------------
# Comparison and report
# --------------------------------------------------------------------------------------


class FileResult(NamedTuple):
    path: str
    binlint: Facts
    pyelftools: Facts | None  # None: pyelftools could not parse the file
    pyelftools_error: str | None
    lief: Facts


class Mismatch(NamedTuple):
    file: str
    fact: str
    binlint: Any
    pyelftools: Any
    lief: Any


_NOT_COMPARED = "(not compared)"


def compute(path: str) -> FileResult:
    binlint = binlint_facts(path)
    try:
        pyelf, pyelf_error = pyelftools_facts(path), None
    except Exception as err:  # noqa: BLE001 - any pyelftools failure is reported, not raised
        pyelf, pyelf_error = None, f"{type(err).__name__}: {err}"
    try:
        lief_values = lief_facts(path)
    except Exception as err:  # noqa: BLE001
        lief_values = {name: Failed(f"{type(err).__name__}: {err}") for name in FACTS}
    return FileResult(path, binlint, pyelf, pyelf_error, lief_values)


def compare(file_key: str, result: FileResult, used: set[OracleException] | None = None) -> list[Mismatch]:
    """Every fact on which binlint and the (non-excepted) oracles do not all agree."""
    mismatches = []
    for fact in FACTS:
        values = {"binlint": result.binlint[fact]}
        shown = {}
        for oracle, facts in (("pyelftools", result.pyelftools), ("lief", result.lief)):
            exc = _exception_for(file_key, fact, oracle)
            if facts is None:
                shown[oracle] = _NOT_COMPARED
            elif exc is not None:
                shown[oracle] = facts[fact]
                if used is not None:
                    used.add(exc)
            else:
                values[oracle] = shown[oracle] = facts[fact]
        if not _all_equal(list(values.values())):
            mismatches.append(Mismatch(file_key, fact, values["binlint"], shown["pyelftools"], shown["lief"]))
    return mismatches


def _all_equal(values: list[Any]) -> bool:
    if any(isinstance(v, Failed) for v in values):
        return False
    return all(v == values[0] for v in values[1:])


def _show(value: Any, reference: Any = None, limit: int = 600) -> str:
    """A compact rendering; for version needs, only the difference from `reference`."""
    if isinstance(value, frozenset) and isinstance(reference, frozenset):
        text = _needs_diff(value, reference) if value != reference else "(same as binlint)"
    elif isinstance(value, frozenset):
        text = f"{len(value)} versions, {sum(len(symbols) for *_, symbols in value)} symbols"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def _needs_diff(value: frozenset, reference: frozenset) -> str:
    def by_version(needs: frozenset) -> dict[tuple[str, str, bool], set[str]]:
        grouped: dict[tuple[str, str, bool], set[str]] = {}
        for library, version, weak, symbols in needs:
            grouped.setdefault((library, version, weak), set()).update(symbols)
        return grouped

    mine, theirs = by_version(value), by_version(reference)
    parts = []
    for key in sorted(mine.keys() | theirs.keys()):
        label = f"{key[0]}:{key[1]}{' (weak)' if key[2] else ''}"
        if key not in theirs:
            parts.append(f"+{label} {sorted(mine[key])}")
        elif key not in mine:
            parts.append(f"-{label}")
        elif mine[key] != theirs[key]:
            parts.append(f"{label} symbols +{sorted(mine[key] - theirs[key])} -{sorted(theirs[key] - mine[key])}")
    return "; ".join(parts)


def format_report(mismatches: list[Mismatch]) -> str:
    lines = []
    for m in mismatches:
        lines.append(f"{m.file}  {m.fact}")
        lines.append(f"    binlint:    {_show(m.binlint)}")
        for oracle, value in (("pyelftools", m.pyelftools), ("lief", m.lief)):
            lines.append(f"    {oracle + ':':<11} {_show(value, m.binlint)}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# The fixtures
# --------------------------------------------------------------------------------------

ELF_FIXTURES = fixture_names("elf") + fixture_names("cross")


@pytest.mark.parametrize("name", ELF_FIXTURES)
def test_fixture_facts_agree(artifacts, name: str) -> None:
    result = compute(str(artifacts.path(name)))
    assert result.pyelftools_error is None, f"pyelftools cannot parse fixture {name}: {result.pyelftools_error}"
    mismatches = compare(name, result)
    if mismatches:
        pytest.fail("binlint, pyelftools and LIEF disagree:\n" + format_report(mismatches), pytrace=False)


# --------------------------------------------------------------------------------------
# The system libraries
# --------------------------------------------------------------------------------------


def system_elf_files(top: Path = SYSTEM_DIR) -> list[str]:
    """Regular ELF files under `top`, symlinks skipped, hard links once; largest first."""
    found: list[tuple[int, str]] = []
    seen: set[tuple[int, int]] = set()
    for root, _dirs, files in os.walk(top):  # does not descend into symlinked directories
        for filename in files:
            path = os.path.join(root, filename)
            try:
                st = os.lstat(path)
                if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) in seen:
                    continue
                seen.add((st.st_dev, st.st_ino))
                with open(path, "rb") as f:
                    if f.read(4) != b"\x7fELF":
                        continue
            except OSError:
                continue
            found.append((st.st_size, path))
    # Largest first, so the long files do not end up alone at the tail of the pool.
    return [path for _size, path in sorted(found, reverse=True)]


def _map(function: Callable[[str], FileResult], paths: list[str]) -> list[FileResult]:
    workers = min(2, os.cpu_count() or 1)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [function(p) for p in paths]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return list(pool.imap_unordered(function, paths, chunksize=1))


@pytest.mark.skipif(not SYSTEM_DIR.is_dir(), reason=f"{SYSTEM_DIR} does not exist on this system")
def test_system_libraries_agree() -> None:
    paths = system_elf_files()
    assert len(paths) >= 50, f"only {len(paths)} ELF files under {SYSTEM_DIR}: not a meaningful corpus"
    results = sorted(_map(compute, paths), key=lambda r: r.path)

    mismatches: list[Mismatch] = []
    used: set[OracleException] = set()
    unparsed = []
    for result in results:
        key = os.path.relpath(result.path, SYSTEM_DIR)
        if result.pyelftools_error is not None:
            unparsed.append(f"{key}: {result.pyelftools_error}")
        mismatches += compare(key, result, used)

    summary = [f"{len(results)} ELF files under {SYSTEM_DIR} compared on {len(FACTS)} facts: "
               f"{len(mismatches)} disagreements in {len({m.file for m in mismatches})} files"]
    # How many files exercise each fact (a non-empty value from binlint), so that an empty
    # corpus for a fact is visible rather than silently "agreeing".
    empty = (None, (), frozenset(), False, "none")
    summary.append("non-empty values: " + ", ".join(
        f"{fact.removeprefix('elf.')} {sum(1 for r in results if r.binlint[fact] not in empty)}"
        for fact in FACTS[4:]))
    if unparsed:
        summary.append(f"pyelftools cannot parse {len(unparsed)} files (compared with LIEF only):")
        summary += [f"    {line}" for line in unparsed]
    keys = {os.path.relpath(p, SYSTEM_DIR) for p in paths}
    summary += [f"oracle exception never needed (stale?): {e}"
                for e in ORACLE_EXCEPTIONS if e not in used and e.files & keys]
    print("\n".join(summary))

    if len(unparsed) > MAX_PYELFTOOLS_FAILURES:
        pytest.fail("\n".join(summary), pytrace=False)
    if mismatches:
        pytest.fail("\n".join(summary) + "\n" + format_report(mismatches), pytrace=False)


# --------------------------------------------------------------------------------------
# More files: the gcc-built weak/strong import and static-PIE files, and the real modules
# of auditwheel's test wheels (32-bit Arm, little-endian MIPS64, Android), with the Arm
# build attributes and float ABI held equal to pyelftools' and LIEF's reading
# --------------------------------------------------------------------------------------

AUDITWHEEL_DATA = Path(__file__).resolve().parent / "data" / "auditwheel"
EF_ARM_ABI_FLOAT_SOFT, EF_ARM_ABI_FLOAT_HARD = 0x200, 0x400
# Tag_CPU_arch values, as the ARM ABI addenda (and readelf) name them.
ARM_CPU_ARCH_NAMES = ("Pre-v4", "v4", "v4T", "v5T", "v5TE", "v5TEJ", "v6", "v6KZ", "v6T2", "v6K", "v7", "v6-M",
                      "v6S-M", "v7E-M", "v8", "v8-R", "v8-M.baseline", "v8-M.mainline", "v8.1-A", "v8.2-A",
                      "v8.3-A", "v8.1-M.mainline", "v9")


@pytest.mark.parametrize("name", ["weak-atexit-lib.so", "strong-atexit-lib.so", "fpe-lib.so", "weak-fpe-lib.so",
                                  "static-pie-canary-exe"])
def test_elf_facts_fixtures_agree(elf_facts_fixtures, name: str) -> None:
    result = compute(str(elf_facts_fixtures.path(name)))
    assert result.pyelftools_error is None, result.pyelftools_error
    mismatches = compare(name, result)
    if mismatches:
        pytest.fail("binlint, pyelftools and LIEF disagree:\n" + format_report(mismatches), pytrace=False)


def _pyelf_arm(path: str) -> tuple[str | None, str | None]:
    """(Tag_CPU_arch name, float ABI) from pyelftools' ARM attributes and e_flags."""
    with open(path, "rb") as stream:
        elf = ELFFile(stream)
        attributes: dict[str, Any] = {}
        for section in elf.iter_sections():
            if section["sh_type"] == "SHT_ARM_ATTRIBUTES":
                for sub in section.iter_subsections():
                    if sub.header["vendor_name"] == "aeabi":
                        for subsub in sub.iter_subsubsections():
                            if subsub.header.tag == "TAG_FILE":
                                attributes.update((a.tag, a.value) for a in subsub.iter_attributes())
        flags = elf["e_flags"]
    cpu = attributes.get("TAG_CPU_ARCH")
    args = attributes.get("TAG_ABI_VFP_ARGS")
    float_abi = ("hard" if flags & EF_ARM_ABI_FLOAT_HARD else "soft" if flags & EF_ARM_ABI_FLOAT_SOFT
                 else "hard" if args == 1 else "soft" if args == 0 else None)
    return (None if cpu is None else ARM_CPU_ARCH_NAMES[cpu]), float_abi


def test_real_modules_of_other_architectures_agree(tmp_path: Path) -> None:
    import zipfile

    paths = []
    for wheel in sorted(AUDITWHEEL_DATA.rglob("*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            for info in archive.infolist():
                if info.filename.endswith(".so"):
                    target = tmp_path / wheel.stem / info.filename
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.read(info))
                    paths.append(str(target))
    assert len(paths) == 23  # every module of tests/data/auditwheel/: 18 testsimple builds, Android, PyFPE, zlib, cffi, snappy
    failures, arm = [], 0
    for path in paths:
        result = compute(path)
        assert result.pyelftools_error is None, result.pyelftools_error
        failures += compare(os.path.relpath(path, tmp_path), result)
        view_facts = _binlint_arm(path)
        if view_facts[0] is not None or view_facts[1] is not None:
            arm += 1
        assert view_facts == _pyelf_arm(path), path
        binary = lief.ELF.parse(path)
        if binary.header.machine_type == lief.ELF.ARCH.ARM:  # LIEF reads no attributes: e_flags only
            flags = binary.header.processor_flag
            lief_abi = "hard" if flags & EF_ARM_ABI_FLOAT_HARD else "soft" if flags & EF_ARM_ABI_FLOAT_SOFT else None
            assert lief_abi == view_facts[1], path
    assert arm == 4, "the armv5l, armv6l and two armv7l modules"
    if failures:
        pytest.fail("binlint, pyelftools and LIEF disagree:\n" + format_report(failures), pytrace=False)


def _binlint_arm(path: str) -> tuple[Any, Any]:
    artifacts = discover([path])
    view = FileView.of_file(artifacts[0], Limits())
    try:
        return view.get("elf.arm_cpu_arch"), view.get("elf.arm_float_abi")
    finally:
        view.close()


def test_defined_dynamic_symbols_agree_with_the_hash_table_lookup() -> None:
    """ElfFile.defines(..., symtab=False) first asks DT_GNU_HASH's bloom filter, as the
    dynamic loader does, and searches only for names it does not rule out: for exported
    names, names the library imports and names no library has, the answer is what
    pyelftools lists as defined in .dynsym, on this machine's libraries."""
    import random

    from binlint.formats.elf.reader import ElfFile

    rng = random.Random(1)
    files = sorted(p for p in Path("/usr/lib/x86_64-linux-gnu").glob("*.so*") if p.is_file() and not p.is_symlink())
    checked = ruled_out = 0
    for path in files[:120]:
        data = path.read_bytes()
        if data[:4] != b"\x7fELF":
            continue
        with path.open("rb") as stream:
            table = ELFFile(stream).get_section_by_name(".dynsym")
            if table is None:
                continue
            symbols = [(s.name, s["st_shndx"] != "SHN_UNDEF") for s in table.iter_symbols() if s.name]
        defined = sorted({name for name, is_defined in symbols if is_defined})
        imported = sorted({name for name, is_defined in symbols if not is_defined} - set(defined))
        names = (*rng.sample(defined, min(5, len(defined))), *imported[:3], f"PyInit_{path.name.split('.')[0]}",
                 "binlint_defines_no_such_name")
        elf = ElfFile(data)
        assert elf.defines(names, symtab=False) == [n for n in names if n in set(defined)], path
        ruled_out += sum(elf._gnu_hash_excludes(n) for n in names)
        checked += 1
    assert checked >= 40 and ruled_out >= checked  # the filter was asked, and answered for most absent names
