"""ELF files as readelf shows them (``readelf -hlWdV``, ``-SW``, ``-n``, ``--dyn-syms``), never
binlint, so a bug in binlint's own ELF parser cannot hide a broken fixture."""
from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from fixtures import require_tool

_SEGMENT_RE = re.compile(
    r"^\s+(?P<type>[A-Z_]+|LOOS\+0x[0-9a-f]+)\s+(?P<offset>0x[0-9a-f]+)\s+0x[0-9a-f]+\s+0x[0-9a-f]+"
    r"\s+(?P<filesz>0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(?P<flags>[RWE ]+?)\s+0x[0-9a-f]+$"
)
_DYNAMIC_RE = re.compile(r"^\s*0x[0-9a-f]+\s+\((?P<tag>\w+)\)\s+(?P<value>.*)$")
_VERNEED_RE = re.compile(r"Name: (?P<name>\S+)\s+Flags:")
_SECTION_RE = re.compile(
    r"^\s*\[\s*(?P<index>\d+)\]\s+(?P<name>\S+)\s+(?P<type>\S+)\s+[0-9a-f]+\s+[0-9a-f]+"
    r"\s+[0-9a-f]+\s+[0-9a-f]+\s+(?P<rest>.*)$"
)


@dataclass(frozen=True)
class Segment:
    type: str
    offset: int
    filesz: int
    flags: str  # e.g. "RW", "RWE", "RE"


@dataclass(frozen=True)
class Section:
    name: str
    type: str
    flags: str


@dataclass
class ElfView:
    header: dict[str, str] = field(default_factory=dict)
    segments: list[Segment] = field(default_factory=list)
    dynamic: dict[str, list[str]] = field(default_factory=dict)
    version_needs: set[str] = field(default_factory=set)
    sections: dict[str, Section] = field(default_factory=dict)
    errors: str = ""

    def segment_types(self) -> list[str]:
        return [segment.type for segment in self.segments]

    def gnu_stack_flags(self) -> str | None:
        stacks = [segment.flags for segment in self.segments if segment.type == "GNU_STACK"]
        assert len(stacks) <= 1, f"several GNU_STACK headers: {stacks}"
        return stacks[0] if stacks else None

    def dyn_values(self, tag: str) -> list[str]:
        return self.dynamic.get(tag, [])


def readelf(path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    # No check=True: the "bad" fixtures make readelf exit non-zero on purpose.
    return subprocess.run(
        [require_tool("readelf"), *flags, str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
    )


def _bracketed(value: str) -> str:
    match = re.search(r"\[(.*)\]", value)
    return match.group(1) if match else value.strip()


def _parse_header(text: str, view: ElfView) -> None:
    in_header = False
    for line in text.splitlines():
        if line.startswith("ELF Header:"):
            in_header = True
        elif in_header and ":" in line and line.startswith("  "):
            key, value = line.split(":", 1)
            view.header[key.strip()] = value.strip()
        elif in_header and not line.strip():
            in_header = False


def _parse_segments_dynamic_versions(text: str, view: ElfView) -> None:
    in_verneed = False
    for line in text.splitlines():
        if match := _SEGMENT_RE.match(line):
            view.segments.append(Segment(
                match["type"], int(match["offset"], 16), int(match["filesz"], 16),
                match["flags"].replace(" ", ""),
            ))
        elif match := _DYNAMIC_RE.match(line):
            view.dynamic.setdefault(match["tag"], []).append(_bracketed(match["value"]))
        # Only .gnu.version_r lists needed versions; the other "Version ..." blocks end it.
        if line.startswith("Version "):
            in_verneed = line.startswith("Version needs section")
        if in_verneed and (match := _VERNEED_RE.search(line)):
            view.version_needs.add(match["name"])


def _parse_sections(text: str, view: ElfView) -> None:
    for line in text.splitlines():
        match = _SECTION_RE.match(line)
        if not match or match["index"] == "0":
            continue
        rest = match["rest"].split()
        # Columns after ES are "[Flg] Lk Inf Al"; Flg is blank for flagless sections.
        flags = rest[0] if len(rest) == 4 else ""
        view.sections[match["name"]] = Section(match["name"], match["type"], flags)


def inspect(path: Path) -> ElfView:
    """Parse ``readelf -hlWdV`` and ``readelf -SW`` output for ``path``."""
    view = ElfView()
    main = readelf(path, "-hlWdV")
    sections = readelf(path, "-SW")
    _parse_header(main.stdout, view)
    _parse_segments_dynamic_versions(main.stdout, view)
    _parse_sections(sections.stdout, view)
    view.errors = main.stderr + sections.stderr
    return view


X86_64 = "Advanced Micro Devices X86-64"


def assert_elf(view: ElfView, *, cls: str, endian: str, machine: str, type_prefix: str) -> None:
    assert view.header.get("Class") == cls, view.header
    assert endian in view.header.get("Data", ""), view.header
    assert view.header.get("Machine") == machine, view.header
    assert view.header.get("Type", "").startswith(type_prefix), view.header


def assert_x86_64(view: ElfView, type_prefix: str) -> None:
    assert_elf(view, cls="ELF64", endian="little endian", machine=X86_64, type_prefix=type_prefix)


def undefined_dynamic_symbols(path: Path) -> set[str]:
    """Names of the UND entries of `readelf --dyn-syms` (versions cut off)."""
    names = set()
    for line in readelf(path, "--dyn-syms", "-W").stdout.splitlines():
        fields = line.split()
        if len(fields) >= 8 and fields[0].endswith(":") and fields[6] == "UND":
            names.add(fields[7].split("@")[0])
    return names


def property_notes(path: Path) -> str:
    """The `Properties:` lines of `readelf -n`."""
    return " ".join(line.strip() for line in readelf(path, "-nW").stdout.splitlines() if "Properties:" in line)
