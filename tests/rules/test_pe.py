"""The rules that read Windows PE facts (`pe.*`): DLL resolution, machine and Python DLL
mismatches, and the opt-in PE hardening group. How to add rows: tests/rules/table.py."""
from __future__ import annotations

from fixtures import fixture_names
from fixtures.pe import WHEELS
from rules.table import Row, member_test, message_test, row, table_test

PE_FILES = fixture_names("pe")
PE_WHEELS = [w for w in [*WHEELS, "pe-delvewheel-wheel", "pe-deps-required-wheel"] if w != "elf-in-windows-wheel"]

TABLE: list[Row] = [
    # The DLLs MinGW's runtime puts in the import table: missing, beside the module, in a
    # delvewheel-patched .libs folder; in an unpatched .libs folder the rule stays quiet
    # (a package may preload them with ctypes).
    # An error where the wheel requires nothing, a warning where a required distribution may
    # provide the DLLs (pe-deps-required-wheel); quiet on pe-delay-wheel: a delay-load import.
    row("pe-dll-not-found", {}, ["pe-deps-missing-wheel", "pe-deps-required-wheel"]),
    # A Windows module in a Linux wheel too (an ELF file in a Windows wheel is wheel-arch-mismatch's).
    row("pe-machine-mismatch", {}, ["pe-arm64-wheel", "pe-win32-x64-wheel", "pe-in-manylinux-wheel"]),
    row("pe-abi3-imports-versioned-python", {}, ["pe-abi3-versioned-wheel"]),
    row("pe-python-dll-tag-mismatch", {}, ["pe-cp313-wheel"]),
    # pe-exec (tests/fixtures/files.py) is a bare x64 header: no DllCharacteristics at all.
    row("pe-no-aslr", {}, ["pe-x64-nohardening-lib.dll", "pe-x86-nohardening-lib.dll", "pe-exec"]),
    row("pe-no-high-entropy-va", {}, ["pe-x64-noheva-lib.dll"]),
    row("pe-no-dep", {}, ["pe-x86-nohardening-lib.dll"]),
    row("pe-no-cfg", {}, [n for n in [*PE_FILES, *PE_WHEELS, "pe-exec"] if n != "pe-x64-cfg-lib.dll"]),
    row("pe-writable-executable-section", {}, ["pe-x64-wx-lib.dll"]),
    # GNU ld writes no SafeSEH table: every i386 file fires but the one patched NO_SEH.
    row("pe-no-safeseh", {}, ["pe-x86-lib.dll", "pe-x86-nohardening-lib.dll", "pe-x86-pyext-312.pyd",
                              "pe-win32-wheel"]),
]

test_rule_table = table_test(TABLE)

test_member_findings = member_test([
    ("pe-dll-not-found", "pe-deps-missing-wheel", ["pkg/_native.dll"], "error"),
    ("pe-dll-not-found", "pe-deps-required-wheel", ["pkg/_native.dll"], "warning"),
    ("pe-machine-mismatch", "pe-arm64-wheel", ["pkg/_ext.cp312-win_arm64.pyd"], "error"),
])

test_messages = message_test([
    ("pe-dll-not-found", "pe-deps-missing-wheel", {}, ["libgcc_s_seh-1.dll", "libwinpthread-1.dll"]),
    ("pe-machine-mismatch", "pe-arm64-wheel", {}, ["amd64", "arm64"]),
    ("pe-abi3-imports-versioned-python", "pe-abi3-versioned-wheel", {}, ["python312.dll", "cp37-abi3"]),
    ("pe-python-dll-tag-mismatch", "pe-cp313-wheel", {}, ["python312.dll", "cp313-cp313"]),
    ("pe-writable-executable-section", "pe-x64-wx-lib.dll", {}, [".wxcode"]),
])
