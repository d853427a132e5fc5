"""The PE reader (binlint/formats/pe/reader.py) held equal to pefile on the MinGW fixtures and
on the DLLs of real Windows wheels (pinned in tests/realworld/windows.py), and the facts a user
reads with `binlint facts`."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import pypi
from binlint.formats.pe import manifest, signature
from binlint.formats.pe.reader import PeFile
from fixtures import Artifacts, fixture_names, require_module
from fixtures.toolchain import missing
from realworld.windows import WINDOWS


PEFILE_EXPORTS = 0x2000  # pefile's MAX_SYMBOL_EXPORT_COUNT
# pefile sums a file four bytes at a time in Python, 11 MB/s: scipy's 115 PE files (80 MB) took
# 7 of the 9 s their comparison took. Only files up to this size (75 of those, and every
# fixture) have their checksum compared; larger ones are compared on the rest.
CHECKSUM_BYTES = 512 << 10


def pefile_view(data: bytes) -> dict:
    """What pefile reads of the tables binlint's reader reads."""
    import pefile

    pe = pefile.PE(data=data, fast_load=True)
    pe.parse_data_directories(directories=[0, 1, 2, 6, 10, 13])

    def functions(entry) -> list[str]:  # type: ignore[no-untyped-def]
        # pefile names some ordinal imports from its own table (ws2_32's #21: setsockopt); the file has the number.
        return [f"#{i.ordinal}" if i.import_by_ordinal or not i.name else i.name.decode("latin-1")
                for i in entry.imports]

    debug = [d for d in getattr(pe, "DIRECTORY_ENTRY_DEBUG", []) if d.struct.Type == 2 and d.entry is not None]
    pdb = debug[0].entry.PdbFileName.rstrip(b"\0").decode("latin-1") if debug else None
    config = getattr(pe, "DIRECTORY_ENTRY_LOAD_CONFIG", None)
    exports = getattr(pe, "DIRECTORY_ENTRY_EXPORT", None)
    ex_dll = [int.from_bytes(data[d.struct.PointerToRawData:d.struct.PointerToRawData + 4], "little")
              for d in getattr(pe, "DIRECTORY_ENTRY_DEBUG", []) if d.struct.Type == 20]
    manifests = [(name.id, pe.get_data(language.data.struct.OffsetToData, language.data.struct.Size))
                 for kind in getattr(getattr(pe, "DIRECTORY_ENTRY_RESOURCE", None), "entries", [])
                 if kind.id == 24 for name in kind.directory.entries for language in name.directory.entries]
    return {
        "machine": pe.FILE_HEADER.Machine, "characteristics": pe.FILE_HEADER.Characteristics,
        "dll_characteristics": pe.OPTIONAL_HEADER.DllCharacteristics, "subsystem": pe.OPTIONAL_HEADER.Subsystem,
        "sections": [(s.Name.rstrip(b"\0").decode("latin-1"), s.Characteristics) for s in pe.sections],
        "imports": [(e.dll.decode("latin-1"), functions(e)) for e in getattr(pe, "DIRECTORY_ENTRY_IMPORT", [])],
        "delay": [(e.dll.decode("latin-1"), functions(e)) for e in getattr(pe, "DIRECTORY_ENTRY_DELAY_IMPORT", [])],
        "exports": [s.name.decode("latin-1") for s in exports.symbols if s.name] if exports else [],
        "guard_flags": getattr(config.struct, "GuardFlags", 0) if config else 0,
        "pdb": pdb,
        "chpe": getattr(config.struct, "CHPEMetadataPointer", 0) if config and pe.PE_TYPE == 0x20B else 0,
        "ex_dll": ex_dll[0] if ex_dll else 0,
        "checksum": None if len(data) > CHECKSUM_BYTES else "unset" if not pe.OPTIONAL_HEADER.CheckSum else
                    "matches" if pe.OPTIONAL_HEADER.CheckSum == pe.generate_checksum() else "differs",
        "manifests": manifests,
    }


def own_view(data: bytes) -> dict:
    pe = PeFile(data)
    return {
        "machine": pe.machine, "characteristics": pe.characteristics, "dll_characteristics": pe.dll_characteristics,
        "subsystem": pe.subsystem,
        # pefile keeps a long name as its string-table reference (`/4`); binlint reads the table.
        "sections": [(s.name, s.flags) for s in pe.sections],
        "imports": [tuple(i) for i in pe.imports], "delay": [tuple(i) for i in pe.delay_imports],
        "exports": pe.exports[1], "guard_flags": pe.load_config.get("guard_flags", 0), "pdb": pe.pdb_path,
        "chpe": pe.load_config.get("chpe_metadata", 0), "ex_dll": pe.ex_dll_characteristics,
        "checksum": signature.checksum(pe) if len(data) <= CHECKSUM_BYTES else None, "manifests": manifest.manifests(pe),
    }


def agree(data: bytes) -> None:
    ours, theirs = own_view(data), pefile_view(data)
    if len(theirs["exports"]) == PEFILE_EXPORTS:  # pefile stops there; numpy's OpenBLAS exports 9,546 names
        ours["exports"] = ours["exports"][:PEFILE_EXPORTS]
    theirs["sections"] = [(o[0] if t[0].startswith("/") else t[0], t[1])
                          for o, t in zip(ours["sections"], theirs["sections"])]
    assert ours == theirs


@pytest.mark.parametrize("name", fixture_names("pe"))
def test_reader_agrees_with_pefile_on_the_fixtures(artifacts: Artifacts, name: str) -> None:
    require_module("pefile", "pefile>=2023.2.7")
    agree(artifacts.path(name).read_bytes())


@pytest.mark.parametrize("wheel", WINDOWS, ids=[w.id for w in WINDOWS])
def test_reader_agrees_with_pefile_on_real_wheels(wheel) -> None:  # type: ignore[no-untyped-def]
    require_module("pefile", "pefile>=2023.2.7")
    problem = pypi.download(pypi.wheel_cache(), wheel.requirement, wheel.platform, wheel.python, wheel.filename,
                            wheel.sha256)
    if problem:
        missing(problem)
    with zipfile.ZipFile(pypi.wheel_cache() / wheel.filename) as archive:
        names = [n for n in archive.namelist() if n.lower().endswith((".pyd", ".dll", ".exe"))]
        assert names
        for name in names:
            agree(archive.read(name))


def facts(path: Path) -> dict[str, dict]:
    done = subprocess.run([sys.executable, "-m", "binlint", "facts", "--no-config", str(path)],
                          capture_output=True, text=True, timeout=120)
    return {a["path"].split("!")[-1]: a["facts"] for a in json.loads(done.stdout)["artifacts"]}


def test_facts_of_an_extension_module(artifacts: Artifacts) -> None:
    found = facts(artifacts.path("pe-wheel"))["pkg/_ext.cp312-win_amd64.pyd"]
    assert found["file.kind"] == "pe"
    assert found["pe.machine"] == "amd64" and found["pe.format"] == "PE32+"
    assert {"DYNAMIC_BASE", "NX_COMPAT", "HIGH_ENTROPY_VA"} <= set(found["pe.dll_characteristics"])
    assert "DLL" in found["pe.characteristics"]
    assert found["pe.exports"] == ["PyInit__ext"] and found["pe.python_dll"] == "python312.dll"
    assert {i["dll"].lower(): i["found"] for i in found["pe.import_resolution"]} == {
        "python312.dll": "python", "kernel32.dll": "system", "msvcrt.dll": "system"}


def test_delvewheel_libs_folder_is_a_dll_directory(artifacts: Artifacts) -> None:
    resolved = {i["dll"]: i["found"] for i in facts(artifacts.path("pe-delvewheel-wheel"))["pkg/_native.dll"]
                ["pe.import_resolution"]}
    assert resolved["libgcc_s_seh-1.dll"] == resolved["libwinpthread-1.dll"] == "dll-directory"
    unpatched = {i["dll"]: i["found"] for i in facts(artifacts.path("pe-deps-unpatched-libs-wheel"))
                 ["pkg/_native.dll"]["pe.import_resolution"]}
    assert unpatched["libgcc_s_seh-1.dll"] == "elsewhere"


def test_long_section_names_and_x86(artifacts: Artifacts) -> None:
    exe = facts(artifacts.path("pe-x64-exe.exe"))
    assert any(s["name"] == ".debug_info" for s in next(iter(exe.values()))["pe.sections"])
    x86 = next(iter(facts(artifacts.path("pe-x86-lib.dll")).values()))
    assert x86["pe.machine"] == "i386" and x86["pe.format"] == "PE32" and x86["pe.compatible_archs"] == ["x86"]


def test_mz_without_a_pe_header_is_not_pe(tmp_path: Path) -> None:
    (tmp_path / "dos.exe").write_bytes(b"MZ" + b"\0" * 200)
    assert next(iter(facts(tmp_path / "dos.exe").values()))["file.kind"] == "other"


def test_delay_loaded_dll_is_resolved_but_not_reported(artifacts: Artifacts) -> None:
    found = facts(artifacts.path("pe-delay-wheel"))["pkg/_delay.dll"]
    assert found["pe.delay_imports"] == ["libdelay.dll"]
    assert {"dll": "libdelay.dll", "function": "#7", "delay": True} in found["pe.imported_functions"]
    assert {"dll": "libdelay.dll", "found": "missing", "delay": True} in found["pe.import_resolution"]


def test_manifest_facts(artifacts: Artifacts) -> None:
    found = next(iter(facts(artifacts.path("pe-x64-manifest-lib.dll")).values()))
    assert found["pe.manifest_dependencies"] == [
        {"name": "Microsoft.Windows.Common-Controls", "version": "6.0.0.0", "architecture": "*"}]
    assert found["pe.manifest_execution_level"] == "asInvoker"
    assert found["pe.manifest_long_path_aware"] is True and found["pe.manifest_active_code_page"] == "UTF-8"
    assert found["pe.manifest_problem"] is None


def test_hybrid_machines(artifacts: Artifacts) -> None:
    arm64x = next(iter(facts(artifacts.path("pe-arm64x-lib.dll")).values()))
    assert arm64x["pe.machine"] == "arm64x" and arm64x["pe.compatible_archs"] == ["amd64", "arm64"]
    arm64ec = next(iter(facts(artifacts.path("pe-arm64ec-lib.dll")).values()))
    assert arm64ec["pe.machine"] == "arm64ec" and arm64ec["pe.compatible_archs"] == ["amd64"]


def msvcp140(wheel_id: str) -> bytes:
    """The Microsoft-signed msvcp140.dll that delvewheel copied into a pinned numpy wheel."""
    wheel = next(w for w in WINDOWS if w.id == wheel_id)
    problem = pypi.download(pypi.wheel_cache(), wheel.requirement, wheel.platform, wheel.python, wheel.filename,
                            wheel.sha256)
    if problem:
        missing(problem)
    with zipfile.ZipFile(pypi.wheel_cache() / wheel.filename) as archive:
        return archive.read(next(n for n in archive.namelist() if "/msvcp140" in n))


def test_authenticode_digest_of_a_microsoft_signed_dll() -> None:
    """Microsoft's signature matches; one byte changed in the code, it differs; a certificate
    table cut short is unreadable, never a traceback."""
    data = msvcp140("numpy-2.2.6-win_amd64")
    pe = PeFile(data)
    assert signature.authenticode(pe) == "matches" and signature.checksum(pe) == "matches"
    text = next(s for s in pe.sections if s.name == ".text")
    changed = bytearray(data)
    changed[text.raw_offset + 100] ^= 0xFF
    assert signature.authenticode(PeFile(bytes(changed))) == "differs"
    assert signature.checksum(PeFile(bytes(changed))) == "differs"
    offset, _ = pe.directory(4)
    cut = bytearray(data)
    cut[offset + 8:offset + 40] = bytes(32)  # the PKCS#7 blob's first bytes
    assert signature.authenticode(PeFile(bytes(cut))) == "unreadable"


def test_arm64_msvcp140_is_arm64x() -> None:
    """Microsoft builds its Arm64 C++ runtime as ARM64X: its load config points at hybrid metadata."""
    pe = PeFile(msvcp140("numpy-2.3.5-win_arm64"))
    assert pe.machine == 0xAA64 and pe.load_config["chpe_metadata"]


def _resource_root(data: bytes) -> int:
    """The file offset of the resource directory of a MinGW DLL (its .rsrc section)."""
    pe = PeFile(data)
    return pe.offset(pe.directory(2)[0])


@pytest.mark.parametrize("patch, finding", [
    # The root claims 65,535 entries: more than any file has.
    (lambda data, root: data[:root + 14] + b"\\xff\\xff" + data[root + 16:], "unreadable-artifact"),
    # The manifest type's subdirectory is the root itself: a loop, walked once.
    (lambda data, root: data[:root + 20] + (0x80000000).to_bytes(4, "little") + data[root + 24:], None),
], ids=["huge-count", "loop"])
def test_hostile_resource_tree(artifacts: Artifacts, tmp_path: Path, patch, finding) -> None:  # type: ignore[no-untyped-def]
    data = artifacts.path("pe-x64-manifest-lib.dll").read_bytes()
    (tmp_path / "bad.dll").write_bytes(patch(data, _resource_root(data)))
    done = subprocess.run([sys.executable, "-m", "binlint", "check", "--no-config", "--format", "json",
                           str(tmp_path / "bad.dll")], capture_output=True, text=True, timeout=60)
    assert "Traceback" not in done.stderr
    rules = {f["rule"] for f in json.loads(done.stdout)["findings"]}
    assert (finding in rules) if finding else not rules & {"unreadable-artifact", "pe-manifest-crt-assembly"}


@pytest.mark.parametrize("blob", [b"\x30\x84\xff\xff\xff\xff", b"\x30\x80", b"\x30\x02\x06\x00", b"\x00" * 16,
                                  b"\x30\x03\x30\x01\x30"], ids=["huge-length", "indefinite", "short", "zeros", "nested-cut"])
def test_hostile_certificate_table_is_unreadable(artifacts: Artifacts, blob: bytes) -> None:
    from fixtures.pe_metadata import sign

    data = bytearray(sign(artifacts.path("pe-x64-lib.dll").read_bytes()))
    offset, size = PeFile(bytes(data)).directory(4)
    data[offset + 8:offset + 8 + len(blob)] = blob
    assert signature.authenticode(PeFile(bytes(data))) == "unreadable"
