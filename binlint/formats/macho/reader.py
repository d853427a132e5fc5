"""Read a Mach-O file (thin or fat) with LIEF into plain Python values, one dict per slice.

Runs only in the isolated helper process (binlint/formats/macho/isolate.py): LIEF is native code that a
hostile file may crash or hang, so the process that reports never loads it. The code
signature's page hashes are checked here too, with hashlib over the slice's own bytes.
"""
from __future__ import annotations

import hashlib
import mmap
import struct

from binlint.formats.macho.layout import (CODEDIRECTORY_MAGIC, CODEDIRECTORY_SLOTS, CPU_SUBTYPES, CPU_TYPES,
                                          FILE_TYPES, SUPERBLOB_MAGIC)
from binlint.formats.macho.layout import slice_spans as _slice_spans

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# mach-o/loader.h header flags, by bit.
FLAGS = {0x1: "MH_NOUNDEFS", 0x2: "MH_INCRLINK", 0x4: "MH_DYLDLINK", 0x8: "MH_BINDATLOAD", 0x10: "MH_PREBOUND",
         0x20: "MH_SPLIT_SEGS", 0x40: "MH_LAZY_INIT", 0x80: "MH_TWOLEVEL", 0x100: "MH_FORCE_FLAT",
         0x200: "MH_NOMULTIDEFS", 0x400: "MH_NOFIXPREBINDING", 0x800: "MH_PREBINDABLE",
         0x1000: "MH_ALLMODSBOUND", 0x2000: "MH_SUBSECTIONS_VIA_SYMBOLS", 0x4000: "MH_CANONICAL",
         0x8000: "MH_WEAK_DEFINES", 0x10000: "MH_BINDS_TO_WEAK", 0x20000: "MH_ALLOW_STACK_EXECUTION",
         0x40000: "MH_ROOT_SAFE", 0x80000: "MH_SETUID_SAFE", 0x100000: "MH_NO_REEXPORTED_DYLIBS",
         0x200000: "MH_PIE", 0x400000: "MH_DEAD_STRIPPABLE_DYLIB", 0x800000: "MH_HAS_TLV_DESCRIPTORS",
         0x1000000: "MH_NO_HEAP_EXECUTION", 0x2000000: "MH_APP_EXTENSION_SAFE",
         0x4000000: "MH_NLIST_OUTOFSYNC_WITH_DYLDINFO", 0x8000000: "MH_SIM_SUPPORT", 0x80000000: "MH_DYLIB_IN_CACHE"}
# LC_BUILD_VERSION platforms (mach-o/loader.h PLATFORM_*), and the LC_VERSION_MIN_* commands.
PLATFORMS = {1: "macos", 2: "ios", 3: "tvos", 4: "watchos", 5: "bridgeos", 6: "maccatalyst", 7: "iossimulator",
             8: "tvossimulator", 9: "watchossimulator", 10: "driverkit", 11: "visionos", 12: "visionossimulator"}
VERSION_MIN = {"VERSION_MIN_MACOSX": "macos", "VERSION_MIN_IPHONEOS": "ios", "VERSION_MIN_TVOS": "tvos",
               "VERSION_MIN_WATCHOS": "watchos"}
DYLIB_KINDS = {"LOAD_DYLIB": "load", "LOAD_WEAK_DYLIB": "weak", "REEXPORT_DYLIB": "reexport",
               "LOAD_UPWARD_DYLIB": "upward", "LAZY_LOAD_DYLIB": "lazy"}
HASHES = {1: ("SHA-1", "sha1", 20), 2: ("SHA-256", "sha256", 32), 3: ("SHA-256", "sha256", 20),
          4: ("SHA-384", "sha384", 48)}
# The Python C API names a slice imports, as C symbols (a leading underscore), and n_desc's
# N_WEAK_REF (mach-o/nlist.h): a weak import binds to 0 where it is missing. Only these names
# leave the helper: the abi3 rules compare them with CPython's Stable ABI.
PYTHON_C_API, N_WEAK_REF = ("_Py", "__Py"), 0x0040


def parse(request: tuple[str | None, bytes | None]) -> list[dict[str, Any]]:
    """The facts of each slice of the file at `path`, or of `data`; raises ValueError with
    the reason when the file is not a readable Mach-O file."""
    path, data = request
    if path is not None:
        with open(path, "rb") as stream:
            data = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    import lief

    lief.logging.disable()  # its complaints about a broken file go to stderr; the reason comes back instead
    fat = lief.MachO.parse(path if path is not None else bytes(data), lief.MachO.ParserConfig.quick)
    if fat is None or fat.size == 0:
        raise ValueError("not a readable Mach-O file")
    spans = _slice_spans(data) or [(0, len(data))]
    if len(spans) != fat.size:
        raise ValueError(f"the fat header lists {len(spans)} slices, {fat.size} could be read")
    slices = []
    for index, (start, end) in enumerate(spans):
        binary = fat.at(index)
        raw = memoryview(data)[start:end]
        _check_commands(binary, raw)
        try:
            slices.append(_slice(binary, raw))
        except UnicodeDecodeError:
            raise ValueError("a path in the load commands is not UTF-8 text") from None
    return slices


def _check_commands(binary: Any, raw: memoryview) -> None:
    """LIEF reads what it can of a broken file; dyld refuses it. So does binlint: the load
    commands must lie within the slice and all of them must have been read."""
    if len(raw) < 28:
        raise ValueError(f"truncated Mach-O header ({len(raw)} bytes)")
    magic = bytes(raw[:4])
    endian = "<" if magic in (b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe") else ">"
    ncmds, size = struct.unpack_from(endian + "II", raw, 16)
    header = 32 if magic in (b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf") else 28
    if header + size > len(raw):
        raise ValueError(f"load commands ({size} bytes) run past the end of the file ({len(raw)} bytes)")
    if len(binary.commands) != ncmds:
        raise ValueError(f"the header promises {ncmds} load commands, {len(binary.commands)} could be read")
    for segment in binary.segments:
        if segment.file_offset + segment.file_size > len(raw):
            raise ValueError(f"segment {segment.name} ends at {segment.file_offset + segment.file_size}, "
                             f"past the end of the file ({len(raw)} bytes)")


def _slice(binary: Any, raw: memoryview) -> dict[str, Any]:
    header = binary.header
    cputype, subtype = int(header.cpu_type), header.cpu_subtype & 0xFF
    arch = CPU_SUBTYPES.get((cputype, subtype)) or CPU_TYPES.get(cputype, f"cputype-{cputype:#x}")
    min_os = sdk = platform = None
    if binary.has_build_version:
        build = binary.build_version
        min_os, sdk = _version(build.minos), _version(build.sdk)
        platform = PLATFORMS.get(int(build.platform), f"platform-{int(build.platform)}")
    elif binary.has_version_min:
        version_min = binary.version_min
        min_os, sdk = _version(version_min.version), _version(version_min.sdk)
        platform = VERSION_MIN.get(version_min.command.name)
    install_name, dylibs, rpaths = None, [], []
    for command in binary.commands:
        name = command.command.name
        if name in DYLIB_KINDS or name == "ID_DYLIB":
            version = {"current_version": _version(command.current_version, full=True),
                       "compat_version": _version(command.compatibility_version, full=True)}
            if name == "ID_DYLIB":
                install_name = command.name
            dylibs.append({"path": command.name, "kind": DYLIB_KINDS.get(name, "id"), **version})
        elif name == "RPATH":
            rpaths.append(command.path)
    python_imports = [symbol.name[1:] for symbol in binary.imported_symbols
                      if symbol.name.startswith(PYTHON_C_API) and not symbol.description & N_WEAK_REF]
    signed = binary.has_code_signature
    problem = None
    if signed:
        signature = binary.code_signature
        problem = verify_signature(raw, signature.data_offset, signature.data_size)
    return {
        "arch": arch, "cputype": cputype, "cpusubtype": header.cpu_subtype,
        "filetype": FILE_TYPES.get(int(header.file_type), f"filetype-{int(header.file_type)}"),
        "flags": [name for bit, name in FLAGS.items() if header.flags & bit],
        "min_os": min_os, "sdk": sdk, "platform": platform, "install_name": install_name,
        "dylibs": dylibs, "rpaths": rpaths, "python_imports": python_imports, "signed": signed,
        "signature_valid": signed and problem is None, "signature_problem": problem,
    }


def _version(parts: Any, full: bool = False) -> str:
    """[11, 0, 0] -> "11.0" (or "11.0.0" with `full`); "10.9.2" keeps its patch."""
    parts = list(parts)
    if not full and len(parts) == 3 and parts[2] == 0:
        parts = parts[:2]
    return ".".join(str(p) for p in parts)


def verify_signature(raw: memoryview, offset: int, size: int) -> str | None:
    """Why the code signature at `offset` in the slice `raw` does not match the slice's
    code, or None when every page hash of every code directory matches. Only the hashes:
    an ad-hoc (linker) signature has nothing more, and whether a certificate is trusted is
    the running system's business."""
    blob = bytes(raw[offset:offset + size])
    if offset + size > len(raw) or len(blob) < 12:
        return "the signature lies past the end of the file"
    magic, _, count = struct.unpack_from(">III", blob, 0)
    if magic != SUPERBLOB_MAGIC:
        return f"no code signature superblob (magic {magic:#x})"
    directories = []
    for i in range(min(count, (len(blob) - 12) // 8)):
        kind, where = struct.unpack_from(">II", blob, 12 + 8 * i)
        if kind in CODEDIRECTORY_SLOTS:
            directories.append(where)
    if not directories:
        return "the signature has no code directory"
    for where in directories:
        problem = _check_directory(raw, blob, where)
        if problem:
            return problem
    return None


def _check_directory(raw: memoryview, blob: bytes, where: int) -> str | None:
    if where + 44 > len(blob):
        return "the code directory is truncated"
    magic, length, version, _, hash_offset, _, _, slots, limit = struct.unpack_from(">9I", blob, where)
    hash_size, hash_type, _, page_shift = blob[where + 36:where + 40]
    if magic != CODEDIRECTORY_MAGIC:
        return f"bad code directory magic {magic:#x}"
    if version >= 0x20300 and where + 64 <= len(blob):
        limit = struct.unpack_from(">Q", blob, where + 56)[0] or limit
    if hash_type not in HASHES or hash_size != HASHES[hash_type][2]:
        return f"unknown hash type {hash_type} ({hash_size}-byte hashes)"
    label, algorithm, _ = HASHES[hash_type]
    page = 1 << page_shift if page_shift else max(limit, 1)
    if limit > len(raw):
        return f"the code directory covers {limit} bytes, past the end of the file ({len(raw)})"
    if slots != -(-limit // page):
        return f"the code directory has {slots} page hashes for {limit} bytes of code"
    table = where + hash_offset
    if hash_offset > length or table + slots * hash_size > len(blob):
        return "the code directory's hashes are truncated"
    for i in range(slots):
        stored = blob[table + i * hash_size:table + (i + 1) * hash_size]
        actual = hashlib.new(algorithm, raw[i * page:min((i + 1) * page, limit)]).digest()[:hash_size]
        if stored != actual:
            return f"page {i} of {slots} ({label}, bytes {i * page:#x}-{min((i + 1) * page, limit):#x}) " \
                   "does not match its hash"
    return None
