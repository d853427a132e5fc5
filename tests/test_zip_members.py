"""binlint reads zip archives itself: the central directory and the members, straight from
the map of the file; and it splits the members of a large wheel between processes. All of it
is speed work, so what must not change is what a user sees: the listing equals zipfile's
(names, sizes, offsets, modes; zip64, data before the archive, damaged archives), every
member's bytes equal what zipfile reads (every compression method), broken members are
diagnostics, and the findings and the wheel's own facts do not depend on the split.
"""
from __future__ import annotations

import io
import mmap
import os
import random
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from binlint.facts import FileView
from binlint.walk import split as split_module
from binlint.formats import zips
from binlint.walk.discover import discover
from binlint.engine import Options, check
from binlint.errors import ArtifactError
from binlint.rules import load_rules, select_rules
from fixtures import ArchiveEntry, Artifacts, wheel_bytes, wheel_filename, zip_bytes

DATA = Path(__file__).parent / "data"

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


# -- the listing, held equal to zipfile's ---------------------------------------------------


def _zipfile_listing(data: bytes) -> list[tuple] | None:
    """What zipfile lists, in binlint's terms; None when zipfile refuses the archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except Exception:
        return None
    return [(i.filename, i.flag_bits, i.compress_type, i.CRC, i.compress_size, i.file_size, i.header_offset,
             i.create_system, i.external_attr) for i in infos]


def _binlint_listing(data: bytes) -> list[tuple] | None:
    try:
        return [tuple(entry) for entry in zips.ZipArchive(data).entries]
    except ArtifactError:
        return None


def _raw_zip(name: bytes, body: bytes, *, zip64_fields: tuple[str, ...] = (), comment: bytes = b"",
             end64: bool = False) -> bytes:
    """A stored one-member zip written by hand, with the central directory's sizes or offset
    moved into a zip64 extra field, and a zip64 end record, as writers of archives over
    4 GiB do (zipfile writes them only when it must)."""
    crc, size = zlib.crc32(body), len(body)
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, crc, size, size, len(name), 0) + name + body
    values = {"file_size": size, "compress_size": size, "header_offset": 0}
    extra = b"".join(struct.pack("<Q", values[f]) for f in ("file_size", "compress_size", "header_offset")
                     if f in zip64_fields)
    extra = struct.pack("<HH", 1, len(extra)) + extra if extra else b""
    field = {f: (0xFFFFFFFF if f in zip64_fields else v) for f, v in values.items()}
    central = struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 45, 3, 45, 0, 0, 0, 0, 0, crc, field["compress_size"],
                          field["file_size"], len(name), len(extra), 0, 0, 0, (0o100644 << 16),
                          field["header_offset"]) + name + extra
    offset = len(local)
    tail = b""
    if end64:
        record = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, 1, 1, len(central), offset)
        tail = record + struct.pack("<4sLQL", b"PK\x06\x07", 0, offset + len(central), 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF if end64 else 1, 0xFFFF if end64 else 1,
                      0xFFFFFFFF if end64 else len(central), 0xFFFFFFFF if end64 else offset, len(comment))
    return local + central + tail + end + comment


def _built_archives(artifacts: Artifacts) -> dict[str, bytes]:
    contents = _contents(artifacts)
    entries = [ArchiveEntry(name, body) for name, body in contents.items()]
    entries += [ArchiveEntry("pkg/link", link="tiny.py"), ArchiveEntry("pkg/\u00e9t\u00e9.txt", b"summer"),
                ArchiveEntry("pkg/dir/", b"")]
    deflated = zip_bytes(entries)
    buffer = io.BytesIO(deflated)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.comment = b"built by the tests"
    archives = {f"method-{m}": zip_bytes(entries, m) for m in METHODS}
    archives["commented"] = buffer.getvalue()
    archives["after-a-stub"] = b"#!/bin/sh\nexec python3 \"$0\"\n" + deflated  # a self-extracting layout
    archives["zip64-sizes"] = _raw_zip(b"big.bin", b"x" * 100, zip64_fields=("file_size", "compress_size"))
    archives["zip64-offset"] = _raw_zip(b"big.bin", b"x" * 100, zip64_fields=("header_offset",))
    archives["zip64-end-record"] = _raw_zip(b"big.bin", b"x" * 100, end64=True, comment=b"c")
    archives["cp437-name"] = _raw_zip("caf\u00e9.txt".encode("cp437"), b"x")
    archives["nul-in-name"] = _raw_zip(b"pkg/a.so\0.txt", b"x")
    archives["empty"] = zip_bytes([])
    archives["real-manylinux-wheel"] = next(DATA.glob("MarkupSafe-*manylinux*.whl")).read_bytes()
    archives["real-macos-wheel"] = next((DATA / "fuzz").glob("MarkupSafe-*.whl")).read_bytes()
    return archives


def test_the_listing_equals_zipfiles(artifacts: Artifacts) -> None:
    for label, data in _built_archives(artifacts).items():
        expected = _zipfile_listing(data)
        assert expected is not None, label
        assert _binlint_listing(data) == expected, label


def test_real_wheels_list_and_read_as_zipfile_reads_them(request: pytest.FixtureRequest) -> None:
    """Every real wheel at hand: the two committed ones, those the auditwheel agreement test
    downloaded (pytest's cache), and the benchmark's (bench/cache): the same entries, and
    every member's bytes."""
    cache = request.config.cache.mkdir("binlint-pypi-wheels") if getattr(request.config, "cache", None) else None
    folders = [DATA, DATA / "fuzz", Path(__file__).parent.parent / "bench" / "cache" / "wheels", cache]
    wheels = sorted(w for folder in folders if folder and folder.is_dir() for w in folder.glob("*.whl"))
    assert len(wheels) >= 2
    for wheel in wheels:
        with open(wheel, "rb") as f:
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        assert _binlint_listing(data) == _zipfile_listing(wheel.read_bytes()), wheel.name
        members, archive = zips.read_zip(data)
        with zipfile.ZipFile(wheel) as theirs:
            for member in (m for m in members if m.open is not None):  # not links
                stream = member.open()
                assert stream.read() == theirs.read(member.name), (wheel.name, member.name)
                stream.close()
        archive.close()


def test_an_archive_of_65536_members_has_a_zip64_end_record_and_lists_equal() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for i in range(65536):
            archive.writestr(zipfile.ZipInfo(f"f{i}", date_time=(1980, 1, 1, 0, 0, 0)), b"")
    data = buffer.getvalue()
    assert b"PK\x06\x06" in data[-200:]  # zipfile had to write the zip64 end record
    listing = _binlint_listing(data)
    assert listing == _zipfile_listing(data) and len(listing) == 65536


def test_damaged_archives_are_refused_where_zipfile_refuses_them_and_listed_equal_elsewhere(
        artifacts: Artifacts) -> None:
    """Every truncation of small archives, and random changes to their last bytes (the central
    directory and end records): binlint refuses exactly what zipfile refuses, and lists the rest
    as zipfile does."""
    archives = _built_archives(artifacts)
    small = [archives[k] for k in ("method-8", "commented", "after-a-stub", "zip64-sizes", "zip64-offset",
                                   "zip64-end-record", "real-manylinux-wheel")]
    rng = random.Random(11)
    cases = []
    for data in small:
        tail = min(len(data), 600)
        cases += [data[:n] for n in range(len(data) - tail, len(data))]
        for _ in range(400):
            damaged = bytearray(data)
            for _ in range(rng.randint(1, 3)):
                damaged[len(data) - 1 - rng.randrange(tail)] = rng.randrange(256)
            cases.append(bytes(damaged))
    refused = 0
    for data in cases:
        expected = _zipfile_listing(data)
        assert _binlint_listing(data) == expected, data[-120:]
        refused += expected is None
    assert 0 < refused < len(cases)
    # An end record inside the archive's comment: both take it for the real one.
    record_in_comment = archives["method-8"][:-2] + struct.pack("<H", 22) + b"PK\x05\x06" + bytes(18)
    assert _binlint_listing(record_in_comment) == _zipfile_listing(record_in_comment) == []


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
              ArchiveEntry("pkg/noise.bin", random.Random(3).randbytes(200_000)),  # mapped, not read whole
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
    options = Options()
    view = FileView.of_file(discover([str(wheel)])[0], options.limits)
    processes, batches = split_module.member_batches(view, view.container().members, 2)
    assert processes == 2 and len(batches) >= 2  # it is split
    view.close()
    split = check(discover([str(wheel)]), rules, options, jobs=1)
    monkeypatch.setattr(split_module, "PARALLEL_MEMBER_BYTES", 1 << 62)
    whole = check(discover([str(wheel)]), rules, options, jobs=1)
    assert split == whole
    pure = [f for f in split if f.rule == "pure-wheel-with-native-code"]
    assert len(pure) == 1
    assert pure[0].message.endswith("pkg/_ext0.so, pkg/_ext1.so, pkg/_ext2.so, pkg/_ext3.so, pkg/_ext4.so, "
                                    "pkg/_ext5.so, pkg/_ext6.so, pkg/_ext7.so (+4 more)")
    assert {f.path.split("!")[-1] for f in split if f.rule == "executable-stack"} == {
        f"pkg/_ext{i}.so" for i in range(12)}
