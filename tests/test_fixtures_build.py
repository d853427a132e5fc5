"""Sanity checks: every artifact tests/fixtures/ builds really has the property its name claims.

The checks parse ``readelf`` output (never binlint), so a bug in binlint's own
ELF parser cannot hide a broken fixture.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.util
import io
import os
import platform
import re
import shutil
import stat
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from fixtures import (
    ELF_MAGIC,
    ENCRYPTED_FLAG,
    FIXTURE_KINDS,
    FIXTURES,
    KINDS,
    MANYLINUX_X86_64,
    PYI_COOKIE,
    PYI_EXECSTACK_LIB,
    PYI_ONEFILE,
    PYI_OUTPUT,
    PYI_REQUIREMENT,
    PYI_RUNTIME_TMPDIR,
    PYI_SCRIPT,
    SRC_DIR,
    TARBALLS,
    ZIP_BOMB_SIZE,
    ZIP_UNIX,
    Artifacts,
    deep_nesting_chain,
    fixture_names,
    patch_gnu_stack_to_null,
    patch_machine,
    read_elf_layout,
    require_module,
    require_tool,
    truncate,
)

# ----------------------------------------------------------------------------
# readelf parsing
# ----------------------------------------------------------------------------

_SEGMENT_RE = re.compile(
    r"^\s+(?P<type>[A-Z_]+|LOOS\+0x[0-9a-f]+)\s+(?P<offset>0x[0-9a-f]+)\s+0x[0-9a-f]+\s+0x[0-9a-f]+"
    r"\s+(?P<filesz>0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(?P<flags>[RWE ]+?)\s+0x[0-9a-f]+$"
)
_DYNAMIC_RE = re.compile(r"^\s*0x[0-9a-f]+\s+\((?P<tag>\w+)\)\s+(?P<value>.*)$")
_VERNEED_RE = re.compile(r"Name: (?P<name>\S+)\s+Flags:")
_SECTION_RE = re.compile(
    r"^\s*\[\s*(?P<index>\d+)\]\s+(?P<name>\S+)\s+(?P<type>\S+)\s+[0-9a-f]+\s+[0-9a-f]+"
    r"\s+[0-9a-f]+\s+[0-9a-f]+\s+(?P<rest>.*)$"
)


@dataclass(frozen=True)
class Segment:
    type: str
    offset: int
    filesz: int
    flags: str  # e.g. "RW", "RWE", "RE"


@dataclass(frozen=True)
class Section:
    name: str
    type: str
    flags: str


@dataclass
class ElfView:
    header: dict[str, str] = field(default_factory=dict)
    segments: list[Segment] = field(default_factory=list)
    dynamic: dict[str, list[str]] = field(default_factory=dict)
    version_needs: set[str] = field(default_factory=set)
    sections: dict[str, Section] = field(default_factory=dict)
    errors: str = ""

    def segment_types(self) -> list[str]:
        return [segment.type for segment in self.segments]

    def gnu_stack_flags(self) -> str | None:
        stacks = [segment.flags for segment in self.segments if segment.type == "GNU_STACK"]
        assert len(stacks) <= 1, f"several GNU_STACK headers: {stacks}"
        return stacks[0] if stacks else None

    def dyn_values(self, tag: str) -> list[str]:
        return self.dynamic.get(tag, [])


def _readelf(path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    # No check=True: the "bad" fixtures make readelf exit non-zero on purpose.
    return subprocess.run(
        [require_tool("readelf"), *flags, str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
    )


def _bracketed(value: str) -> str:
    match = re.search(r"\[(.*)\]", value)
    return match.group(1) if match else value.strip()


def _parse_header(text: str, view: ElfView) -> None:
    in_header = False
    for line in text.splitlines():
        if line.startswith("ELF Header:"):
            in_header = True
        elif in_header and ":" in line and line.startswith("  "):
            key, value = line.split(":", 1)
            view.header[key.strip()] = value.strip()
        elif in_header and not line.strip():
            in_header = False


def _parse_segments_dynamic_versions(text: str, view: ElfView) -> None:
    in_verneed = False
    for line in text.splitlines():
        if match := _SEGMENT_RE.match(line):
            view.segments.append(Segment(
                match["type"], int(match["offset"], 16), int(match["filesz"], 16),
                match["flags"].replace(" ", ""),
            ))
        elif match := _DYNAMIC_RE.match(line):
            view.dynamic.setdefault(match["tag"], []).append(_bracketed(match["value"]))
        # Only .gnu.version_r lists needed versions; the other "Version ..." blocks end it.
        if line.startswith("Version "):
            in_verneed = line.startswith("Version needs section")
        if in_verneed and (match := _VERNEED_RE.search(line)):
            view.version_needs.add(match["name"])


def _parse_sections(text: str, view: ElfView) -> None:
    for line in text.splitlines():
        match = _SECTION_RE.match(line)
        if not match or match["index"] == "0":
            continue
        rest = match["rest"].split()
        # Columns after ES are "[Flg] Lk Inf Al"; Flg is blank for flagless sections.
        flags = rest[0] if len(rest) == 4 else ""
        view.sections[match["name"]] = Section(match["name"], match["type"], flags)


def inspect(path: Path) -> ElfView:
    """Parse ``readelf -hlWdV`` and ``readelf -SW`` output for ``path``."""
    view = ElfView()
    main = _readelf(path, "-hlWdV")
    sections = _readelf(path, "-SW")
    _parse_header(main.stdout, view)
    _parse_segments_dynamic_versions(main.stdout, view)
    _parse_sections(sections.stdout, view)
    view.errors = main.stderr + sections.stderr
    return view


# ----------------------------------------------------------------------------
# Per-fixture property checks
# ----------------------------------------------------------------------------

Check = Callable[[Path], None]
CHECKS: dict[str, Check] = {}

X86_64 = "Advanced Micro Devices X86-64"
HELLO_OUTPUT = "binlint fixture: hello\n"


def check(*names: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        for name in names:
            assert name not in CHECKS, name
            CHECKS[name] = function
        return function

    return register


def _assert_elf(view: ElfView, *, cls: str, endian: str, machine: str, type_prefix: str) -> None:
    assert view.header.get("Class") == cls, view.header
    assert endian in view.header.get("Data", ""), view.header
    assert view.header.get("Machine") == machine, view.header
    assert view.header.get("Type", "").startswith(type_prefix), view.header


def _assert_x86_64(view: ElfView, type_prefix: str) -> None:
    _assert_elf(view, cls="ELF64", endian="little endian", machine=X86_64, type_prefix=type_prefix)


def _assert_runs_hello(path: Path) -> None:
    if platform.machine() != "x86_64":
        return
    result = subprocess.run([str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout == HELLO_OUTPUT


def _assert_note_gnu_stack(view: ElfView, *, executable: bool) -> None:
    note = view.sections.get(".note.GNU-stack")
    assert note is not None, sorted(view.sections)
    assert ("X" in note.flags) is executable, note


@check("clean-exe")
def _check_clean_exe(path: Path) -> None:
    view = inspect(path)
    _assert_x86_64(view, "DYN")
    assert "INTERP" in view.segment_types()
    assert "PIE" in " ".join(view.dyn_values("FLAGS_1"))
    assert view.gnu_stack_flags() == "RW"
    _assert_runs_hello(path)


@check("clean-lib")
def _check_clean_lib(path: Path) -> None:
    view = inspect(path)
    _assert_x86_64(view, "DYN")
    assert view.dyn_values("SONAME") == ["libclean.so.1"]
    assert "INTERP" not in view.segment_types()
    assert view.gnu_stack_flags() == "RW"


@check("clean-obj")
def _check_clean_obj(path: Path) -> None:
    view = inspect(path)
    _assert_x86_64(view, "REL")
    assert view.segments == []
    _assert_note_gnu_stack(view, executable=False)


@check("execstack-exe")
def _check_execstack_exe(path: Path) -> None:
    view = inspect(path)
    _assert_x86_64(view, "DYN")
    assert "INTERP" in view.segment_types()
    assert view.gnu_stack_flags() == "RWE"


@check("execstack-lib")
def _check_execstack_lib(path: Path) -> None:
    view = inspect(path)
    _assert_x86_64(view, "DYN")
    assert view.dyn_values("SONAME") == ["libexecstack.so.1"]
    assert view.gnu_stack_flags() == "RWE"


@check("nostack-exe", "nostack-lib")
def _check_nostack(path: Path) -> None:
    view = inspect(path)
    _assert_x86_64(view, "DYN")
    assert view.gnu_stack_flags() is None
    assert "NULL" in view.segment_types()


@check("nostack-lib-as-aarch64")
def _check_nostack_lib_as_aarch64(path: Path) -> None:
    view = inspect(path)
    _assert_elf(view, cls="ELF64", endian="little endian", machine="AArch64", type_prefix="DYN")
    assert view.gnu_stack_flags() is None
    assert view.dyn_values("SONAME") == ["libclean.so.1"]


@check("asm-nonote-obj")
def _check_asm_nonote_obj(path: Path) -> None:
    view = inspect(path)
    _assert_x86_64(view, "REL")
    assert ".text" in view.sections
    assert ".note.GNU-stack" not in view.sections


@check("asm-execnote-obj")
def _check_asm_execnote_obj(path: Path) -> None:
    view = inspect(path)
    _assert_x86_64(view, "REL")
    _assert_note_gnu_stack(view, executable=True)


@check("asm-nonote-lib")
def _check_asm_nonote_lib(path: Path) -> None:
    view = inspect(path)
    _assert_x86_64(view, "DYN")
    assert view.dyn_values("SONAME") == ["libasmnonote.so.1"]
    assert view.gnu_stack_flags() == "RWE"


@check("glibc-new-lib")
def _check_glibc_new_lib(path: Path) -> None:
    view = inspect(path)
    _assert_x86_64(view, "DYN")
    assert view.dyn_values("SONAME") == ["libnew.so.1"]
    assert {"GLIBC_2.25", "GLIBC_2.14"} <= view.version_needs, view.version_needs


@check("runpath-multi-lib")
def _check_runpath_multi_lib(path: Path) -> None:
    view = inspect(path)
    _assert_x86_64(view, "DYN")
    assert view.dyn_values("RUNPATH") == ["/opt/vendor/lib:$ORIGIN/../lib:/usr/local/lib"]


@check("many-sections-obj")
def _check_many_sections_obj(path: Path) -> None:
    header = _readelf(path, "-h").stdout
    assert re.search(r"Number of section headers:\s+0 \(66\d\d\d\)", header), header


@check("rpath-lib")
def _check_rpath_lib(path: Path) -> None:
    view = inspect(path)
    _assert_x86_64(view, "DYN")
    assert view.dyn_values("RPATH") == ["/home/build/lib"]
    assert view.dyn_values("RUNPATH") == []


@check("runpath-lib")
def _check_runpath_lib(path: Path) -> None:
    view = inspect(path)
    _assert_x86_64(view, "DYN")
    assert view.dyn_values("RUNPATH") == ["$ORIGIN/../lib"]
    assert view.dyn_values("RPATH") == []
    assert "libclean.so.1" in view.dyn_values("NEEDED")


@check("nopie-exe")
def _check_nopie_exe(path: Path) -> None:
    view = inspect(path)
    _assert_x86_64(view, "EXEC")
    assert "INTERP" in view.segment_types()
    _assert_runs_hello(path)


@check("static-exe")
def _check_static_exe(path: Path) -> None:
    view = inspect(path)
    _assert_x86_64(view, "EXEC")
    assert "INTERP" not in view.segment_types()
    assert "DYNAMIC" not in view.segment_types()
    _assert_runs_hello(path)


@check("static-pie-exe")
def _check_static_pie_exe(path: Path) -> None:
    view = inspect(path)
    _assert_x86_64(view, "DYN")
    assert "INTERP" not in view.segment_types()
    assert "DYNAMIC" in view.segment_types()
    assert view.dyn_values("NEEDED") == []
    _assert_runs_hello(path)


# --- hardening fixtures: what readelf says about each hardening flag ----------------------


def _undefined_dynamic_symbols(path: Path) -> set[str]:
    """Names of the UND entries of `readelf --dyn-syms` (versions cut off)."""
    names = set()
    for line in _readelf(path, "--dyn-syms", "-W").stdout.splitlines():
        fields = line.split()
        if len(fields) >= 8 and fields[0].endswith(":") and fields[6] == "UND":
            names.add(fields[7].split("@")[0])
    return names


def _property_notes(path: Path) -> str:
    """The `Properties:` lines of `readelf -n`."""
    return " ".join(line.strip() for line in _readelf(path, "-nW").stdout.splitlines() if "Properties:" in line)


def _assert_hardening(path: Path, *, canary: bool = True, fortify: bool = True, relro: bool = True,
                      now: bool = True, cet: bool = True) -> None:
    view = inspect(path)
    _assert_x86_64(view, "DYN")
    imports = _undefined_dynamic_symbols(path)
    assert ("__stack_chk_fail" in imports) is canary, imports
    assert ({"__strcpy_chk", "__snprintf_chk", "__printf_chk"} <= imports) is fortify, imports
    assert ({"strcpy", "snprintf", "printf"} <= imports) is not fortify, imports
    assert ("GNU_RELRO" in view.segment_types()) is relro
    assert ("NOW" in " ".join(view.dyn_values("FLAGS") + view.dyn_values("FLAGS_1"))) is now, view.dynamic
    assert ("IBT, SHSTK" in _property_notes(path)) is cet, _property_notes(path)
    assert "TEXTREL" not in view.dynamic and "RWE" not in [s.flags for s in view.segments if s.type == "LOAD"]
    assert view.gnu_stack_flags() == "RW"


@check("hardened-exe")
def _check_hardened_exe(path: Path) -> None:
    _assert_hardening(path)
    assert "PIE" in " ".join(inspect(path).dyn_values("FLAGS_1"))


@check("hardened-lib")
def _check_hardened_lib(path: Path) -> None:
    _assert_hardening(path)
    assert inspect(path).dyn_values("SONAME") == ["libhardened-lib.so.1"]


check("nocanary-exe")(lambda path: _assert_hardening(path, canary=False))
check("nofortify-exe")(lambda path: _assert_hardening(path, fortify=False))
check("norelro-exe")(lambda path: _assert_hardening(path, relro=False))
check("lazy-exe")(lambda path: _assert_hardening(path, now=False))
check("nocet-exe")(lambda path: _assert_hardening(path, cet=False))


@check("go-note-exe")
def _check_go_note_exe(path: Path) -> None:
    _assert_hardening(path, canary=False, fortify=False)
    notes = _readelf(path, "-nW").stdout
    assert ".note.go.buildid" in notes and re.search(r"^\s+Go\s+0x0000000c\s", notes, re.M), notes


@check("textrel-lib")
def _check_textrel_lib(path: Path) -> None:
    view = inspect(path)
    _assert_x86_64(view, "DYN")
    assert "TEXTREL" in view.dynamic and "TEXTREL" in " ".join(view.dyn_values("FLAGS")), view.dynamic
    assert view.dyn_values("SONAME") == ["libtextrel.so.1"]


@check("rwx-lib")
def _check_rwx_lib(path: Path) -> None:
    view = inspect(path)
    _assert_x86_64(view, "DYN")
    assert [s.flags for s in view.segments if s.type == "LOAD"].count("RWE") == 1, view.segments
    assert "W" in view.sections[".binlint_wx"].flags and "X" in view.sections[".binlint_wx"].flags
    assert "TEXTREL" not in view.dynamic


def _check_aarch64_branch_protection(bti: bool) -> Check:
    def check_aarch64(path: Path) -> None:
        view = inspect(path)
        _assert_elf(view, cls="ELF64", endian="little endian", machine="AArch64", type_prefix="DYN")
        assert ("BTI" in _property_notes(path)) is bti, _property_notes(path)
        if bti:  # what the loader reads the marking from
            assert "GNU_PROPERTY" in view.segment_types()
    return check_aarch64


check("aarch64-bti-exe")(_check_aarch64_branch_protection(True))
check("aarch64-nobti-exe")(_check_aarch64_branch_protection(False))


def _clean_lib_bytes(path: Path) -> bytes:
    # The bad fixtures sit next to clean-lib in the session artifact directory.
    return (path.parent / "clean-lib.so").read_bytes()


@check("truncated-header")
def _check_truncated_header(path: Path) -> None:
    data = path.read_bytes()
    assert len(data) == 20 and data == _clean_lib_bytes(path)[:20]
    assert "Error" in inspect(path).errors


@check("truncated-phdrs")
def _check_truncated_phdrs(path: Path) -> None:
    view = inspect(path)
    phoff = int(view.header["Start of program headers"].split()[0])
    phentsize = int(view.header["Size of program headers"].split()[0])
    phnum = int(view.header["Number of program headers"])
    size = path.stat().st_size
    assert phoff < size < phoff + phentsize * phnum
    assert (size - phoff) % phentsize != 0, "cut should fall inside an entry"
    assert path.read_bytes() == _clean_lib_bytes(path)[:size]
    assert view.segments == []
    assert "Error" in view.errors


@check("truncated-dynamic")
def _check_truncated_dynamic(path: Path) -> None:
    view = inspect(path)
    size = path.stat().st_size
    last_load = [s for s in view.segments if s.type == "LOAD"][-1]
    dynamic = [s for s in view.segments if s.type == "DYNAMIC"][0]
    assert last_load.offset < size <= last_load.offset + 1
    assert dynamic.offset >= size, "PT_DYNAMIC must point past EOF"
    assert path.read_bytes() == _clean_lib_bytes(path)[:size]
    assert "dynamic segment" in view.errors


@check("garbage-elf")
def _check_garbage_elf(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(ELF_MAGIC) and len(data) == 4 + 200


def _assert_pyc(path: Path) -> None:
    assert path.suffix == ".pyc"
    assert path.read_bytes()[:4] == importlib.util.MAGIC_NUMBER


@check("pyc-exec", "pyc-noexec")
def _check_pyc(path: Path) -> None:
    _assert_pyc(path)


@check("script-exec")
def _check_script_exec(path: Path) -> None:
    assert path.read_bytes().startswith(b"#!/bin/sh\n")


def _is_text(data: bytes) -> bool:
    return all(32 <= byte < 127 or byte in b"\t\n\r" for byte in data)


@check("text-exec")
def _check_text_exec(path: Path) -> None:
    data = path.read_bytes()
    assert not data.startswith(b"#!")
    assert _is_text(data)


@check("pe-exec")
def _check_pe_exec(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(b"MZ")
    e_lfanew = int.from_bytes(data[0x3C:0x40], "little")
    assert data[e_lfanew:e_lfanew + 4] == b"PE\0\0"


@check("jar-exec")
def _check_jar_exec(path: Path) -> None:
    assert path.suffix == ".jar"
    with zipfile.ZipFile(path) as jar:
        assert jar.testzip() is None
        assert b"Manifest-Version" in jar.read("META-INF/MANIFEST.MF")


@check("data-noexec")
def _check_data_noexec(path: Path) -> None:
    data = path.read_bytes()
    assert not _is_text(data)
    magics = (ELF_MAGIC, b"#!", b"MZ", b"PK", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe",
              importlib.util.MAGIC_NUMBER)
    for magic in magics:
        assert not data.startswith(magic)


@check("aarch64-exe")
def _check_aarch64_exe(path: Path) -> None:
    view = inspect(path)
    _assert_elf(view, cls="ELF64", endian="little endian", machine="AArch64", type_prefix="DYN")
    assert "INTERP" in view.segment_types()
    assert view.gnu_stack_flags() == "RW"


@check("aarch64-nostack-exe")
def _check_aarch64_nostack_exe(path: Path) -> None:
    view = inspect(path)
    _assert_elf(view, cls="ELF64", endian="little endian", machine="AArch64", type_prefix="DYN")
    assert "INTERP" in view.segment_types()
    assert view.gnu_stack_flags() is None
    assert "NULL" in view.segment_types()


@check("aarch64-nonote-obj")
def _check_aarch64_nonote_obj(path: Path) -> None:
    view = inspect(path)
    _assert_elf(view, cls="ELF64", endian="little endian", machine="AArch64", type_prefix="REL")
    assert ".text" in view.sections
    assert ".note.GNU-stack" not in view.sections


@check("i686-exe")
def _check_i686_exe(path: Path) -> None:
    view = inspect(path)
    _assert_elf(view, cls="ELF32", endian="little endian", machine="Intel 80386", type_prefix="DYN")
    assert "INTERP" in view.segment_types()
    assert view.gnu_stack_flags() == "RW"


@check("i686-execstack-lib")
def _check_i686_execstack_lib(path: Path) -> None:
    view = inspect(path)
    _assert_elf(view, cls="ELF32", endian="little endian", machine="Intel 80386", type_prefix="DYN")
    assert view.dyn_values("SONAME") == ["libexecstack32.so.1"]
    assert view.gnu_stack_flags() == "RWE"


@check("mips-be-lib")
def _check_mips_be_lib(path: Path) -> None:
    view = inspect(path)
    _assert_elf(view, cls="ELF32", endian="big endian", machine="MIPS R3000", type_prefix="DYN")
    assert view.dyn_values("SONAME") == ["libmips.so.1"]
    assert view.gnu_stack_flags() == "RW"


@check("ppc64-be-lib")
def _check_ppc64_be_lib(path: Path) -> None:
    view = inspect(path)
    _assert_elf(view, cls="ELF64", endian="big endian", machine="PowerPC64", type_prefix="DYN")
    assert view.dyn_values("RPATH") == ["/build/ppc64/lib"]
    assert view.gnu_stack_flags() == "RW"


# --- archives: read with zipfile, tarfile and ar, never binlint ---------------


def _sibling(path: Path, fixture: str) -> bytes:
    """The bytes of a compiled fixture next to the archive (built as its dependency)."""
    matches = [p for p in path.parent.iterdir() if p.name.startswith(fixture) and p.name[len(fixture):] in ("", ".so", ".o")]
    assert len(matches) == 1, (fixture, matches)
    return matches[0].read_bytes()


def _zip_mode(info: zipfile.ZipInfo) -> int:
    assert info.create_system == ZIP_UNIX, f"{info.filename}: create_system {info.create_system}"
    return stat.S_IMODE(info.external_attr >> 16)


def _record_hash(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _assert_wheel(path: Path, *, tag: str, purelib: bool, members: dict[str, tuple[bytes, int]]) -> None:
    """A wheel as the binary distribution format specifies: its name's tag in WHEEL, a
    RECORD line with the right hash and size for every file, the members and modes given."""
    dist, version, *tag_parts = path.name[:-len(".whl")].split("-")
    assert "-".join(tag_parts) == tag, path.name
    info_dir = f"{dist}-{version}.dist-info"
    with zipfile.ZipFile(path) as wheel:
        assert wheel.testzip() is None
        fields: dict[str, list[str]] = {}
        for line in wheel.read(f"{info_dir}/WHEEL").decode().splitlines():
            key, _, value = line.partition(": ")
            fields.setdefault(key, []).append(value)
        assert fields["Wheel-Version"] == ["1.0"]
        assert fields["Root-Is-Purelib"] == ["true" if purelib else "false"]
        assert fields["Tag"] == [tag]
        metadata = wheel.read(f"{info_dir}/METADATA").decode()
        assert f"Name: {dist}\n" in metadata and f"Version: {version}\n" in metadata
        record = dict(line.split(",", 1) for line in wheel.read(f"{info_dir}/RECORD").decode().splitlines())
        names = [info.filename for info in wheel.infolist()]
        assert sorted(record) == sorted(names) and record.pop(f"{info_dir}/RECORD") == ","
        for name, line in record.items():
            data = wheel.read(name)
            assert line == f"sha256={_record_hash(data)},{len(data)}", name
        for name, (data, mode) in members.items():
            assert wheel.read(name) == data, name
            assert _zip_mode(wheel.getinfo(name)) == mode, name


def _ext_wheel(fixture: str, member: str, tag: str, purelib: bool = False) -> Check:
    def check_wheel(path: Path) -> None:
        _assert_wheel(path, tag=tag, purelib=purelib,
                      members={"pkg/__init__.py": (b"", 0o644), member: (_sibling(path, fixture), 0o755)})
    return check_wheel


def _glibc_needs(data_path: Path) -> set[tuple[int, ...]]:
    return {tuple(map(int, v.split("_", 1)[1].split("."))) for v in inspect(data_path).version_needs
            if re.fullmatch(r"GLIBC_[0-9.]+", v)}


@check("clean-manylinux-wheel")
def _check_clean_manylinux_wheel(path: Path) -> None:
    _ext_wheel("clean-lib", "pkg/_clean.so", MANYLINUX_X86_64)(path)
    # The tag must cover what clean-lib needs as this host's gcc built it.
    assert all(version <= (2, 17) for version in _glibc_needs(path.parent / "clean-lib.so"))


@check("old-tag-wheel")
def _check_old_tag_wheel(path: Path) -> None:
    _ext_wheel("glibc-new-lib", "pkg/_new.so", MANYLINUX_X86_64)(path)
    assert (2, 25) in _glibc_needs(path.parent / "glibc-new-lib.so")


check("aarch64-tag-wheel")(_ext_wheel("clean-lib", "pkg/_clean.so", "cp311-cp311-manylinux_2_17_aarch64"))
check("linux-tag-wheel")(_ext_wheel("clean-lib", "pkg/_clean.so", "cp311-cp311-linux_x86_64"))
check("pure-native-wheel")(_ext_wheel("clean-lib", "pkg/_clean.so", "py3-none-any", purelib=True))
check("purelib-tagged-wheel")(_ext_wheel("clean-lib", "pkg/_clean.so", MANYLINUX_X86_64, purelib=True))
check("execstack-wheel")(_ext_wheel("execstack-lib", "pkg/_ext.so", MANYLINUX_X86_64))


@check("musllinux-wheel")
def _check_musllinux_wheel(path: Path) -> None:
    _ext_wheel("glibc-new-lib", "pkg/_new.so", "cp311-cp311-musllinux_1_2_x86_64")(path)
    assert "libc.so.6" in inspect(path.parent / "glibc-new-lib.so").dyn_values("NEEDED")


@check("pyc-exec-wheel")
def _check_pyc_exec_wheel(path: Path) -> None:
    pyc = _sibling(path, "pyc-exec.pyc")
    _assert_wheel(path, tag="py3-none-any", purelib=True,
                  members={"pkg/hello.pyc": (pyc, 0o755), "pkg/quiet.pyc": (pyc, 0o644)})
    assert pyc[:4] == importlib.util.MAGIC_NUMBER


def _tar_members(path: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(path, "r:*") as archive:
        return {info.name: info for info in archive.getmembers()}


def _tar_read(path: Path, name: str) -> bytes:
    with tarfile.open(path, "r:*") as archive:
        stream = archive.extractfile(name)
        assert stream is not None, name
        return stream.read()


@check("sdist-with-wheel")
def _check_sdist_with_wheel(path: Path) -> None:
    assert path.name == "pkg-1.0.tar.gz" and path.read_bytes()[:2] == b"\x1f\x8b"
    wheel = path.parent / f"pkg-1.0-{MANYLINUX_X86_64}.whl"
    assert set(_tar_members(path)) == {"pkg-1.0/PKG-INFO", "pkg-1.0/pyproject.toml", f"pkg-1.0/dist/{wheel.name}"}
    assert _tar_read(path, f"pkg-1.0/dist/{wheel.name}") == wheel.read_bytes()


TARBALL_MAGIC = {".tar": None, ".tar.gz": b"\x1f\x8b", ".tgz": b"\x1f\x8b", ".tar.bz2": b"BZh", ".tar.xz": b"\xfd7zXZ\x00"}


@check(*TARBALLS)
def _check_tarball(path: Path) -> None:
    suffix = next(s for s in sorted(TARBALL_MAGIC, key=len, reverse=True) if path.name.endswith(s))
    magic = TARBALL_MAGIC[suffix]
    data = path.read_bytes()
    assert data[257:262] == b"ustar" if magic is None else data.startswith(magic)
    members = _tar_members(path)
    assert set(members) == {"release-1.0/README", "release-1.0/lib/libexecstack.so"}
    assert members["release-1.0/lib/libexecstack.so"].mode == 0o755
    assert _tar_read(path, "release-1.0/lib/libexecstack.so") == _sibling(path, "execstack-lib")


@check("static-lib")
def _check_static_lib(path: Path) -> None:
    ar = require_tool("ar")
    listing = subprocess.run([ar, "t", str(path)], capture_output=True, text=True, check=True).stdout.split()
    assert listing == ["clean-obj.o", "asm-nonote-obj.o"]
    data = path.read_bytes()
    assert data.startswith(b"!<arch>\n")
    assert b"//" + b" " * 14 in data, "asm-nonote-obj.o (16 characters) needs GNU ar's long-name table"
    for name in listing:
        member = subprocess.run([ar, "p", str(path), name], capture_output=True, check=True).stdout
        assert member == _sibling(path, name[:-2]), name


@check("unsafe-tar")
def _check_unsafe_tar(path: Path) -> None:
    members = _tar_members(path)
    assert list(members) == ["pkg/_clean.so", "../evil", "/abs", "pkg/passwd"]
    assert members["pkg/passwd"].issym() and members["pkg/passwd"].linkname == "/etc/passwd"


@check("duplicate-zip")
def _check_duplicate_zip(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["pkg/_ext.so", "pkg/_ext.so"]
        assert [archive.open(i).read() for i in infos] == [_sibling(path, "clean-lib"), _sibling(path, "execstack-lib")]


@check("zip-bomb")
def _check_zip_bomb(path: Path) -> None:
    assert path.stat().st_size < 64 << 10
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert [(i.filename, i.file_size) for i in archive.infolist()] == [
            ("bomb/zeros.bin", ZIP_BOMB_SIZE), ("bomb/_bomb.so", ZIP_BOMB_SIZE)]
        assert archive.read("bomb/_bomb.so").startswith(_sibling(path, "clean-lib"))


@check("encrypted-zip")
def _check_encrypted_zip(path: Path) -> None:
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        flags = {i.filename: (i.flag_bits, i.header_offset) for i in archive.infolist()}
        assert flags["pkg/__init__.py"][0] & ENCRYPTED_FLAG == 0
        central, local = flags["pkg/_ext.so"]
        assert central & ENCRYPTED_FLAG
        assert data[local:local + 4] == b"PK\x03\x04" and data[local + 6] & ENCRYPTED_FLAG
        with pytest.raises(RuntimeError, match="encrypted"):
            archive.read("pkg/_ext.so")


@check("truncated-zip")
def _check_truncated_zip(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(b"PK\x03\x04") and b"PK\x01\x02" in data and b"PK\x05\x06" not in data
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(path)


@check("corrupt-tar-gz")
def _check_corrupt_tar_gz(path: Path) -> None:
    assert path.read_bytes()[:3] == b"\x1f\x8b\x08"
    with pytest.raises((OSError, EOFError, zlib.error)):
        gzip.decompress(path.read_bytes())


@check("deep-nesting")
def _check_deep_nesting(path: Path) -> None:
    data = path.read_bytes()
    for name in deep_nesting_chain():
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.namelist() == [name]
            data = archive.read(name)
    assert data == _sibling(path, "execstack-lib")


# --- scripts and file modes: their bytes and modes, read with zipfile and tarfile ----------

from fixtures import (  # noqa: E402  (kept with the checks that use them)
    DATA_SCRIPT_MEMBER,
    LONG_INTERPRETER,
    PERMS_TAR_MEMBERS,
    RELATIVE_SCRIPT_MEMBER,
    SCRIPTS,
    VERY_LONG_INTERPRETER,
    WHEEL_SCRIPT,
)

# name -> what the first line must be (bytes before b"\n"), and what must not be in the file
SCRIPT_FIRST_LINES = {
    "crlf-script": b"#!/usr/bin/env python3\r",
    "relative-interp-script": b"#!python3",
    "long-shebang-script": b"#!" + LONG_INTERPRETER.encode(),
    "very-long-shebang-script": b"#!" + VERY_LONG_INTERPRETER.encode(),
    "env-args-script": b"#!/usr/bin/env python3 -u",
    "env-s-script": b"#!/usr/bin/env -S python3 -u",
    "bom-script": b"\xef\xbb\xbf#!/bin/sh",
    "clean-script": b"#!/usr/bin/env python3",
}


def _check_script(name: str) -> Check:
    def check_script(path: Path) -> None:
        data = path.read_bytes()
        first = data.split(b"\n", 1)[0]
        assert first == SCRIPT_FIRST_LINES[name]
        assert data.count(b"\r") == (data.count(b"\n") if name == "crlf-script" else 0)
        assert len(first) == {"long-shebang-script": 202, "very-long-shebang-script": 302}.get(name, len(first))
        assert data.startswith(b"#!") != (name == "bom-script")
    return check_script


for _name in SCRIPTS:
    check(_name)(_check_script(_name))


@check("data-scripts-wheel")
def _check_data_scripts_wheel(path: Path) -> None:
    _assert_wheel(path, tag="py3-none-any", purelib=True,
                  members={"pkg/__init__.py": (b"", 0o644), DATA_SCRIPT_MEMBER: (WHEEL_SCRIPT, 0o755)})
    assert path.name == "pkg-1.0-py3-none-any.whl" and DATA_SCRIPT_MEMBER.startswith("pkg-1.0.data/scripts/")


@check("relative-script-wheel")
def _check_relative_script_wheel(path: Path) -> None:
    with zipfile.ZipFile(path) as wheel:
        assert wheel.read(RELATIVE_SCRIPT_MEMBER).startswith(b"#!python3\n")
        assert _zip_mode(wheel.getinfo(RELATIVE_SCRIPT_MEMBER)) == 0o755
        assert not [n for n in wheel.namelist() if ".data/" in n]


@check("perms-tar")
def _check_perms_tar(path: Path) -> None:
    members = _tar_members(path)
    assert {name: info.mode for name, info in members.items()} == PERMS_TAR_MEMBERS
    assert members["app-1.0/bin/helper"].mode & stat.S_ISUID
    assert members["app-1.0/share/notes.txt"].mode & stat.S_IWOTH
    assert _tar_read(path, "app-1.0/lib/app.jar") == (path.parent / "jar-exec.jar").read_bytes()


# --- PyInstaller bundles: read with PyInstaller's own CArchiveReader, never binlint --------

PYI_EXTRACTABLE = set("bxZnd")  # typecodes the bootloader extracts: their presence makes a onefile
PYI_RUN = {"pyi-onefile", "pyi-onedir"}  # run these: a bundle that does not start is no fixture
PYTHON_VERSION = sys.version_info.major * 100 + sys.version_info.minor  # as the cookie stores it


def _pyi_cookie(data: bytes) -> tuple[int, str]:
    """(python_version, python library) from the cookie nearest the end, parsed here."""
    cookie = data.rfind(PYI_COOKIE)
    assert cookie > 0, "no PyInstaller cookie"
    _, _, _, _, version, library = struct.unpack_from("!8sIIII64s", data, cookie)
    return version, library.rstrip(b"\0").decode()


def _run_bundle(path: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:  # onefile extracts under $TMPDIR: keep it ours
        result = subprocess.run([str(path)], capture_output=True, text=True, timeout=120, cwd=scratch,
                                env={**os.environ, "TMPDIR": scratch})
    assert (result.returncode, result.stdout) == (0, PYI_OUTPUT), result.stderr


def _check_bundle(name: str) -> Check:
    def check_bundle(path: Path) -> None:
        data = path.read_bytes()
        assert data.startswith(ELF_MAGIC) and PYI_COOKIE in data
        view = inspect(path)
        _assert_x86_64(view, "")
        assert "pydata" in view.sections, "PyInstaller on Linux keeps the package in the section pydata"
        version, library = _pyi_cookie(data)
        assert version == PYTHON_VERSION and library.startswith(f"libpython{version // 100}.{version % 100}")

        require_module("PyInstaller", PYI_REQUIREMENT)
        from PyInstaller.archive.readers import CArchiveReader

        archive = CArchiveReader(str(path))
        typecodes = {entry_name: entry[-1] for entry_name, entry in archive.toc.items()}
        assert typecodes[PYI_SCRIPT] == "s"
        tmpdir = PYI_RUNTIME_TMPDIR[name]
        assert [o for o in archive.options if o.startswith("pyi-runtime-tmpdir")] == (
            [f"pyi-runtime-tmpdir {tmpdir}"] if tmpdir else [])
        if PYI_ONEFILE[name]:
            assert typecodes[library] == "b"
        else:  # one-folder: every binary is a file in _internal/, next to the executable
            assert not PYI_EXTRACTABLE & set(typecodes.values()), typecodes
            assert (path.parent / "_internal" / library).is_file()
            assert sorted(p.name for p in path.parent.iterdir()) == ["_internal", name]
        if name == "pyi-onefile-bad-binary":
            assert typecodes[PYI_EXECSTACK_LIB] == "b"
            assert archive.extract(PYI_EXECSTACK_LIB) == _sibling(path, "execstack-lib")
        else:
            assert PYI_EXECSTACK_LIB not in typecodes
        if name in PYI_RUN and platform.machine() == "x86_64":
            _run_bundle(path)
    return check_bundle


for _name in fixture_names("bundle"):
    check(_name)(_check_bundle(_name))


from fixtures import macho as macho_fixtures  # noqa: E402

for _name in fixture_names("macho"):  # checked with LIEF itself: tests/macho_fixtures.py
    check(_name)(macho_fixtures.promise(_name))


# --- portability: read with readelf and zipfile ------------------------------


@check("cxx-new-lib")
def _check_cxx_new_lib(path: Path) -> None:
    _assert_x86_64(inspect(path), "DYN")
    assert "GLIBCXX_3.4.29" in _readelf(path, "-V").stdout


@check("origin-wheel", "unbundled-wheel")
def _check_dep_wheels(path: Path) -> None:
    from fixtures import DEP_SONAME

    with zipfile.ZipFile(path) as wheel:
        names = wheel.namelist()
        ext = wheel.read("pkg/_ext.so")
    assert (f"pkg.libs/{DEP_SONAME}" in names) is path.name.startswith("origin-")
    assert DEP_SONAME.encode() in ext and b"$ORIGIN/../pkg.libs" in ext


@check("nix-interp-exe")
def _check_nix_interp_exe(path: Path) -> None:
    from fixtures import NIX_INTERPRETER

    assert f"[Requesting program interpreter: {NIX_INTERPRETER}]" in _readelf(path, "-l").stdout
    assert "Unknown" not in _readelf(path, "-n").stdout  # patchelf >= 0.18 keeps the notes readable


@check("relative-rpath-lib")
def _check_relative_rpath_lib(path: Path) -> None:
    assert inspect(path).dyn_values("RUNPATH") == ["lib::$ORIGIN"]


@check("new-kernel-exe")
def _check_new_kernel_exe(path: Path) -> None:
    assert "ABI: 6.9.0" in _readelf(path, "-n").stdout


@check("blacklisted-import-lib")
def _check_blacklisted_import_lib(path: Path) -> None:
    assert "_tr_flush_block" in _undefined_dynamic_symbols(path)


# ----------------------------------------------------------------------------
# Tests
# ----------------------------------------------------------------------------


def _expected_mode(name: str) -> int:
    executable = (name.endswith(("-exe", "-exec", "-script")) or name == "garbage-elf"
                  or FIXTURE_KINDS[name] == "bundle")
    return 0o755 if executable else 0o644


def test_every_fixture_has_a_check() -> None:
    assert set(CHECKS) == set(FIXTURES)


def test_kinds_partition_the_fixtures(artifacts: Artifacts) -> None:
    by_kind = [name for kind in KINDS for name in artifacts.names(kind)]
    assert sorted(by_kind) == sorted(FIXTURES)
    assert artifacts.names() == list(FIXTURES) == fixture_names()
    assert set(FIXTURE_KINDS.values()) == set(KINDS)
    with pytest.raises(ValueError):
        artifacts.names("pe")


@pytest.mark.parametrize("name", list(FIXTURES))
def test_fixture_has_promised_property(artifacts: Artifacts, name: str) -> None:
    path = artifacts.path(name)
    assert artifacts.path(name) is path, "artifacts must be cached for the session"
    assert stat.S_IMODE(path.stat().st_mode) == _expected_mode(name)
    is_elf = path.read_bytes()[:4] == ELF_MAGIC
    if FIXTURE_KINDS[name] in ("elf", "cross", "bundle"):
        assert is_elf
        assert inspect(path).errors == "", "well-formed ELF fixtures must not upset readelf"
    elif FIXTURE_KINDS[name] == "bad":
        assert is_elf
    else:
        assert not is_elf
    CHECKS[name](path)


@pytest.mark.parametrize(
    "name", ["clean-exe", "clean-lib", "clean-obj", "glibc-new-lib", "asm-nonote-obj", "pyc-exec", "jar-exec",
             "execstack-wheel", "sdist-with-wheel", "static-lib", *TARBALLS, "deep-nesting"]
)
def test_builds_are_reproducible(artifacts: Artifacts, tmp_path: Path, name: str) -> None:
    rebuilt = Artifacts(tmp_path / "again", shared=False).path(name)
    data = rebuilt.read_bytes()
    assert data == artifacts.path(name).read_bytes()
    for leaked in (str(SRC_DIR), str(tmp_path)):
        assert leaked.encode() not in data


@pytest.mark.parametrize(
    ("name", "cls", "endian"),
    [
        ("clean-lib", "ELF64", "little endian"),
        ("i686-exe", "ELF32", "little endian"),
        ("mips-be-lib", "ELF32", "big endian"),
        ("ppc64-be-lib", "ELF64", "big endian"),
    ],
)
def test_patch_gnu_stack_to_null(
    artifacts: Artifacts, tmp_path: Path, name: str, cls: str, endian: str
) -> None:
    copy = tmp_path / "copy"
    shutil.copyfile(artifacts.path(name), copy)
    before = inspect(copy)
    assert before.header["Class"] == cls and endian in before.header["Data"]
    assert patch_gnu_stack_to_null(copy) == 1
    after = inspect(copy)
    assert after.gnu_stack_flags() is None
    assert len(after.segments) == len(before.segments)
    assert after.segment_types().count("NULL") == before.segment_types().count("NULL") + 1
    assert patch_gnu_stack_to_null(copy) == 0


def test_patch_machine_respects_endianness(artifacts: Artifacts, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    original = artifacts.path("mips-be-lib").read_bytes()
    copy.write_bytes(original)
    patch_machine(copy, 183)
    patched = copy.read_bytes()
    assert patched[18:20] == (183).to_bytes(2, "big")
    assert patched[:18] == original[:18] and patched[20:] == original[20:]
    assert inspect(copy).header["Machine"] == "AArch64"
    assert read_elf_layout(patched).e_machine == 183
    with pytest.raises(ValueError):
        patch_machine(copy, 0x10000)


def test_truncate_only_shrinks(tmp_path: Path) -> None:
    target = tmp_path / "blob"
    target.write_bytes(b"0123456789")
    truncate(target, 4)
    assert target.read_bytes() == b"0123"
    with pytest.raises(ValueError):
        truncate(target, 5)


def test_helpers_reject_non_elf(tmp_path: Path) -> None:
    target = tmp_path / "not-elf"
    target.write_bytes(b"MZ" + bytes(100))
    with pytest.raises(ValueError):
        patch_gnu_stack_to_null(target)
    with pytest.raises(ValueError):
        patch_machine(target, 62)


# --- Python extension modules and the wheels that name, tag and link them (fixtures/python_abi.py) --

from fixtures.python_abi import (  # noqa: E402
    LIBPYTHON, LIBPYTHON_MEMBER, LIBPYTHON_TAG, MODULES as PYEXT_MODULES, WHEELS as PYEXT_WHEELS,
)

# What each module imports from Python, as `nm -D --undefined-only` lists it (strong ones).
PYEXT_CALLS = {"pyext-limited-lib": "PyModule_Create2", "pyext-full-api-lib": "PyObject_Print",
               "pyext-newer-lib": "PyType_GetName"}


def _undefined_python_symbols(path: Path) -> set[str]:
    listing = subprocess.run([require_tool("nm"), "-D", "--undefined-only", str(path)], capture_output=True,
                             text=True, check=True).stdout
    return {line.split()[-1] for line in listing.splitlines() if line.split()[0] == "U" and "Py" in line}


def _check_pyext(name: str) -> Check:
    def check_module(path: Path) -> None:
        view = inspect(path)
        _assert_x86_64(view, "DYN")
        assert PYEXT_CALLS[name] in _undefined_python_symbols(path)
        assert not any("python" in needed for needed in view.dyn_values("NEEDED"))
    return check_module


for _name in PYEXT_MODULES:
    check(_name)(_check_pyext(_name))
for _name, (_dist, _tag, _member, _module, _description) in PYEXT_WHEELS.items():
    check(_name)(_ext_wheel(_module, _member, _tag))


@check("libpython-wheel")
def _check_libpython_wheel(path: Path) -> None:
    with zipfile.ZipFile(path) as wheel:
        module, stub = wheel.read(LIBPYTHON_MEMBER), wheel.read(f"pkg.libs/{LIBPYTHON}")
    assert path.name.endswith(f"-{LIBPYTHON_TAG}.whl")
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "_ext.so").write_bytes(module)
        (Path(scratch) / "stub.so").write_bytes(stub)
        view = inspect(Path(scratch) / "_ext.so")
        assert LIBPYTHON in view.dyn_values("NEEDED")
        assert view.dyn_values("RUNPATH") == ["$ORIGIN/../pkg.libs"]
        assert inspect(Path(scratch) / "stub.so").dyn_values("SONAME") == [LIBPYTHON]
