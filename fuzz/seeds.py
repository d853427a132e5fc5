"""The inputs mutations start from: the test fixtures (built by tests/fixtures/), every
file under tests/data/ (so real Mach-O files committed there come in), and a small
PyInstaller bundle assembled here, whose package is cheap enough to mutate thousands of
times (real bundles carry libpython, megabytes to inflate per input)."""
from __future__ import annotations

import bz2
import gzip
import lzma
import os
import struct
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SEED_MAX = 4 << 20  # larger files cost too much per input to fuzz by the hundred thousand
# Fixture kinds from tests/fixtures/ that are read by a format reader (plus scripts and pyc
# files, which are cheap and reach the classifier and the script facts).
FIXTURE_KINDS = ("elf", "cross", "bad", "file", "archive", "pe")

DECOMPRESS = {"gzip": gzip.decompress, "bzip2": bz2.decompress, "xz": lzma.decompress}
COOKIE = b"MEI\x0c\x0b\x0a\x0b\x0e"


def conftest():  # type: ignore[no-untyped-def]
    """tests/conftest.py, which knows how to build every fixture."""
    tests = str(ROOT / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    import conftest as module  # noqa: PLC0415

    return module


def fixture_seeds(artifacts, bundles: bool = False) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    """name -> bytes of every fixture of FIXTURE_KINDS (and the PyInstaller bundles when
    `bundles`), built by `artifacts` (tests/conftest.py's Artifacts). Fixtures whose tool
    is missing here (a cross compiler, PyInstaller) are left out."""
    module = conftest()
    kinds = FIXTURE_KINDS + (("bundle",) if bundles else ())
    seeds: dict[str, bytes] = {}
    for name in module.fixture_names():
        if module.FIXTURE_KINDS[name] not in kinds:
            continue
        try:
            path = artifacts.path(name)
        except BaseException as err:  # pytest.skip() outside a test raises Skipped (a BaseException)
            if isinstance(err, (KeyboardInterrupt, SystemExit)):
                raise
            continue
        if path.is_file() and path.stat().st_size <= SEED_MAX:
            seeds[name] = path.read_bytes()
    if "clean-obj" in seeds:
        seeds["long-names-ar"] = long_names_ar(seeds["clean-obj"])
    if "clean-exe" in seeds and "execstack-lib" in seeds:
        seeds["small-pyinstaller-bundle"] = small_bundle(seeds["clean-exe"], seeds["execstack-lib"])
    return seeds


def data_seeds() -> dict[str, bytes]:
    """Every file under tests/data/ (committed seeds, regression inputs, real Mach-O files)."""
    seeds = {}
    for directory, _, files in os.walk(DATA):
        for name in sorted(files):
            path = Path(directory, name)
            if path.stat().st_size <= SEED_MAX and path.suffix not in (".md", ".rst", ".txt"):
                seeds[str(path.relative_to(DATA))] = path.read_bytes()
    return seeds


def shape_seeds() -> dict[str, bytes]:
    """Small versions of the attack shapes of fuzz/shapes.py (issue 14), cheap enough to run
    by the thousand: mutations of their sizes, counts and nesting reach the budgets (a split
    between processes, sizes a member declares, fan-out across nested archives)."""
    from fuzz import shapes

    return {
        "shape-split-wheel": shapes.split_wheel(6, 256 << 10),
        "shape-declared-tar-bz2": shapes.declared_tar("bzip2", 1 << 30, held=64 << 10),
        "shape-declared-tar-xz": shapes.declared_tar("xz", 10 << 30, held=64 << 10),
        "shape-declared-tar-gz": shapes.declared_tar("gzip", 8 << 20),
        "shape-fan-out-zip": shapes.fan_out_zip(4, 4),
        "shape-pax-chain": shapes.pax_chain(64),
    }


def small_bundle(exe: bytes, library: bytes) -> bytes:
    """`exe` with an appended PyInstaller package (the layout binlint/formats/pyinstaller/reader.py
    documents): `library` zlib-compressed as a binary, a data file stored as is, a runtime
    option, and the cookie at the end."""
    entries = [(b"b", "libbinlint_execstack.so", zlib.compress(library, 9), len(library), 1),
               (b"x", "data/readme.txt", b"binlint fuzz seed\n", 18, 0),
               (b"o", "pyi-runtime-tmpdir /var/tmp/app", b"", 0, 0)]
    body, toc = b"", b""
    for typecode, name, content, uncompressed, flag in entries:
        raw = name.encode() + b"\0"
        length = (18 + len(raw) + 15) // 16 * 16
        toc += struct.pack("!IIIIBc", length, len(body), len(content), uncompressed, flag, typecode)
        toc += raw.ljust(length - 18, b"\0")
        body += content
    package = body + toc
    cookie = struct.pack("!8sIIII64s", COOKIE, len(package) + 88, len(body), len(toc), 311,
                         b"libpython3.11.so.1.0")
    return exe + package + cookie


def member_seeds(files: dict[str, bytes]) -> dict[str, bytes]:
    """The Mach-O and ELF members of the zip seeds (a macOS wheel's extension module), as
    seeds of their own: their readers then see them whole, not only through the zip."""
    import io
    import zipfile

    from binlint.formats import classify

    found = {}
    for name, data in files.items():
        kind = classify(data[:512])
        if kind in DECOMPRESS:  # the tar inside a compressed tarball: the tar reader's own seed
            try:
                inner = DECOMPRESS[kind](data)
            except Exception:  # the corrupt compressed fixtures
                continue
            if classify(inner[:512]) == "tar":
                found[f"{name}!tar"] = inner
        if kind != "zip":
            continue
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for info in archive.infolist():
                    content = archive.read(info) if info.file_size <= SEED_MAX else b""
                    if classify(content[:512]) in ("macho", "elf"):
                        found[f"{name}!{info.filename}"] = content
        except Exception:  # the broken, truncated and encrypted zip fixtures
            continue
    return found


def long_names_ar(obj: bytes) -> bytes:
    """An ar archive with what static-lib lacks: a GNU long-name table (`//`) and a member
    named through it (`/0`), and a BSD member whose name precedes its content (`#1/N`)."""
    def member(name: bytes, content: bytes) -> bytes:
        header = b"%-16s%-12d%-6d%-6d%-8o%-10d`\n" % (name, 0, 0, 0, 0o644, len(content))
        return header + content + (b"\n" if len(content) % 2 else b"")

    long_name = b"an_object_with_a_long_name.o"
    bsd_name = b"bsd_named_object.o\0\0"
    return (b"!<arch>\n" + member(b"//", long_name + b"/\n") + member(b"/0", obj)
            + member(b"#1/%d" % len(bsd_name), bsd_name + obj))
