"""Checks of the Mach-O fixtures (kind "macho"): each promises what LIEF itself reads
(tests/fixtures/macho.py); the programs signed there, what LIEF and PyInstaller's own
CArchiveReader read of them."""
from __future__ import annotations

from pathlib import Path

from fixture_checks.registry import check
from fixtures import fixture_names
from fixtures import macho as macho_fixtures


def _check_signed(name: str, path: Path) -> None:
    """An arm64 MH_EXECUTE whose LC_CODE_SIGNATURE holds a SuperBlob naming the team, and
    whose PyInstaller package lists the members the description names."""
    import lief
    from PyInstaller.archive.readers import CArchiveReader

    lief.logging.disable()
    binary = lief.MachO.parse(str(path)).at(0)
    assert binary.header.cpu_type.name == "ARM64" and binary.header.file_type.name == "EXECUTE"
    blob = bytes(binary.code_signature.content)
    assert blob[:4] == b"\xfa\xde\x0c\xc0" and binary.code_signature.data_offset + len(blob) == path.stat().st_size
    team = macho_fixtures.TEAM.encode() if "adhoc" not in name else None
    assert (team in blob) if team else (macho_fixtures.TEAM.encode() not in blob)
    description = macho_fixtures.SIGNED[name][0]
    if "PyInstaller" in description or "carr" in description:
        names = set(CArchiveReader(str(path)).toc)
        assert macho_fixtures.PYTHON_LIB in names, names
        assert (macho_fixtures.CFFI in names) == ("cffi" in name), names


for _name in fixture_names("macho"):  # checked with LIEF itself: tests/macho_fixtures.py
    if _name in macho_fixtures.SIGNED:
        check(_name)(lambda path, name=_name: _check_signed(name, path))
    else:
        check(_name)(macho_fixtures.promise(_name))
