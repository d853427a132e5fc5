"""Mach-O test files: real extension modules from MarkupSafe's macOS wheels
(tests/data/macho/, see its README), and bad variants derived from them with LIEF, the way a
post-link tool (install_name_tool, vtool, a hand edit) would change them.

Mach-O cannot be linked here; every file is a real one or a real one edited.
"""
from __future__ import annotations

import hashlib
import struct
from pathlib import Path
from typing import Callable

DATA = Path(__file__).resolve().parent / "data" / "macho"
# name -> sha256, as the README records them
REAL = {
    "markupsafe-2.1.5-x86_64.so": "74bb4b36145cc9b8ca18c60cc7de1f1d24d300f82d6285bd2f4e9357bf6c64cb",
    "markupsafe-3.0.2-arm64.so": "2c05fbba5e8f42c7ceff367117adf5792ccde94ecfa0655347f5b0776a466aff",
    "markupsafe-2.1.5-universal2.so": "203a9f427ca301dd98d792c13db5e964f4818ecb6ee985928f04f974fd8b7879",
    "markupsafe-1.1.1-intel.so": "91a08252210caa966d3b931293ff7a9ed0c8f5a974bedca4ff7d4ae2688566f5",
}
X86_64, ARM64, UNIVERSAL2, INTEL = REAL
MH_ALLOW_STACK_EXECUTION, MH_PIE, MH_NO_HEAP_EXECUTION = 0x20000, 0x200000, 0x1000000
HOMEBREW_LIBFFI = "/opt/homebrew/opt/libffi/lib/libffi.8.dylib"
CI_RPATH = "/Users/runner/work/pkg/build/lib"


def real(name: str) -> bytes:
    data = (DATA / name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == REAL[name], f"{name} changed: see tests/data/macho/README.md"
    return data


def _edit(source: str, change: Callable[..., None]) -> Callable[[Path], None]:
    """A builder writing `source` to `out` after `change(binary)` on each slice, with LIEF."""
    def build(out: Path) -> None:
        import lief

        lief.logging.disable()
        fat = lief.MachO.parse(str(DATA / source))
        for index in range(fat.size):
            change(fat.at(index))
        fat.write(str(out)) if fat.size > 1 else fat.at(0).write(str(out))
    return build


def executable(flags: int) -> Callable[..., None]:
    """Make the slice an MH_EXECUTE with `flags` added and the others of these three removed."""
    def change(binary) -> None:  # type: ignore[no-untyped-def]
        import lief

        binary.header.file_type = lief.MachO.Header.FILE_TYPE.EXECUTE
        mask = MH_ALLOW_STACK_EXECUTION | MH_PIE | MH_NO_HEAP_EXECUTION
        binary.header.flags = (binary.header.flags & ~mask) | flags
    return change


def min_os(version: list[int]) -> Callable[..., None]:
    def change(binary) -> None:  # type: ignore[no-untyped-def]
        if binary.has_build_version:
            binary.build_version.minos = version
        else:
            binary.version_min.version = version
    return change


def add_dylibs(*paths: str, rpaths: tuple[str, ...] = ()) -> Callable[..., None]:
    def change(binary) -> None:  # type: ignore[no-untyped-def]
        import lief

        for path in paths:
            binary.add_library(path)
        for path in rpaths:
            binary.add(lief.MachO.RPathCommand.create(path))
    return change


def remove_signature(binary) -> None:  # type: ignore[no-untyped-def]
    binary.remove_signature()


def edit_text(out: Path) -> None:
    """The signed arm64 file with one byte of its code (__TEXT,__text) changed, as a
    post-link patch would: its code signature's page hashes no longer match."""
    import lief

    lief.logging.disable()
    data = bytearray(real(ARM64))
    text = lief.MachO.parse(str(DATA / ARM64)).at(0).get_section("__text")
    data[text.offset + 16] ^= 0xFF
    out.write_bytes(bytes(data))


def copy(name: str) -> Callable[[Path], None]:
    return lambda out: out.write_bytes(real(name))


def truncated(out: Path) -> None:
    """The arm64 file cut inside its __DATA segment, as an interrupted download leaves it."""
    out.write_bytes(real(ARM64)[:40000])


def absurd_ncmds(out: Path) -> None:
    """The x86_64 file whose header claims 0x7fffffff load commands."""
    data = bytearray(real(X86_64))
    struct.pack_into("<I", data, 16, 0x7FFFFFFF)
    out.write_bytes(bytes(data))


# name -> (description, build(out), executable)
FILES: dict[str, tuple[str, Callable[[Path], None], bool]] = {
    "macho-x86_64-lib": ("real thin x86_64 MH_BUNDLE (MarkupSafe 2.1.5), macOS 10.9, unsigned", copy(X86_64), False),
    "macho-arm64-lib": ("real thin arm64 MH_BUNDLE (MarkupSafe 3.0.2), macOS 11.0, linker-signed", copy(ARM64), False),
    "macho-universal2-lib": ("real universal2 MH_BUNDLE (MarkupSafe 2.1.5): x86_64 10.9, arm64 11.0 signed",
                             copy(UNIVERSAL2), False),
    "macho-intel-lib": ("real intel MH_BUNDLE (MarkupSafe 1.1.1): i386 and x86_64, macOS 10.6",
                        copy(INTEL), False),
    "macho-execstack-exe": ("macho-x86_64-lib made an MH_EXECUTE with MH_PIE, MH_NO_HEAP_EXECUTION and "
                            "MH_ALLOW_STACK_EXECUTION", _edit(X86_64, executable(
                                MH_PIE | MH_NO_HEAP_EXECUTION | MH_ALLOW_STACK_EXECUTION)), True),
    "macho-nopie-exe": ("macho-x86_64-lib made an MH_EXECUTE without MH_PIE",
                        _edit(X86_64, executable(MH_NO_HEAP_EXECUTION)), True),
    "macho-intel-exe": ("macho-intel-lib made an MH_EXECUTE with MH_PIE: its i386 heap may be executable",
                        _edit(INTEL, executable(MH_PIE)), True),
    "macho-new-minos-lib": ("macho-x86_64-lib with LC_VERSION_MIN_MACOSX raised to 10.15",
                            _edit(X86_64, min_os([10, 15, 0])), False),
    "macho-arm64-new-minos-lib": ("macho-arm64-lib with LC_BUILD_VERSION minos raised to 12.0 (signature now "
                                  "broken)", _edit(ARM64, min_os([12, 0, 0])), False),
    "macho-unsigned-arm64-lib": ("macho-arm64-lib without its code signature", _edit(ARM64, remove_signature), False),
    "macho-edited-arm64-lib": ("macho-arm64-lib with one byte of __text changed after signing", edit_text, False),
    "macho-homebrew-lib": (f"macho-x86_64-lib loading {HOMEBREW_LIBFFI}",
                           _edit(X86_64, add_dylibs(HOMEBREW_LIBFFI)), False),
    "macho-rpath-lib": (f"macho-x86_64-lib loading @rpath/libfoo.1.dylib with the rpath {CI_RPATH}",
                        _edit(X86_64, add_dylibs("@rpath/libfoo.1.dylib", rpaths=(CI_RPATH,))), False),
    "macho-truncated": ("macho-arm64-lib cut at 40000 bytes, inside __DATA", truncated, False),
    "macho-bad-ncmds": ("macho-x86_64-lib whose header claims 0x7fffffff load commands", absurd_ncmds, False),
}
MALFORMED = ["macho-truncated", "macho-bad-ncmds"]

FILES["macho-delocated-lib"] = (
    "macho-x86_64-lib loading @loader_path/.dylibs/libz.1.dylib and @rpath/libbar.dylib, rpath @loader_path/.dylibs",
    _edit(X86_64, add_dylibs("@loader_path/.dylibs/libz.1.dylib", "@rpath/libbar.dylib",
                             rpaths=("@loader_path/.dylibs",))), False)

# Wheels: name -> (description, dist, platform tag, [(member name, file fixture)])
EXT = "pkg/_speedups.cpython-311-darwin.so"
WHEELS: dict[str, tuple[str, str, str, list[tuple[str, str]]]] = {
    "macho-universal2-wheel": ("macho-universal2-lib in a macosx_10_9_universal2 wheel (arm64 at 11.0 is right)",
                               "macho_u2", "cp311-cp311-macosx_10_9_universal2", [(EXT, "macho-universal2-lib")]),
    "macho-thin-universal2-wheel": ("macho-x86_64-lib alone in a macosx_10_9_universal2 wheel: no arm64 slice",
                                    "macho_thin_u2", "cp311-cp311-macosx_10_9_universal2",
                                    [(EXT, "macho-x86_64-lib")]),
    "macho-new-minos-wheel": ("macho-new-minos-lib (10.15) in a macosx_10_9_x86_64 wheel", "macho_new_minos",
                              "cp311-cp311-macosx_10_9_x86_64", [(EXT, "macho-new-minos-lib")]),
    "macho-arm64-wheel": ("macho-arm64-lib in a macosx_11_0_arm64 wheel", "macho_arm64",
                          "cp312-cp312-macosx_11_0_arm64", [(EXT, "macho-arm64-lib")]),
    "macho-delocated-wheel": ("macho-delocated-lib with pkg/.dylibs/libz.1.dylib and libbar.dylib beside it",
                              "macho_delocated", "cp311-cp311-macosx_10_9_x86_64",
                              [(EXT, "macho-delocated-lib"), ("pkg/.dylibs/libz.1.dylib", "macho-x86_64-lib"),
                               ("pkg/.dylibs/libbar.dylib", "macho-x86_64-lib")]),
    "macho-undelocated-wheel": ("macho-delocated-lib without pkg/.dylibs/", "macho_undelocated",
                                "cp311-cp311-macosx_10_9_x86_64", [(EXT, "macho-delocated-lib")]),
}


# -- what each file promises, checked with LIEF itself (tests/test_fixtures_build.py) ------
def _slices(path: Path) -> list:  # type: ignore[type-arg]
    import lief

    lief.logging.disable()
    fat = lief.MachO.parse(str(path))
    assert fat is not None, path
    return [fat.at(i) for i in range(fat.size)]


def _archs(path: Path) -> list[str]:
    return [binary.header.cpu_type.name for binary in _slices(path)]


def _flags(path: Path) -> list[tuple[str, int]]:
    return [(binary.header.file_type.name, binary.header.flags) for binary in _slices(path)]


def _libraries(path: Path) -> list[str]:
    return [lib.name for binary in _slices(path) for lib in binary.libraries]


def _min_os(path: Path) -> list[list[int]]:
    return [list(b.build_version.minos if b.has_build_version else b.version_min.version) for b in _slices(path)]


def _check_promise(name: str, path: Path) -> None:
    if name in MALFORMED:
        data = path.read_bytes()
        assert data[:4] in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe")
        assert len(data) == 40000 if name == "macho-truncated" else struct.unpack_from("<I", data, 16)[0] == 0x7FFFFFFF
        return
    if name in WHEELS:
        import zipfile

        with zipfile.ZipFile(path) as wheel:
            assert {m for m, _ in WHEELS[name][3]} <= set(wheel.namelist())
        return
    expected_archs = {"macho-universal2-lib": ["X86_64", "ARM64"], "macho-intel-lib": ["X86", "X86_64"],
                      "macho-intel-exe": ["X86", "X86_64"]}
    source_arch = ["ARM64"] if "arm64" in name else ["X86_64"]
    assert _archs(path) == expected_archs.get(name, source_arch)
    if name.endswith("-exe"):
        kinds = {kind for kind, _ in _flags(path)}
        assert kinds == {"EXECUTE"}
        bits = [flags for _, flags in _flags(path)]
        wanted = {"macho-execstack-exe": MH_ALLOW_STACK_EXECUTION | MH_PIE | MH_NO_HEAP_EXECUTION,
                  "macho-nopie-exe": MH_NO_HEAP_EXECUTION, "macho-intel-exe": MH_PIE}[name]
        mask = MH_ALLOW_STACK_EXECUTION | MH_PIE | MH_NO_HEAP_EXECUTION
        assert all(b & mask == wanted for b in bits), bits
    if name == "macho-new-minos-lib":
        assert _min_os(path) == [[10, 15, 0]]
    if name == "macho-arm64-new-minos-lib":
        assert _min_os(path) == [[12, 0, 0]]
    signed = [binary.has_code_signature for binary in _slices(path)]
    if name == "macho-unsigned-arm64-lib":
        assert signed == [False]
    elif name in ("macho-arm64-lib", "macho-edited-arm64-lib", "macho-arm64-new-minos-lib"):
        assert signed == [True]
    if name == "macho-edited-arm64-lib":
        assert sum(a != b for a, b in zip(path.read_bytes(), real(ARM64))) == 1
    if name == "macho-homebrew-lib":
        assert HOMEBREW_LIBFFI in _libraries(path)
    if name == "macho-rpath-lib":
        assert "@rpath/libfoo.1.dylib" in _libraries(path)
        assert [r.path for b in _slices(path) for r in b.rpaths] == [CI_RPATH]
    if name == "macho-delocated-lib":
        assert {"@loader_path/.dylibs/libz.1.dylib", "@rpath/libbar.dylib"} <= set(_libraries(path))


def promise(name: str) -> Callable[[Path], None]:
    return lambda path: _check_promise(name, path)
