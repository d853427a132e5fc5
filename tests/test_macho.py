"""Mach-O: the facts read from real files (MarkupSafe's macOS modules), code signature page
hashes, per-slice evidence in fat files, dylib resolution inside an artifact, the --macos
flag, malformed files, and the helper process that keeps LIEF out of binlint's own.

The rule table (tests/rules/test_macho.py) covers which rule fires on which fixture; these tests
check what a user reads and what the implementation promises.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from fixtures import macho as macho_fixtures
from binlint.walk.discover import discover
from binlint.engine import Options, check
from binlint.formats.macho.reader import parse, verify_signature
from binlint.formats.macho.isolate import Helper, IsolatedError
from binlint.rules import load_rules
from binlint.rules.targets import Target, complete, for_arch
from fixtures import ArchiveEntry, Artifacts, wheel_bytes
from test_reports import binlint_run, cli_env, load_sarif_schema, schema_errors, sarif_validator

REPO = Path(__file__).resolve().parents[1]
DATA = macho_fixtures.DATA


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def facts(path: Path, *names: str) -> dict:
    out = binlint_run(["facts", str(path)], path.parent)
    found = json.loads(out)["artifacts"][0]["facts"]
    return {name: found[name] for name in names} if names else found


def findings(path: Path, rules, target: dict | None = None):
    return check(discover([str(path)]), rules, Options((Target.of(target or {}),)))


# --------------------------------------------------------------------------
# The real files
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(macho_fixtures.REAL))
def test_real_files_are_the_recorded_ones(name: str) -> None:
    macho_fixtures.real(name)  # checks the sha256 the README records
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert macho_fixtures.REAL[name] in readme
    assert (DATA / "MarkupSafe-2.1.5-LICENSE.rst").read_text().startswith("Copyright 2010 Pallets")


def test_universal2_facts_one_set_per_slice() -> None:
    got = facts(DATA / macho_fixtures.UNIVERSAL2, "macho.fat", "macho.archs", "macho.slices", "macho.dylibs",
                "macho.rpaths")
    assert got["macho.fat"] is True
    assert got["macho.archs"] == ["x86_64", "arm64"]
    x86, arm = got["macho.slices"]
    assert (x86["arch"], x86["filetype"], x86["min_os"], x86["sdk"], x86["platform"]) == \
        ("x86_64", "BUNDLE", "10.9", "13.1", "macos")
    assert (arm["arch"], arm["min_os"], arm["platform"]) == ("arm64", "11.0", "macos")
    assert (x86["cputype"], arm["cputype"]) == (0x01000007, 0x0100000C)
    assert x86["flags"] == ["MH_NOUNDEFS", "MH_DYLDLINK", "MH_TWOLEVEL"]
    assert (x86["signed"], arm["signed"], arm["signature_valid"], arm["signature_problem"]) == \
        (False, True, True, None)
    # Facts state no verdict: the floor each architecture is held to is target data.
    assert "min_os_above_arch_floor" not in x86
    floors = complete(Target.of()).values
    assert [str(for_arch(floors, [s["arch"]])["macos_arch_floor"]) for s in (x86, arm)] == ["10.0", "11.0"]
    assert got["macho.dylibs"] == [
        {"arch": arch, "path": "/usr/lib/libSystem.B.dylib", "kind": "load", "current_version": "1319.0.0",
         "compat_version": "1.0.0", "resolution": "system",
         "searched_in": "absolute", "candidates": ["/usr/lib/libSystem.B.dylib"]} for arch in ("x86_64", "arm64")]
    assert got["macho.rpaths"] == []


def test_thin_and_intel_files() -> None:
    arm = facts(DATA / macho_fixtures.ARM64, "macho.fat", "macho.slices")
    assert arm["macho.fat"] is False
    assert [(s["arch"], s["sdk"], s["signature_valid"]) for s in arm["macho.slices"]] == [("arm64", "14.5", True)]
    intel = facts(DATA / macho_fixtures.INTEL, "macho.archs", "macho.slices")
    assert intel["macho.archs"] == ["i386", "x86_64"]
    assert {s["min_os"] for s in intel["macho.slices"]} == {"10.6"}


# --------------------------------------------------------------------------
# Code signature page hashes
# --------------------------------------------------------------------------


def _signature(data: bytes) -> tuple[int, int]:
    import lief

    binary = lief.MachO.parse(data).at(0)
    return binary.code_signature.data_offset, binary.code_signature.data_size


def test_real_signature_verifies_and_a_text_byte_breaks_it() -> None:
    data = macho_fixtures.real(macho_fixtures.ARM64)
    offset, size = _signature(data)
    assert verify_signature(memoryview(data), offset, size) is None
    import lief

    text = lief.MachO.parse(data).at(0).get_section("__text")
    page = (text.offset + 100) // 4096
    edited = bytearray(data)
    edited[text.offset + 100] ^= 1
    problem = verify_signature(memoryview(bytes(edited)), offset, size)
    assert problem is not None and problem.startswith(f"page {page} of 13 (SHA-256")
    # A byte outside the code the signature covers (its own blob's padding) changes nothing.
    assert verify_signature(memoryview(data[:offset + size]), offset, size) is None


def test_signature_past_the_end_or_garbled_is_invalid() -> None:
    data = macho_fixtures.real(macho_fixtures.ARM64)
    offset, size = _signature(data)
    assert "past the end" in verify_signature(memoryview(data[:offset + 8]), offset, size)
    garbled = bytearray(data)
    garbled[offset:offset + 4] = b"\0\0\0\0"
    assert "superblob" in verify_signature(memoryview(bytes(garbled)), offset, size)


def test_universal2_slices_verify_at_their_offsets() -> None:
    slices = parse((str(DATA / macho_fixtures.UNIVERSAL2), None))
    assert [(s["arch"], s["signed"], s["signature_valid"]) for s in slices] == [
        ("x86_64", False, False), ("arm64", True, True)]


# --------------------------------------------------------------------------
# Fat files: one finding per file, evidence per slice
# --------------------------------------------------------------------------


def test_fat_file_gives_one_finding_naming_each_slice(tmp_path: Path, rules) -> None:
    path = tmp_path / "both-new.so"
    macho_fixtures._edit(macho_fixtures.UNIVERSAL2, macho_fixtures.min_os([12, 0, 0]))(path)
    found = [f for f in findings(path, rules, {"macos": "10.13"}) if f.rule == "macho-macos-version-above-target"]
    assert len(found) == 1
    assert found[0].message == ("needs a newer macOS than 10.13: x86_64 slice built for macOS 12.0 (SDK 13.1), "
                                "arm64 slice built for macOS 12.0 (SDK 13.1)")
    assert [e["arch"] for e in found[0].evidence] == ["x86_64", "arm64"]


@pytest.mark.parametrize("target", ["10.9", "10.15", "11.0"])
def test_arm64_at_11_is_never_above_a_10_x_target(artifacts: Artifacts, rules, target: str) -> None:
    for name in ("macho-arm64-lib", "macho-universal2-lib"):
        assert not [f for f in findings(artifacts.path(name), rules, {"macos": target})
                    if f.rule == "macho-macos-version-above-target"]


# --------------------------------------------------------------------------
# Wheels: tags as targets, dylibs resolved against the members
# --------------------------------------------------------------------------


def test_new_minimum_in_a_macosx_10_9_wheel(artifacts: Artifacts, rules) -> None:
    path = artifacts.path("macho-new-minos-wheel")
    found = [f for f in findings(path, rules) if f.rule == "macho-macos-version-above-target"]
    assert [(f.members, f.severity) for f in found] == [((macho_fixtures.EXT,), "error")]
    assert "needs a newer macOS than 10.9: x86_64 slice built for macOS 10.15" in found[0].message


def test_thin_file_in_a_universal2_wheel(artifacts: Artifacts, rules) -> None:
    path = artifacts.path("macho-thin-universal2-wheel")
    found = [f for f in findings(path, rules) if f.rule == "macho-wheel-arch-missing"]
    assert [f.message for f in found] == ["no slice for arm64, which the wheel's tags promise (the file has x86_64)"]


def test_thin_file_in_a_universal2_wheel_inside_a_tarball(artifacts: Artifacts, rules, tmp_path: Path) -> None:
    """The promise is the holding wheel's, however deep the wheel is; a loose file has none."""
    import tarfile

    wheel = artifacts.path("macho-thin-universal2-wheel")
    with tarfile.open(tmp_path / "dist.tar.gz", "w:gz") as tar:
        tar.add(wheel, arcname=f"dist/{wheel.name}")
    found = [f for f in findings(tmp_path / "dist.tar.gz", rules) if f.rule == "macho-wheel-arch-missing"]
    assert [(f.members[:1], f.message) for f in found] == [
        ((f"dist/{wheel.name}",), "no slice for arm64, which the wheel's tags promise (the file has x86_64)")]
    with zipfile.ZipFile(wheel) as archive:
        loose = tmp_path / "ext.so"
        loose.write_bytes(archive.read(found[0].members[-1]))
    assert not [f for f in findings(loose, rules, {"macos": "10.9"}) if f.rule == "macho-wheel-arch-missing"]


def test_delocated_wheel_resolves_its_dylibs(artifacts: Artifacts, rules) -> None:
    assert not [f for f in findings(artifacts.path("macho-delocated-wheel"), rules) if f.rule.startswith("macho-")]
    found = [f for f in findings(artifacts.path("macho-undelocated-wheel"), rules)
             if f.rule == "macho-dylib-not-in-artifact"]
    assert [e["path"] for e in found[0].evidence] == ["@loader_path/.dylibs/libz.1.dylib", "@rpath/libbar.dylib"]


def test_dylibs_resolve_against_the_directory_on_disk(artifacts: Artifacts, rules, tmp_path: Path) -> None:
    module = tmp_path / "pkg" / "_ext.so"
    module.parent.mkdir()
    shutil.copy(artifacts.path("macho-delocated-lib"), module)
    assert [f.rule for f in findings(module, rules)] == ["macho-dylib-not-in-artifact"]
    (module.parent / ".dylibs").mkdir()
    for name in ("libz.1.dylib", "libbar.dylib"):
        (module.parent / ".dylibs" / name).write_bytes(b"")
    assert [f.rule for f in findings(module, rules)] == []


def test_rpath_resolution_in_a_nested_folder(artifacts: Artifacts, tmp_path: Path) -> None:
    """@rpath through @loader_path/../lib, from a member two folders down."""
    path = tmp_path / "w.whl"
    module = macho_fixtures._edit(macho_fixtures.X86_64, macho_fixtures.add_dylibs(
        "@rpath/libq.dylib", "@executable_path/libexe.dylib", rpaths=("@loader_path/../lib", "/usr/lib/swift")))
    module(tmp_path / "m.so")
    data = (tmp_path / "m.so").read_bytes()
    path.write_bytes(wheel_bytes("w", "1.0", "cp311-cp311-macosx_10_9_x86_64", [
        ArchiveEntry("pkg/sub/_m.so", data), ArchiveEntry("pkg/lib/libq.dylib", b"stand-in")]))
    out = json.loads(binlint_run(["facts", str(path)], tmp_path))
    member = next(a for a in out["artifacts"] if a["path"].endswith("_m.so"))
    got = {d["path"]: d["resolution"] for d in member["facts"]["macho.dylibs"]}
    assert got == {"/usr/lib/libSystem.B.dylib": "system", "@rpath/libq.dylib": "artifact",
                   "@executable_path/libexe.dylib": "unknown"}
    assert [(r["path"], r["resolution"]) for r in member["facts"]["macho.rpaths"]] == [
        ("@loader_path/../lib", "artifact"), ("/usr/lib/swift", "system")]


# --------------------------------------------------------------------------
# The command line: --macos, exit codes, SARIF
# --------------------------------------------------------------------------


def test_macos_flag(artifacts: Artifacts, tmp_path: Path) -> None:
    path = artifacts.path("macho-new-minos-lib")
    out = binlint_run(["check", "--macos", "10.13", str(path)], tmp_path, expect=1)
    assert "error[macho-macos-version-above-target] needs a newer macOS than 10.13: x86_64 slice built for " \
           "macOS 10.15 (SDK 13.1)" in out
    binlint_run(["check", "--macos", "10.15", str(path)], tmp_path, expect=0)
    proc = subprocess.run([sys.executable, "-m", "binlint", "check", "--macos", "ten", str(path)],
                          capture_output=True, text=True, env=cli_env(), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == "binlint: error: invalid --macos value 'ten': expected a version such as 10.13\n"


def test_sarif_for_mach_o_findings(artifacts: Artifacts, tmp_path: Path) -> None:
    names = ["macho-edited-arm64-lib", "macho-homebrew-lib", "macho-thin-universal2-wheel", "macho-truncated"]
    for name in names:
        shutil.copy(artifacts.path(name), tmp_path)
    files = sorted(p.name for p in tmp_path.iterdir())
    sarif = json.loads(binlint_run(["check", "--format", "sarif", "--macos", "10.9", *files], tmp_path, expect=1))
    assert schema_errors(sarif_validator(), sarif) == []
    results = sarif["runs"][0]["results"]
    got = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in results}
    assert got == {
        ("macho-signature-mismatch", "macho-edited-arm64-lib"),
        ("macho-build-machine-dylib", "macho-homebrew-lib"),
        ("macho-wheel-arch-missing", "macho_thin_u2-1.0-cp311-cp311-macosx_10_9_universal2.whl"),
        ("unreadable-artifact", "macho-truncated"),
    }
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "code signature invalid in" in rules["macho-signature-mismatch"]["help"]["markdown"]
    assert load_sarif_schema()  # the schema the validator used is the shared one


# --------------------------------------------------------------------------
# Malformed files and the helper process
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "reason"), [
    ("macho-truncated", "segment __DATA ends at 49152, past the end of the file (40000 bytes)"),
    ("macho-bad-ncmds", "the header promises 2147483647 load commands"),
])
def test_malformed_mach_o_is_a_diagnostic(artifacts: Artifacts, rules, name: str, reason: str) -> None:
    found = findings(artifacts.path(name), rules)
    assert [f.rule for f in found] == ["unreadable-artifact"]
    assert reason in found[0].message and found[0].message.startswith("a Mach-O file that cannot be read")


def test_a_broken_member_costs_only_its_own_findings(artifacts: Artifacts, rules, tmp_path: Path) -> None:
    path = tmp_path / "mixed-1.0-cp311-cp311-macosx_10_9_x86_64.whl"
    path.write_bytes(wheel_bytes("mixed", "1.0", "cp311-cp311-macosx_10_9_x86_64", [
        ArchiveEntry("pkg/_bad.so", artifacts.path("macho-bad-ncmds").read_bytes()),
        ArchiveEntry("pkg/_new.so", artifacts.path("macho-new-minos-lib").read_bytes())]))
    got = sorted((f.members[-1], f.rule) for f in findings(path, rules))
    assert got == [("pkg/_bad.so", "unreadable-artifact"), ("pkg/_new.so", "macho-macos-version-above-target")]


def _crash(request):  # runs in the helper
    if request == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    if request == "hang":
        time.sleep(60)
    if request == "bad":
        raise ValueError("not a readable Mach-O file")
    if request == "noisy":
        os.write(1, b"noise on stdout\n")
        os.write(2, b"noise on stderr\n")
    return request * 2


def test_helper_survives_crashes_and_hangs(capfd: pytest.CaptureFixture[str]) -> None:
    helper = Helper(_crash, timeout=1.0)
    try:
        assert helper.call(21) == 42
        assert helper.call("noisy") == "noisynoisy"
        assert capfd.readouterr() == ("", "")  # never into binlint's report or its stderr
        with pytest.raises(IsolatedError, match=r"^the parser crashed \(SIGSEGV\)$"):
            helper.call("segv")
        assert helper.call(1) == 2  # a fresh helper
        started = time.monotonic()
        with pytest.raises(IsolatedError, match=r"^gave up after 1 s$"):
            helper.call("hang")
        assert time.monotonic() - started < 5
        with pytest.raises(IsolatedError, match=r"^not a readable Mach-O file$"):
            helper.call("bad")
        assert helper.call(b"x" * 3_000_000) == b"x" * 6_000_000  # larger than a pipe's buffer
    finally:
        helper.close()


def test_lief_stays_out_of_binlint_and_out_of_elf_runs(artifacts: Artifacts) -> None:
    code = ("import sys; from binlint.cli import main\n"
            "status = main(['check', *sys.argv[1:]])\n"
            "print(status, 'lief' in sys.modules, 'binlint.formats.macho.reader' in sys.modules)")
    for name, status in (("clean-lib", "0"), ("macho-edited-arm64-lib", "1")):
        proc = subprocess.run([sys.executable, "-c", code, str(artifacts.path(name))], capture_output=True,
                              text=True, env=cli_env(), cwd=REPO)
        assert proc.stdout.splitlines()[-1] == f"{status} False False", proc.stdout + proc.stderr


def test_fixture_wheels_carry_their_tags(artifacts: Artifacts) -> None:
    """The tags the rules read come from the WHEEL file, as pip writes it."""
    with zipfile.ZipFile(artifacts.path("macho-universal2-wheel")) as wheel:
        assert "Tag: cp311-cp311-macosx_10_9_universal2" in wheel.read("macho_u2-1.0.dist-info/WHEEL").decode()


def test_object_files_need_no_signature(rules, tmp_path: Path) -> None:
    """numpy's macOS wheels carry static archives of unsigned arm64 objects: never run, never flagged."""
    def as_object(binary) -> None:  # type: ignore[no-untyped-def]
        import lief

        binary.remove_signature()
        binary.header.file_type = lief.MachO.Header.FILE_TYPE.OBJECT

    path = tmp_path / "obj.o"
    macho_fixtures._edit(macho_fixtures.ARM64, as_object)(path)
    assert facts(path, "macho.slices")["macho.slices"][0]["filetype"] == "OBJECT"
    assert [f.rule for f in findings(path, rules)] == []


def test_json_report_names_the_macos_target(artifacts: Artifacts, tmp_path: Path) -> None:
    from test_reports import report_validator

    report = json.loads(binlint_run(["check", "--format", "json", "--macos", "10.13",
                                     str(artifacts.path("macho-new-minos-lib"))], tmp_path, expect=1))
    assert schema_errors(report_validator(), report) == []
    assert report["target"] == {"macos": "10.13"}
    assert report["findings"][0]["evidence"][0]["min_os"] == "10.15"


def test_install_name_is_a_fact_not_a_load(rules, tmp_path: Path) -> None:
    """LC_ID_DYLIB names the file itself: a build-tree install name is not a load that fails."""
    def with_id(binary) -> None:  # type: ignore[no-untyped-def]
        import lief

        binary.add(lief.MachO.DylibCommand.id_dylib("/usr/local/lib/libmine.1.dylib", 2, 0x10203, 0x10000))

    path = tmp_path / "libmine.1.dylib"
    macho_fixtures._edit(macho_fixtures.X86_64, with_id)(path)
    got = facts(path, "macho.slices", "macho.dylibs")
    assert got["macho.slices"][0]["install_name"] == "/usr/local/lib/libmine.1.dylib"
    assert {"arch": "x86_64", "path": "/usr/local/lib/libmine.1.dylib", "kind": "id", "current_version": "1.2.3",
            "compat_version": "1.0.0", "resolution": "build-machine", "searched_in": "absolute",
            "candidates": ["/usr/local/lib/libmine.1.dylib"]} in got["macho.dylibs"]
    assert [f.rule for f in findings(path, rules)] == []
