"""What this machine brings into the PyInstaller bundle fixtures, read from the host with
pyelftools (not binlint): PyInstaller's prebuilt bootloader, which is each bundle's executable,
and this interpreter's libpython, which each onefile bundle carries. The rows that depend on
them (glibc versions, non-PIE executables, build-directory search paths) say so by name.
"""
from __future__ import annotations

import importlib.util
import re
import sysconfig
from pathlib import Path

import yaml

from fixtures import PYI_ONEFILE, fixture_names

ROOT = Path(__file__).resolve().parents[2]
BUNDLES = fixture_names("bundle")
ONEFILE_BUNDLES = [name for name in BUNDLES if PYI_ONEFILE[name]]
LIBPYTHON = Path(sysconfig.get_config_var("LIBDIR") or "/nonexistent", sysconfig.get_config_var("INSTSONAME") or "-")


def bootloaders() -> list[Path]:
    spec = importlib.util.find_spec("PyInstaller")
    return sorted(Path(spec.submodule_search_locations[0]).glob("bootloader/Linux-*/run")) if spec else []


def glibc_needed(path: Path) -> tuple[int, ...]:
    """The highest GLIBC_x.y symbol version `path` needs; () when it needs none or is not there."""
    from elftools.elf.elffile import ELFFile
    from elftools.elf.gnuversions import GNUVerNeedSection

    if not path.is_file():
        return ()
    with open(path, "rb") as stream:
        names = [aux.name for section in ELFFile(stream).iter_sections() if isinstance(section, GNUVerNeedSection)
                 for _, auxiliaries in section.iter_versions() for aux in auxiliaries]
    return max((tuple(map(int, m[1].split("."))) for n in names if (m := re.fullmatch(r"GLIBC_([0-9.]+)", n))),
               default=())


def _bundle_glibc_needs() -> dict[str, tuple[int, ...]]:
    """What each bundle needs from glibc: the bootloader, and for a onefile bundle also
    libpython as this machine built it (the member that needs the most: GLIBC_2.35 for hypot
    on Debian 12)."""
    bootloader = max((glibc_needed(loader) for loader in bootloaders()), default=())
    libpython = glibc_needed(LIBPYTHON)
    return {name: max(bootloader, libpython) if PYI_ONEFILE[name] else bootloader for name in BUNDLES}


BUNDLE_GLIBC = _bundle_glibc_needs()


def bundles_above(glibc: str) -> list[str]:
    """The bundles whose executable or members need a glibc newer than `glibc`."""
    target = tuple(map(int, glibc.split(".")))
    return [name for name, needed in BUNDLE_GLIBC.items() if needed > target]


def _bootloader_is_non_pie() -> bool:
    """Whether the bootloader is an ET_EXEC with an interpreter (PyInstaller 6's Linux one is)."""
    from elftools.elf.elffile import ELFFile

    for loader in bootloaders():
        with open(loader, "rb") as stream:
            elf = ELFFile(stream)
            if elf.header["e_type"] == "ET_EXEC" and any(s["p_type"] == "PT_INTERP" for s in elf.iter_segments()):
                return True
    return False


NON_PIE_BUNDLES = BUNDLES if _bootloader_is_non_pie() else []


def _libpython_in_build_dir() -> bool:
    """Whether libpython has a search path into a build or home directory, by the pattern of
    rpath-build-directory (pyenv's does: /root/.pyenv/versions/X/lib)."""
    from elftools.elf.elffile import ELFFile

    pattern = yaml.safe_load((ROOT / "rules" / "rpath-build-directory.yaml").read_text())
    regex = re.compile(pattern["when"]["all"][1]["any"][0]["where"]["matches"])
    if not LIBPYTHON.is_file():
        return False
    with LIBPYTHON.open("rb") as f:
        dynamic = ELFFile(f).get_section_by_name(".dynamic")
        paths = [tag.rpath if tag.entry.d_tag == "DT_RPATH" else tag.runpath
                 for tag in (dynamic.iter_tags() if dynamic else ()) if tag.entry.d_tag in ("DT_RPATH", "DT_RUNPATH")]
    entries = [entry for path in paths for entry in path.split(":")]
    return any(regex.search(entry) for entry in entries)


LIBPYTHON_BUILD_DIR = ONEFILE_BUNDLES if _libpython_in_build_dir() else []


def static_interpreter_above(glibc: str) -> list[str]:
    """pyext-static-interpreter-lib when it needs a glibc newer than `glibc`: it holds this
    interpreter's own code (its libpython3.X.a), which needs what its libpython does."""
    return ["pyext-static-interpreter-lib"] if glibc_needed(LIBPYTHON) > tuple(map(int, glibc.split("."))) else []
