"""Mutations: generic byte-level ones, and structure-aware ones that rewrite the header
fields binlint's readers trust (ELF, zip, tar, ar, Mach-O, PyInstaller), so most inputs
get past the magic and the first checks and reach the code that follows offsets and counts.

Every mutation is a function of (bytes, random.Random): the same seed and random state give
the same input, which is how fuzz/run.py regenerates an input from its number.
"""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import random
import warnings
import zipfile

from binlint.formats import classify

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable

INTERESTING = (0, 1, 2, 7, 8, 0x10, 0x40, 0x7F, 0x80, 0xFF, 0x100, 0x1000, 0x7FFF, 0x8000, 0xFFFF, 0x10000,
               0xFF00, 0xFFFE, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF, 1 << 32, (1 << 63) - 1, 1 << 63,
               (1 << 64) - 1)
COOKIE = b"MEI\x0c\x0b\x0a\x0b\x0e"


def value(rng: random.Random, data: bytes, old: int = 0) -> int:
    """An interesting value for a field: an edge, the file's size and its neighbours, a
    value near the old one, or anything."""
    roll = rng.random()
    if roll < 0.45:
        return rng.choice(INTERESTING)
    if roll < 0.65:
        return len(data) + rng.choice((-1, 0, 1, -16, 16, -4096, 4096))
    if roll < 0.85:
        return old + rng.choice((-1, 1, -8, 8, -64, 64, 0x1000, -0x1000, old))
    return rng.getrandbits(rng.choice((8, 16, 32, 64)))


def put(buf: bytearray, offset: int, size: int, endian: str, number: int) -> None:
    """Store `number` (wrapped to `size` bytes) at `offset`, when the field is inside `buf`."""
    if 0 <= offset and offset + size <= len(buf):
        buf[offset:offset + size] = (number % (1 << (8 * size))).to_bytes(size, "little" if endian == "<" else "big")


def get(buf: bytes, offset: int, size: int, endian: str) -> int:
    if offset < 0 or offset + size > len(buf):
        return 0
    return int.from_bytes(buf[offset:offset + size], "little" if endian == "<" else "big")


def set_field(buf: bytearray, rng: random.Random, offset: int, size: int, endian: str) -> None:
    put(buf, offset, size, endian, value(rng, buf, get(buf, offset, size, endian)))


# -- generic -------------------------------------------------------------------------------

def generic(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    buf = bytearray(data)
    if not buf:
        return bytes(rng.randbytes(rng.randrange(1, 64)))
    op = rng.randrange(9)
    n = len(buf)
    if op == 0:  # flip a few bits
        for _ in range(rng.randrange(1, 9)):
            buf[rng.randrange(n)] ^= 1 << rng.randrange(8)
    elif op == 1:  # set a few bytes
        for _ in range(rng.randrange(1, 5)):
            buf[rng.randrange(n)] = rng.choice((0, 0xFF, 0x7F, 0x80, rng.randrange(256)))
    elif op == 2:  # an interesting integer anywhere, aligned or not
        size = rng.choice((1, 2, 4, 8))
        offset = rng.randrange(n) & ~(size - 1 if rng.random() < 0.7 else 0)
        put(buf, offset, size, rng.choice("<>"), value(rng, buf))
    elif op == 3:  # delete a chunk
        start = rng.randrange(n)
        del buf[start:start + rng.randrange(1, min(n - start, 4096) + 1)]
    elif op == 4:  # duplicate a chunk in place
        start = rng.randrange(n)
        chunk = buf[start:start + rng.randrange(1, 1024)]
        at = rng.randrange(n)
        buf[at:at] = chunk * rng.randrange(1, 4)
    elif op == 5:  # truncate
        del buf[rng.randrange(n):]
    elif op == 6:  # append junk or a copy of the head
        buf += rng.randbytes(rng.randrange(1, 512)) if rng.random() < 0.5 else buf[:rng.randrange(1, 1024)]
    elif op == 7 and others:  # overwrite with a chunk of another seed
        other = rng.choice(others)
        if other:
            start = rng.randrange(len(other))
            chunk = other[start:start + rng.randrange(1, 2048)]
            at = rng.randrange(n)
            buf[at:at + len(chunk)] = chunk
    else:  # copy a chunk of the file over another place of it
        start, at = rng.randrange(n), rng.randrange(n)
        chunk = bytes(buf[start:start + rng.randrange(1, 256)])
        buf[at:at + len(chunk)] = chunk
    return bytes(buf)


# -- ELF -----------------------------------------------------------------------------------

# (offset, size) of e_entry..e_shstrndx for 32- and 64-bit files.
_EHDR = {32: [(16, 2), (18, 2), (24, 4), (28, 4), (32, 4), (36, 4), (40, 2), (42, 2), (44, 2), (46, 2), (48, 2),
              (50, 2)],
         64: [(16, 2), (18, 2), (24, 8), (32, 8), (40, 8), (48, 4), (52, 2), (54, 2), (56, 2), (58, 2), (60, 2),
              (62, 2)]}
_PHDR = {32: (32, [(0, 4), (4, 4), (8, 4), (16, 4), (20, 4), (24, 4), (28, 4)]),
         64: (56, [(0, 4), (4, 4), (8, 8), (16, 8), (32, 8), (40, 8), (48, 8)])}
_SHDR = {32: (40, [(0, 4), (4, 4), (8, 4), (16, 4), (20, 4), (24, 4), (28, 4), (32, 4), (36, 4)]),
         64: (64, [(0, 4), (4, 4), (8, 8), (24, 8), (32, 8), (40, 4), (44, 4), (48, 8), (56, 8)])}
_PT = (1, 2, 3, 4, 6, 7, 0x6474E550, 0x6474E551, 0x6474E552, 0x6474E553)
_SHT = (1, 2, 3, 5, 6, 7, 8, 11, 0x6FFFFFF6, 0x6FFFFFFD, 0x6FFFFFFE, 0x6FFFFFFF)
_DT = (1, 4, 5, 6, 10, 14, 15, 22, 24, 29, 30, 0x6FFFFEF5, 0x6FFFFFF0, 0x6FFFFFFB, 0x6FFFFFFE, 0x6FFFFFFF)
# Sections whose contents readers walk: notes, dynamic, hashes, version needs, symbol tables.
_WALKED = {2, 5, 6, 7, 11, 0x6FFFFFF6, 0x6FFFFFFE, 0x6FFFFFFF, 3}


def elf(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    if len(buf) < 52:
        return bytes(buf)
    bits = 64 if buf[4] == 2 else 32
    endian = ">" if buf[5] == 2 else "<"
    u = (lambda off, size: get(buf, off, size, endian))
    phoff, shoff = (u(32, 8), u(40, 8)) if bits == 64 else (u(28, 4), u(32, 4))
    phnum, shnum = (u(56, 2), u(60, 2)) if bits == 64 else (u(44, 2), u(48, 2))
    phsize, phfields = _PHDR[bits]
    shsize, shfields = _SHDR[bits]
    roll = rng.random()
    if roll < 0.2 or (not phnum and not shnum):
        offset, size = rng.choice(_EHDR[bits])
        set_field(buf, rng, offset, size, endian)
    elif roll < 0.45 and phnum:
        header = phoff + rng.randrange(phnum) * phsize
        offset, size = rng.choice(phfields)
        if offset == 0 and rng.random() < 0.5:
            put(buf, header, 4, endian, rng.choice(_PT))
        else:
            set_field(buf, rng, header + offset, size, endian)
    elif roll < 0.7 and shnum:
        header = shoff + rng.randrange(shnum) * shsize
        offset, size = rng.choice(shfields)
        if offset == 4 and rng.random() < 0.5:
            put(buf, header + 4, 4, endian, rng.choice(_SHT))
        else:
            set_field(buf, rng, header + offset, size, endian)
    elif roll < 0.85:  # a dynamic entry: its tag or its value
        dynamic = [(get(buf, phoff + i * phsize + (8 if bits == 64 else 4), bits // 8, endian),
                    get(buf, phoff + i * phsize + (32 if bits == 64 else 16), bits // 8, endian))
                   for i in range(min(phnum, 64)) if u(phoff + i * phsize, 4) == 2]
        if not dynamic:
            return generic(bytes(buf), rng, [])
        start, length = dynamic[0]
        entry = bits // 4
        count = length // entry
        if not count:
            return bytes(buf)
        at = start + rng.randrange(count) * entry
        if rng.random() < 0.4:
            put(buf, at, bits // 8, endian, rng.choice(_DT))
        else:
            set_field(buf, rng, at + bits // 8, bits // 8, endian)
    else:  # a word inside a section readers walk (notes, version needs, hashes, symbols)
        walked = []
        for i in range(min(shnum, 512)):
            header = shoff + i * shsize
            kind = u(header + 4, 4)
            offset, size = (u(header + 24, 8), u(header + 32, 8)) if bits == 64 else (u(header + 16, 4),
                                                                                     u(header + 20, 4))
            if kind in _WALKED and 0 < size and offset + size <= len(buf):
                walked.append((offset, size))
        if not walked:
            return generic(bytes(buf), rng, [])
        offset, size = rng.choice(walked)
        at = offset + rng.randrange(min(size, 512)) // 4 * 4
        set_field(buf, rng, at, rng.choice((2, 4, 4, 8)), endian)
    return bytes(buf)


# -- zip -----------------------------------------------------------------------------------

_CENTRAL = [(4, 2), (6, 2), (8, 2), (10, 2), (16, 4), (20, 4), (24, 4), (28, 2), (30, 2), (32, 2), (34, 2),
            (38, 4), (42, 4)]
_LOCAL = [(6, 2), (8, 2), (14, 4), (18, 4), (22, 4), (26, 2), (28, 2)]
_EOCD = [(4, 2), (6, 2), (8, 2), (10, 2), (12, 4), (16, 4), (20, 2)]
_HOSTILE_NAMES = (b"../../x", b"/abs/x", b"a/../../b", b"C:\\x", b"..", b"a\\..\\..\\b", b"\xff\xfe.so", b"")


def zip_(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    roll = rng.random()
    if roll < 0.35:
        rebuilt = _zip_member(data, rng, others)
        if rebuilt is not None:
            return rebuilt
    buf = bytearray(data)
    eocd = buf.rfind(b"PK\x05\x06")
    if eocd < 0:
        return generic(data, rng, others)
    entries, position = [], get(buf, eocd + 16, 4, "<")
    while len(entries) < 4096 and buf[position:position + 4] == b"PK\x01\x02":
        entries.append(position)
        position += 46 + get(buf, position + 28, 2, "<") + get(buf, position + 30, 2, "<") + get(
            buf, position + 32, 2, "<")
    roll = rng.random()
    if roll < 0.15 or not entries:
        offset, size = rng.choice(_EOCD)
        set_field(buf, rng, eocd + offset, size, "<")
    elif roll < 0.55:
        entry = rng.choice(entries)
        offset, size = rng.choice(_CENTRAL)
        set_field(buf, rng, entry + offset, size, "<")
    elif roll < 0.7:  # overlap: one entry's data is another's (David Fifield's bombs)
        entry, other = rng.choice(entries), rng.choice(entries)
        buf[entry + 42:entry + 46] = buf[other + 42:other + 46]
        if rng.random() < 0.5:
            buf[entry + 20:entry + 28] = buf[other + 20:other + 28]
    elif roll < 0.8:  # a symbolic link member, a compression method, or flags
        entry = rng.choice(entries)
        choice = rng.randrange(3)
        if choice == 0:
            buf[entry + 5] = 3
            put(buf, entry + 38, 4, "<", (0o120777 << 16))
        elif choice == 1:
            put(buf, entry + 10, 2, "<", rng.choice((0, 8, 9, 12, 14, 93, 99, 0xFFFF)))
        else:
            put(buf, entry + 8, 2, "<", rng.choice((1, 8, 0x40, 0x800, 0x2000, 0xFFFF)))
    elif roll < 0.88:  # a hostile name of the same length (the layout stays)
        entry = rng.choice(entries)
        length = get(buf, entry + 28, 2, "<")
        name = rng.choice(_HOSTILE_NAMES)[:length].ljust(length, b"x")
        buf[entry + 46:entry + 46 + length] = name
    else:  # a local header field
        entry = rng.choice(entries)
        local = get(buf, entry + 42, 4, "<")
        offset, size = rng.choice(_LOCAL)
        set_field(buf, rng, local + offset, size, "<")
    return bytes(buf)


def _zip_member(data: bytes, rng: random.Random, others: list[bytes]) -> bytes | None:
    """The archive rewritten with one member's content mutated (through its own format)."""
    try:
        with warnings.catch_warnings(), zipfile.ZipFile(io.BytesIO(data)) as archive:
            warnings.simplefilter("ignore")  # a duplicate name is what some seeds are about
            infos = [i for i in archive.infolist() if not i.is_dir()]
            if not infos:
                return None
            victim = rng.choice(infos)
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as rebuilt:
                for info in archive.infolist():
                    content = archive.read(info)
                    if info is victim:
                        content = mutate(content, rng, others, depth=1)
                    rebuilt.writestr(info, content)
            return out.getvalue()
    except Exception:
        return None


# -- tar -----------------------------------------------------------------------------------

_TYPES = b"0125673LKxgS"


def _octal(number: int, width: int) -> bytes:
    text = b"%o" % number
    if len(text) < width:
        return text.rjust(width - 1, b"0") + b"\0"
    return (b"\x80" + number.to_bytes(width - 1, "big", signed=False)) if number < 1 << (8 * (width - 1)) else (
        b"\xff" * width)


def tar(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    buf = bytearray(data)
    headers, position = [], 0
    while position + 512 <= len(buf) and len(headers) < 1024 and buf[position:position + 512].strip(b"\0"):
        headers.append(position)
        try:
            size = int(bytes(buf[position + 124:position + 136]).strip(b"\0 ") or b"0", 8)
        except ValueError:
            break
        position += 512 + (size + 511) // 512 * 512
    if not headers:
        return generic(data, rng, others)
    header = rng.choice(headers)
    roll = rng.random()
    if roll < 0.3:  # the size field
        number = value(rng, buf)
        field = _octal(number, 12) if rng.random() < 0.8 else rng.choice((b"-1\0", b"zzz\0", b" " * 12, b"\x80" * 12))
        buf[header + 124:header + 136] = field[:12].ljust(12, b"\0")
    elif roll < 0.5:  # the type: a link, a directory, a long name, pax headers...
        buf[header + 156] = rng.choice(_TYPES)
        if rng.random() < 0.5:
            buf[header + 157:header + 257] = rng.choice((b"../../../etc/passwd", b"/etc/passwd", b"x",
                                                         b"../" * 30)).ljust(100, b"\0")
    elif roll < 0.65:  # a hostile name
        buf[header:header + 100] = rng.choice(_HOSTILE_NAMES + (b"a" * 100,)).ljust(100, b"\0")[:100]
    elif roll < 0.8:  # a member's content, through its own format
        start = header + 512
        end = next((h for h in headers if h > header), len(buf))
        content = bytes(buf[start:end])
        if content:
            mutated = mutate(content, rng, others, depth=1)[:len(content)].ljust(len(content), b"\0")
            buf[start:end] = mutated
    else:  # any other header field: mode, uid, mtime, magic, prefix
        offset, size = rng.choice(((100, 8), (108, 8), (116, 8), (136, 12), (257, 6), (263, 2), (329, 8),
                                   (345, 155)))
        buf[header + offset:header + offset + size] = rng.randbytes(size) if rng.random() < 0.3 else (
            _octal(value(rng, buf), size)[:size].ljust(size, b"\0"))
    if rng.random() < 0.85:  # a right checksum takes the header past tarfile's first test
        block = buf[header:header + 512]
        if len(block) == 512:
            block[148:156] = b" " * 8
            buf[header + 148:header + 156] = b"%06o\0 " % sum(block)
    return bytes(buf)


_COMPRESSORS: dict[str, tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]] = {
    "gzip": (lambda b: gzip.decompress(b), lambda b: gzip.compress(b, mtime=0)),
    "bzip2": (bz2.decompress, bz2.compress),
    "xz": (lzma.decompress, lzma.compress),
}


def compressed(data: bytes, kind: str, rng: random.Random, others: list[bytes]) -> bytes:
    if rng.random() < 0.7:  # mutate what is inside, compress it again
        unpack, pack = _COMPRESSORS[kind]
        try:
            inner = unpack(data)
        except Exception:
            return generic(data, rng, others)
        return pack(mutate(inner, rng, others, depth=1))
    return generic(data, rng, others)


# -- ar ------------------------------------------------------------------------------------

def ar(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    buf = bytearray(data)
    headers, position = [], 8
    while position + 60 <= len(buf) and len(headers) < 1024:
        headers.append(position)
        try:
            size = int(bytes(buf[position + 48:position + 58]).strip() or b"0")
        except ValueError:
            break
        position += 60 + size + (size & 1)
    if not headers:
        return generic(data, rng, others)
    header = rng.choice(headers)
    roll = rng.random()
    if roll < 0.35:
        field = str(value(rng, buf)).encode() if rng.random() < 0.8 else rng.choice((b"-1", b"x", b"", b"1e9"))
        buf[header + 48:header + 58] = field[:10].ljust(10)
    elif roll < 0.65:
        name = rng.choice((b"/%d" % value(rng, buf), b"#1/%d" % value(rng, buf), b"//", b"/", b"/SYM64/",
                           b"../../x/", b"/0"))
        buf[header:header + 16] = name[:16].ljust(16)
    elif roll < 0.75:
        buf[header + 40:header + 48] = rng.choice((b"777777", b"9", b"-1", b"")).ljust(8)
    elif roll < 0.85:
        buf[header + 58:header + 60] = rng.choice((b"`\n", b"\0\0", b"``"))
    else:  # a member's content, through its own format
        start = header + 60
        end = next((h for h in headers if h > header), len(buf))
        content = bytes(buf[start:end])
        if content:
            buf[start:end] = mutate(content, rng, others, depth=1)[:len(content)].ljust(len(content), b"\0")
    return bytes(buf)


# -- Mach-O --------------------------------------------------------------------------------

def macho(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    buf = bytearray(data)
    magic = bytes(buf[:4])
    if magic in (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"):
        wide = magic == b"\xca\xfe\xba\xbf"
        count = get(buf, 4, 4, ">")
        roll = rng.random()
        if roll < 0.2 or not count:
            put(buf, 4, 4, ">", rng.choice((0, 1, 2, 44, 64, 65, 0xFFFFFFFF)))
        elif roll < 0.6:
            stride = 32 if wide else 20
            offset, size = rng.choice(((8, 8), (16, 8), (24, 4)) if wide else ((8, 4), (12, 4), (16, 4)))
            set_field(buf, rng, 8 + rng.randrange(min(count, 16)) * stride + offset, size, ">")
        else:  # a field of one slice's own header
            slices = [get(buf, 8 + i * (32 if wide else 20) + 8, 8 if wide else 4, ">") for i in range(min(count, 16))]
            start = rng.choice(slices)
            return bytes(buf[:start]) + _thin(bytes(buf[start:]), rng)
        return bytes(buf)
    return _thin(data, rng)


_LC = (0x1, 0x2, 0xB, 0xC, 0xD, 0x19, 0x1D, 0x22, 0x80000022, 0x24, 0x26, 0x29, 0x32, 0x80000028, 0x8000001C)


def _thin(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    endian = "<" if buf[:4] in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe") else ">"
    header = 32 if buf[:4] in (b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf") else 28
    ncmds = get(buf, 16, 4, endian)
    commands, position = [], header
    for _ in range(min(ncmds, 256)):
        size = get(buf, position + 4, 4, endian)
        if size < 8 or position + size > len(buf):
            break
        commands.append(position)
        position += size
    roll = rng.random()
    if roll < 0.25 or not commands:
        set_field(buf, rng, rng.choice((4, 8, 12, 16, 20, 24)), 4, endian)
    elif roll < 0.45:
        command = rng.choice(commands)
        put(buf, command, 4, endian, rng.choice(_LC))
    else:  # cmdsize, or a word of the command (offsets, sizes, counts)
        command = rng.choice(commands)
        size = get(buf, command + 4, 4, endian)
        at = command + 4 + rng.randrange(max(1, min(size - 4, 128)) // 4) * 4
        set_field(buf, rng, at, rng.choice((4, 4, 8)), endian)
    return bytes(buf)


# -- PyInstaller ---------------------------------------------------------------------------

def pyinstaller(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    buf = bytearray(data)
    cookie = buf.rfind(COOKIE)
    pkg_length, toc_offset, toc_length = (get(buf, cookie + 8 + 4 * i, 4, ">") for i in range(3))
    pkg_start = cookie + 88 - pkg_length
    entries, position = [], pkg_start + toc_offset
    while position < pkg_start + toc_offset + toc_length and len(entries) < 4096:
        length = get(buf, position, 4, ">")
        if length < 18 or position + length > len(buf):
            break
        entries.append(position)
        position += length
    roll = rng.random()
    if roll < 0.3 or not entries:
        set_field(buf, rng, cookie + 8 + 4 * rng.randrange(4), 4, ">")
    elif roll < 0.75:
        entry = rng.choice(entries)
        if rng.random() < 0.2:  # typecode or compression flag
            buf[entry + rng.choice((16, 17))] = rng.choice(b"\0\1\2bxZnsmoMdz")
        else:
            set_field(buf, rng, entry + 4 * rng.randrange(4), 4, ">")
    elif roll < 0.85 and len(entries) > 1:  # two entries sharing content
        entry, other = rng.sample(entries, 2)
        buf[entry + 4:entry + 16] = buf[other + 4:other + 16]
    else:  # a member's content, through its own format (same length)
        entry = rng.choice(entries)
        start, length = pkg_start + get(buf, entry + 4, 4, ">"), get(buf, entry + 8, 4, ">")
        content = bytes(buf[start:start + length])
        if content and buf[entry + 16] == 0:
            buf[start:start + length] = mutate(content, rng, others, depth=1)[:length].ljust(length, b"\0")
        else:
            return generic(bytes(buf), rng, others)
    return bytes(buf)


# -- dispatch ------------------------------------------------------------------------------

def fmt(data: bytes) -> str:
    """The format a seed is fuzzed as (its kind, or pyinstaller for an executable with a cookie)."""
    kind = classify(data[:512])
    if kind in ("elf", "macho", "pe") and data.rfind(COOKIE, max(0, len(data) - (64 << 10))) >= 0:
        return "pyinstaller"
    return kind


def mutate(data: bytes, rng: random.Random, others: list[bytes], depth: int = 0) -> bytes:
    """One input made from `data`: one to three mutations, structure-aware where the format
    has a reader, generic otherwise (and sometimes anyway)."""
    for _ in range(1 if depth else rng.choice((1, 1, 1, 2, 3))):
        kind = fmt(data)
        structured = rng.random() < 0.75
        if structured and kind == "elf":
            data = elf(data, rng)
        elif structured and kind == "zip":
            data = zip_(data, rng, others)
        elif structured and kind == "tar":
            data = tar(data, rng, others)
        elif structured and kind in _COMPRESSORS and depth < 2:
            data = compressed(data, kind, rng, others)
        elif structured and kind == "ar":
            data = ar(data, rng, others)
        elif structured and kind == "macho":
            data = macho(data, rng, others)
        elif structured and kind == "pyinstaller":
            data = pyinstaller(data, rng, others)
        else:
            data = generic(data, rng, others)
    return data
