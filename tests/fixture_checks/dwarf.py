"""Checks of the -g libraries (fixtures/dwarf.py): their compile units as
`readelf --debug-dump=info` prints them."""
from __future__ import annotations

import re
import subprocess
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
    """Each compile unit's attributes (name -> value text) as readelf prints them. Without
    no-follow-links readelf also prints the units of the debug file the build ID names in
    /usr/lib/debug, which for a file there is itself."""
    listing = subprocess.run([require_tool("readelf"), "--debug-dump=info,no-follow-links", "--wide", str(path)],
                             capture_output=True, text=True, check=True).stdout
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


assert set(LIBRARIES) == {"dwarf-mixed-lib", "dwarf-hardened-lib", "dwarf-small-lib", "dwarf-stripped-lib",
                          "dwarf-compressed-lib", "dwarf-debug-file"}
