"""Sanity checks: every artifact tests/fixtures/ builds really has the property its name claims
(the checks, one module per kind of fixture, are in tests/fixture_checks/), builds are
reproducible, and the byte-patching helpers do what they say.

The checks read the fixtures with readelf, zipfile, tarfile and the like (never binlint), so a
bug in binlint's own parsers cannot hide a broken fixture.
"""
from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from fixture_checks import CHECKS, inspect
from fixtures import (
    ELF_MAGIC, FIXTURE_KINDS, FIXTURES, KINDS, SRC_DIR, TARBALLS, Artifacts, fixture_names, patch_gnu_stack_to_null,
    patch_machine, read_elf_layout, truncate,
)


def _expected_mode(name: str) -> int:
    executable = (name.endswith(("-exe", "-exec", "-script")) or name == "garbage-elf"
                  or FIXTURE_KINDS[name] == "bundle")
    return 0o755 if executable else 0o644


def test_every_fixture_has_a_check() -> None:
    assert set(CHECKS) == set(FIXTURES)


def test_kinds_partition_the_fixtures(artifacts: Artifacts) -> None:
    by_kind = [name for kind in KINDS for name in artifacts.names(kind)]
    assert sorted(by_kind) == sorted(FIXTURES)
    assert artifacts.names() == list(FIXTURES) == fixture_names()
    assert set(FIXTURE_KINDS.values()) == set(KINDS)
    with pytest.raises(ValueError):
        artifacts.names("nonsense")


@pytest.mark.parametrize("name", list(FIXTURES))
def test_fixture_has_promised_property(artifacts: Artifacts, name: str) -> None:
    path = artifacts.path(name)
    assert artifacts.path(name) is path, "artifacts must be cached for the session"
    assert stat.S_IMODE(path.stat().st_mode) == _expected_mode(name)
    is_elf = path.read_bytes()[:4] == ELF_MAGIC
    if FIXTURE_KINDS[name] in ("elf", "cross", "bundle"):
        assert is_elf
        assert inspect(path).errors == "", "well-formed ELF fixtures must not upset readelf"
    elif FIXTURE_KINDS[name] == "bad":
        assert is_elf
    else:
        assert not is_elf
    CHECKS[name](path)


@pytest.mark.parametrize(
    "name", ["clean-exe", "clean-lib", "clean-obj", "glibc-new-lib", "asm-nonote-obj", "pyc-exec", "jar-exec",
             "execstack-wheel", "sdist-with-wheel", "static-lib", *TARBALLS, "deep-nesting", "pe-x64-exe.exe",
             "pe-pyext-312.pyd", "pe-x64-delay-lib.dll", "pe-delvewheel-wheel"]
)
def test_builds_are_reproducible(artifacts: Artifacts, tmp_path: Path, name: str) -> None:
    rebuilt = Artifacts(tmp_path / "again", shared=False).path(name)
    data = rebuilt.read_bytes()
    assert data == artifacts.path(name).read_bytes()
    for leaked in (str(SRC_DIR), str(tmp_path)):
        assert leaked.encode() not in data


@pytest.mark.parametrize(
    ("name", "cls", "endian"),
    [
        ("clean-lib", "ELF64", "little endian"),
        ("i686-exe", "ELF32", "little endian"),
        ("mips-be-lib", "ELF32", "big endian"),
        ("ppc64-be-lib", "ELF64", "big endian"),
    ],
)
def test_patch_gnu_stack_to_null(
    artifacts: Artifacts, tmp_path: Path, name: str, cls: str, endian: str
) -> None:
    copy = tmp_path / "copy"
    shutil.copyfile(artifacts.path(name), copy)
    before = inspect(copy)
    assert before.header["Class"] == cls and endian in before.header["Data"]
    assert patch_gnu_stack_to_null(copy) == 1
    after = inspect(copy)
    assert after.gnu_stack_flags() is None
    assert len(after.segments) == len(before.segments)
    assert after.segment_types().count("NULL") == before.segment_types().count("NULL") + 1
    assert patch_gnu_stack_to_null(copy) == 0


def test_patch_machine_respects_endianness(artifacts: Artifacts, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    original = artifacts.path("mips-be-lib").read_bytes()
    copy.write_bytes(original)
    patch_machine(copy, 183)
    patched = copy.read_bytes()
    assert patched[18:20] == (183).to_bytes(2, "big")
    assert patched[:18] == original[:18] and patched[20:] == original[20:]
    assert inspect(copy).header["Machine"] == "AArch64"
    assert read_elf_layout(patched).e_machine == 183
    with pytest.raises(ValueError):
        patch_machine(copy, 0x10000)


def test_truncate_only_shrinks(tmp_path: Path) -> None:
    target = tmp_path / "blob"
    target.write_bytes(b"0123456789")
    truncate(target, 4)
    assert target.read_bytes() == b"0123"
    with pytest.raises(ValueError):
        truncate(target, 5)


def test_helpers_reject_non_elf(tmp_path: Path) -> None:
    target = tmp_path / "not-elf"
    target.write_bytes(b"MZ" + bytes(100))
    with pytest.raises(ValueError):
        patch_gnu_stack_to_null(target)
    with pytest.raises(ValueError):
        patch_machine(target, 62)
