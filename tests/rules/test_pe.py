"""The rules that read Windows PE facts (`pe.*`): DLL resolution, machine and Python DLL
mismatches, and the opt-in PE hardening group. How to add rows: tests/rules/table.py."""
from __future__ import annotations

from fixtures import fixture_names
from fixtures.pe import WHEELS
from fixtures.pe_metadata import WHEELS as METADATA_WHEELS
from rules.table import Row, member_test, message_test, row, table_test

PE_FILES = fixture_names("pe")
PE_WHEELS = [w for w in [*WHEELS, *METADATA_WHEELS, "pe-delvewheel-wheel", "pe-deps-required-wheel"]
             if w != "elf-in-windows-wheel"]
# The x64 images (amd64 headers without hybrid metadata): every PE fixture but these.
NOT_X64 = {"pe-x86-lib.dll", "pe-x86-nohardening-lib.dll", "pe-x86-noseh-lib.dll", "pe-x86-pyext-312.pyd",
           "pe-win32-wheel", "pe-arm64ec-lib.dll", "pe-arm64x-lib.dll", *METADATA_WHEELS}

TABLE: list[Row] = [
    # The DLLs MinGW's runtime puts in the import table: missing, beside the module, in a
    # delvewheel-patched .libs folder; in an unpatched .libs folder the rule stays quiet
    # (a package may preload them with ctypes).
    # An error where the wheel requires nothing, a warning where a required distribution may
    # provide the DLLs (pe-deps-required-wheel); quiet on pe-delay-wheel: a delay-load import.
    row("pe-dll-not-found", {}, ["pe-deps-missing-wheel", "pe-deps-required-wheel"]),
    # A Windows module in a Linux wheel too (an ELF file in a Windows wheel is wheel-arch-mismatch's).
    # ARM64X fits win_arm64, ARM64EC only win_amd64 (pe-arm64x-wheel, pe-arm64ec-wheel are quiet).
    row("pe-machine-mismatch", {}, ["pe-arm64-wheel", "pe-win32-x64-wheel", "pe-in-manylinux-wheel",
                                    "pe-arm64ec-in-arm64-wheel"]),
    # Quiet on the Common-Controls dependency of pe-x64-manifest-lib.dll, a Windows assembly.
    row("pe-manifest-crt-assembly", {}, ["pe-x64-manifest-vc90-lib.dll"]),
    # Quiet on pe-x64-signed-lib.dll, whose digest matches.
    row("pe-signature-mismatch", {}, ["pe-x64-signed-modified-lib.dll"]),
    # Quiet on pe-x64-pdb-lib.dll: GNU ld writes the PDB's base name.
    row("pe-pdb-build-path", {}, ["pe-x64-pdb-build-path-lib.dll"]),
    row("pe-no-cetcompat", {}, [n for n in [*PE_FILES, *PE_WHEELS, "pe-exec"]
                                if n not in NOT_X64 and n != "pe-x64-cetcompat-lib.dll"]),
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
    ("pe-machine-mismatch", "pe-arm64ec-in-arm64-wheel", {}, ["arm64ec", "arm64"]),
    ("pe-manifest-crt-assembly", "pe-x64-manifest-vc90-lib.dll", {}, ["Microsoft.VC90.CRT 9.0.21022.8"]),
    ("pe-pdb-build-path", "pe-x64-pdb-build-path-lib.dll", {}, ["C:\\Users\\builder\\src\\pkg\\build"]),
])
