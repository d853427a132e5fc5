"""Portability rules against target profiles: what a finding tells the user (rule, path,
evidence, target), how targets combine, and agreement with `auditwheel show` on real
manylinux wheels from PyPI."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from binlint.cli import main
from binlint.walk.discover import discover
from binlint.engine import Options, check
from binlint.rules import load_rules, profiles
from binlint.rules.targets import abi, complete
import pypi
from fixtures import (
    DEP_SONAME,
    MANYLINUX_X86_64,
    NIX_INTERPRETER,
    ArchiveEntry,
    Artifacts,
    require_patchelf,
    require_tool,
    wheel_bytes,
)

SRC = Path(__file__).resolve().parent / "fixtures" / "src"


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main(["check", "--format", "json", *argv])
    return code, json.loads(capsys.readouterr().out)


def by_rule(report: dict, rule: str) -> list[dict]:
    return [f for f in report["findings"] if f["rule"] == rule]


# --------------------------------------------------------------------------
# Symbol versions of libstdc++ and friends
# --------------------------------------------------------------------------


def test_glibcxx_above_target_names_version_library_and_symbol(artifacts: Artifacts,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    lib = str(artifacts.path("cxx-new-lib"))
    code, report = run_json(capsys, "--target", "manylinux2014", lib)
    [finding] = by_rule(report, "symbol-version-above-target")
    assert code == 1 and finding["path"] == lib and finding["severity"] == "error"
    assert finding["target"] == "manylinux_2_17" and report["targets"] == ["manylinux_2_17"]
    assert "GLIBCXX_3.4.29 from libstdc++.so.6 (_ZSt10from_chars" in finding["message"]
    assert finding["message"].endswith("(target manylinux_2_17)")
    assert [e["version"] for e in finding["evidence"]] == ["GLIBCXX_3.4.29"]
    # Debian 12's libstdc++ (GCC 12) defines GLIBCXX_3.4.30.
    code, report = run_json(capsys, "--target", "debian-12", lib)
    assert by_rule(report, "symbol-version-above-target") == []


def test_a_wheel_tag_selects_its_policy(artifacts: Artifacts, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """`binlint check dist/*.whl` does auditwheel's job without flags."""
    wheel = tmp_path / f"cxx-1.0-{MANYLINUX_X86_64}.whl"
    wheel.write_bytes(wheel_bytes("cxx", "1.0", MANYLINUX_X86_64,
                                  [ArchiveEntry("cxx/_ext.so", artifacts.path("cxx-new-lib").read_bytes(), 0o755)]))
    code, report = run_json(capsys, str(wheel))
    [finding] = by_rule(report, "symbol-version-above-target")
    assert code == 1 and finding["path"] == f"{wheel}!cxx/_ext.so" and finding["target"] is None
    assert "GLIBCXX_3.4.29" in finding["message"]


# --------------------------------------------------------------------------
# Libraries: carried by the artifact or provided by the target
# --------------------------------------------------------------------------


def build_tree(root: Path, with_lib: bool) -> Path:
    """root/bin/ext.so needing libdep through RUNPATH $ORIGIN/../lib; root/lib/ holds it or not."""
    (root / "bin").mkdir(parents=True)
    (root / "lib").mkdir()
    dep = root / "lib" / DEP_SONAME
    cc = require_tool("gcc")
    subprocess.run([cc, "-shared", "-fPIC", f"-Wl,-soname,{DEP_SONAME}", str(SRC / "dep_lib.c"), "-o", str(dep)],
                   check=True)
    ext = root / "bin" / "ext.so"
    subprocess.run([cc, "-shared", "-fPIC", "-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN/../lib",
                    str(SRC / "uses_dep.c"), str(dep), "-o", str(ext)], check=True)
    if not with_lib:
        dep.unlink()
    return ext


@pytest.mark.parametrize("with_lib", [True, False])
def test_origin_sibling_on_disk(tmp_path: Path, capsys: pytest.CaptureFixture[str], with_lib: bool) -> None:
    ext = build_tree(tmp_path / "tree", with_lib)
    code, report = run_json(capsys, "--target", "manylinux_2_17", str(ext))
    found = by_rule(report, "needed-library-not-on-target")
    if with_lib:
        assert found == []
    else:
        [finding] = found
        assert [e["name"] for e in finding["evidence"]] == [DEP_SONAME] and DEP_SONAME in finding["message"]
    # A symbolic link to the library resolves from the file it points to.
    link = tmp_path / "elsewhere.so"
    link.symlink_to(ext)
    code, report = run_json(capsys, "--target", "manylinux_2_17", str(link))
    assert bool(by_rule(report, "needed-library-not-on-target")) is not with_lib


def test_wheel_libs_folder(artifacts: Artifacts, capsys: pytest.CaptureFixture[str]) -> None:
    origin, unbundled = str(artifacts.path("origin-wheel")), str(artifacts.path("unbundled-wheel"))
    code, report = run_json(capsys, origin, unbundled)
    [finding] = by_rule(report, "needed-library-not-on-target")
    assert finding["path"] == f"{unbundled}!pkg/_ext.so" and finding["evidence"] == [
        {"name": DEP_SONAME, "carried_at": None, "in_load_of": None}]
    assert finding["message"].endswith(f": {DEP_SONAME}")
    main(["facts", origin])
    facts = {d["path"]: d["facts"] for d in json.loads(capsys.readouterr().out)["artifacts"]}
    assert facts[f"{origin}!pkg/_ext.so"]["elf.unresolved_needed"] == []  # libdep is in pkg.libs/


# --------------------------------------------------------------------------
# Several targets, flags and profiles
# --------------------------------------------------------------------------


def test_several_targets_each_named(artifacts: Artifacts, capsys: pytest.CaptureFixture[str]) -> None:
    exe = str(artifacts.path("new-kernel-exe"))  # Linux 6.9.0 in its ABI tag, GLIBC_2.34
    code, report = run_json(capsys, "--target", "debian-12", "--target", "centos-7", exe)
    kernel = by_rule(report, "kernel-above-target")
    assert [(f["target"], f["message"]) for f in kernel] == [
        ("centos-7", "the NT_GNU_ABI_TAG note asks for Linux 6.9.0, newer than the target's kernel 3.10 "
                     "(target centos-7)"),
        ("debian-12", "the NT_GNU_ABI_TAG note asks for Linux 6.9.0, newer than the target's kernel 6.1 "
                      "(target debian-12)")]
    assert len({f["fingerprint"] for f in kernel}) == 2
    glibc = by_rule(report, "glibc-version-above-target")
    assert [f["target"] for f in glibc] == ["centos-7"]  # debian-12 has glibc 2.36
    assert report["targets"] == ["centos-7", "debian-12"]  # sorted: the report does not depend on the order


def test_output_does_not_depend_on_order_or_jobs(artifacts: Artifacts) -> None:
    paths = [str(artifacts.path(n)) for n in ("new-kernel-exe", "cxx-new-lib", "execstack-lib", "unbundled-wheel")]
    rules = load_rules()

    def findings(names: list[str], jobs: int) -> list:
        chosen = profiles.resolve(names, profiles.builtin())
        return check(discover(paths), rules, Options(tuple(p.target for p in chosen)),
                     jobs=jobs)

    first = findings(["debian-11", "manylinux_2_17", "rhel-8"], 1)
    assert first == findings(["rhel-8", "debian-11", "manylinux_2_17"], 2)
    assert {f.target for f in first} >= {"debian-11", "manylinux_2_17", "rhel-8"}


def test_same_finding_for_every_target_is_reported_once(artifacts: Artifacts,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    lib = str(artifacts.path("execstack-lib"))
    # Both systems' glibc still allow it: one warning, for no target in particular.
    code, report = run_json(capsys, "--target", "debian-12", "--target", "rhel-9", lib)
    [finding] = by_rule(report, "executable-stack")
    assert finding["severity"] == "warning" and finding["target"] is None
    # Debian 13 (glibc 2.41) refuses it: an error for it, a warning for Debian 12.
    code, report = run_json(capsys, "--target", "debian-12", "--target", "debian-13", lib)
    assert [(f["target"], f["severity"]) for f in by_rule(report, "executable-stack")] == \
        [("debian-13", "error"), ("debian-12", "warning")]
    # Without a target: glibc >= 2.41 is somewhere out there.
    code, report = run_json(capsys, lib)
    assert [f["severity"] for f in by_rule(report, "executable-stack")] == ["error"]


def test_explicit_flags_override_the_profile(artifacts: Artifacts, capsys: pytest.CaptureFixture[str]) -> None:
    exe = str(artifacts.path("new-kernel-exe"))
    code, report = run_json(capsys, "--target", "centos-7", "--glibc", "2.28", "--kernel", "6.9", exe)
    [glibc] = by_rule(report, "glibc-version-above-target")
    assert "newer than glibc 2.28" in glibc["message"]
    assert by_rule(report, "kernel-above-target") == []  # 6.9.0 is not above 6.9


# --------------------------------------------------------------------------
# Loader, search path, kernel, architecture
# --------------------------------------------------------------------------


def test_nix_interpreter(artifacts: Artifacts, capsys: pytest.CaptureFixture[str]) -> None:
    exe = str(artifacts.path("nix-interp-exe"))
    code, report = run_json(capsys, exe)
    [finding] = by_rule(report, "nonstandard-interpreter")
    assert NIX_INTERPRETER in finding["message"] and "/lib64/ld-linux-x86-64.so.2" in finding["message"]


def test_interpreter_finding_names_no_target(artifacts: Artifacts, capsys: pytest.CaptureFixture[str]) -> None:
    # The loader paths are the ABI's, the same for every target: one named target changes nothing.
    exe = str(artifacts.path("nix-interp-exe"))
    _, plain = run_json(capsys, exe)
    _, named = run_json(capsys, exe, "--target", "debian-12")
    [before], [after] = by_rule(plain, "nonstandard-interpreter"), by_rule(named, "nonstandard-interpreter")
    assert after["target"] is None and after["message"] == before["message"]
    assert after["fingerprint"] == before["fingerprint"]


def test_a_profile_gives_its_own_loaders(artifacts: Artifacts, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    # A system whose loader lives elsewhere (an appliance built with Nix): its profile's
    # interpreters replace the ABI's for the architectures it names, and findings judged by
    # them name the profile.
    profile = tmp_path / "acme.toml"
    profile.write_text(f'[acme-nix]\nsummary = "ACME on Nix"\ninterpreters = {{ x86_64 = ["{NIX_INTERPRETER}"] }}\n')
    nix, clean = str(artifacts.path("nix-interp-exe")), str(artifacts.path("clean-exe"))
    _, report = run_json(capsys, "--targets-file", str(profile), nix)
    assert by_rule(report, "nonstandard-interpreter") == []
    _, report = run_json(capsys, "--targets-file", str(profile), "--target", "acme-nix", "--target", "debian-12", clean)
    [finding] = by_rule(report, "nonstandard-interpreter")
    assert finding["target"] == "acme-nix" and finding["message"].endswith(f"use {NIX_INTERPRETER} (target acme-nix)")
    assert "loader is /lib64/ld-linux-x86-64.so.2" in finding["message"]
    # The architectures it does not name keep the ABI's loaders; `binlint targets` shows its own.
    assert main(["targets", "--targets-file", str(profile), "acme-nix"]) == 0
    assert f"  interpreters (x86_64): {NIX_INTERPRETER}\n" in capsys.readouterr().out
    loaders = complete(profiles.load([str(profile)])["acme-nix"].target).values["interpreters"]
    assert loaders["x86_64"] == [NIX_INTERPRETER] and loaders["aarch64"] == abi().values["interpreters"]["aarch64"]


def test_interpreter_of_another_architecture(artifacts: Artifacts, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    exe = tmp_path / "aarch64-exe"
    shutil.copyfile(artifacts.path("aarch64-exe"), exe)
    subprocess.run([require_patchelf(), "--set-interpreter", "/lib64/ld-linux-x86-64.so.2", str(exe)], check=True)
    code, report = run_json(capsys, str(exe))
    [finding] = by_rule(report, "nonstandard-interpreter")
    assert "aarch64 programs use /lib/ld-linux-aarch64.so.1" in finding["message"]


def test_search_path_hygiene(artifacts: Artifacts, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_json(capsys, str(artifacts.path("rpath-lib")), str(artifacts.path("relative-rpath-lib")))
    assert [f["evidence"] for f in by_rule(report, "rpath-build-directory")] == [["/home/build/lib"]]
    assert [f["evidence"] for f in by_rule(report, "rpath-relative-entry")] == [["lib"]]
    assert [f["evidence"] for f in by_rule(report, "rpath-empty-entry")] == [[""]]
    [note] = by_rule(report, "rpath-not-runpath")
    assert note["severity"] == "note" and "/home/build/lib" in note["message"]


def test_arch_mismatch_against_a_profile(artifacts: Artifacts, capsys: pytest.CaptureFixture[str]) -> None:
    exe = str(artifacts.path("aarch64-exe"))
    code, report = run_json(capsys, "--target", "manylinux1", exe)
    [finding] = by_rule(report, "wheel-arch-mismatch")
    assert finding["message"] == "aarch64 code, but the wheel's tags or the target name i686, x86_64 " \
                                 "(target manylinux_2_5)"


def test_blacklisted_symbol(artifacts: Artifacts, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_json(capsys, "--target", "manylinux_2_28", str(artifacts.path("blacklisted-import-lib")))
    [finding] = by_rule(report, "blacklisted-symbol")
    assert finding["evidence"] == ["_tr_flush_block"]


# --------------------------------------------------------------------------
# Agreement with auditwheel on real wheels
# --------------------------------------------------------------------------

# (requirement, platform to ask pip for, Python version, file): small real wheels of each
# policy; ujson 5 and pyzmq are C++ (GLIBCXX), pyzmq carries libzmq and libsodium in
# pyzmq.libs/ (auditwheel repair), cffi links libffi statically.
PYPI_WHEELS = [
    ("simplejson==3.19.3", "manylinux_2_5_x86_64", "3.11",
     "simplejson-3.19.3-cp311-cp311-manylinux_2_5_x86_64.manylinux1_x86_64.manylinux_2_17_x86_64"
     ".manylinux2014_x86_64.whl"),
    ("ujson==4.0.2", "manylinux1_x86_64", "3.9", "ujson-4.0.2-cp39-cp39-manylinux1_x86_64.whl"),
    ("psutil==6.1.0", "manylinux2010_x86_64", "3.11",
     "psutil-6.1.0-cp36-abi3-manylinux_2_12_x86_64.manylinux2010_x86_64.manylinux_2_17_x86_64"
     ".manylinux2014_x86_64.whl"),
    ("ujson==5.10.0", "manylinux_2_17_x86_64", "3.11",
     "ujson-5.10.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
    ("pyzmq==26.2.0", "manylinux_2_17_x86_64", "3.11",
     "pyzmq-26.2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
    ("cffi==1.17.1", "manylinux_2_17_x86_64", "3.11",
     "cffi-1.17.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
    ("markupsafe==3.0.2", "manylinux_2_17_x86_64", "3.11",
     "MarkupSafe-3.0.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
    ("bcrypt==4.2.0", "manylinux_2_28_x86_64", "3.11", "bcrypt-4.2.0-cp39-abi3-manylinux_2_28_x86_64.whl"),
]
# Wheels made here: a C++ extension needing GLIBCXX_3.4.29 (manylinux_2_34), one carrying its
# library in pkg.libs/, one that does not carry it (no manylinux policy).
LOCAL_WHEELS = ["origin-wheel", "unbundled-wheel"]


def pypi_wheels() -> list[Path]:
    """The wheels, downloaded once into the cache outside the clone (tests/pypi.py)."""
    return [pypi.wheel(requirement, platform, python, filename) for requirement, platform, python, filename in PYPI_WHEELS]


def auditwheel_policy(wheel: Path) -> str | None:
    result = subprocess.run([sys.executable, "-m", "auditwheel", "show", "--json", str(wheel)],
                            capture_output=True, text=True, timeout=300)
    tag = json.loads(result.stdout)["overall_tag"]
    return None if tag.startswith("linux") else tag.rsplit("_", 1)[0].removesuffix("_x86")


def test_agreement_with_auditwheel_show(tmp_path_factory: pytest.TempPathFactory, artifacts: Artifacts,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("auditwheel", reason="pip install '.[test]'")
    wheels = pypi_wheels()
    local = tmp_path_factory.mktemp("local-wheels")
    cxx = local / f"cxx-1.0-{MANYLINUX_X86_64}.whl"
    cxx.write_bytes(wheel_bytes("cxx", "1.0", MANYLINUX_X86_64,
                                [ArchiveEntry("cxx/_ext.so", artifacts.path("cxx-new-lib").read_bytes(), 0o755)]))
    wheels += [cxx, *(artifacts.path(name) for name in LOCAL_WHEELS)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        theirs = dict(zip(wheels, pool.map(auditwheel_policy, wheels)))
    main(["targets", "--format", "json", *map(str, wheels)])
    ours = {Path(a["path"]): a["manylinux"] for a in json.loads(capsys.readouterr().out)["artifacts"]}
    assert ours == theirs
    # What the wheels stand for: every policy and both ends of the scale are covered.
    assert {"manylinux_2_5", "manylinux_2_12", "manylinux_2_17", "manylinux_2_28", "manylinux_2_34", None} <= \
        set(theirs.values())
