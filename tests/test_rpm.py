"""RPM packages built by rpmbuild: the payload's files walked as installed, the header's
Requires and arch as facts and as the members' target; `rpm -qlp` is the oracle of the member
list, `rpm -qp --requires` of the requirements."""
from __future__ import annotations

import json
import struct
import subprocess
from pathlib import Path

import pytest

from fixtures import Artifacts, require_tool
from fixtures.packages import rpm_package
from test_archives import binlint, check_json, findings_of

LIB = "/usr/lib64/libnew.so.1"


def facts(path: Path, cwd: Path) -> dict[str, dict]:
    return {a["path"]: a["facts"] for a in json.loads(binlint(["facts", str(path)], cwd).stdout)["artifacts"]}


def rpm_query(path: Path, *args: str) -> list[str]:
    return subprocess.run([require_tool("rpm"), "-qp", *args, str(path)], capture_output=True, text=True,
                          check=True).stdout.splitlines()


@pytest.mark.parametrize("payload", ["w19.zstdio", "w6.xzdio", "w9.gzdio", "w9.bzdio", "w.ufdio"])
def test_members_and_requires_are_what_rpm_lists(artifacts: Artifacts, tmp_path: Path, payload: str) -> None:
    package = rpm_package(tmp_path, {LIB[1:]: artifacts.path("glibc-new-lib").read_bytes(),
                                     "usr/bin/tool": b"#!/bin/sh\necho hi\n"}, payload=payload)
    document = facts(package, tmp_path)
    prefix = f"{package}!"
    assert sorted(p[len(prefix):] for p in document if p.startswith(prefix)) == sorted(rpm_query(package, "-l"))
    own = document[str(package)]
    assert (own["file.kind"], own["rpm.name"], own["rpm.arch"], own["rpm.version"]) == \
        ("rpm", "binlint-test", "x86_64", "1.0-1")
    assert own["rpm.requires"] == rpm_query(package, "--requires")
    assert own["rpm.glibc_floor"] == "2.25"
    assert document[f"{package}!{LIB}"]["elf.arch"] == "x86_64"


def test_computed_requires_are_quiet_and_a_hand_written_floor_is_reported(artifacts: Artifacts) -> None:
    quiet = artifacts.path("rpm-package")
    assert check_json([str(quiet)], quiet.parent, expect=0)["findings"] == []
    low = artifacts.path("rpm-glibc-low")
    [finding] = findings_of(check_json([str(low)], low.parent, expect=1), "package-glibc-above-dependencies")
    assert finding["path"] == f"{low}!{LIB}"
    assert finding["message"] == ("needs symbol versions newer than glibc 2.17, the oldest its package's "
                                  "dependencies accept: GLIBC_2.25 (getrandom)")


def test_standard_lint_applies_to_every_file(artifacts: Artifacts, tmp_path: Path) -> None:
    package = rpm_package(tmp_path, {"usr/lib64/libexec.so": artifacts.path("execstack-lib").read_bytes(),
                                     "usr/bin/run": b"#!/usr/bin/env python3 -u\nprint()\n"})
    document = check_json([str(package)], tmp_path)
    assert [f["path"] for f in findings_of(document, "executable-stack")] == [f"{package}!/usr/lib64/libexec.so"]
    assert [f["path"] for f in findings_of(document, "shebang-env-arguments")] == [f"{package}!/usr/bin/run"]


# (rpmbuild itself refuses ELF files in a noarch package: "Arch dependent binaries in noarch package".)
@pytest.mark.parametrize("target, fires", [("aarch64", True), ("x86_64", False)])
def test_the_header_arch_is_the_architecture(artifacts: Artifacts, tmp_path: Path, target: str, fires: bool) -> None:
    package = rpm_package(tmp_path, {"usr/lib64/libclean.so": artifacts.path("clean-lib").read_bytes()},
                          autoreq=False, target=target)
    assert facts(package, tmp_path)[str(package)]["rpm.arch"] == target
    found = findings_of(check_json([str(package)], tmp_path), "package-arch-mismatch")
    assert [(f["path"], f["message"]) for f in found] == \
        ([(f"{package}!/usr/lib64/libclean.so", "x86_64 code, but its package is for aarch64")] if fires else [])


# -- hostile input -------------------------------------------------------------------------

def unreadable(document: dict) -> list[tuple[str, str]]:
    return [(f["path"], f["message"]) for f in findings_of(document, "unreadable-artifact")]


@pytest.mark.parametrize("cut", [50, 100, 200, 2000, -100])
def test_a_truncated_package_is_one_diagnostic(artifacts: Artifacts, tmp_path: Path, cut: int) -> None:
    (tmp_path / "cut.rpm").write_bytes(artifacts.path("rpm-package").read_bytes()[:cut])
    found = unreadable(check_json(["cut.rpm"], tmp_path, expect=1))
    assert found and all(path.startswith("cut.rpm") and "\n" not in message for path, message in found), found


@pytest.mark.parametrize("count, size, says", [
    (0x7FFFFFFF, 16, "claims 2147483647 tags"), (4, 0x7FFFFFF0, "claims 4 tags and 2147483632 bytes"),
    (60000, 16, "ends past the end of the file"),
])
def test_a_header_claiming_too_much_is_one_diagnostic(artifacts: Artifacts, tmp_path: Path, count: int, size: int,
                                                      says: str) -> None:
    data = bytearray(artifacts.path("rpm-package").read_bytes())
    struct.pack_into(">ii", data, 96 + 8, count, size)  # the signature header's counts
    (tmp_path / "huge.rpm").write_bytes(data)
    [(path, message)] = unreadable(check_json(["huge.rpm"], tmp_path, expect=1))
    assert path == "huge.rpm" and says in message, message


def test_a_payload_that_is_not_cpio_is_one_diagnostic(artifacts: Artifacts, tmp_path: Path) -> None:
    data = bytearray(artifacts.path("rpm-package").read_bytes())
    start = data.index(b"\x28\xb5\x2f\xfd", 96)  # the zstd payload
    (tmp_path / "junk.rpm").write_bytes(bytes(data[:start]) + b"\x28\xb5\x2f\xfd" + b"\xff" * 64)
    [(path, message)] = unreadable(check_json(["junk.rpm"], tmp_path, expect=1))
    assert path == "junk.rpm" and message.startswith("an RPM package that cannot be read: corrupt zstd data"), message
