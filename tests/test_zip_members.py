"""binlint reads zip members itself, straight from the map of the file, and splits the members
of a large wheel between processes. Both are speed work, so what must not change is what a
user sees: every member's bytes equal what zipfile reads (every compression method), broken
members are diagnostics, and the findings and the wheel's own facts do not depend on the split.
"""
from __future__ import annotations

import mmap
import os
import random
import zipfile
from pathlib import Path

import pytest

from binlint import engine
from binlint.archives import zips
from binlint.discover import discover
from binlint.engine import Options, check
from binlint.errors import ArtifactError
from binlint.rules import load_rules, select_rules
from conftest import ArchiveEntry, Artifacts, wheel_bytes, wheel_filename, zip_bytes

METHODS = [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]


def _contents(artifacts: Artifacts) -> dict[str, bytes]:
    noise = random.Random(7).randbytes(300_000)  # does not compress: many inflate calls
    return {
        "lib/_ext.so": artifacts.path("execstack-lib").read_bytes(),
        "pkg/empty.py": b"",
        "pkg/tiny.py": b"x = 1\n",
        "pkg/noise.bin": noise,
        "pkg/zeros.bin": bytes(3 << 20),  # compresses 1000:1
        "pkg/text.txt": b"".join(b"line %d\n" % i for i in range(50_000)),
    }


@pytest.mark.parametrize("mapped", [False, True], ids=["in-memory", "mapped"])
@pytest.mark.parametrize("method", METHODS, ids=["stored", "deflated", "bzip2", "lzma"])
def test_member_bytes_equal_zipfiles_in_every_read_pattern(artifacts: Artifacts, tmp_path: Path, method: int,
                                                           mapped: bool) -> None:
    contents = _contents(artifacts)
    data = zip_bytes([ArchiveEntry(name, body) for name, body in contents.items()], method)
    if mapped:  # as a zip on disk is read: through a map of the file
        (tmp_path / "a.zip").write_bytes(data)
        with open(tmp_path / "a.zip", "rb") as f:
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    members, archive = zips.read_zip(data)
    assert [m.name for m in members] == list(contents)
    for member in members:
        for pattern in ([-1], [512, -1], [1, 4095, 1 << 20, -1], [512] * 3 + [1 << 20] * 5 + [-1]):
            stream = member.open()
            got = b"".join(stream.read(size) for size in pattern)
            stream.close()
            assert got == contents[member.name], (member.name, pattern)
    archive.close()


def _flip_last_data_byte(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as archive:
        info = archive.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    last = start + info.compress_size - 1
    return data[:last] + bytes([data[last] ^ 0x55]) + data[last + 1:]


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED], ids=["stored", "deflated"])
def test_a_changed_byte_is_a_corrupt_member_not_wrong_facts(method: int) -> None:
    body = b"".join(b"%d\n" % i for i in range(20_000))
    data = _flip_last_data_byte(zip_bytes([ArchiveEntry("pkg/data.txt", body)], method), "pkg/data.txt")
    members, archive = zips.read_zip(data)
    stream = members[0].open()
    assert len(stream.read(512)) == 512  # a peek does not read far enough to know
    with pytest.raises(ArtifactError, match=r"corrupt zip member pkg/data.txt: (bad CRC-32|.*)"):
        stream.read(-1)
    archive.close()


def test_a_member_whose_data_runs_past_the_end_is_corrupt() -> None:
    body = bytes(range(256)) * 400
    data = zip_bytes([ArchiveEntry("pkg/a.bin", body)], zipfile.ZIP_STORED)
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as archive:
        info = archive.getinfo("pkg/a.bin")
    # Keep the central directory, drop most of the member's data in front of it.
    start = info.header_offset + 30 + len("pkg/a.bin") + len(info.extra)
    cut = data[:start + 1000] + data[start + info.compress_size:]
    with pytest.raises(ArtifactError, match="corrupt zip"):
        members, archive = zips.read_zip(cut)
        members[0].open().read(-1)


# -- one large wheel, its members split between processes ------------------------------------


def _large_pure_wheel(artifacts: Artifacts, tmp_path: Path) -> Path:
    """A py3-none-any wheel with native members (pure-wheel-with-native-code lists them all,
    which needs the kinds every process saw) and enough bytes to be split."""
    lib = artifacts.path("execstack-lib").read_bytes()
    files = [ArchiveEntry(f"pkg/_ext{i}.so", lib) for i in range(12)]
    files += [ArchiveEntry("pkg/big.so", bytes(10 << 20)),  # named like a library, is data
              ArchiveEntry("pkg/tool", b"#!/bin/sh\necho hi\r\n", 0o755)]
    files += [ArchiveEntry(f"pkg/mod{i}.py", b"x = %d\n" % i) for i in range(200)]
    path = tmp_path / wheel_filename("pkg", "1.0", "py3-none-any")
    path.write_bytes(wheel_bytes("pkg", "1.0", "py3-none-any", files))
    return path


@pytest.mark.skipif(not hasattr(os, "fork") or (os.cpu_count() or 1) < 2, reason="needs fork and 2 CPUs")
def test_a_split_wheel_gives_the_same_findings_as_one_process(artifacts: Artifacts, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    wheel = _large_pure_wheel(artifacts, tmp_path)
    rules = select_rules(load_rules(), ["ALL"], [], [])
    options = Options({})
    view = engine.FileView.of_file(discover([str(wheel)])[0], {}, options.limits)
    assert len(engine._member_groups(view, view.container().members)) >= 2  # it is split
    view.close()
    split = check(discover([str(wheel)]), rules, options, jobs=1)
    monkeypatch.setattr(engine, "PARALLEL_MEMBER_BYTES", 1 << 62)
    whole = check(discover([str(wheel)]), rules, options, jobs=1)
    assert split == whole
    pure = [f for f in split if f.rule == "pure-wheel-with-native-code"]
    assert len(pure) == 1
    assert pure[0].message.endswith("pkg/_ext0.so, pkg/_ext1.so, pkg/_ext2.so, pkg/_ext3.so, pkg/_ext4.so, "
                                    "pkg/_ext5.so, pkg/_ext6.so, pkg/_ext7.so (+4 more)")
    assert {f.path.split("!")[-1] for f in split if f.rule == "executable-stack"} == {
        f"pkg/_ext{i}.so" for i in range(12)}
