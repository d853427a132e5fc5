"""Checks of the fixtures built with cross toolchains (kind "cross"): class, byte order and
machine as readelf reads them."""
from __future__ import annotations

from pathlib import Path

from fixture_checks.readelf import assert_elf, inspect, property_notes
from fixture_checks.registry import Check, check


def _check_aarch64_branch_protection(bti: bool) -> Check:
    def check_aarch64(path: Path) -> None:
        view = inspect(path)
        assert_elf(view, cls="ELF64", endian="little endian", machine="AArch64", type_prefix="DYN")
        assert ("BTI" in property_notes(path)) is bti, property_notes(path)
        if bti:  # what the loader reads the marking from
            assert "GNU_PROPERTY" in view.segment_types()
    return check_aarch64


check("aarch64-bti-exe")(_check_aarch64_branch_protection(True))
check("aarch64-nobti-exe")(_check_aarch64_branch_protection(False))


@check("aarch64-exe")
def _check_aarch64_exe(path: Path) -> None:
    view = inspect(path)
    assert_elf(view, cls="ELF64", endian="little endian", machine="AArch64", type_prefix="DYN")
    assert "INTERP" in view.segment_types()
    assert view.gnu_stack_flags() == "RW"


@check("aarch64-nostack-exe")
def _check_aarch64_nostack_exe(path: Path) -> None:
    view = inspect(path)
    assert_elf(view, cls="ELF64", endian="little endian", machine="AArch64", type_prefix="DYN")
    assert "INTERP" in view.segment_types()
    assert view.gnu_stack_flags() is None
    assert "NULL" in view.segment_types()


@check("aarch64-nonote-obj")
def _check_aarch64_nonote_obj(path: Path) -> None:
    view = inspect(path)
    assert_elf(view, cls="ELF64", endian="little endian", machine="AArch64", type_prefix="REL")
    assert ".text" in view.sections
    assert ".note.GNU-stack" not in view.sections


@check("i686-exe")
def _check_i686_exe(path: Path) -> None:
    view = inspect(path)
    assert_elf(view, cls="ELF32", endian="little endian", machine="Intel 80386", type_prefix="DYN")
    assert "INTERP" in view.segment_types()
    assert view.gnu_stack_flags() == "RW"


@check("i686-execstack-lib")
def _check_i686_execstack_lib(path: Path) -> None:
    view = inspect(path)
    assert_elf(view, cls="ELF32", endian="little endian", machine="Intel 80386", type_prefix="DYN")
    assert view.dyn_values("SONAME") == ["libexecstack32.so.1"]
    assert view.gnu_stack_flags() == "RWE"


@check("mips-be-lib")
def _check_mips_be_lib(path: Path) -> None:
    view = inspect(path)
    assert_elf(view, cls="ELF32", endian="big endian", machine="MIPS R3000", type_prefix="DYN")
    assert view.dyn_values("SONAME") == ["libmips.so.1"]
    assert view.gnu_stack_flags() == "RW"


@check("ppc64-be-lib")
def _check_ppc64_be_lib(path: Path) -> None:
    view = inspect(path)
    assert_elf(view, cls="ELF64", endian="big endian", machine="PowerPC64", type_prefix="DYN")
    assert view.dyn_values("RPATH") == ["/build/ppc64/lib"]
    assert view.gnu_stack_flags() == "RW"
