"""Checks of the PE metadata fixtures (fixtures/pe_metadata.py), read with MinGW's objdump,
struct and zipfile, never binlint: the manifest resource, the debug entries, the load config's
hybrid metadata pointer and the COFF machine (objdump reads no ARM64 file), the certificate
table."""
from __future__ import annotations

import re
import struct
from pathlib import Path

from fixture_checks.pe import _check_wheel, objdump
from fixture_checks.registry import check, sibling
from fixtures.pe_metadata import MANIFESTS, PDB_BUILD_PATH, WHEELS, X64


def readobj(path: Path) -> str:
    return objdump(path, X64)


def _check_manifest(name: str):  # noqa: ANN202 - a Check
    def check_manifest(path: Path) -> None:
        text = readobj(path).split("Resource Directory section", 1)[1]
        # RT_MANIFEST (24), then ISOLATIONAWARE_MANIFEST_RESOURCE_ID (2)
        assert re.search(r"Entry: ID: 0x000018,.*\n.*\n.*Entry: ID: 0x000002,", text), text
        wanted = b"Microsoft.VC90.CRT" if "vc90" in name else b"Microsoft.Windows.Common-Controls"
        assert wanted in path.read_bytes()
    return check_manifest


for _name in MANIFESTS:
    check(_name)(_check_manifest(_name))


@check("pe-x64-pdb-lib.dll")
def _check_pdb(path: Path) -> None:
    assert "age 1 pdb _native.pdb)" in readobj(path)


@check("pe-x64-pdb-build-path-lib.dll")
def _check_pdb_build_path(path: Path) -> None:
    assert f"age 1 pdb {PDB_BUILD_PATH})" in readobj(path)


@check("pe-x64-cetcompat-lib.dll")
def _check_cetcompat(path: Path) -> None:
    entry = re.search(r"^\s*20\s+Unknown\s+00000004\s+[0-9a-f]+\s+([0-9a-f]+)$", readobj(path), re.M)
    assert entry, readobj(path)  # IMAGE_DEBUG_TYPE_EX_DLLCHARACTERISTICS, 4 bytes
    assert struct.unpack_from("<I", path.read_bytes(), int(entry[1], 16))[0] == 0x1  # CET_COMPAT


def chpe_pointer(data: bytes) -> int:
    """CHPEMetadataPointer (offset 200 of a PE32+ load config), read with struct."""
    coff = struct.unpack_from("<I", data, 0x3C)[0] + 4
    count, optional_size = struct.unpack_from("<H", data, coff + 2)[0], struct.unpack_from("<H", data, coff + 16)[0]
    rva, size = struct.unpack_from("<II", data, coff + 20 + 112 + 8 * 10)
    assert size >= 208, size
    for at in range(coff + 20 + optional_size, coff + 20 + optional_size + 40 * count, 40):
        address, raw = struct.unpack_from("<I", data, at + 12)[0], struct.unpack_from("<I", data, at + 20)[0]
        if address <= rva < address + struct.unpack_from("<I", data, at + 8)[0]:
            return struct.unpack_from("<Q", data, raw + rva - address + 200)[0]  # type: ignore[no-any-return]
    raise AssertionError("the load config lies in no section")


@check("pe-arm64ec-lib.dll")
def _check_arm64ec(path: Path) -> None:
    """An x64 DLL (objdump reads it) whose load config holds a CHPEMetadataPointer."""
    assert re.search(r"^Entry a [0-9a-f]*[1-9a-f][0-9a-f]* [0-9a-f]+ Load Configuration Directory", readobj(path), re.M)
    assert chpe_pointer(path.read_bytes())


@check("pe-arm64x-lib.dll")
def _check_arm64x(path: Path) -> None:
    """The same with the COFF header's machine ARM64 (0xAA64)."""
    data = path.read_bytes()
    assert struct.unpack_from("<H", data, struct.unpack_from("<I", data, 0x3C)[0] + 4)[0] == 0xAA64
    assert chpe_pointer(data)


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
