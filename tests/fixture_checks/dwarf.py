"""Checks of the -g libraries (fixtures/dwarf.py): their compile units as
`readelf --debug-dump=info` prints them."""
from __future__ import annotations

import re
import subprocess
import tempfile
import zlib
from pathlib import Path

from fixture_checks.registry import check
from fixtures import require_tool
from fixtures.dwarf import LIBRARIES

_ATTRIBUTE = re.compile(r"^\s*<[0-9a-f]+>\s+(DW_AT_\w+)\s*:\s*(.*?)\s*$")
# What readelf prints before a value: its form and where it is, `(strp) (offset: 0x1aa): `
# or `(indirect string, offset: 0x28): `.
_FORM = re.compile(r"^(?:\([^)]*\)\s*)+:?\s*")
_DIE = re.compile(r"^\s*<(\d+)><[0-9a-f]+>: Abbrev Number: \d+ \((DW_TAG_\w+)\)")


def compile_units(path: Path) -> list[dict[str, str]]:
    """Each compile unit's attributes (name -> value text) as readelf prints them (the units'
    own DIEs only: --dwarf-depth=1). Without no-follow-links readelf also prints the units of
    the debug file the build ID names in /usr/lib/debug, which for a file there is itself."""
    listing = subprocess.run([require_tool("readelf"), "--debug-dump=info,no-follow-links", "--dwarf-depth=1",
                              "--wide", str(path)], capture_output=True, text=True, check=True).stdout
    units: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in listing.splitlines():
        die = _DIE.match(line)
        if die:
            current = {} if die.group(2) == "DW_TAG_compile_unit" and die.group(1) == "0" else None
            if current is not None:
                units.append(current)
            continue
        attribute = _ATTRIBUTE.match(line)
        if attribute and current is not None:
            current[attribute.group(1)] = _FORM.sub("", attribute.group(2))
    return units


def _producers(path: Path) -> dict[str, str]:
    return {Path(unit["DW_AT_name"]).name: unit["DW_AT_producer"] for unit in compile_units(path)}


@check("dwarf-mixed-lib")
def _check_mixed(path: Path) -> None:
    producers = _producers(path)
    assert "-fstack-protector-strong" in producers["dwarf_guarded.c"]
    assert "-fno-stack-protector" in producers["dwarf_plain.c"] and "-O0" in producers["dwarf_plain.c"]
    assert producers["dwarf_asm_x86_64.s"].startswith("GNU AS")


@check("dwarf-hardened-lib", "dwarf-small-lib")
def _check_hardened(path: Path) -> None:
    for name, producer in _producers(path).items():
        assert name.endswith(".s") or "-fstack-protector-strong -fcf-protection=full" in producer, producer


@check("dwarf-stripped-lib")
def _check_stripped(path: Path) -> None:
    assert compile_units(path) == []


@check("dwarf-debug-file")
def _check_debug_file(path: Path) -> None:
    sections = subprocess.run([require_tool("readelf"), "-SW", str(path)], capture_output=True, text=True,
                              check=True).stdout
    assert any(" .text " in line and "NOBITS" in line for line in sections.splitlines())
    assert set(_producers(path)) == {"dwarf_guarded.c", "dwarf_plain.c"}


@check("dwarf-compressed-lib")
def _check_compressed(path: Path) -> None:
    sections = subprocess.run([require_tool("readelf"), "-SW", str(path)], capture_output=True, text=True,
                              check=True).stdout
    assert any(".debug_info" in line and " C " in line for line in sections.splitlines())  # SHF_COMPRESSED
    assert set(_producers(path)) == {"dwarf_guarded.c", "dwarf_plain.c"}


def build_id(path: Path) -> str | None:
    """The build ID `readelf -n` prints, in hex."""
    notes = subprocess.run([require_tool("readelf"), "-nW", str(path)], capture_output=True, text=True,
                           check=True).stdout
    found = re.search(r"Build ID: ([0-9a-f]+)", notes)
    return found.group(1) if found else None


def debuglink(path: Path) -> tuple[str, int]:
    """The name and CRC-32 of the .gnu_debuglink section, as `objcopy --dump-section` writes it."""
    with tempfile.TemporaryDirectory() as scratch:
        dumped = Path(scratch) / "debuglink"
        subprocess.run([require_tool("objcopy"), f"--dump-section=.gnu_debuglink={dumped}", str(path),
                        str(Path(scratch) / "copy")], capture_output=True, check=True)
        data = dumped.read_bytes()
    name = data[:data.index(b"\0")]
    return name.decode(), int.from_bytes(data[(len(name) + 4) & ~3:][:4], "little")


@check("dwarf-split-lib", "dwarf-stale-debug-lib")
def _check_split(path: Path) -> None:
    """Stripped, built with a build ID, its debug link naming a file in its folder whose
    CRC-32 (zlib's, GDB's gnu_debuglink_crc32) matches for dwarf-split-lib only."""
    assert compile_units(path) == [] and build_id(path) is not None
    name, crc = debuglink(path)
    [debug_file] = [p for p in (path.parent / name, path.parent / ".debug" / name) if p.exists()]
    matches = zlib.crc32(debug_file.read_bytes()) == crc
    assert matches == (path.parent.name == "dwarf-split-lib")
    if matches:
        assert build_id(debug_file) == build_id(path)
        assert set(_producers(debug_file)) == {"dwarf_guarded.c", "dwarf_plain.c", "dwarf_asm_x86_64.s"}


assert set(LIBRARIES) == {"dwarf-mixed-lib", "dwarf-hardened-lib", "dwarf-small-lib", "dwarf-stripped-lib",
                          "dwarf-compressed-lib", "dwarf-debug-file"}


@check("dwarf-clang-lib")
def _check_clang(path: Path) -> None:
    # Clang's producer is its command line, which names the source: readelf's lines are enough.
    listing = subprocess.run([require_tool("readelf"), "--debug-dump=info", "--dwarf-depth=1", "--wide", str(path)],
                             capture_output=True, text=True, check=True).stdout
    producers = [line for line in listing.splitlines() if "DW_AT_producer" in line]
    assert len(producers) == 2 and all("clang version" in p and " -grecord-command-line -fPIC -O2 " in p
                                       for p in producers), producers
    guarded = [p for p in producers if " dwarf_guarded.c " in p]
    small = [p for p in producers if " dwarf_small.c " in p]
    assert len(guarded) == len(small) == 1 and "-D _FORTIFY_SOURCE=2" in guarded[0], producers
    assert "_FORTIFY_SOURCE" not in small[0]
