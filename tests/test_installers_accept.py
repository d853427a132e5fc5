"""Rules stay quiet on what the real loader, installer or system accepts: each case is a
false alarm binlint once raised on correct published files, rebuilt here faithfully (issue 13),
next to the faulty counterpart that must still be reported."""
from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from fixtures import macho as macho_fixtures
from binlint.cli import main
from fixtures import (
    EXE_MODE,
    ArchiveEntry,
    Artifacts,
    require_patchelf,
    require_tool,
    tar_bytes,
    wheel_bytes,
    zip_bytes,
)

SRC = Path(__file__).resolve().parent / "fixtures" / "src"
MUSL_X86_64 = "cp311-cp311-musllinux_1_2_x86_64"


def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict]]:
    code = main(["check", "--format", "json", *map(str, argv)])
    return code, json.loads(capsys.readouterr().out)["findings"]


def targets(capsys: pytest.CaptureFixture[str], *paths: Path) -> tuple[int, list[dict]]:
    code = main(["targets", "--format", "json", *map(str, paths)])
    return code, json.loads(capsys.readouterr().out)["artifacts"]


# --------------------------------------------------------------------------
# musl: Alpine's libc soname is the libc
# --------------------------------------------------------------------------


def musl_extension(tmp_path: Path) -> bytes:
    """An extension linked as in a musllinux image: musl-gcc names `libc.so`, Alpine's
    linker `libc.musl-x86_64.so.1` (the soname of its libc), which patchelf writes here."""
    out = tmp_path / "_ext.so"
    subprocess.run([require_tool("musl-gcc"), "-shared", "-fPIC", "-O2", "-o", str(out), str(SRC / "clean_lib.c")],
                   check=True, capture_output=True)
    subprocess.run([require_patchelf(), "--replace-needed", "libc.so", "libc.musl-x86_64.so.1", str(out)],
                   check=True, capture_output=True)
    return out.read_bytes()


def test_a_musllinux_wheel_needs_only_its_libc(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ext = musl_extension(tmp_path)
    wheel = tmp_path / f"pkg-1.0-{MUSL_X86_64}.whl"
    wheel.write_bytes(wheel_bytes("pkg", "1.0", MUSL_X86_64, [ArchiveEntry("pkg/_ext.so", ext, EXE_MODE)]))
    code, findings = check(capsys, wheel)
    assert (code, findings) == (0, [])
    code, [result] = targets(capsys, wheel)
    # musl has no symbol versions: like auditwheel off a musl system, the newest policy.
    assert code == 0 and result["musllinux"] == "musllinux_1_2" and result["manylinux"] is None
    assert "alpine-3.21" in result["satisfied"] and "debian-12" not in result["satisfied"]


# --------------------------------------------------------------------------
# binlint targets: a wheel that is not for Linux satisfies no Linux target
# --------------------------------------------------------------------------


def test_targets_of_pure_and_macos_wheels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pure = tmp_path / "pkg-1.0-py3-none-any.whl"
    pure.write_bytes(wheel_bytes("pkg", "1.0", "py3-none-any", [ArchiveEntry("pkg/__init__.py", b"")], purelib=True))
    macos = Path(__file__).parent / "data/fuzz/MarkupSafe-2.1.5-cp311-cp311-macosx_10_9_universal2.whl"
    code, results = targets(capsys, pure, macos)
    assert code == 1
    assert [(r["manylinux"], r["musllinux"], r["satisfied"]) for r in results] == [(None, None, [])] * 2
    assert "pure wheel" in results[0]["not_linux"]
    assert results[1]["not_linux"] == "a wheel for macosx_10_9_universal2, not for a Linux distribution"
    main(["targets", str(macos)])
    assert capsys.readouterr().out.splitlines()[1] == \
        "  no Linux target: a wheel for macosx_10_9_universal2, not for a Linux distribution"


def test_targets_of_a_mach_o_file(capsys: pytest.CaptureFixture[str]) -> None:
    dylib = Path(__file__).parent / "data/macho" / macho_fixtures.ARM64
    code, [result] = targets(capsys, dylib)
    assert code == 1 and result["satisfied"] == [] and result["not_linux"] == "no ELF file in it (a Mach-O file)"


# --------------------------------------------------------------------------
# File modes: zip extractors apply only the execute bits
# --------------------------------------------------------------------------


def test_modes_of_zip_members_are_not_installed(artifacts: Artifacts, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    entries = [ArchiveEntry("lib/tool.jar.txt", b"data", 0o666), ArchiveEntry("bin/helper", b"#!/bin/sh\n", 0o4777)]
    jar = tmp_path / "app.jar"
    jar.write_bytes(zip_bytes(entries))
    tarball = tmp_path / "app.tar.gz"
    tarball.write_bytes(tar_bytes(entries, "gz"))
    _, findings = check(capsys, jar, tarball)
    assert sorted((f["path"], f["rule"]) for f in findings) == [
        (f"{tarball}!bin/helper", "setuid-file"), (f"{tarball}!bin/helper", "world-writable-file"),
        (f"{tarball}!lib/tool.jar.txt", "world-writable-file")]


# --------------------------------------------------------------------------
# Static libraries: objects of the same name are normal
# --------------------------------------------------------------------------


def test_duplicate_object_names_in_a_static_library(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        subprocess.run([require_tool("gcc"), "-c", "-o", str(tmp_path / folder / "free.o"), str(SRC / "clean_lib.c")],
                       check=True)
    library = tmp_path / "libdup.a"
    subprocess.run([require_tool("ar"), "q", str(library), str(tmp_path / "a/free.o"), str(tmp_path / "b/free.o")],
                   check=True)
    code, findings = check(capsys, library)
    assert [f["rule"] for f in findings] == [] and code == 0
    # The same names in a tarball are still two files fighting for one path.
    tarball = tmp_path / "dup.tar"
    tarball.write_bytes(tar_bytes([ArchiveEntry("free.o", b"1"), ArchiveEntry("free.o", b"2")]))
    _, findings = check(capsys, tarball)
    assert [(f["rule"], f["message"]) for f in findings] == [
        ("duplicate-archive-member", "stored more than once: free.o")]


# --------------------------------------------------------------------------
# glibc's own programs and modules use its private interface
# --------------------------------------------------------------------------


GLIBC_OWN = ["/usr/bin/iconv", "/usr/bin/getent", "/usr/bin/gencat", "/usr/bin/pldd"]


def test_glibc_own_files_may_use_its_private_interface(capsys: pytest.CaptureFixture[str]) -> None:
    """The host's own glibc files (Debian's libc-bin and libc6): real files nobody here wrote."""
    found = [p for p in GLIBC_OWN if os.path.isfile(p)]
    gconv = Path("/usr/lib/x86_64-linux-gnu/gconv")
    found += [str(p) for p in sorted(gconv.glob("*.so"))[:20]] if gconv.is_dir() else []
    if not found:
        pytest.skip("no glibc programs or gconv modules on this host")
    facts = json.loads(_facts(capsys, *found))
    private = [a["path"] for a in facts["artifacts"] if "GLIBC_PRIVATE" in a["facts"].get("elf.version_names", [])]
    assert private, "none of these files needs GLIBC_PRIVATE: the test proves nothing here"
    _, findings = check(capsys, "--select", "glibc-private-symbol", *private)
    assert findings == []


def _facts(capsys: pytest.CaptureFixture[str], *paths: str) -> str:
    main(["facts", *paths])
    return capsys.readouterr().out


# --------------------------------------------------------------------------
# Separate debug files are never loaded
# --------------------------------------------------------------------------


def test_separate_debug_files_are_not_loaded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = tmp_path / "app"
    subprocess.run([require_tool("gcc"), "-g", "-fno-stack-protector", "-Wl,-z,lazy", "-o", str(program),
                    str(SRC / "hello.c")], check=True)
    debug = tmp_path / "app.debug"
    subprocess.run([require_tool("objcopy"), "--only-keep-debug", str(program), str(debug)], check=True)
    _, findings = check(capsys, "--extend-select", "hardening", program)
    assert {"no-stack-protector", "no-bind-now"} <= {f["rule"] for f in findings}
    code, findings = check(capsys, "--extend-select", "hardening", "--glibc", "2.5", debug)
    # Only what the compiler recorded is judged in a debug file (its DWARF units); the rules on
    # code, symbols and loading never run on it.
    assert code == 0 and "unit-no-stack-protector" in {f["rule"] for f in findings}
    assert {f["rule"] for f in findings} <= {"unit-no-stack-protector", "unit-no-cf-protection", "unit-unoptimized"}
    [artifact] = json.loads(_facts(capsys, str(debug)))["artifacts"]
    assert artifact["facts"]["file.kind"] == "elf-debug" and artifact["facts"]["elf.type"] == "DYN"


# --------------------------------------------------------------------------
# Wheels: Windows launchers are data; one fault, one finding
# --------------------------------------------------------------------------


def pe(characteristics: int) -> bytes:
    """A PE header: an AMD64 program (0x0002) or DLL (0x2002), e_lfanew past the DOS stub as
    linkers write it, and a PE32+ optional header with 16 empty data directories."""
    dos = bytearray(0x80)
    dos[:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, len(dos))
    optional = bytearray(240)
    struct.pack_into("<H", optional, 0, 0x20B)
    struct.pack_into("<I", optional, 108, 16)
    return (bytes(dos) + b"PE\0\0" + struct.pack("<HHIIIHH", 0x8664, 0, 0, 0, 0, len(optional), characteristics)
            + bytes(optional))


def test_windows_launchers_in_a_pure_wheel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """pip's own wheel carries distlib's t64.exe and friends: installers copy them as data."""
    launchers = [ArchiveEntry(f"pip/_vendor/distlib/{n}.exe", pe(0x0002)) for n in ("t64", "w64", "t64-arm")]
    wheel = tmp_path / "pip-25.0-py3-none-any.whl"
    wheel.write_bytes(wheel_bytes("pip", "25.0", "py3-none-any", launchers, purelib=True))
    assert check(capsys, wheel) == (0, [])
    bad = tmp_path / "pkg-1.0-py3-none-any.whl"
    bad.write_bytes(wheel_bytes("pkg", "1.0", "py3-none-any", [ArchiveEntry("pkg/_ext.pyd", pe(0x2002))],
                                purelib=True))
    code, findings = check(capsys, bad)
    assert code == 1 and [(f["rule"], f["evidence"]) for f in findings] == [("pure-wheel-with-native-code", [])]
    assert findings[0]["message"] == "tagged any but carries compiled code: pkg/_ext.pyd"


# --------------------------------------------------------------------------
# Links: dpkg installs a package's absolute links as they are
# --------------------------------------------------------------------------


def test_absolute_links_in_a_debian_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "pkg"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN/control").write_text("Package: binlint-links\nVersion: 1.0\nArchitecture: all\n"
                                         "Maintainer: binlint tests <tests@example.invalid>\nDescription: links\n")
    (root / "usr/bin").mkdir(parents=True)
    os.symlink("/lib64/ld-linux-x86-64.so.2", root / "usr/bin/ld.so")  # as libc-bin ships it
    deb = tmp_path / "binlint-links_1.0_all.deb"
    subprocess.run([require_tool("dpkg-deb"), "--root-owner-group", "-Zxz", "--build", str(root), str(deb)],
                   check=True, capture_output=True)
    assert check(capsys, deb) == (0, [])
    # The same link in a plain tarball (an sdist, a release archive) escapes on extraction.
    tarball = tmp_path / "release.tar.gz"
    tarball.write_bytes(tar_bytes([ArchiveEntry("usr/bin/ld.so", link="/lib64/ld-linux-x86-64.so.2")], "gz"))
    code, [finding] = check(capsys, tarball)
    assert (code, finding["rule"], finding["evidence"]) == \
        (1, "unsafe-archive-member", ["usr/bin/ld.so -> /lib64/ld-linux-x86-64.so.2"])


# --------------------------------------------------------------------------
# macOS: /usr/lib is the system
# --------------------------------------------------------------------------


def test_an_rpath_of_usr_lib_is_the_system(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """llvmlite 0.47.0's libllvmlite.dylib has LC_RPATH /usr/lib; pillow's /Users/runner/...
    is a real leak."""
    pytest.importorskip("lief")
    for rpath, expected in (("/usr/lib", []), ("/Users/runner/work/pkg/lib", ["macho-build-machine-rpath"])):
        out = tmp_path / "lib.so"
        macho_fixtures._edit(macho_fixtures.X86_64, macho_fixtures.add_dylibs(rpaths=(rpath,)))(out)
        _, findings = check(capsys, out)
        assert [f["rule"] for f in findings] == expected, rpath
        shutil.rmtree(out, ignore_errors=True) if out.is_dir() else out.unlink()


# --------------------------------------------------------------------------
# WHEEL: a compressed tag set in a Tag line is expanded, as installers do
# --------------------------------------------------------------------------


def test_a_compressed_tag_line_still_selects_the_policy(artifacts: Artifacts, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """maturin writes `Tag: cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64` (pydantic-core
    2.27.1): left unexpanded, it matched no policy and every tag-mode rule was silently off."""
    tag = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"
    ext = ArchiveEntry("pkg/_ext.so", artifacts.path("glibc-new-lib").read_bytes(), EXE_MODE)
    data = zip_bytes([ext, ArchiveEntry("pkg-1.0.dist-info/WHEEL",
                                        f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: {tag}\n".encode())])
    wheel = tmp_path / f"pkg-1.0-{tag}.whl"
    wheel.write_bytes(data)
    main(["facts", str(wheel)])
    facts = json.loads(capsys.readouterr().out)["artifacts"][0]["facts"]
    assert facts["wheel.platforms"] == ["manylinux2014_x86_64", "manylinux_2_17_x86_64"]
    code, findings = check(capsys, wheel)
    assert code == 1 and "glibc-version-above-target" in {f["rule"] for f in findings}
