"""Checks of the ELF fixtures built for this machine (kind "elf"): compiled, hardened, and
patched for portability, read with readelf."""
from __future__ import annotations

import platform
import re
import subprocess
from pathlib import Path

from fixture_checks.readelf import (
    ElfView, assert_elf, assert_x86_64, inspect, property_notes, readelf, undefined_dynamic_symbols,
)
from fixture_checks.registry import check
from fixtures import NIX_INTERPRETER

HELLO_OUTPUT = "binlint fixture: hello\n"


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
    assert_x86_64(view, "DYN")
    assert "INTERP" in view.segment_types()
    assert "PIE" in " ".join(view.dyn_values("FLAGS_1"))
    assert view.gnu_stack_flags() == "RW"
    _assert_runs_hello(path)


@check("clean-lib")
def _check_clean_lib(path: Path) -> None:
    view = inspect(path)
    assert_x86_64(view, "DYN")
    assert view.dyn_values("SONAME") == ["libclean.so.1"]
    assert "INTERP" not in view.segment_types()
    assert view.gnu_stack_flags() == "RW"


@check("clean-obj")
def _check_clean_obj(path: Path) -> None:
    view = inspect(path)
    assert_x86_64(view, "REL")
    assert view.segments == []
    _assert_note_gnu_stack(view, executable=False)


@check("execstack-exe")
def _check_execstack_exe(path: Path) -> None:
    view = inspect(path)
    assert_x86_64(view, "DYN")
    assert "INTERP" in view.segment_types()
    assert view.gnu_stack_flags() == "RWE"


@check("execstack-lib")
def _check_execstack_lib(path: Path) -> None:
    view = inspect(path)
    assert_x86_64(view, "DYN")
    assert view.dyn_values("SONAME") == ["libexecstack.so.1"]
    assert view.gnu_stack_flags() == "RWE"


@check("nostack-exe", "nostack-lib")
def _check_nostack(path: Path) -> None:
    view = inspect(path)
    assert_x86_64(view, "DYN")
    assert view.gnu_stack_flags() is None
    assert "NULL" in view.segment_types()


@check("nostack-lib-as-aarch64")
def _check_nostack_lib_as_aarch64(path: Path) -> None:
    view = inspect(path)
    assert_elf(view, cls="ELF64", endian="little endian", machine="AArch64", type_prefix="DYN")
    assert view.gnu_stack_flags() is None
    assert view.dyn_values("SONAME") == ["libclean.so.1"]


@check("asm-nonote-obj")
def _check_asm_nonote_obj(path: Path) -> None:
    view = inspect(path)
    assert_x86_64(view, "REL")
    assert ".text" in view.sections
    assert ".note.GNU-stack" not in view.sections


@check("asm-execnote-obj")
def _check_asm_execnote_obj(path: Path) -> None:
    view = inspect(path)
    assert_x86_64(view, "REL")
    _assert_note_gnu_stack(view, executable=True)


@check("asm-nonote-lib")
def _check_asm_nonote_lib(path: Path) -> None:
    view = inspect(path)
    assert_x86_64(view, "DYN")
    assert view.dyn_values("SONAME") == ["libasmnonote.so.1"]
    assert view.gnu_stack_flags() == "RWE"


@check("glibc-new-lib")
def _check_glibc_new_lib(path: Path) -> None:
    view = inspect(path)
    assert_x86_64(view, "DYN")
    assert view.dyn_values("SONAME") == ["libnew.so.1"]
    assert {"GLIBC_2.25", "GLIBC_2.14"} <= view.version_needs, view.version_needs


@check("runpath-multi-lib")
def _check_runpath_multi_lib(path: Path) -> None:
    view = inspect(path)
    assert_x86_64(view, "DYN")
    assert view.dyn_values("RUNPATH") == ["/opt/vendor/lib:$ORIGIN/../lib:/usr/local/lib"]


@check("many-sections-obj")
def _check_many_sections_obj(path: Path) -> None:
    header = readelf(path, "-h").stdout
    assert re.search(r"Number of section headers:\s+0 \(66\d\d\d\)", header), header


@check("rpath-lib")
def _check_rpath_lib(path: Path) -> None:
    view = inspect(path)
    assert_x86_64(view, "DYN")
    assert view.dyn_values("RPATH") == ["/home/build/lib"]
    assert view.dyn_values("RUNPATH") == []


@check("runpath-lib")
def _check_runpath_lib(path: Path) -> None:
    view = inspect(path)
    assert_x86_64(view, "DYN")
    assert view.dyn_values("RUNPATH") == ["$ORIGIN/../lib"]
    assert view.dyn_values("RPATH") == []
    assert "libclean.so.1" in view.dyn_values("NEEDED")


@check("nopie-exe")
def _check_nopie_exe(path: Path) -> None:
    view = inspect(path)
    assert_x86_64(view, "EXEC")
    assert "INTERP" in view.segment_types()
    _assert_runs_hello(path)


@check("static-exe")
def _check_static_exe(path: Path) -> None:
    view = inspect(path)
    assert_x86_64(view, "EXEC")
    assert "INTERP" not in view.segment_types()
    assert "DYNAMIC" not in view.segment_types()
    _assert_runs_hello(path)


@check("static-pie-exe")
def _check_static_pie_exe(path: Path) -> None:
    view = inspect(path)
    assert_x86_64(view, "DYN")
    assert "INTERP" not in view.segment_types()
    assert "DYNAMIC" in view.segment_types()
    assert view.dyn_values("NEEDED") == []
    _assert_runs_hello(path)


# --- hardening: what readelf says about each hardening flag


def _assert_hardening(path: Path, *, canary: bool = True, fortify: bool = True, relro: bool = True,
                      now: bool = True, cet: bool = True) -> None:
    view = inspect(path)
    assert_x86_64(view, "DYN")
    imports = undefined_dynamic_symbols(path)
    assert ("__stack_chk_fail" in imports) is canary, imports
    assert ({"__strcpy_chk", "__snprintf_chk", "__printf_chk"} <= imports) is fortify, imports
    assert ({"strcpy", "snprintf", "printf"} <= imports) is not fortify, imports
    assert ("GNU_RELRO" in view.segment_types()) is relro
    assert ("NOW" in " ".join(view.dyn_values("FLAGS") + view.dyn_values("FLAGS_1"))) is now, view.dynamic
    assert ("IBT, SHSTK" in property_notes(path)) is cet, property_notes(path)
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
    notes = readelf(path, "-nW").stdout
    assert ".note.go.buildid" in notes and re.search(r"^\s+Go\s+0x0000000c\s", notes, re.M), notes


@check("textrel-lib")
def _check_textrel_lib(path: Path) -> None:
    view = inspect(path)
    assert_x86_64(view, "DYN")
    assert "TEXTREL" in view.dynamic and "TEXTREL" in " ".join(view.dyn_values("FLAGS")), view.dynamic
    assert view.dyn_values("SONAME") == ["libtextrel.so.1"]


@check("rwx-lib")
def _check_rwx_lib(path: Path) -> None:
    view = inspect(path)
    assert_x86_64(view, "DYN")
    assert [s.flags for s in view.segments if s.type == "LOAD"].count("RWE") == 1, view.segments
    assert "W" in view.sections[".binlint_wx"].flags and "X" in view.sections[".binlint_wx"].flags
    assert "TEXTREL" not in view.dynamic


# --- portability


@check("cxx-new-lib")
def _check_cxx_new_lib(path: Path) -> None:
    assert_x86_64(inspect(path), "DYN")
    assert "GLIBCXX_3.4.29" in readelf(path, "-V").stdout


@check("nix-interp-exe")
def _check_nix_interp_exe(path: Path) -> None:
    assert f"[Requesting program interpreter: {NIX_INTERPRETER}]" in readelf(path, "-l").stdout
    assert "Unknown" not in readelf(path, "-n").stdout  # patchelf >= 0.18 keeps the notes readable


@check("relative-rpath-lib")
def _check_relative_rpath_lib(path: Path) -> None:
    assert inspect(path).dyn_values("RUNPATH") == ["lib::$ORIGIN"]


@check("new-kernel-exe")
def _check_new_kernel_exe(path: Path) -> None:
    assert "ABI: 6.9.0" in readelf(path, "-n").stdout


@check("blacklisted-import-lib")
def _check_blacklisted_import_lib(path: Path) -> None:
    assert "_tr_flush_block" in undefined_dynamic_symbols(path)
