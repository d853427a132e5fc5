"""PyInstaller bundles: the CArchive ("PKG") a PyInstaller executable carries.

The PKG ends with a cookie: the 8-byte magic COOKIE, then big-endian u32 pkg_length,
toc_offset (from the start of the PKG), toc_length, python_version (major * 100 + minor)
and the 64-byte, NUL-padded name of the Python library. The PKG starts pkg_length bytes
before the end of the cookie. Its table of contents (TOC) is a run of entries: big-endian
u32 entry_length (the whole entry, padded to a multiple of 16), offset (from the start of
the PKG), length, uncompressed_length, a u8 compression flag (1 = zlib), a 1-byte typecode
and the NUL-terminated name. Runtime options are entries of typecode 'o' whose name is the
option, e.g. "pyi-runtime-tmpdir /var/lib/app". The bootloader runs a bundle in onefile
mode (extracting to a temporary directory) when the TOC has an extractable entry: b, x, Z,
n (onefile) or d (MERGE). Sources: PyInstaller 6 bootloader/src/pyi_archive.c and .h,
pyi_main.c, PyInstaller/archive/readers.py and writers.py, PyInstaller/building/api.py.

Where the cookie is: PyInstaller on Linux stores the PKG as the ELF section `pydata`
(objcopy --add-section), so the cookie ends where that section ends, followed by the
section name table and the section headers (about 2 KiB). On macOS the PKG is appended and
then code-signed: the signature comes after the cookie and grows with the file (a hash per
4 KiB page), so the cookie is found before LC_CODE_SIGNATURE's data. On Windows a signed
executable has its certificate table after the cookie. The bootloader scans the whole file
from the end; this reader scans only _TAIL bytes before each of those places, with rfind
(so on Linux, pass the pydata section when it is known: it does not depend on what follows).
A one-folder build with a side-loaded PKG carries only the marker MEI\015\013\012\013\016
instead of a cookie, and gives None.

Every offset, length and count is checked against the file, so a hostile bundle raises
ArtifactError instead of reading out of bounds, looping or inflating without bound.
"""
from __future__ import annotations

import struct
import zlib
from collections import namedtuple

from binlint.errors import ArtifactError
from binlint.formats.pyinstaller.bootloader import TAIL as _TAIL
from binlint.formats.pyinstaller.signature import signature_offset
from binlint.formats.zips import InflateError, decompressobj

COOKIE = b"MEI\x0c\x0b\x0a\x0b\x0e"
_COOKIE = struct.Struct("!8sIIII64s")  # magic, pkg_length, toc_offset, toc_length, python_version, library
_ENTRY = struct.Struct("!IIIIBc")  # entry_length, offset, length, uncompressed_length, compressed, typecode

_MAX_ENTRIES = 1 << 17  # far above real bundles (thousands); a hostile TOC costs at most ~0.2 s
_MAX_NAME = 4096  # bytes of a name read (PATH_MAX): one entry can span a whole hostile TOC
_OPTION = b"o"
_EXTRACTABLE = frozenset("bxZnd")  # _pyi_archive_is_extractable() in bootloader/src/pyi_archive.c
_TMPDIR_OPTION = "pyi-runtime-tmpdir"

# offset: absolute, in the file; compressed: zlib-compressed (the compression flag is 1).
TocEntry = namedtuple("TocEntry", "name typecode offset length uncompressed_length compressed")

# python_version: e.g. "3.12"; python_library: e.g. "libpython3.12.so.1.0"; entries: the
# TOC except runtime options, which are in options (their names, e.g. "pyi-runtime-tmpdir /x").
Bundle = namedtuple("Bundle", "python_version python_library entries options onefile")


def find_bundle(data: bytes, pydata_section: tuple[int, int] | None = None) -> Bundle | None:
    """The bundle in `data` (bytes or an mmap of the whole executable), None without a cookie.

    `pydata_section` is (offset, size) of the ELF section `pydata`, when the caller knows it.
    """
    size = len(data)
    if pydata_section is not None:
        start, length = pydata_section
        end = start + length
        if start < 0 or length < 0 or end > size:
            raise ArtifactError(f"truncated: the pydata section ({length} bytes at offset {start:#x}) "
                                "is past the end of the file")
        windows = [(max(start, end - _TAIL), end)]
    else:
        end = size
        windows = [(max(0, size - _TAIL), size)]
        signature = signature_offset(data)
        if signature is not None and signature < size - _TAIL:
            windows.append((max(0, signature - _TAIL), signature))
    for low, high in windows:
        cookie = data.rfind(COOKIE, low, high)
        if cookie >= 0:
            break
    else:
        return None

    pkg_end = cookie + _COOKIE.size
    if pkg_end > end:
        raise ArtifactError(f"truncated: the PyInstaller cookie at offset {cookie:#x} is past the end of the "
                            + ("pydata section" if pydata_section is not None else "file"))
    _, pkg_length, toc_offset, toc_length, version, library = _COOKIE.unpack_from(data, cookie)
    pkg_start = pkg_end - pkg_length
    if pkg_length < _COOKIE.size or pkg_start < 0:
        raise ArtifactError(f"PyInstaller package length {pkg_length} does not fit the {pkg_end} bytes "
                            "up to its cookie")
    room = pkg_length - _COOKIE.size  # the package without its cookie
    if toc_offset + toc_length > room:
        raise ArtifactError(f"PyInstaller TOC ({toc_length} bytes at offset {toc_offset:#x}) is outside "
                            f"its {pkg_length}-byte package")
    entries, options = _read_toc(data, pkg_start, pkg_start + toc_offset, toc_length, room)
    return Bundle(
        f"{version // 100}.{version % 100}",
        _c_string(library),
        entries,
        options,
        any(e.typecode in _EXTRACTABLE for e in entries),
    )


def _read_toc(data: bytes, pkg_start: int, offset: int, length: int, room: int) -> tuple[list[TocEntry], list[str]]:
    entries: list[TocEntry] = []
    options: list[str] = []
    unpack, header = _ENTRY.unpack_from, _ENTRY.size
    position, toc_end = offset, offset + length
    for _ in range(_MAX_ENTRIES):
        if position >= toc_end:
            return entries, options
        if position + header > toc_end:
            raise ArtifactError(f"truncated: PyInstaller TOC entry at offset {position:#x} runs past the end "
                                "of the TOC")
        entry_length, data_offset, data_length, uncompressed, flag, typecode = unpack(data, position)
        if entry_length < header or entry_length > toc_end - position:
            # The bootloader steps by entry_length: 0 would loop for ever, too much reads past the TOC.
            raise ArtifactError(f"PyInstaller TOC entry at offset {position:#x} has length {entry_length}, "
                                f"outside {header}..{toc_end - position}")
        name = _c_string(data[position + header:position + min(entry_length, header + _MAX_NAME)])
        position += entry_length
        if typecode == _OPTION:
            options.append(name)
        elif data_offset + data_length > room:
            raise ArtifactError(f"PyInstaller entry {name!r} ({data_length} bytes at offset {data_offset:#x}) "
                                "is outside its package")
        else:
            entries.append(TocEntry(name, typecode.decode("latin-1"), pkg_start + data_offset, data_length,
                                 uncompressed, flag == 1))
    if position < toc_end:
        raise ArtifactError(f"more than {_MAX_ENTRIES} PyInstaller TOC entries")
    return entries, options


def _c_string(raw: bytes) -> str:
    """A NUL-terminated name, as the bootloader reads it; bytes that are not UTF-8 escaped."""
    return raw.split(b"\0", 1)[0].decode("utf-8", "backslashreplace")


def runtime_tmpdir(bundle: Bundle) -> str | None:
    """The `--runtime-tmpdir` the bundle was built with, None when it has none.

    As the bootloader reads it: an option starting with "pyi-runtime-tmpdir" gives the rest
    of its name after the separating space; the last such option wins.
    """
    value = None
    for option in bundle.options:
        if option.startswith(_TMPDIR_OPTION):
            value = option[len(_TMPDIR_OPTION) + 1:]
    return value


def read_entry(data: bytes, entry: TocEntry, limit: int) -> bytes:
    """The content of `entry`, inflated when compressed; never more than `limit` bytes."""
    start, length = entry.offset, entry.length
    if start < 0 or length < 0 or start + length > len(data):
        raise ArtifactError(f"truncated: PyInstaller entry {entry.name!r} ({length} bytes at offset "
                            f"{start:#x}) is past the end of the file")
    declared = entry.uncompressed_length
    if declared > limit:
        raise _too_large(entry, limit)
    if not entry.compressed:
        if length != declared:  # the bootloader copies uncompressed_length bytes
            raise ArtifactError(f"PyInstaller entry {entry.name!r} is stored with {length} bytes "
                                f"but declares {declared}")
        return data[start:start + length]
    return _inflate(data, entry)


def _inflate(data: bytes, entry: TocEntry) -> bytes:
    """Inflate in one call, never past the declared size (read_entry checked it against the
    limit), so a zip bomb costs no more memory than that; with ISA-L where it has wheels, as
    zip members (binlint/formats/zips.py). Fed in 64 KiB pieces and gathered in a bytearray, a
    onefile bundle's entries took 0.17 s to inflate; in one call, 0.06 s."""
    declared = entry.uncompressed_length
    inflater = decompressobj()
    try:
        # One byte more than may come, to see it come; max_length 0 would mean unbounded.
        out = inflater.decompress(data[entry.offset:entry.offset + entry.length], declared + 1)
    except (InflateError, zlib.error) as err:
        raise ArtifactError(f"corrupt PyInstaller entry {entry.name!r}: {err}") from None
    if len(out) > declared:
        raise ArtifactError(f"PyInstaller entry {entry.name!r} inflates past the {declared} bytes it declares")
    if not inflater.eof:  # all the input given, and fewer bytes than may come
        raise ArtifactError(f"truncated: PyInstaller entry {entry.name!r} ends inside its zlib stream")
    if len(out) != declared:
        raise ArtifactError(f"PyInstaller entry {entry.name!r} inflates to {len(out)} bytes "
                            f"but declares {declared}")
    return out  # type: ignore[no-any-return]


def _too_large(entry: TocEntry, limit: int) -> ArtifactError:
    return ArtifactError(f"PyInstaller entry {entry.name!r} inflates past the member limit of {limit} bytes "
                         "(see --max-member-size)")
