"""Memory flat in file size: a file on disk is mapped, never read whole.

A 1 GiB shared object (a real gcc-built library whose 1 GiB section is a hole in a sparse
file, section headers at the end as linkers write them) is checked in a fresh interpreter
and its peak resident set (VmHWM) must stay under 200 MB. A wheel member is read whole into
memory (zip members cannot be mapped): it costs its size once, not twice. Figures in
docs/robustness.md.
"""
from __future__ import annotations

import os
import shutil
import struct
import time
from pathlib import Path

import pytest

from fixtures import EXE_MODE, MANYLINUX_X86_64, ArchiveEntry, Artifacts, wheel_bytes, wheel_filename
from test_archives import _peak_rss_kib

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").is_file(),
                                reason="needs Linux's /proc/self/status (VmHWM)")

GIB = 1 << 30
RSS_GOAL_KIB = 200 * 1000  # 200 MB


def _section_headers(data: bytes) -> tuple[int, int, int]:
    """(e_shoff, e_shentsize, e_shnum) of a 64-bit little-endian ELF file."""
    (shoff,) = struct.unpack_from("<Q", data, 40)
    shentsize, shnum = struct.unpack_from("<HH", data, 58)
    return shoff, shentsize, shnum


def grown_library(lib: bytes, hole: int) -> tuple[bytes, int, bytes]:
    """`lib` grown by a `hole`-byte section of zeros (the new .comment) between its sections
    and its section header table, as (the bytes before the hole, its size, the bytes after):
    what the loader reads stays in the first bytes, the section headers stay the last."""
    shoff, shentsize, shnum = _section_headers(lib)
    headers = bytearray(lib[shoff:shoff + shentsize * shnum])
    start = (shoff + 0xFFF) & ~0xFFF
    names_index = struct.unpack_from("<H", lib, 62)[0]
    names_offset, names_size = struct.unpack_from("<QQ", headers, names_index * shentsize + 24)
    names = lib[names_offset:names_offset + names_size]
    comment = next(i for i in range(shnum)
                   if names[struct.unpack_from("<I", headers, i * shentsize)[0]:].startswith(b".comment\0"))
    struct.pack_into("<QQ", headers, comment * shentsize + 24, start, hole)  # sh_offset, sh_size
    before = bytearray(lib[:shoff].ljust(start, b"\0"))
    struct.pack_into("<Q", before, 40, start + hole)  # e_shoff
    return bytes(before), hole, bytes(headers)


def sparse_library(lib: bytes, path: Path, hole: int) -> None:
    """`lib` grown by grown_library, the hole not written: a hole in a sparse file."""
    before, hole, after = grown_library(lib, hole)
    with open(path, "wb") as f:
        f.write(before)
        f.seek(len(before) + hole)
        f.write(after)


def test_one_gib_shared_object_under_200_mb(artifacts: Artifacts, tmp_path: Path) -> None:
    if shutil.disk_usage(tmp_path).free < 256 << 20:
        pytest.skip("less than 256 MiB free where the test writes")
    lib = artifacts.path("hardened-lib").read_bytes()
    sparse_library(lib, tmp_path / "libhuge.so", GIB)
    if os.stat(tmp_path / "libhuge.so").st_blocks * 512 > 64 << 20:
        pytest.skip("this file system does not keep holes: a 1 GiB file would be written")
    assert (tmp_path / "libhuge.so").stat().st_size > GIB
    (tmp_path / "libsmall.so").write_bytes(lib)
    _, baseline = _peak_rss_kib(["check", "--select", "ALL", "-o", "small.txt", "libsmall.so"], tmp_path)
    start = time.monotonic()
    code, peak = _peak_rss_kib(["check", "--select", "ALL", "-o", "huge.txt", "libhuge.so"], tmp_path)
    elapsed = time.monotonic() - start
    assert code in (0, 1)
    # Same findings as the library it grew from: the facts were read, not skipped.
    assert (tmp_path / "huge.txt").read_text().replace("libhuge", "libsmall") == (
        tmp_path / "small.txt").read_text()
    assert peak < RSS_GOAL_KIB, (baseline, peak)
    assert peak - baseline < 16 << 10, (baseline, peak)  # KiB: flat, not "under the goal by luck"
    assert elapsed < 5.0


def test_facts_of_a_one_gib_shared_object_under_200_mb(artifacts: Artifacts, tmp_path: Path) -> None:
    sparse_library(artifacts.path("hardened-lib").read_bytes(), tmp_path / "libhuge.so", GIB)
    code, peak = _peak_rss_kib(["facts", "-o", "facts.json", "libhuge.so"], tmp_path)
    assert code == 0 and peak < RSS_GOAL_KIB, peak


def test_wheel_member_costs_its_size_once(artifacts: Artifacts, tmp_path: Path) -> None:
    # A wheel whose extension module is 256 MiB (a hole-free section of zeros, deflated to
    # ~256 KiB): the member is read whole, once; nothing else grows with it.
    size = 256 << 20
    lib = artifacts.path("hardened-lib").read_bytes()
    sparse_library(lib, tmp_path / "big.so", size)
    big = (tmp_path / "big.so").read_bytes()
    name = wheel_filename("big", "1.0", MANYLINUX_X86_64)
    (tmp_path / name).write_bytes(wheel_bytes("big", "1.0", MANYLINUX_X86_64,
                                              [ArchiveEntry("big/_ext.so", big, EXE_MODE)]))
    del big
    (tmp_path / "big.so").unlink()
    small = wheel_filename("small", "1.0", MANYLINUX_X86_64)
    (tmp_path / small).write_bytes(wheel_bytes("small", "1.0", MANYLINUX_X86_64,
                                               [ArchiveEntry("small/_ext.so", lib, EXE_MODE)]))
    _, baseline = _peak_rss_kib(["check", "-o", "small.txt", small], tmp_path)
    code, peak = _peak_rss_kib(["check", "-o", "big.txt", name], tmp_path)
    assert code in (0, 1)
    assert peak - baseline < (size >> 10) + (32 << 10), (baseline, peak)  # KiB: one copy, plus 32 MiB
