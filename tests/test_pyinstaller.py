"""binlint.formats.pyinstaller.reader against real PyInstaller bundles built at test time.

The six bundles are fixtures of kind "bundle" (tests/fixtures/bundles.py), built once per machine by
`python -m PyInstaller`, in parallel, and shared with the rule table and test_bundles.py:
pyi-onefile, onefile with an absolute, a relative and a `$VAR` --runtime-tmpdir, the
default one-folder build (pyi-onedir), and a onefile carrying execstack-lib as
libbinlint_execstack.so. Hostile variants are byte-patched copies of the onefile bundle;
each must raise ArtifactError (or give None where no cookie is left), never another
exception, quickly. A few synthetic files put a real package where macOS and Windows put
it: before a code signature that is larger than the scanned tail.

PyInstaller is a test dependency (`pyinstaller>=6` in the test extra). Without it the tests
that need a bundle are skipped locally but fail under $CI or $BINLINT_REQUIRE_CC, as
missing compilers do (tests/fixtures/toolchain.py).
"""
from __future__ import annotations

import hashlib
import mmap
import random
import struct
import sys
import sysconfig
import time
import tracemalloc
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Callable, NamedTuple

import pytest

from binlint.formats.pyinstaller.reader import COOKIE, Bundle, TocEntry, find_bundle, read_entry, runtime_tmpdir
from binlint.errors import ArtifactError
from binlint.formats.elf.reader import PF_X, PT_GNU_STACK, ElfFile
from fixtures import (
    PYI_EXECSTACK_LIB,
    PYI_ONEFILE,
    PYI_REQUIREMENT,
    PYI_RUNTIME_TMPDIR,
    PYI_SCRIPT,
    Artifacts,
    fixture_names,
    require_module,
)

SCRIPT = PYI_SCRIPT  # the script's TOC entry: its file name without .py, typecode 's'
PYTHON_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"

BUILDS = fixture_names("bundle")
ONEFILE = PYI_ONEFILE
RUNTIME_TMPDIR = PYI_RUNTIME_TMPDIR  # "$HOME/tmp": the bootloader expands nothing, and neither do we

COOKIE_STRUCT = struct.Struct("!8sIIII64s")
ENTRY_STRUCT = struct.Struct("!IIIIBc")
QUICK = 1.0  # CPU seconds any hostile input may cost (CPU, not wall: CI machines are shared)


@pytest.fixture(scope="session")
def read(artifacts: Artifacts) -> Callable[[str], bytes]:
    """The bytes of a bundle fixture, read once (the first one asked for builds them all)."""
    return lru_cache(maxsize=None)(lambda name: artifacts.path(name).read_bytes())


def _pydata(data: bytes) -> tuple[int, int]:
    section = ElfFile(data).section_named("pydata")
    assert section is not None, "a PyInstaller executable on Linux keeps its package in section pydata"
    return section.offset, section.size


# --------------------------------------------------------------------------
# The layout of a valid bundle, read independently of the module under test
# --------------------------------------------------------------------------


class Layout(NamedTuple):
    cookie: int  # offset of the magic
    pkg_start: int
    toc: int  # absolute offset of the TOC
    toc_length: int
    entries: dict[str, int]  # name -> absolute offset of its TOC entry
    data: dict[str, tuple[int, int]]  # name -> (absolute offset, length) of its data


def _layout(data: bytes) -> Layout:
    cookie = data.rfind(COOKIE)
    _, pkg_length, toc_offset, toc_length, _, _ = COOKIE_STRUCT.unpack_from(data, cookie)
    pkg_start = cookie + COOKIE_STRUCT.size - pkg_length
    entries, blobs = {}, {}
    position = toc = pkg_start + toc_offset
    while position < toc + toc_length:
        length, offset, size, _, _, _ = ENTRY_STRUCT.unpack_from(data, position)
        name = data[position + ENTRY_STRUCT.size:position + length].split(b"\0")[0].decode()
        entries[name] = position
        blobs[name] = (pkg_start + offset, size)
        position += length
    return Layout(cookie, pkg_start, toc, toc_length, entries, blobs)


def _libpython(bundle: Bundle) -> TocEntry:
    return next(e for e in bundle.entries if e.name == bundle.python_library)


# --------------------------------------------------------------------------
# Real bundles
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUILDS)
def test_find_bundle_reads_a_real_bundle(name: str, artifacts: Artifacts, read: Callable[[str], bytes]) -> None:
    data = read(name)
    bundle = find_bundle(data)
    assert bundle is not None
    assert bundle.python_version == PYTHON_VERSION
    assert bundle.python_library.startswith(f"libpython{PYTHON_VERSION}")
    assert (SCRIPT, "s") in {(e.name, e.typecode) for e in bundle.entries}
    assert bundle.onefile is ONEFILE[name]
    assert "pyi-contents-directory _internal" in bundle.options
    assert all(e.typecode != "o" for e in bundle.entries)
    if ONEFILE[name]:
        assert _libpython(bundle).typecode == "b"
    else:  # one-folder: libpython and every other binary are files next to the executable
        assert not [e for e in bundle.entries if e.typecode in "bxZnd"]
        assert (artifacts.path(name).parent / "_internal" / bundle.python_library).is_file()
    # The same from the section the caller found, and from a memory map.
    assert find_bundle(data, _pydata(data)) == bundle
    with open(artifacts.path(name), "rb") as stream, mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        assert find_bundle(mapped) == bundle
        assert find_bundle(mapped, _pydata(data)) == bundle


@pytest.mark.parametrize("name", BUILDS)
def test_runtime_tmpdir(name: str, read: Callable[[str], bytes]) -> None:
    bundle = find_bundle(read(name))
    assert bundle is not None
    assert runtime_tmpdir(bundle) == RUNTIME_TMPDIR[name]


def test_runtime_tmpdir_as_the_bootloader_reads_it() -> None:
    # strncmp() of the first 18 characters, the value after the separator, the last one wins.
    options = ["pyi-contents-directory _internal", "pyi-runtime-tmpdir /first", "pyi-runtime-tmpdir /a b"]
    assert runtime_tmpdir(Bundle("3.12", "libpython3.12.so.1.0", [], options, True)) == "/a b"
    assert runtime_tmpdir(Bundle("3.12", "libpython3.12.so.1.0", [], options[:1], True)) is None


@pytest.mark.parametrize("name", ["pyi-onefile", "pyi-onedir"])
def test_cookie_ends_the_pydata_section_not_the_file(name: str, read: Callable[[str], bytes]) -> None:
    data = read(name)
    offset, size = _pydata(data)
    layout = _layout(data)
    cookie_end = layout.cookie + COOKIE_STRUCT.size
    assert (layout.pkg_start, cookie_end) == (offset, offset + size)  # the package is exactly the section
    # objcopy puts .shstrtab and the section headers after it: the cookie is not at the end of the file.
    assert 0 < len(data) - cookie_end < 16 << 10


def test_the_bootloader_does_not_carry_the_cookie() -> None:
    # It builds the magic at run time so that its back-to-front scan cannot find itself.
    require_module("PyInstaller", PYI_REQUIREMENT)
    import PyInstaller

    loaders = list((Path(PyInstaller.__file__).parent / "bootloader").glob("*/run*"))
    assert loaders
    for loader in loaders:
        assert find_bundle(loader.read_bytes()) is None, loader


def test_read_entry_gives_the_bad_binary(artifacts: Artifacts, read: Callable[[str], bytes]) -> None:
    data = read("pyi-onefile-bad-binary")
    bundle = find_bundle(data)
    assert bundle is not None
    entry = next(e for e in bundle.entries if e.name == PYI_EXECSTACK_LIB)
    assert (entry.typecode, entry.compressed) == ("b", True)
    content = read_entry(data, entry, 1 << 20)
    assert content.startswith(b"\x7fELF")
    assert content == artifacts.path("execstack-lib").read_bytes()
    stacks = [s for s in ElfFile(content).segments if s.type == PT_GNU_STACK]
    assert stacks and stacks[0].flags & PF_X


def test_read_entry_inflates_libpython_exactly(read: Callable[[str], bytes]) -> None:
    data = read("pyi-onefile")
    bundle = find_bundle(data)
    assert bundle is not None
    entry = _libpython(bundle)
    original = Path(sysconfig.get_config_var("LIBDIR") or "") / bundle.python_library
    if not original.is_file():
        pytest.skip(f"{original} is not where sysconfig says")
    content = read_entry(data, entry, entry.uncompressed_length)  # many chunks, exactly at the limit
    assert hashlib.sha256(content).digest() == hashlib.sha256(original.read_bytes()).digest()
    with pytest.raises(ArtifactError, match="limit"):
        read_entry(data, entry, entry.uncompressed_length - 1)


def test_read_entry_of_every_entry(read: Callable[[str], bytes]) -> None:
    data = read("pyi-onefile-tmpdir")
    bundle = find_bundle(data)
    assert bundle is not None
    for entry in bundle.entries:
        assert len(read_entry(data, entry, 1 << 30)) == entry.uncompressed_length


# --------------------------------------------------------------------------
# Hostile bundles: byte-patched copies of the onefile bundle
# --------------------------------------------------------------------------


def _put(data: bytes, offset: int, value: int) -> bytes:
    patched = bytearray(data)
    struct.pack_into("!I", patched, offset, value)
    return bytes(patched)


def _fake_toc(data: bytes, layout: Layout, count: int) -> bytes:
    """A TOC of `count` minimal entries, written over libpython's data."""
    start, size = next(blob for name, blob in layout.data.items() if name.startswith("libpython"))
    toc = struct.pack("!IIIIBc", ENTRY_STRUCT.size, 0, 0, 0, 0, b"x") * count
    assert len(toc) <= size
    patched = bytearray(data)
    patched[start:start + len(toc)] = toc
    struct.pack_into("!II", patched, layout.cookie + TOC_OFFSET, start - layout.pkg_start, len(toc))
    return bytes(patched)


def _last_entry(layout: Layout) -> int:
    return max(layout.entries.values())


# Cookie fields: the magic, then u32 pkg_length, toc_offset, toc_length, python_version.
PKG_LENGTH, TOC_OFFSET, TOC_LENGTH = 8, 12, 16
# TOC entry fields: u32 entry_length, offset, length, uncompressed_length.
ENTRY_LENGTH, DATA_OFFSET, DATA_LENGTH, UNCOMPRESSED_LENGTH = 0, 4, 8, 12

# name -> (patch, expected): expected "error" (ArtifactError) or "none" (no cookie left).
HOSTILE: dict[str, tuple[Callable[[bytes, Layout], bytes], str]] = {
    "pkg-length-larger-than-file": (lambda d, l: _put(d, l.cookie + PKG_LENGTH, len(d) + 1), "error"),
    "pkg-length-max": (lambda d, l: _put(d, l.cookie + PKG_LENGTH, 0xFFFFFFFF), "error"),
    "pkg-length-smaller-than-cookie": (lambda d, l: _put(d, l.cookie + PKG_LENGTH, 10), "error"),
    "toc-offset-past-end": (lambda d, l: _put(d, l.cookie + TOC_OFFSET, 0xFFFFFF00), "error"),
    "toc-length-past-end": (lambda d, l: _put(d, l.cookie + TOC_LENGTH, 0xFFFFFF00), "error"),
    "toc-overlaps-cookie": (lambda d, l: _put(d, l.cookie + TOC_LENGTH, l.toc_length + 16), "error"),
    "toc-cut-inside-an-entry": (lambda d, l: _put(d, l.cookie + TOC_LENGTH, l.toc_length - 8), "error"),
    "entry-length-0": (lambda d, l: _put(d, l.toc + ENTRY_LENGTH, 0), "error"),
    "entry-length-below-header": (lambda d, l: _put(d, l.toc + ENTRY_LENGTH, 17), "error"),
    "entry-length-overruns-toc": (lambda d, l: _put(d, l.toc + ENTRY_LENGTH, l.toc_length + 16), "error"),
    "last-entry-overruns-toc": (
        lambda d, l: _put(d, _last_entry(l) + ENTRY_LENGTH, l.toc + l.toc_length - _last_entry(l) + 16), "error"),
    "entry-length-max": (lambda d, l: _put(d, l.entries[SCRIPT] + ENTRY_LENGTH, 0xFFFFFFFF), "error"),
    "entry-offset-outside-package": (lambda d, l: _put(d, l.entries[SCRIPT] + DATA_OFFSET, 0xFFFFFFF0), "error"),
    "entry-size-outside-package": (lambda d, l: _put(d, l.entries[SCRIPT] + DATA_LENGTH, 0xFFFFFFF0), "error"),
    "absurd-entry-count": (lambda d, l: _fake_toc(d, l, 150_000), "error"),
    "cookie-cut-short": (lambda d, l: d[:l.cookie + 20], "error"),
    "file-cut-inside-toc": (lambda d, l: d[:l.toc + l.toc_length // 2], "none"),
    "cookie-magic-damaged": (lambda d, l: d[:l.cookie] + b"X" + d[l.cookie + 1:], "none"),
}


@pytest.mark.parametrize("with_section", [False, True], ids=["scan", "pydata"])
@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_bundle(case: str, with_section: bool, read: Callable[[str], bytes]) -> None:
    original = read("pyi-onefile")
    patch, expected = HOSTILE[case]
    data = patch(original, _layout(original))
    section = _pydata(original) if with_section else None  # the caller read it before the damage
    start = time.process_time()
    if expected == "none" and (section is None or sum(section) <= len(data)):
        assert find_bundle(data, section) is None
    else:
        with pytest.raises(ArtifactError):
            find_bundle(data, section)
    assert time.process_time() - start < QUICK


def test_random_damage_is_an_artifact_error(read: Callable[[str], bytes]) -> None:
    """Seeded random byte damage to the cookie and the TOC, sometimes with the file cut
    short: find_bundle and read_entry give a result or ArtifactError, quickly."""
    original = read("pyi-onedir")
    layout = _layout(original)
    cookie = (layout.cookie, layout.cookie + COOKIE_STRUCT.size)
    toc = (layout.toc, layout.toc + layout.toc_length)
    rng = random.Random(0xB0D1E5)
    damaged = bytearray(original)
    outcomes = {"bundle": 0, "none": 0, "error": 0}
    for _ in range(400):
        saved = []
        for _ in range(rng.randint(1, 6)):
            where = rng.randrange(*rng.choice([cookie, toc, (toc[0], toc[0] + 64)]))
            saved.append((where, damaged[where]))
            damaged[where] = rng.choice([0, 0xFF, rng.randrange(256), damaged[where] ^ (1 << rng.randrange(8))])
        end = len(damaged) if rng.random() < 0.8 else rng.randrange(layout.pkg_start, len(damaged))
        data = bytes(damaged[:end])
        start = time.process_time()
        try:
            bundle = find_bundle(data)
            for entry in bundle.entries if bundle else ():
                try:
                    read_entry(data, entry, 1 << 22)
                except ArtifactError:
                    pass
            outcomes["bundle" if bundle else "none"] += 1
        except ArtifactError:
            outcomes["error"] += 1
        assert time.process_time() - start < QUICK
        for where, value in reversed(saved):
            damaged[where] = value
    assert all(outcomes.values()), outcomes  # the damage reached every outcome


def test_names_that_are_not_utf8_are_escaped(read: Callable[[str], bytes]) -> None:
    original = read("pyi-onefile")
    layout = _layout(original)
    patched = bytearray(original)
    patched[layout.entries[SCRIPT] + ENTRY_STRUCT.size] = 0xFF
    bundle = find_bundle(bytes(patched))
    assert bundle is not None
    assert "\\xffinlint_app" in {e.name for e in bundle.entries}


def _patched_entry(data: bytes, name: str, **fields: int) -> tuple[bytes, TocEntry]:
    """`data` with the TOC entry of `name` changed (length, uncompressed_length) and, with
    `blob`, its data replaced; and the entry as find_bundle now reads it."""
    layout = _layout(data)
    patched = bytearray(data)
    where = layout.entries[name]
    if "blob" in fields:
        blob = fields.pop("blob")
        start, size = layout.data[name]
        assert len(blob) <= size
        patched[start:start + len(blob)] = blob
        fields.setdefault("length", len(blob))
    offsets = {"length": DATA_LENGTH, "uncompressed_length": UNCOMPRESSED_LENGTH}
    for field, value in fields.items():
        struct.pack_into("!I", patched, where + offsets[field], value)
    bundle = find_bundle(bytes(patched))
    assert bundle is not None
    return bytes(patched), next(e for e in bundle.entries if e.name == name)


def _rejects(data: bytes, entry: TocEntry, limit: int, match: str) -> int:
    """read_entry raises ArtifactError quickly; returns the peak Python allocation."""
    tracemalloc.start()
    start = time.process_time()
    try:
        with pytest.raises(ArtifactError, match=match):
            read_entry(data, entry, limit)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.process_time() - start < QUICK
    return peak


def test_compressed_entry_of_garbage(read: Callable[[str], bytes]) -> None:
    layout = _layout(read("pyi-onefile"))
    data, entry = _patched_entry(read("pyi-onefile"), SCRIPT, blob=b"\xff" * layout.data[SCRIPT][1])
    _rejects(data, entry, 1 << 20, "corrupt")


def test_compressed_entry_cut_short(read: Callable[[str], bytes]) -> None:
    layout = _layout(read("pyi-onefile"))
    data, entry = _patched_entry(read("pyi-onefile"), SCRIPT, length=layout.data[SCRIPT][1] // 2)
    _rejects(data, entry, 1 << 20, "truncated")


def test_compressed_entry_longer_than_declared(read: Callable[[str], bytes]) -> None:
    data = read("pyi-onefile")
    entry = next(e for e in find_bundle(data).entries if e.name == SCRIPT)
    data, entry = _patched_entry(data, SCRIPT, uncompressed_length=entry.uncompressed_length - 1)
    _rejects(data, entry, 1 << 20, "declares")


def test_uncompressed_entry_whose_sizes_disagree(read: Callable[[str], bytes]) -> None:
    data = read("pyi-onefile")
    stored = next(e for e in find_bundle(data).entries if not e.compressed)  # the PYZ
    data, entry = _patched_entry(data, stored.name, uncompressed_length=stored.length + 1)
    _rejects(data, entry, 1 << 30, "declares")


def test_huge_declared_size_with_a_small_limit(read: Callable[[str], bytes]) -> None:
    data = read("pyi-onefile")
    name = find_bundle(data).python_library
    data, entry = _patched_entry(data, name, uncompressed_length=0xFFFFFFFF)
    assert _rejects(data, entry, 1 << 20, "limit") < 64 << 10  # refused before inflating anything


@pytest.mark.parametrize(("declared", "error"), [(1000, "declares"), (64 << 20, "limit")], ids=["lying", "honest"])
def test_zip_bomb(declared: int, error: str, read: Callable[[str], bytes]) -> None:
    data = read("pyi-onefile")
    data, entry = _patched_entry(data, find_bundle(data).python_library, blob=_bomb(), uncompressed_length=declared)
    # Honest: refused before inflating. Lying: inflating stops one byte past the declared size.
    assert _rejects(data, entry, 1 << 20, error) < 256 << 10


@lru_cache(maxsize=None)
def _bomb() -> bytes:
    return zlib.compress(bytes(64 << 20), 9)  # 64 MiB of zeros in ~64 KiB


def test_read_entry_checks_the_entry_it_is_given(read: Callable[[str], bytes]) -> None:
    data = read("pyi-onefile")
    entry = next(e for e in find_bundle(data).entries if e.name == SCRIPT)
    with pytest.raises(ArtifactError, match="past the end"):
        read_entry(data, entry._replace(offset=len(data) - 10), 1 << 20)
    with pytest.raises(ArtifactError, match="past the end"):
        read_entry(data, entry._replace(offset=-1), 1 << 20)


# --------------------------------------------------------------------------
# Where macOS and Windows put the package: before a code signature
# --------------------------------------------------------------------------

SIGNATURE_SIZE = 256 << 10  # codesign stores a hash per 4 KiB page: ~32-52 bytes per 4 KiB of file


def _package(data: bytes) -> bytes:
    layout = _layout(data)
    return data[layout.pkg_start:layout.cookie + COOKIE_STRUCT.size]


def _align(value: int, alignment: int = 16) -> int:
    return (value + alignment - 1) // alignment * alignment


def _signature_bytes() -> bytes:
    return random.Random(0x5167).randbytes(SIGNATURE_SIZE)


def _macho_header(commands: bytes) -> bytes:
    return struct.pack("<IiiIIIII", 0xFEEDFACF, 0x01000007, 3, 2, 1 if commands else 0, len(commands), 0, 0) + commands


def _macho(package: bytes, signed: bool = True) -> bytes:
    """A thin x86-64 Mach-O: header, LC_CODE_SIGNATURE, the package at 4 KiB, then the
    signature (unsigned: the same bytes, with no load command to say what they are)."""
    signature_at = _align(4096 + len(package))
    commands = struct.pack("<IIII", 0x1D, 16, signature_at, SIGNATURE_SIZE) if signed else b""
    head = _macho_header(commands).ljust(4096, b"\0")
    return (head + package).ljust(signature_at, b"\0") + _signature_bytes()


def _fat(package: bytes) -> bytes:
    """A fat file of two slices; the package is appended to the last, as PyInstaller does."""
    first = _macho_header(b"").ljust(4096, b"\0")
    last = _macho(package)
    offsets = (4096, 8192)
    header = struct.pack(">II", 0xCAFEBABE, 2) + b"".join(
        struct.pack(">iiIII", 0x01000007, 3, offset, len(body), 12) for offset, body in zip(offsets, (first, last)))
    return header.ljust(offsets[0], b"\0") + first + last


def _pe(package: bytes) -> bytes:
    """A PE32+ file: headers, the package, then the certificate table of an Authenticode signature."""
    headers = bytearray(4096)
    headers[:2] = b"MZ"
    struct.pack_into("<I", headers, 0x3C, 0x40)
    headers[0x40:0x44] = b"PE\0\0"
    optional = 0x40 + 24
    struct.pack_into("<H", headers, optional, 0x20B)
    struct.pack_into("<I", headers, optional + 108, 16)  # NumberOfRvaAndSizes
    certificates = _align(4096 + len(package), 8)
    struct.pack_into("<II", headers, optional + 112 + 4 * 8, certificates, SIGNATURE_SIZE)
    return (bytes(headers) + package).ljust(certificates, b"\0") + _signature_bytes()


@pytest.mark.parametrize("make", [_macho, _fat, _pe], ids=["macho", "fat", "pe"])
def test_package_before_a_large_signature(make: Callable[[bytes], bytes], read: Callable[[str], bytes]) -> None:
    elf = read("pyi-onedir")
    expected = find_bundle(elf)
    data = make(_package(elf))
    assert len(data) - data.rfind(COOKIE) > 64 << 10  # farther from the end than any ELF layout needs
    start = time.process_time()
    bundle = find_bundle(data)
    assert time.process_time() - start < QUICK
    assert bundle is not None
    assert bundle._replace(entries=None) == expected._replace(entries=None)
    assert [e[:2] for e in bundle.entries] == [e[:2] for e in expected.entries]
    script = next(e for e in bundle.entries if e.name == SCRIPT)
    assert read_entry(data, script, 1 << 20) == read_entry(elf, next(e for e in expected.entries if e.name == SCRIPT),
                                                           1 << 20)


def test_package_far_from_the_end_without_a_signature_is_not_found(read: Callable[[str], bytes]) -> None:
    # The scan is bounded: with no signature to explain the gap, 256 KiB of tail is not searched back over.
    data = _macho(_package(read("pyi-onedir")), signed=False)
    assert find_bundle(data) is None


# --------------------------------------------------------------------------
# Cost
# --------------------------------------------------------------------------


def _best_of(runs: int, call: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        call()
        best = min(best, time.process_time() - start)
    return best


def _large_file(tmp_path: Path) -> Path:
    system = Path("/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1")
    if system.is_file() and system.stat().st_size >= 100 << 20:
        return system
    made = tmp_path / "large.bin"
    with open(made, "wb") as stream:
        stream.truncate(100 << 20)
        stream.seek((100 << 20) - (1 << 20))
        stream.write(random.Random(100).randbytes(1 << 20))
    return made


def test_no_cookie_in_100_mb_costs_no_scan(tmp_path: Path) -> None:
    with open(_large_file(tmp_path), "rb") as stream, \
            mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        assert find_bundle(mapped) is None
        assert _best_of(5, lambda: find_bundle(mapped)) < 0.005


def test_real_bundle_costs_little(artifacts: Artifacts, read: Callable[[str], bytes]) -> None:
    with open(artifacts.path("pyi-onefile"), "rb") as stream, \
            mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        assert _best_of(5, lambda: find_bundle(mapped)) < 0.005
        section = _pydata(read("pyi-onefile"))
        assert _best_of(5, lambda: find_bundle(mapped, section)) < 0.005


# --------------------------------------------------------------------------
# A damaged package is a finding on the executable, never silence
# --------------------------------------------------------------------------

# What PyInstaller 6's bootloader prints when it cannot open the package (pyi_main.c);
# earlier ones said "Cannot open PyInstaller archive from executable".
BOOTLOADER_ERROR = "Could not load PyInstaller's embedded PKG archive from the executable"

DAMAGED = {
    # name -> (damage, what the finding's reason says, what the bootloader prints)
    "cookie-magic-damaged": (lambda d, l: d[:l.cookie] + b"X" + d[l.cookie + 1:],
                             "no PyInstaller package cookie (MEI\\014\\013\\012\\013\\016) in its pydata section",
                             BOOTLOADER_ERROR),
    "cut-in-half": (lambda d, l: d[:len(d) // 2],
                    "no PyInstaller package cookie (MEI\\014\\013\\012\\013\\016) near the end of the file",
                    BOOTLOADER_ERROR),
    "toc-offset-past-end": (lambda d, l: _put(d, l.cookie + TOC_OFFSET, 0xFFFFFF00), "PyInstaller TOC (",
                            "Could not read full TOC!"),
}


@pytest.mark.parametrize("case", DAMAGED)
def test_a_damaged_package_is_an_error_the_bootloader_agrees_with(case: str, read: Callable[[str], bytes],
                                                                  tmp_path) -> None:
    import subprocess

    from binlint.walk.discover import discover
    from binlint.engine import check
    from binlint.rules import load_rules

    damage, reason, printed = DAMAGED[case]
    original = read("pyi-onefile")
    path = tmp_path / "app"
    path.write_bytes(damage(original, _layout(original)))
    path.chmod(0o755)
    run = subprocess.run([str(path)], capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and printed in run.stderr, run.stderr
    findings = check(discover([str(path)]), load_rules([]))
    [finding] = [f for f in findings if f.rule == "pyinstaller-archive-damaged"]
    assert (finding.severity, finding.path) == ("error", str(path))
    assert finding.message.startswith(f"PyInstaller executable whose package cannot be opened ({reason}")
    assert "unreadable-artifact" not in {f.rule for f in findings}  # the executable itself was checked


def test_the_bare_bootloader_is_a_package_that_cannot_be_opened(tmp_path) -> None:
    require_module("PyInstaller", PYI_REQUIREMENT)
    import PyInstaller

    from binlint.formats.pyinstaller.bootloader import damage

    [loader] = (Path(PyInstaller.__file__).parent / "bootloader").glob("Linux-64bit-*/run")
    assert damage(loader.read_bytes()) is not None


@pytest.mark.parametrize("case", ["bare-bootloader", "pydata-removed"])
def test_a_bootloader_without_its_package_is_found_by_its_read_only_data(case: str, read: Callable[[str], bytes],
                                                                         tmp_path) -> None:
    """A program that ends with its section table is searched for the bootloader's strings in
    its `.rodata` only: the bootloader shipped without a package, and a onefile build whose
    `pydata` section was removed (as objcopy or a careless strip does), are still reported,
    and the bootloader itself refuses to start."""
    import subprocess

    require_module("PyInstaller", PYI_REQUIREMENT)
    import PyInstaller

    from binlint.engine import check
    from binlint.rules import load_rules
    from binlint.walk.discover import discover

    path = tmp_path / "app"
    if case == "bare-bootloader":
        [loader] = (Path(PyInstaller.__file__).parent / "bootloader").glob("Linux-64bit-*/run")
        path.write_bytes(loader.read_bytes())
    else:
        source = tmp_path / "onefile"
        source.write_bytes(read("pyi-onefile"))
        subprocess.run(["objcopy", "--remove-section", "pydata", str(source), str(path)], check=True)
    data = path.read_bytes()
    elf = ElfFile(data)
    assert elf.section_named("pydata") is None and len(data) == elf.section_table_end  # nothing appended
    path.chmod(0o755)
    run = subprocess.run([str(path)], capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and BOOTLOADER_ERROR in run.stderr, run.stderr
    findings = [f for f in check(discover([str(path)]), load_rules([])) if f.rule == "pyinstaller-archive-damaged"]
    assert [(f.severity, f.path) for f in findings] == [("error", str(path))]


def test_other_programs_are_not_damaged_bundles() -> None:
    # The bundle fixtures are quiet in tests/rules/test_pyinstaller.py's table; this machine's Python too.
    from binlint.formats.pyinstaller.bootloader import damage

    assert damage(Path(sys.executable).resolve().read_bytes()) is None
