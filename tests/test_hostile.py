"""Hostile artifacts, through the command line: bombs, traversal, lying headers, loops.

For each: a diagnostic on that artifact (never a traceback or an "internal error"), the
documented exit code (1: an unreadable-artifact finding is an error), bounded time and
memory, nothing written outside the report and nothing executed. tests/test_archives.py
covers the plain hostile archives (encrypted, truncated, ../ names, a high-ratio bomb, six
zips deep); tests/test_pyinstaller.py the bundle reader on its own. This module adds the
cases a fuzzer or an attacker reaches for next.
"""
from __future__ import annotations

import io
import json
import os
import struct
import tarfile
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from binlint.formats.members import Limits
from binlint.walk.discover import discover
from binlint.engine import Options, check
from binlint.rules import load_rules
from fixtures import EXE_MODE, ArchiveEntry, Artifacts, zip_bytes
from fuzz.seeds import long_names_ar, small_bundle
from test_archives import _peak_rss_kib, _snapshot, binlint, check_json, findings_of
from test_reports import cli_env

SECONDS = 10.0  # each hostile file is read well inside this, on a loaded CI machine


def checked(name: str, data: bytes, tmp_path: Path, *options: str, expect: int = 1) -> dict:
    """The JSON report of `binlint check` on `data` saved as `name`, timed."""
    (tmp_path / name).write_bytes(data)
    start = time.monotonic()
    document = check_json([*options, name], tmp_path, expect=expect)
    assert time.monotonic() - start < SECONDS
    assert "internal error" not in json.dumps(document), document
    return document


def unreadable(document: dict, members: list[str] | None = None) -> str:
    """The message of the one unreadable-artifact finding (on `members`, default the file)."""
    hits = [f for f in findings_of(document, "unreadable-artifact") if f["members"] == (members or [])]
    assert len(hits) == 1, document["findings"]
    return hits[0]["message"]


# --------------------------------------------------------------------------
# Zip bombs
# --------------------------------------------------------------------------

def _local_header(name: bytes, crc: int, csize: int, usize: int) -> bytes:
    return struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, csize, usize, len(name), 0) + name


def overlap_bomb(count: int, kernel_size: int) -> bytes:
    """David Fifield's quoted-overlap bomb ("A better zip bomb", 2019): each member's deflate
    stream quotes the next member's local header in a stored block, then runs on into it,
    down to one kernel all members share. A valid zip (zipfile reads every member, CRC and
    all) of count * kernel_size bytes from a few KiB."""
    plain = b"\x7fELF\x02\x01\x01" + bytes(kernel_size - 7)  # an ELF head: members are read whole
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = deflate.compress(plain) + deflate.flush()
    names = [b"bomb/%04d.so" % i for i in range(count)]
    headers, quoted = [b""] * count, b""  # quoted: the local headers member i's content starts with
    for i in range(count - 1, -1, -1):
        if i < count - 1:
            # A non-final stored block (BFINAL 0, BTYPE 00) holding the next local header.
            nxt = headers[i + 1]
            stream = b"\x00" + struct.pack("<HH", len(nxt), len(nxt) ^ 0xFFFF) + nxt + stream
            quoted = nxt + quoted
        headers[i] = _local_header(names[i], zlib.crc32(plain, zlib.crc32(quoted)), len(stream),
                                   len(quoted) + len(plain))
    body = headers[0] + stream
    central, offset = b"", 0
    for i, header in enumerate(headers):
        crc, csize, usize = struct.unpack_from("<III", header, 14)
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, csize, usize,
                               len(names[i]), 0, 0, 0, 0, 0, offset) + names[i]
        offset += len(header) + 5
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(central), len(body), 0)
    return body + central + end


def test_quoted_overlap_bomb_is_one_diagnostic(tmp_path: Path) -> None:
    data = overlap_bomb(256, 1 << 20)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # a valid zip: every member inflates
        assert len(archive.read("bomb/0000.so")) > 1 << 20 and len(archive.read("bomb/0255.so")) == 1 << 20
    document = checked("overlap.zip", data, tmp_path)
    assert "overlapping zip members 'bomb/0000.so' and 'bomb/0001.so'" in unreadable(document)
    assert len(document["findings"]) == 1  # not one finding per member


def test_members_sharing_one_local_header(artifacts: Artifacts, tmp_path: Path) -> None:
    # The plain overlap: several central entries (distinct names) pointing at one local header.
    data = bytearray(zip_bytes([ArchiveEntry("a.so", artifacts.path("clean-lib").read_bytes(), EXE_MODE),
                                ArchiveEntry("b.so", b"x" * 100, EXE_MODE)]))
    central = data.index(b"PK\x01\x02")
    second = data.index(b"PK\x01\x02", central + 4)
    data[second + 42:second + 46] = data[central + 42:central + 46]  # b.so's header offset := a.so's
    assert "overlapping zip members" in unreadable(checked("shared.zip", bytes(data), tmp_path))


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux's /proc/self/status (VmHWM)")
def test_a_zip_lying_about_member_sizes_costs_no_memory(artifacts: Artifacts, tmp_path: Path) -> None:
    # A 7 KiB wheel whose member declares 1 GiB: the reader allocated the declared size
    # (bytearray(n) touches every page), 1 GiB of resident memory.
    lib = artifacts.path("clean-lib").read_bytes()
    data = bytearray(zip_bytes([ArchiveEntry("pkg/_ext.so", lib, EXE_MODE)]))
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 1 << 30)
    struct.pack_into("<I", data, 22, 1 << 30)
    (tmp_path / "liar.zip").write_bytes(bytes(data))
    (tmp_path / "clean-lib.so").write_bytes(lib)
    _, baseline = _peak_rss_kib(["check", "-o", "base.txt", "clean-lib.so"], tmp_path)
    code, peak = _peak_rss_kib(["check", "-o", "liar.txt", "liar.zip"], tmp_path)
    assert code in (0, 1)
    assert peak - baseline < 32 << 10, (baseline, peak)  # KiB: at most the 16 MiB taken ahead


def nested_zips(leaf: bytes, width: int, depth: int) -> bytes:
    """42.zip's shape: `width` copies of the level below, `depth` levels of zips."""
    data = zip_bytes([ArchiveEntry("leaf.so", leaf, EXE_MODE)])
    for level in range(depth - 1):
        data = zip_bytes([ArchiveEntry(f"l{level}-{i}.zip", data, 0o644) for i in range(width)])
    return data


def test_nested_bomb_stops_at_the_archive_budget(tmp_path: Path) -> None:
    # 42.zip's shape: 16 x 16 x 16 zips, each leaf 4 MiB of an ELF file: 16 GiB in 12 KiB. The
    # 8 GiB budget took 40 s to spend; a file may inflate 256 times its size, or one member of
    # --max-member-size (here 64 MiB), or 256 MiB.
    data = nested_zips(b"\x7fELF\x02\x01\x01" + bytes((4 << 20) - 7), 16, 4)
    assert len(data) < 16 << 10
    document = checked("nested.zip", data, tmp_path, "--max-member-size", "64")
    messages = {f["message"] for f in findings_of(document, "unreadable-artifact")}
    assert messages and all(f"inflates past 268435456 bytes, the most a file of {len(data)} bytes may inflate to"
                            in m for m in messages), messages
    assert len(document["findings"]) < 64  # the spent budget fails the next members at once


def test_small_limits_through_the_engine(tmp_path: Path) -> None:
    (tmp_path / "nested.zip").write_bytes(nested_zips(b"\x7fELF\x02\x01\x01" + bytes((4 << 20) - 7), 16, 4))
    findings = check(discover([str(tmp_path / "nested.zip")]), load_rules(),
                     Options(limits=Limits(4, 8 << 20, 64 << 20)), jobs=1)
    messages = {f.message for f in findings if f.rule == "unreadable-artifact"}
    assert any("inflates past the archive limit of 67108864 bytes" in m for m in messages), messages


def test_zips_nested_far_past_the_depth_limit(artifacts: Artifacts, tmp_path: Path) -> None:
    data = nested_zips(artifacts.path("execstack-lib").read_bytes(), 1, 60)
    document = checked("deep.zip", data, tmp_path, expect=0)
    assert [f["rule"] for f in document["findings"]] == ["archive-too-deep"]


# --------------------------------------------------------------------------
# Tar: links and names leading out, lying sizes
# --------------------------------------------------------------------------

def tar_of(*members: tarfile.TarInfo, content: bytes = b"") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for info in members:
            archive.addfile(info, io.BytesIO(content) if info.isfile() else None)
    return out.getvalue()


def tar_info(name: str, kind: bytes = tarfile.REGTYPE, link: str = "", size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size, info.mode = kind, link, size, 0o755
    return info


def test_tar_links_and_names_leading_out(tmp_path: Path) -> None:
    data = tar_of(tar_info("pkg/hard", tarfile.LNKTYPE, "../../etc/shadow"),
                  tar_info("pkg/sym", tarfile.SYMTYPE, "../../../root/.ssh/authorized_keys"),
                  tar_info("pkg/inside", tarfile.SYMTYPE, "../pkg/hard"),
                  tar_info("../../x", size=4), tar_info("a/../../y", size=4), content=b"data")
    document = checked("links.tar", data, tmp_path)
    [finding] = findings_of(document, "unsafe-archive-member")
    for shown in ("pkg/hard -> ../../etc/shadow", "pkg/sym -> ../../../root/.ssh/authorized_keys", "../../x",
                  "a/../../y"):
        assert shown in finding["message"], finding["message"]
    assert "pkg/inside" not in finding["message"]


@pytest.mark.parametrize("size", [8 << 30, (1 << 63) - 1])
def test_tar_member_declaring_more_than_the_file_holds(artifacts: Artifacts, tmp_path: Path, size: int) -> None:
    data = bytearray(tar_of(tar_info("lib/x.so", size=16), content=artifacts.path("clean-lib").read_bytes()[:16]))
    data[124:136] = (b"%011o\0" % size) if size < 8 ** 11 else b"\x80" + size.to_bytes(11, "big")
    data[148:156] = b" " * 8
    data[148:156] = b"%06o\0 " % sum(data[:512])
    document = checked("liar.tar", bytes(data), tmp_path)
    assert "corrupt tar" in unreadable(document)


def test_truncated_tar_header(tmp_path: Path) -> None:
    data = tar_of(tar_info("a.so", size=4), content=b"data")[:300]  # still says ustar at 257
    assert "corrupt tar" in unreadable(checked("cut.tar", data, tmp_path))


# --------------------------------------------------------------------------
# ar: lying sizes and long-name offsets
# --------------------------------------------------------------------------

def _ar_name(data: bytes, old: bytes, new: bytes) -> bytes:
    at = data.index(old.ljust(16))
    return data[:at] + new.ljust(16) + data[at + 16:]


def test_ar_long_name_offset_past_the_table(artifacts: Artifacts, tmp_path: Path) -> None:
    data = _ar_name(long_names_ar(artifacts.path("clean-obj").read_bytes()), b"/0", b"/999999")
    assert "past the end of the table of long names" in unreadable(checked("far.a", data, tmp_path))


@pytest.mark.parametrize("name", ["/\u00b2".encode(), "#1/\u00b2".encode()])
def test_ar_name_with_a_digit_int_refuses(artifacts: Artifacts, tmp_path: Path, name: bytes) -> None:
    # str.isdigit() is true for '²', which int() refuses: ValueError inside the reader.
    data = _ar_name(long_names_ar(artifacts.path("clean-obj").read_bytes()), b"/0", name)
    checked("digit.a", data, tmp_path, expect=None)  # type: ignore[arg-type]


def test_ar_member_size_past_the_end(artifacts: Artifacts, tmp_path: Path) -> None:
    data = bytearray(long_names_ar(artifacts.path("clean-obj").read_bytes()))
    at = data.index(b"/0".ljust(16)) + 48
    data[at:at + 10] = b"9999999999"
    assert "past the end of the file" in unreadable(checked("big.a", bytes(data), tmp_path))


# --------------------------------------------------------------------------
# ELF: absurd counts and offsets, chains that do not end
# --------------------------------------------------------------------------

def _dynamic_entries(data: bytes) -> tuple[int, int]:
    """(offset, count) of the dynamic section's entries in a 64-bit little-endian file."""
    phoff, = struct.unpack_from("<Q", data, 32)
    phnum, = struct.unpack_from("<H", data, 56)
    for i in range(phnum):
        p_type, _, offset, _, _, filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * 56)
        if p_type == 2:
            return offset, filesz // 16
    raise AssertionError("no PT_DYNAMIC")


def _set_dynamic(data: bytearray, tag: int, value: int) -> None:
    offset, count = _dynamic_entries(bytes(data))
    for i in range(count):
        entry_tag, _ = struct.unpack_from("<qQ", data, offset + i * 16)
        if entry_tag == tag:
            struct.pack_into("<Q", data, offset + i * 16 + 8, value)
            return
    raise AssertionError(f"no dynamic tag {tag:#x}")


def _verneed_offset(data: bytes) -> int:
    shoff, = struct.unpack_from("<Q", data, 40)
    shnum, = struct.unpack_from("<H", data, 60)
    for i in range(shnum):
        _, sh_type, _, _, offset = struct.unpack_from("<IIQQQ", data, shoff + i * 64)
        if sh_type == 0x6FFFFFFE:
            return offset
    raise AssertionError("no .gnu.version_r")


def _elf_cases() -> dict[str, object]:
    def header(offset: int, fmt: str, value: int):  # type: ignore[no-untyped-def]
        return lambda data: struct.pack_into(fmt, data, offset, value)

    def verneed_chain(data: bytearray) -> None:  # counts in billions; the chain must still end
        _set_dynamic(data, 0x6FFFFFFF, 0xFFFFFFFF)  # DT_VERNEEDNUM: 4 billion needs
        at = _verneed_offset(bytes(data))
        struct.pack_into("<I", data, at + 12, 0)  # vn_next 0 ends the chain; the count must not matter
        struct.pack_into("<H", data, at + 2, 0xFFFF)  # vn_cnt: 65535 entries

    def vernaux_run_on(data: bytearray) -> None:  # 65535 entries, each vna_next to the next 16 bytes
        at = _verneed_offset(bytes(data))
        aux = at + struct.unpack_from("<I", data, at + 8)[0]
        struct.pack_into("<H", data, at + 2, 0xFFFF)
        struct.pack_into("<I", data, aux + 12, 16)

    return {
        "e_phoff past the end": header(32, "<Q", 1 << 62),
        "e_shoff past the end": header(40, "<Q", (1 << 64) - 64),
        "e_phnum 65535": header(56, "<H", 0xFFFF),
        "e_shnum 65535": header(60, "<H", 0xFFFF),
        "e_shstrndx past the sections": header(62, "<H", 0xFFFE),
        "e_phentsize 0": header(54, "<H", 0),
        "e_shentsize 0": header(58, "<H", 0),
        "DT_STRTAB outside the segments": lambda data: _set_dynamic(data, 5, 1 << 60),
        "DT_STRSZ huge": lambda data: _set_dynamic(data, 10, (1 << 64) - 1),
        "DT_NEEDED name past the string table": lambda data: _set_dynamic(data, 1, 0xFFFFFFF0),
        "version needs counted in billions": verneed_chain,
        "version need entries running on": vernaux_run_on,
    }


ELF_CASES = list(_elf_cases())


@pytest.mark.parametrize("case", ELF_CASES)
def test_hostile_elf_headers(artifacts: Artifacts, tmp_path: Path, case: str) -> None:
    data = bytearray(artifacts.path("glibc-new-lib").read_bytes())
    _elf_cases()[case](data)  # type: ignore[operator]
    (tmp_path / "hostile.so").write_bytes(bytes(data))
    start = time.monotonic()
    for command in (["check", "--format", "json", "--select", "ALL", "--glibc", "2.17"], ["facts"]):
        proc = binlint([*command, "hostile.so"], tmp_path)
        assert proc.returncode in (0, 1) and "internal error" not in proc.stdout, proc.stdout[-2000:]
    assert time.monotonic() - start < 2 * SECONDS


# --------------------------------------------------------------------------
# Windows PE: cut headers, tables past the end, import chains that do not end
# --------------------------------------------------------------------------

def _pe_layout(data: bytes) -> tuple[int, int, int]:
    """(COFF header offset, optional header offset, data directories offset) of a PE32+ file."""
    coff = struct.unpack_from("<I", data, 0x3C)[0] + 4
    return coff, coff + 20, coff + 20 + 112


def _pe_import_descriptor(data: bytes) -> int:
    """The file offset of the first import descriptor of a PE32+ file."""
    from binlint.formats.pe.reader import IMPORT, PeFile

    pe = PeFile(data)
    return pe.offset(pe.directory(IMPORT)[0])


def _pe_cases() -> dict[str, object]:
    def cut(at: int):  # type: ignore[no-untyped-def]
        return lambda data: data.__delitem__(slice(_pe_layout(bytes(data))[1] + at, None))

    def directory(index: int, rva: int, size: int = 0x100):  # type: ignore[no-untyped-def]
        return lambda data: struct.pack_into("<II", data, _pe_layout(bytes(data))[2] + 8 * index, rva, size)

    def coff(at: int, fmt: str, value: int):  # type: ignore[no-untyped-def]
        return lambda data: struct.pack_into(fmt, data, _pe_layout(bytes(data))[0] + at, value)

    def descriptor(field: int, value: int):  # type: ignore[no-untyped-def]
        return lambda data: struct.pack_into("<I", data, _pe_import_descriptor(bytes(data)) + field, value)

    def looping_names(data: bytearray) -> None:  # the name table points at itself: never a zero entry
        at = _pe_import_descriptor(bytes(data))
        table = struct.unpack_from("<I", data, at)[0]
        from binlint.formats.pe.reader import PeFile
        offset = PeFile(bytes(data)).offset(table)
        for i in range(0, 8 * 4096, 8):
            if offset + i + 8 > len(data):
                break
            struct.pack_into("<Q", data, offset + i, 1 << 63 | 1)
    def shared_tables(data: bytearray) -> None:  # 600 descriptors, each naming the same 65,535 functions
        end = len(data)
        data.extend(struct.pack("<Q", 1 << 63 | 1) * 0xFFFF + bytes(8))  # one long table of ordinals
        names = len(data)
        data.extend(b"x.dll\0\0\0")
        descriptors = len(data)
        data.extend(struct.pack("<5I", end, 0, 0, names, end) * 600 + bytes(20))
        coff_at, optional, directories = _pe_layout(bytes(data))
        count = struct.unpack_from("<H", data, coff_at + 2)[0]
        table = optional + struct.unpack_from("<H", data, coff_at + 16)[0]
        last = table + 40 * (count - 1)
        address, raw = struct.unpack_from("<I", data, last + 12)[0], struct.unpack_from("<I", data, last + 20)[0]
        # Stretch the last section over the appended bytes, mapped one to one past its start.
        struct.pack_into("<II", data, last + 8, len(data) - raw + 0x1000, address)
        struct.pack_into("<II", data, last + 16, len(data) - raw, raw)
        base = address - raw
        for at in range(descriptors, descriptors + 20 * 600, 20):
            struct.pack_into("<5I", data, at, end + base, 0, 0, names + base, end + base)
        struct.pack_into("<II", data, directories + 8, descriptors + base, 20 * 600)
    return {
        "import descriptors sharing one long table": shared_tables,
        "optional header cut": cut(40),
        "section table cut": cut(240 + 8),
        "section count 65535": coff(2, "<H", 0xFFFF),
        "import directory past the end": directory(1, 0x7FFFFFF0),
        "export directory past the end": directory(0, 0x7FFFFFF0),
        "load config past the end": directory(10, 0x7FFFFFF0),
        "debug directory past the end": directory(6, 0x7FFFFFF0),
        "delay imports past the end": directory(13, 0x7FFFFFF0),
        "import name past the end": descriptor(12, 0x7FFFFFF0),
        "import name table past the end": descriptor(0, 0x7FFFFFF0),
        "import name table running on": looping_names,
    }


PE_CASES = list(_pe_cases())


@pytest.mark.parametrize("case", PE_CASES)
def test_hostile_pe_headers(artifacts: Artifacts, tmp_path: Path, case: str) -> None:
    data = bytearray(artifacts.path("pe-x64-deps-lib.dll").read_bytes())
    _pe_cases()[case](data)  # type: ignore[operator]
    (tmp_path / "hostile.dll").write_bytes(bytes(data))
    start = time.monotonic()
    document = checked("hostile.dll", bytes(data), tmp_path, "--select", "ALL", expect=1)
    assert time.monotonic() - start < SECONDS
    message = unreadable(document)
    assert "\n" not in message and "Traceback" not in message
    proc = binlint(["facts", "hostile.dll"], tmp_path)
    assert proc.returncode in (0, 1) and "internal error" not in proc.stdout, proc.stdout[-2000:]


# --------------------------------------------------------------------------
# PyInstaller bundles, through the command line
# --------------------------------------------------------------------------

def _bundle_cases(exe: bytes, lib: bytes) -> dict[str, tuple[bytes, str]]:
    bundle = small_bundle(exe, lib)
    cookie = bundle.rindex(b"MEI\x0c\x0b\x0a\x0b\x0e")
    pkg_length, toc_offset, toc_length = struct.unpack_from("!III", bundle, cookie + 8)
    toc = cookie + 88 - pkg_length + toc_offset

    def patched(offset: int, fmt: str, *values: int) -> bytes:
        data = bytearray(bundle)
        struct.pack_into(fmt, data, offset, *values)
        return bytes(data)

    bomb = zlib.compress(bytes(64 << 20), 9)  # 64 MiB of zeros in 64 KiB
    bomb_bundle = small_bundle(exe, b"\x7fELF")  # then its binary entry replaced by the bomb
    return {
        "cookie package past the start": (patched(cookie + 8, "!I", 0xFFFFFFF0), "does not fit"),
        "TOC past the package": (patched(cookie + 12, "!II", toc_offset, 0x7FFFFFFF), "outside"),
        "TOC entry of length 0": (patched(toc, "!I", 0), "has length 0"),
        "entry data past the end": (patched(toc + 4, "!II", 0x7FFFFFF0, 16), "outside its package"),
        "entry inflating past what it declares": (patched(toc + 12, "!I", 100), "inflates past"),
        "zlib bomb entry": (_bomb_entry(bomb_bundle, bomb, 64 << 20), "member limit"),
    }


def _bomb_entry(bundle: bytes, bomb: bytes, size: int) -> bytes:
    """`bundle` (from small_bundle) with its first entry's content replaced by `bomb`."""
    cookie = bundle.rindex(b"MEI\x0c\x0b\x0a\x0b\x0e")
    pkg_length, toc_offset, toc_length = struct.unpack_from("!III", bundle, cookie + 8)
    start = cookie + 88 - pkg_length
    toc = bytearray(bundle[start + toc_offset:start + toc_offset + toc_length])
    length, offset, old_length, _ = struct.unpack_from("!IIII", toc, 0)
    body = bundle[start:start + toc_offset]
    body = body[:offset] + bomb + body[offset + old_length:]
    struct.pack_into("!III", toc, 4, offset, len(bomb), size)
    rest = 0
    position = length
    while position < len(toc):  # the entries after it move by the difference
        entry_length, entry_offset = struct.unpack_from("!II", toc, position)
        struct.pack_into("!I", toc, position + 4, entry_offset + len(bomb) - old_length)
        position += entry_length
        rest += 1
    package = body + bytes(toc)
    cookie_bytes = struct.pack("!8sIIII64s", b"MEI\x0c\x0b\x0a\x0b\x0e", len(package) + 88, len(body), len(toc),
                               311, b"libpython3.11.so.1.0")
    return bundle[:start] + package + cookie_bytes


@pytest.mark.parametrize("case", ["cookie package past the start", "TOC past the package", "TOC entry of length 0",
                                  "entry data past the end", "entry inflating past what it declares",
                                  "zlib bomb entry"])
def test_hostile_bundle(artifacts: Artifacts, tmp_path: Path, case: str) -> None:
    data, expected = _bundle_cases(artifacts.path("clean-exe").read_bytes(),
                                   artifacts.path("execstack-lib").read_bytes())[case]
    document = checked("app", data, tmp_path, "--max-member-size", "16")
    # A package the bootloader cannot open is a finding on the executable, which is still
    # checked; a member that cannot be read is an unreadable member.
    package = case in ("cookie package past the start", "TOC past the package", "TOC entry of length 0",
                       "entry data past the end")
    rule = "pyinstaller-archive-damaged" if package else "unreadable-artifact"
    messages = [f["message"] for f in findings_of(document, rule)]
    assert len(messages) == 1 and expected in messages[0], document["findings"]


# --------------------------------------------------------------------------
# Nothing written, nothing executed
# --------------------------------------------------------------------------

def test_hostile_files_write_nothing_and_run_nothing(artifacts: Artifacts, tmp_path: Path) -> None:
    # Every hostile file of this module in one directory, with scripts and programs that
    # would leave a mark if anything ran them; HOME and TMPDIR private and empty.
    work, home, tmp = tmp_path / "work", tmp_path / "home", tmp_path / "tmp"
    for directory in (work, home, tmp):
        directory.mkdir()
    mark = tmp_path / "ran"
    script = f"#!/bin/sh\ntouch {mark}\n".encode()
    exe, lib = artifacts.path("clean-exe").read_bytes(), artifacts.path("execstack-lib").read_bytes()
    files = {
        "overlap.zip": overlap_bomb(64, 1 << 16),
        "nested.zip": nested_zips(b"\x7fELF" + bytes(1 << 16), 4, 4),
        "links.tar": tar_of(tar_info("../../run.sh", size=len(script)), content=script),
        "hooks.zip": zip_bytes([ArchiveEntry("pkg/run.sh", script, EXE_MODE),
                                ArchiveEntry("pkg-1.0.dist-info/entry_points.txt", script, 0o644)]),
        "run.sh": script,
        "app": small_bundle(exe, lib),
        "far.a": _ar_name(long_names_ar(artifacts.path("clean-obj").read_bytes()), b"/0", b"/999999"),
    }
    for name, data in files.items():
        (work / name).write_bytes(data)
        os.chmod(work / name, EXE_MODE)
    before = _snapshot(tmp_path)
    env = {**cli_env(), "HOME": str(home), "TMPDIR": str(tmp), "TMP": str(tmp), "TEMP": str(tmp)}
    for command in (["check"], ["check", "--format", "sarif", "--select", "ALL"], ["facts"]):
        proc = binlint([*command, *files], work, env=env)
        assert proc.returncode in (0, 1) and "internal error" not in proc.stdout
    assert _snapshot(tmp_path) == before, "binlint wrote, moved or touched files"
    assert not mark.exists() and not (tmp_path / "run.sh").exists()
