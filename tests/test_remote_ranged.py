"""The remote file the zip reader slices (binlint/remote/ranged.py), over a real wheel's bytes
fetched by range from memory: every slice is the file's, neighbouring reads share a request,
and a wheel's members read through it are those read from disk. And how URLs are shown."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from binlint.formats.zips import read_zip
from binlint.remote import is_url, shown_url
from binlint.remote.ranged import BLOCK, RangedFile, Transfers

DATA = Path(__file__).resolve().parent / "data"
WHEEL = DATA / "auditwheel" / "cffi-1.5.0-cp27-none-linux_x86_64.whl"  # 326 KB: two blocks


def ranged(data: bytes) -> tuple[RangedFile, list[tuple[int, int]]]:
    asked: list[tuple[int, int]] = []

    def fetch(start: int, end: int) -> bytes:
        asked.append((start, end))
        return data[start:end]

    return RangedFile(fetch, len(data), Transfers()), asked


def test_every_slice_is_the_file_s() -> None:
    data = WHEEL.read_bytes()
    remote, _ = ranged(data)
    pick = random.Random(19)
    for _ in range(500):
        start = pick.randrange(-100, len(data) + 100)
        stop = start + pick.choice((0, 1, 4, 512, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK))
        assert remote[start:stop] == data[start:stop]
    assert remote[len(data) - 1] == data[-1] and remote[-2] == data[-2] and len(remote) == len(data)
    with pytest.raises(IndexError):
        remote[len(data)]


def test_neighbouring_reads_share_a_request_and_a_large_one_is_one_request() -> None:
    data = bytes(range(256)) * (5 * BLOCK // 256)
    remote, asked = ranged(data)
    assert remote[10:20] == data[10:20] and remote[4000:4100] == data[4000:4100]
    assert asked == [(0, BLOCK)]
    assert remote[100:4 * BLOCK + 5] == data[100:4 * BLOCK + 5]
    assert asked == [(0, BLOCK), (BLOCK, 5 * BLOCK)]  # the missing blocks in one range
    assert remote.transfers.snapshot() == (1, len(data), 5 * BLOCK, 2)


def test_a_wheel_read_through_it_has_the_members_read_from_disk() -> None:
    data = WHEEL.read_bytes()
    remote, asked = ranged(data)
    on_disk, _ = read_zip(data)
    by_range, _ = read_zip(remote)
    assert [m.name for m in by_range] == [m.name for m in on_disk]
    for there, here in zip(on_disk, by_range):
        assert here.open().read() == there.open().read()
    assert remote.transfers.fetched == len(data)  # every member read, each byte fetched once


@pytest.mark.parametrize(("given", "shown"), [
    ("s3://bucket/wheels/x.whl", "s3://bucket/wheels/x.whl"),
    ("https://user:hunter2@host/x.whl", "https://host/x.whl"),
    ("https://host/x.whl?X-Amz-Credential=AKIA&X-Amz-Signature=abc#frag", "https://host/x.whl"),
    ("404, url='https://u:p@host/x.whl?token=abc'", "404, url='https://host/x.whl'"),
])
def test_a_url_is_shown_without_credentials(given: str, shown: str) -> None:
    assert shown_url(given) == shown


def test_what_is_a_url() -> None:
    assert is_url("s3://b/k") and is_url("gs://b") and is_url("https://h/x.whl")
    assert not is_url("dist/x.whl") and not is_url("C:/x.whl") and not is_url(None) and not is_url("a:b//c")
