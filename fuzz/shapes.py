"""Attack shapes built by hand, as an attacker would: small files that cost a reader
gigabytes, minutes or a million findings unless every budget holds. Each builder returns
bytes in well under a second; tests/test_budgets.py checks binlint on them, and
seeds.shape_seeds() gives the fuzzer small versions to mutate.

- split_wheel: many members, each inflating to the same large size: the file's budget
  must end on the same member whatever the number of processes sharing the members.
- declared_tar: a compressed tar whose first member declares a huge size (10 GiB in a
  base-256 size field) and holds it as zeros: skipping it decompresses all of it.
- fan_out_zip: zips of zips, `width` members at each of `depth` levels: a million members
  from a few dozen KiB.
- pax_chain: a tar whose pax headers each announce another pax header.
"""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import struct
import tarfile
import zipfile
import zlib

ELF_HEAD = b"\x7fELF\x02\x01\x01"  # enough of an ELF header for a member to be read whole
_ZERO_CHUNK = 8 << 20  # compressed once, repeated: concatenated streams stay valid


def zip_of(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
            info.external_attr = 0o100755 << 16
            info.compress_type = method
            archive.writestr(info, data)
    return out.getvalue()


def split_wheel(count: int, member_size: int, name: str = "split") -> bytes:
    """A wheel of `count` ELF-looking members `pkg/_m{i}.so`, each `member_size` bytes (its
    head, then zeros), deflated once and stored `count` times under different names."""
    plain = ELF_HEAD + bytes(member_size - len(ELF_HEAD))
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = deflate.compress(plain) + deflate.flush()
    crc = zlib.crc32(plain)
    del plain
    return deflated_wheel(name, [(f"{name}/_m{i:03d}.so", stream, crc, member_size) for i in range(count)])


def deflated_wheel(name: str, members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A wheel of `members` given deflated: (name, raw deflate stream, CRC-32, size), each
    stored as it is (a stream may be stored under several names), then WHEEL and METADATA."""
    info_dir = f"{name}-1.0.dist-info"
    wheel = (b"Wheel-Version: 1.0\nGenerator: shapes\nRoot-Is-Purelib: false\n"
             b"Tag: cp311-cp311-manylinux_2_17_x86_64\n")
    small = [(f"{info_dir}/WHEEL", wheel), (f"{info_dir}/METADATA", f"Name: {name}\nVersion: 1.0\n".encode())]
    body, central = io.BytesIO(), io.BytesIO()
    entries = [(n.encode(), stream, crc, size, 8) for n, stream, crc, size in members]
    entries += [(n.encode(), zlib.compress(d)[2:-4], zlib.crc32(d), len(d), 8) for n, d in small]
    for raw_name, data, crc32, size, method in entries:
        offset = body.tell()
        body.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc32, len(data), size,
                               len(raw_name), 0) + raw_name + data)
        central.write(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 0x031E, 20, 0, method, 0, 0x21, crc32,
                                  len(data), size, len(raw_name), 0, 0, 0, 0, 0o100755 << 16, offset) + raw_name)
    directory = central.getvalue()
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), body.tell(), 0)
    return body.getvalue() + directory + end


def split_wheel_name(name: str = "split") -> str:
    return f"{name}-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"


def _header(name: str, size: int) -> bytes:
    """A ustar header for a regular file of `size` bytes; base-256 when octal cannot say it."""
    info = tarfile.TarInfo(name)
    info.size, info.mode = 0, 0o755
    block = bytearray(info.tobuf(tarfile.USTAR_FORMAT))
    block[124:136] = b"%011o\0" % size if size < 8 ** 11 else b"\x80" + size.to_bytes(11, "big")
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block[:512])
    return bytes(block[:512])


_COMPRESS = {"gzip": lambda d: gzip.compress(d, 9, mtime=0), "bzip2": lambda d: bz2.compress(d, 9),
             "xz": lambda d: lzma.compress(d, preset=0)}


def declared_tar(kind: str, declared: int, held: int | None = None, member: str = "lib/libhuge.so",
                 elf: bytes = ELF_HEAD) -> bytes:
    """A tar compressed with `kind` (gzip, bzip2, xz) whose first member declares `declared`
    bytes and holds `held` of them (default: all), zeros after `elf` (an ELF head, or a
    whole file), then a second small member. Concatenated compressed streams (each of the three formats reads them as
    one) keep building it cheap: the zeros are compressed once."""
    held = declared if held is None else held
    compress = _COMPRESS[kind]
    zeros = compress(bytes(_ZERO_CHUNK))
    head = _header(member, declared) + elf
    parts = [compress(head)]
    left = held - len(elf)
    parts += [zeros] * (left // _ZERO_CHUNK)
    rest = left % _ZERO_CHUNK
    tail = bytes(rest)
    if held == declared:
        tail += bytes(-declared % 512) + _header("lib/after.so", 4) + ELF_HEAD[:4] + bytes(508) + bytes(1024)
    parts.append(compress(tail))
    return b"".join(parts)


def fan_out_zip(width: int, depth: int, leaf: bytes = ELF_HEAD + bytes(57)) -> bytes:
    """Zips of zips: `depth` levels, each of `width` copies of the level below; the innermost
    holds `leaf` as an ELF member. Each level's members deflate the level below, whose
    copies repeat inside deflate's window: 32 wide and 5 deep is a few hundred KiB."""
    data = zip_of([("leaf.so", leaf)])
    for level in range(depth - 1):
        data = zip_of([(f"l{level}-{i:02d}.zip", data) for i in range(width)])
    return data


def pax_chain(count: int) -> bytes:
    """A tar whose first `count` headers are pax extended headers ('x'), each announcing the
    next: tarfile follows them by recursion."""
    record = b"13 path=a.so\n"  # the length counts itself: 2 digits, a space, 10 bytes
    block = bytearray(_header("././@PaxHeader", len(record)))
    block[156] = ord("x")
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block[:512])
    one = bytes(block) + record.ljust(512, b"\0")
    return one * count + _header("a.so", 4) + ELF_HEAD[:4] + bytes(508) + bytes(1024)
