"""Checks of the PE metadata fixtures (fixtures/pe_metadata.py), read with llvm-readobj and
zipfile, never binlint: the manifest resource, the debug entries, the load config's hybrid
metadata pointer and the COFF machine, the certificate table."""
from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path

from fixture_checks.pe import _check_wheel
from fixture_checks.registry import check, sibling
from fixtures.pe_metadata import MANIFESTS, PDB_BUILD_PATH, WHEELS
from fixtures.toolchain import require_tool


def readobj(path: Path, *options: str) -> str:
    return subprocess.run([require_tool("llvm-readobj"), *options, str(path)], capture_output=True, text=True,
                          check=True).stdout


def _check_manifest(name: str):  # noqa: ANN202 - a Check
    def check_manifest(path: Path) -> None:
        text = readobj(path, "--coff-resources")
        assert "Type: MANIFEST (ID 24)" in text and "Name: (ID 2)" in text, text
        wanted = b"Microsoft.VC90.CRT" if "vc90" in name else b"Microsoft.Windows.Common-Controls"
        assert wanted in path.read_bytes()
    return check_manifest


for _name in MANIFESTS:
    check(_name)(_check_manifest(_name))


@check("pe-x64-pdb-lib.dll")
def _check_pdb(path: Path) -> None:
    assert "PDBFileName: _native.pdb" in readobj(path, "--coff-debug-directory")


@check("pe-x64-pdb-build-path-lib.dll")
def _check_pdb_build_path(path: Path) -> None:
    assert f"PDBFileName: {PDB_BUILD_PATH}" in readobj(path, "--coff-debug-directory")


@check("pe-x64-cetcompat-lib.dll")
def _check_cetcompat(path: Path) -> None:
    text = readobj(path, "--coff-debug-directory")
    assert "Type: ExtendedDLLCharacteristics (0x14)" in text and "IMAGE_DLL_CHARACTERISTICS_EX_CET_COMPAT" in text


def _check_hybrid(machine: str):  # noqa: ANN202 - a Check
    def check_hybrid(path: Path) -> None:
        text = readobj(path, "--file-headers", "--coff-load-config")
        assert f"Machine: {machine}" in text, text
        pointer = re.search(r"CHPEMetadataPointer: (0x[0-9A-F]+)", text)
        assert pointer and int(pointer[1], 16), text
    return check_hybrid


check("pe-arm64ec-lib.dll")(_check_hybrid("IMAGE_FILE_MACHINE_AMD64 (0x8664)"))
check("pe-arm64x-lib.dll")(_check_hybrid("IMAGE_FILE_MACHINE_ARM64 (0xAA64)"))

for _name, (_dist, _tag, _members, _description) in WHEELS.items():
    check(_name)(_check_wheel(_tag, {member: fixture for member, fixture, _ in _members}))


@check("pe-x64-signed-lib.dll")
def _check_signed(path: Path) -> None:
    """The unsigned DLL, padded to 8 bytes, then one WIN_CERTIFICATE (revision 2.0, PKCS#7
    SignedData) that the security directory entry points at."""
    data, unsigned = path.read_bytes(), sibling(path, "pe-x64-lib.dll")
    offset = len(unsigned) + -len(unsigned) % 8
    length, revision, kind = struct.unpack_from("<IHH", data, offset)
    assert (revision, kind) == (0x0200, 2) and offset + length <= len(data)
    assert data[offset + 8] == 0x30  # a DER SEQUENCE: the ContentInfo


@check("pe-x64-signed-modified-lib.dll")
def _check_signed_modified(path: Path) -> None:
    signed, data = sibling(path, "pe-x64-signed-lib.dll"), path.read_bytes()
    assert len(signed) == len(data) and b"binlint_sub\0" in data
    name = signed.index(b"binlint_add")
    assert [i for i in range(len(data)) if data[i] != signed[i]] == [name + 8, name + 9, name + 10]
