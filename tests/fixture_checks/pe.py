"""Checks of the Windows PE fixtures (fixtures/pe.py), read with MinGW's objdump and zipfile,
never binlint: the machine, the DllCharacteristics, the DLLs each imports, the wheels' members."""
from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

from fixture_checks.registry import check, sibling
from fixtures.pe import COMPILED, MODULES, PATCHED, WHEELS, X64, X86, DELVEWHEEL_TAG
from fixtures.toolchain import require_tool

# DllCharacteristics bits (winnt.h)
HIGH_ENTROPY_VA, DYNAMIC_BASE, NX_COMPAT, NO_SEH, GUARD_CF = 0x20, 0x40, 0x100, 0x400, 0x4000
WX = 0x80000000 | 0x20000000  # IMAGE_SCN_MEM_WRITE | IMAGE_SCN_MEM_EXECUTE


def objdump(path: Path, target: str) -> str:
    return subprocess.run([require_tool(f"{target}-objdump"), "-p", str(path)], capture_output=True, text=True,
                          check=True).stdout


def headers(path: Path) -> tuple[str, int, list[str]]:
    """(objdump's file format, DllCharacteristics, the imported DLL names)."""
    text = objdump(path, X64 if "x86" not in path.name else X86)
    file_format = re.search(r"file format (\S+)", text)[1]  # type: ignore[index]
    characteristics = int(re.search(r"^DllCharacteristics\s+([0-9a-f]+)", text, re.M)[1], 16)  # type: ignore[index]
    return file_format, characteristics, re.findall(r"DLL Name: (\S+)", text)


EXPECTED = {  # fixture -> (DllCharacteristics bits set, bits clear, DLLs imported beyond KERNEL32 and msvcrt)
    "pe-x64-lib.dll": (HIGH_ENTROPY_VA | DYNAMIC_BASE | NX_COMPAT, GUARD_CF, []),
    "pe-x64-nohardening-lib.dll": (0, HIGH_ENTROPY_VA | DYNAMIC_BASE | NX_COMPAT, []),
    "pe-x64-noheva-lib.dll": (DYNAMIC_BASE | NX_COMPAT, HIGH_ENTROPY_VA, []),
    "pe-x86-lib.dll": (DYNAMIC_BASE | NX_COMPAT, NO_SEH, []),
    "pe-x86-noseh-lib.dll": (DYNAMIC_BASE | NX_COMPAT | NO_SEH, 0, []),
    "pe-x86-nohardening-lib.dll": (0, DYNAMIC_BASE | NX_COMPAT, []),
    "pe-x64-exe.exe": (DYNAMIC_BASE | NX_COMPAT, 0, []),
    "pe-x64-wx-lib.dll": (DYNAMIC_BASE, 0, []),
    "pe-x64-deps-lib.dll": (DYNAMIC_BASE, 0, ["libwinpthread-1.dll", "libgcc_s_seh-1.dll"]),
    "pe-pyext-312.pyd": (DYNAMIC_BASE, 0, ["python312.dll"]),
    "pe-pyext-abi3.pyd": (DYNAMIC_BASE, 0, ["python3.dll"]),
    "pe-x86-pyext-312.pyd": (DYNAMIC_BASE, 0, ["python312.dll"]),
    "pe-x64-cfg-lib.dll": (DYNAMIC_BASE | GUARD_CF, 0, []),
    "pe-x64-delay-lib.dll": (DYNAMIC_BASE, 0, []),  # libdelay.dll is delay-loaded: not in the import table
}
assert set(EXPECTED) == {*COMPILED, *MODULES, *PATCHED, "pe-x64-delay-lib.dll"}


def _check_file(name: str):  # noqa: ANN202 - a Check
    def check_file(path: Path) -> None:
        file_format, characteristics, dlls = headers(path)
        assert file_format == ("pei-i386" if "x86" in name else "pei-x86-64"), file_format
        set_bits, clear_bits, extra = EXPECTED[name]
        assert characteristics & set_bits == set_bits and not characteristics & clear_bits, hex(characteristics)
        assert [d for d in dlls if d.lower() not in ("kernel32.dll", "msvcrt.dll")] == extra, dlls
        if name == "pe-x64-wx-lib.dll":
            text = subprocess.run([require_tool(f"{X64}-objdump"), "-h", str(path)], capture_output=True, text=True,
                                  check=True).stdout
            assert re.search(r"\.wxcode\s", text) and "READONLY" not in text.split(".wxcode", 1)[1].split("\n", 2)[1]
        if name == "pe-x64-delay-lib.dll":
            assert b"libdelay.dll" in path.read_bytes()
    return check_file


for _name in EXPECTED:
    check(_name)(_check_file(_name))


def _check_wheel(tag: str, members: dict[str, str]):  # noqa: ANN202 - a Check
    def check_wheel(path: Path) -> None:
        with zipfile.ZipFile(path) as archive:
            wheel = next(n for n in archive.namelist() if n.endswith(".dist-info/WHEEL"))
            assert f"Tag: {tag}" in archive.read(wheel).decode()
            for member, fixture in members.items():
                assert archive.read(member) == sibling(path, fixture), member
    return check_wheel


for _name, (_dist, _tag, _members, _description) in WHEELS.items():
    check(_name)(_check_wheel(_tag, {member: fixture for member, fixture, _ in _members}))


@check("pe-delvewheel-wheel")
def _check_delvewheel_wheel(path: Path) -> None:
    _check_wheel(DELVEWHEEL_TAG, {"pkg/_native.dll": "pe-x64-deps-lib.dll",
                                  "pe_delve.libs/libgcc_s_seh-1.dll": "pe-x64-lib.dll"})(path)
    with zipfile.ZipFile(path) as archive:
        assert b"os.add_dll_directory(libs_dir)" in archive.read("pkg/__init__.py")


@check("pe-deps-required-wheel")
def _check_deps_required_wheel(path: Path) -> None:
    _check_wheel(DELVEWHEEL_TAG, {"pkg/_native.dll": "pe-x64-deps-lib.dll"})(path)
    with zipfile.ZipFile(path) as archive:
        metadata = archive.read("pe_deps_required-1.0.dist-info/METADATA").decode()
    assert metadata.endswith('Requires-Dist: pe-runtime>=1.0\nRequires-Dist: pe-extra; extra == "gpu"\n'), metadata


# The manifest, debug entry, hybrid metadata and signature fixtures' checks.
import fixture_checks.pe_metadata  # noqa: E402,F401
