"""Mach-O code signatures read in full (binlint/formats/macho/codesign.py): published files,
the programs signed in tests/fixtures/macho.py, LIEF's view of where the blob lies, malformed
blobs, and what a user reads of the hardened-runtime rules."""
from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest

from binlint.formats.macho.codesign import file_signatures, read_blob, slice_signature
from fixtures import Artifacts
from fixtures import macho as macho_fixtures
from test_reports import binlint_run

ARM64_SIGNATURE_AT = 50064  # LC_CODE_SIGNATURE's dataoff in MarkupSafe 3.0.2's arm64 module (560 bytes)


def _signed(**overrides: object) -> bytes:
    signature = {"identifier": "org.binlint.app", "team": macho_fixtures.TEAM, "flags": macho_fixtures.CS_RUNTIME,
                 "entitlements": [macho_fixtures.ALLOW_JIT], "certificate": True, **overrides}
    return macho_fixtures.signed(macho_fixtures.real(macho_fixtures.ARM64), True, b"", **signature)


def test_published_modules() -> None:
    """MarkupSafe's wheels: the arm64 slices carry the linker's ad hoc signature (what
    `codesign -dv` shows as `flags=0x20002(adhoc,linker-signed)`), the x86_64 ones none."""
    arm64 = file_signatures(macho_fixtures.real(macho_fixtures.ARM64))
    assert arm64 == [{"arch": "arm64", "filetype": "BUNDLE", "kind": "linker-signed", "hardened_runtime": False, "team_id": None,
                      "identifier": "_speedups.cpython-312-darwin.so", "entitlements": [], "problem": None}]
    universal2 = file_signatures(macho_fixtures.real(macho_fixtures.UNIVERSAL2))
    assert [(s["arch"], s["kind"]) for s in universal2] == [("x86_64", "none"), ("arm64", "linker-signed")]
    assert [s["kind"] for s in file_signatures(macho_fixtures.real(macho_fixtures.INTEL))] == ["none", "none"]


@pytest.mark.parametrize("overrides, expected", [
    ({}, {"kind": "certificate", "hardened_runtime": True, "team_id": macho_fixtures.TEAM,
          "entitlements": [macho_fixtures.ALLOW_JIT]}),
    ({"team": None, "flags": macho_fixtures.CS_ADHOC, "certificate": False, "entitlements": []},
     {"kind": "adhoc", "hardened_runtime": False, "team_id": None, "entitlements": []}),
    ({"flags": macho_fixtures.CS_ADHOC | macho_fixtures.CS_LINKER_SIGNED, "team": None, "certificate": False},
     {"kind": "linker-signed", "hardened_runtime": False, "team_id": None}),
])
def test_signatures_written_like_codesign(overrides: dict, expected: dict) -> None:
    found = file_signatures(_signed(**overrides))
    assert len(found) == 1 and found[0]["problem"] is None and found[0]["identifier"] == "org.binlint.app"
    assert {key: found[0][key] for key in expected} == expected


@pytest.mark.parametrize("data", [
    pytest.param(lambda: macho_fixtures.real(macho_fixtures.ARM64), id="published-arm64"),
    pytest.param(lambda: _signed(), id="signed-here"),
    pytest.param(lambda: macho_fixtures.real(macho_fixtures.X86_64), id="unsigned"),
])
def test_the_blob_is_the_one_lief_finds(data) -> None:  # type: ignore[no-untyped-def]
    """LIEF (1.0) parses no CodeDirectory field, but finds LC_CODE_SIGNATURE's blob: the
    facts from binlint's own walk of the load commands are those of LIEF's blob."""
    import lief

    raw = data()
    lief.logging.disable()
    binary = lief.MachO.parse(raw).at(0)
    mine = slice_signature(memoryview(raw))
    if not binary.has_code_signature:
        assert mine["kind"] == "none"
        return
    assert {k: v for k, v in mine.items() if k not in ("arch", "filetype")} == read_blob(bytes(binary.code_signature.content))


def test_every_truncation_is_a_stated_problem() -> None:
    """A blob cut anywhere, or with its fields pointing anywhere, gives facts, never an exception."""
    blob = _signed()[ARM64_SIGNATURE_AT:]
    assert read_blob(blob)["problem"] is None
    for end in range(0, len(blob), 7):
        found = read_blob(blob[:end])
        assert found["kind"] in ("adhoc", "certificate")
        if end < 200:
            assert found["problem"] is not None or found["kind"] == "adhoc", end
    for at in range(0, 400, 4):  # every word of the headers and the index set to an absurd value
        broken = bytearray(blob)
        struct.pack_into(">I", broken, at, 0xFFFFFFF0)
        read_blob(bytes(broken))


@pytest.mark.parametrize("change, problem", [
    (lambda b: b"\0\0\0\0" + b[4:], "no code signature superblob"),
    (lambda b: b[:12], "no code directory"),
    (lambda b: b.replace(b"<key>", b"<kex>", 1), "not a readable XML property list"),
])
def test_malformed_blobs(change, problem: str) -> None:  # type: ignore[no-untyped-def]
    blob = _signed()[ARM64_SIGNATURE_AT:]
    assert problem in read_blob(change(blob))["problem"]


def test_what_the_user_reads(artifacts: Artifacts) -> None:
    path = artifacts.path("macho-pyi-team-mismatch-exe")
    out = binlint_run(["check", str(path)], path.parent, expect=1)
    assert "error[macho-library-validation-team-mismatch]" in out
    assert f"signed by team {macho_fixtures.TEAM} with the hardened runtime" in out
    assert "libpython3.12.dylib (arm64: linker-signed, Team ID none)" in out
    assert f"lib/libz.1.dylib (arm64: certificate, Team ID {macho_fixtures.OTHER_TEAM})" in out
    quiet = artifacts.path("macho-pyi-validation-off-exe")
    assert "macho-library-validation" not in binlint_run(["check", str(quiet)], quiet.parent, expect=0)


CMAKE = ("cmake==3.31.1", "macosx_10_10_universal2", "3.12", "cmake-3.31.1-py3-none-macosx_10_10_universal2.whl",
         "b105b171b830de26422a1a2d3ed54540e90438b87bbd07e4d1c53b95766b9a77")
KITWARE = "W38PE5Y733"  # Kitware's Developer ID team: the expectedTeamID of Installomator's cmake label,
# and the TeamIdentifier `codesign -dv` reports for cmake.org's notarized CMake.app


def test_a_developer_id_signed_program_from_pypi() -> None:
    """CMake's macOS wheel carries Kitware's notarized universal2 programs: signed with a
    certificate, the hardened runtime, Team ID W38PE5Y733 and one entitlement; the blob is
    where LIEF finds it; and no hardened-runtime rule fires (they carry no bundle)."""
    import zipfile

    import lief
    from pypi import wheel

    path = wheel(*CMAKE)
    with zipfile.ZipFile(path) as archive:
        data = archive.read("cmake/data/bin/cmake")
    found = file_signatures(data)
    assert [(s["arch"], s["kind"], s["hardened_runtime"], s["team_id"], s["identifier"]) for s in found] == \
        [("x86_64", "certificate", True, KITWARE, "cmake"), ("arm64", "certificate", True, KITWARE, "cmake")]
    assert all(s["entitlements"] == ["com.apple.security.cs.allow-dyld-environment-variables"] for s in found)
    lief.logging.disable()
    fat = lief.MachO.parse(data)
    assert [read_blob(bytes(fat.at(i).code_signature.content)) for i in range(fat.size)] == \
        [{k: v for k, v in s.items() if k not in ("arch", "filetype")} for s in found]
    out = binlint_run(["check", "--format", "json", str(path)], path.parent)
    assert "macho-library-validation" not in out and "macho-hardened-runtime" not in out


def test_an_app_on_disk(artifacts: Artifacts, tmp_path: Path) -> None:
    """The main program of an app (`X.app/Contents/MacOS/x`) is judged against the libraries
    under its Contents/: a linker-signed module in Frameworks/ is refused; a nested app's
    files belong to its own process and are not counted."""
    contents = tmp_path / "Demo.app" / "Contents"
    program = contents / "MacOS" / "demo"
    program.parent.mkdir(parents=True)
    shutil.copy(artifacts.path("macho-hardened-exe"), program)
    frameworks = contents / "Frameworks"
    (frameworks / "Helper.app" / "Contents" / "Frameworks").mkdir(parents=True)
    (frameworks / "libpython3.12.dylib").write_bytes(macho_fixtures.real(macho_fixtures.ARM64))
    (frameworks / "Helper.app" / "Contents" / "Frameworks" / "libother.dylib").write_bytes(
        macho_fixtures.real(macho_fixtures.ARM64))
    (contents / "Resources").mkdir()
    (contents / "Resources" / macho_fixtures.CFFI).write_bytes(_library())
    (contents / "Info.plist").write_text("<plist/>")
    out = binlint_run(["check", str(tmp_path / "Demo.app")], tmp_path, expect=1)
    mismatch = [line for line in out.splitlines() if "macho-library-validation-team-mismatch" in line]
    assert len(mismatch) == 1 and mismatch[0].startswith(f"{program}: error")
    assert "Frameworks/libpython3.12.dylib (arm64: linker-signed, Team ID none)" in mismatch[0]
    assert "libother" not in mismatch[0] and macho_fixtures.CFFI not in mismatch[0]  # same team: loads
    assert f"{program}: warning[macho-hardened-runtime-ffi-closures]" in out
    assert f"Resources/{macho_fixtures.CFFI}" in out


def _library() -> bytes:
    """The arm64 module signed by the fixtures' team, as an app's own libraries are."""
    return macho_fixtures.signed(macho_fixtures.real(macho_fixtures.ARM64), False, b"", identifier="lib",
                                 team=macho_fixtures.TEAM, flags=macho_fixtures.CS_RUNTIME, entitlements=[],
                                 certificate=True)
