"""Debian packages: the files of data.tar walked as installed, the control fields as facts,
the libc6 dependency and Architecture as the members' target; against `dpkg-deb -c` as the
oracle of the member list, on packages built by dpkg-deb and on Debian 12's own."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from fixtures import Artifacts, require_tool
from fixtures.packages import REAL_DEBS, deb_package, real_deb
from test_archives import binlint, check_json, findings_of

LIB = "/usr/lib/x86_64-linux-gnu/libnew.so.1"


def facts(path: Path, cwd: Path) -> dict[str, dict]:
    return {a["path"]: a["facts"] for a in json.loads(binlint(["facts", str(path)], cwd).stdout)["artifacts"]}


def dpkg_files(path: Path) -> list[str]:
    """The regular files and links of the package, as `dpkg-deb -c` lists them (`./usr/x` -> `/usr/x`)."""
    listing = subprocess.run([require_tool("dpkg-deb"), "-c", str(path)], capture_output=True, text=True,
                             check=True).stdout
    found = []
    for line in listing.splitlines():
        mode, name = line.split()[0], line.split(None, 5)[5]
        if mode[0] in "-lh":
            found.append("/" + name.split(" -> ")[0].split(" link to ")[0].removeprefix("./"))
    return found


def members(document: dict[str, dict], package: Path) -> list[str]:
    prefix = f"{package}!"
    return [path[len(prefix):] for path in document if path.startswith(prefix) and "!" not in path[len(prefix):]]


@pytest.mark.parametrize("compression", ["xz", "gzip", "zstd", "none"])
def test_members_are_what_dpkg_deb_lists(artifacts: Artifacts, tmp_path: Path, compression: str) -> None:
    lib = artifacts.path("glibc-new-lib").read_bytes()
    package = deb_package(tmp_path, {LIB[1:]: lib, "usr/bin/tool": b"#!/bin/sh\necho hi\n"},
                          {"Architecture": "amd64", "Depends": "libc6 (>= 2.25), libzstd1"}, compression,
                          scripts={"postinst": b"#!/bin/sh\nexit 0\n"})
    document = facts(package, tmp_path)
    files = [m for m in document[str(package)]["archive.members"] if not m.startswith("DEBIAN/")]
    assert sorted(files) == sorted(dpkg_files(package))
    assert "DEBIAN/postinst" in members(document, package) and "DEBIAN/control" in members(document, package)
    own = document[str(package)]
    assert (own["file.kind"], own["deb.package"], own["deb.architecture"]) == ("deb", "binlint-test", "amd64")
    assert own["deb.depends"] == ["libc6 (>= 2.25)", "libzstd1"] and own["deb.libc_floor"] == "2.25"
    assert document[f"{package}!{LIB}"]["elf.arch"] == "x86_64"


def test_a_binary_above_the_libc6_dependency_is_reported(artifacts: Artifacts) -> None:
    package = artifacts.path("deb-glibc-low")
    document = check_json([str(package)], package.parent, expect=1)
    [finding] = findings_of(document, "package-glibc-above-dependencies")
    assert finding["path"] == f"{package}!{LIB}"
    assert finding["message"] == ("needs symbol versions newer than glibc 2.17, the oldest its package's "
                                  "dependencies accept: GLIBC_2.25 (getrandom)")
    assert finding["severity"] == "error"


@pytest.mark.parametrize("depends, fires", [
    ("libc6 (>= 2.25)", False), ("libc6 (>= 2.24)", True), ("libc6 (>= 2.17), libc6 (>= 2.28)", False),
    # An alternative to another package accepts that package: no bound.
    ("libc6 (>= 2.17) | musl", False), ("libc6", False), ("libc6 (>= 2.24-3)", True), ("libc6 (>= 2.25-0ubuntu1)", False),
])
def test_the_libc6_bound_is_read_as_dpkg_reads_it(artifacts: Artifacts, tmp_path: Path, depends: str,
                                                  fires: bool) -> None:
    package = deb_package(tmp_path, {LIB[1:]: artifacts.path("glibc-new-lib").read_bytes()},
                          {"Architecture": "amd64", "Pre-Depends": depends})
    document = check_json([package.name], tmp_path)
    assert bool(findings_of(document, "package-glibc-above-dependencies")) == fires


@pytest.mark.parametrize("arch, fires", [("arm64", True), ("amd64", False), ("all", False), ("i386", True)])
def test_the_architecture_is_the_packages(artifacts: Artifacts, tmp_path: Path, arch: str, fires: bool) -> None:
    package = deb_package(tmp_path, {"usr/lib/libclean.so": artifacts.path("clean-lib").read_bytes()},
                          {"Architecture": arch})
    document = check_json([package.name], tmp_path)
    found = findings_of(document, "package-arch-mismatch")
    assert [f["path"] for f in found] == ([f"{package.name}!/usr/lib/libclean.so"] if fires else [])


def test_relocatable_objects_are_data_to_the_package(tmp_path: Path) -> None:
    # systemd and bcc ship eBPF programs (ELF, machine BPF) in their amd64 packages.
    (tmp_path / "prog.c").write_text("int prog(void *ctx) { return 0; }\n")
    subprocess.run([require_tool("clang"), "-O2", "-target", "bpf", "-c", str(tmp_path / "prog.c"), "-o",
                    str(tmp_path / "prog.o")], check=True)
    package = deb_package(tmp_path, {"usr/lib/bpf/prog.o": (tmp_path / "prog.o").read_bytes()}, {"Architecture": "amd64"})
    document = check_json([package.name], tmp_path)
    assert document["findings"] == []
    assert facts(package, tmp_path)[f"{package}!/usr/lib/bpf/prog.o"]["elf.type"] == "REL"


def test_standard_lint_applies_to_every_file(artifacts: Artifacts, tmp_path: Path) -> None:
    package = deb_package(tmp_path, {"usr/lib/libexec.so": artifacts.path("execstack-lib").read_bytes()},
                          {"Architecture": "amd64"}, scripts={"postinst": b"#!/bin/sh\r\nexit 0\r\n"})
    document = check_json([package.name], tmp_path)
    assert [f["path"] for f in findings_of(document, "executable-stack")] == [f"{package.name}!/usr/lib/libexec.so"]
    assert [f["path"] for f in findings_of(document, "shebang-crlf")] == [f"{package.name}!DEBIAN/postinst"]
    # Absolute names are where dpkg installs: neither unsafe nor escaping.
    assert not findings_of(document, "unsafe-archive-member")


def test_a_setuid_file_in_data_is_reported(artifacts: Artifacts, tmp_path: Path) -> None:
    package = deb_package(tmp_path, {"usr/bin/tool": artifacts.path("clean-exe").read_bytes()}, {"Architecture": "amd64"})
    # dpkg-deb keeps the modes of the tree: rebuild with the file set-user-ID.
    (tmp_path / "root/usr/bin/tool").chmod(0o4755)
    package.unlink()
    subprocess.run([require_tool("dpkg-deb"), "--root-owner-group", "--build", str(tmp_path / "root"), str(package)],
                   check=True, capture_output=True)
    document = check_json([package.name], tmp_path)
    assert [f["path"] for f in findings_of(document, "setuid-file")] == [f"{package.name}!/usr/bin/tool"]


@pytest.mark.parametrize("package", [name for name, *_ in REAL_DEBS])
def test_real_debian_packages_are_quiet_and_listed_as_dpkg_lists_them(tmp_path: Path, package: str) -> None:
    path = real_deb(package)
    document = check_json([str(path)], tmp_path, expect=0)
    assert document["findings"] == []
    own = facts(path, tmp_path)[str(path)]
    assert sorted(m for m in own["archive.members"] if not m.startswith("DEBIAN/")) == sorted(dpkg_files(path))
    fields = subprocess.run([require_tool("dpkg-deb"), "-f", str(path), "Package", "Architecture"],
                            capture_output=True, text=True, check=True).stdout
    assert f"Package: {own['deb.package']}\nArchitecture: {own['deb.architecture']}\n" == fields


# -- hostile input -------------------------------------------------------------------------

def unreadable(document: dict) -> list[tuple[str, str]]:
    return [(f["path"], f["message"]) for f in findings_of(document, "unreadable-artifact")]


@pytest.mark.parametrize("cut", [30, 100, 700, -200])
def test_a_truncated_package_is_one_diagnostic(artifacts: Artifacts, tmp_path: Path, cut: int) -> None:
    data = artifacts.path("deb-package").read_bytes()
    (tmp_path / "cut.deb").write_bytes(data[:cut])
    document = check_json(["cut.deb"], tmp_path, expect=1)
    found = unreadable(document)
    assert found and all(path.startswith("cut.deb") and "\n" not in message for path, message in found), found


def test_an_ar_header_claiming_a_huge_member_is_one_diagnostic(artifacts: Artifacts, tmp_path: Path) -> None:
    data = bytearray(artifacts.path("deb-package").read_bytes())
    at = data.index(b"control.tar")
    data[at + 48:at + 58] = b"9999999999"  # the size field of control.tar's header
    (tmp_path / "huge.deb").write_bytes(data)
    [(path, message)] = unreadable(check_json(["huge.deb"], tmp_path, expect=1))
    assert path == "huge.deb" and "past the end of the file" in message


def test_a_package_without_data_is_one_diagnostic(tmp_path: Path) -> None:
    (tmp_path / "empty.deb").write_bytes(b"!<arch>\ndebian-binary   0           0     0     100644  4         `\n2.0\n")
    [(path, message)] = unreadable(check_json(["empty.deb"], tmp_path, expect=1))
    assert path == "empty.deb" and message.endswith("a Debian package without control.tar: it holds debian-binary")


def test_a_data_tar_bomb_stops_within_the_budget(tmp_path: Path) -> None:
    # 1 GiB of zeros in one member, compressed by zstd to about 40 KiB.
    root = tmp_path / "root"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN/control").write_text("Package: bomb\nVersion: 1\nArchitecture: all\nMaintainer: x <x@y>\n"
                                         "Description: x\n")
    (root / "big").write_bytes(b"")
    import os
    os.truncate(root / "big", 1 << 30)
    subprocess.run([require_tool("dpkg-deb"), "--root-owner-group", "-Zzstd", "-z1", "--build", str(root),
                    str(tmp_path / "bomb.deb")], check=True, capture_output=True)
    (root / "big").unlink()
    # Listing data.tar spends the budget: no member after is read, the first says why.
    [(path, message)] = unreadable(check_json(["bomb.deb"], tmp_path, expect=1))
    assert path == "bomb.deb!DEBIAN/control" and message.endswith("a zstd bomb?"), message
