"""Checks of the PyInstaller bundles (kind "bundle"), read with PyInstaller's own
CArchiveReader, never binlint; the two plain ones are run."""
from __future__ import annotations

import os
import platform
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

from fixture_checks.readelf import assert_x86_64, inspect
from fixture_checks.registry import Check, check, sibling
from fixtures import (
    ELF_MAGIC, PYI_COOKIE, PYI_EXECSTACK_LIB, PYI_ONEFILE, PYI_OUTPUT, PYI_REQUIREMENT, PYI_RUNTIME_TMPDIR, PYI_SCRIPT,
    fixture_names, require_module,
)

PYI_EXTRACTABLE = set("bxZnd")  # typecodes the bootloader extracts: their presence makes a onefile
PYI_RUN = {"pyi-onefile", "pyi-onedir"}  # run these: a bundle that does not start is no fixture
PYTHON_VERSION = sys.version_info.major * 100 + sys.version_info.minor  # as the cookie stores it


def _pyi_cookie(data: bytes) -> tuple[int, str]:
    """(python_version, python library) from the cookie nearest the end, parsed here."""
    cookie = data.rfind(PYI_COOKIE)
    assert cookie > 0, "no PyInstaller cookie"
    _, _, _, _, version, library = struct.unpack_from("!8sIIII64s", data, cookie)
    return version, library.rstrip(b"\0").decode()


def _run_bundle(path: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:  # onefile extracts under $TMPDIR: keep it ours
        result = subprocess.run([str(path)], capture_output=True, text=True, timeout=120, cwd=scratch,
                                env={**os.environ, "TMPDIR": scratch})
    assert (result.returncode, result.stdout) == (0, PYI_OUTPUT), result.stderr


def _check_bundle(name: str) -> Check:
    def check_bundle(path: Path) -> None:
        data = path.read_bytes()
        assert data.startswith(ELF_MAGIC) and PYI_COOKIE in data
        view = inspect(path)
        assert_x86_64(view, "")
        assert "pydata" in view.sections, "PyInstaller on Linux keeps the package in the section pydata"
        version, library = _pyi_cookie(data)
        assert version == PYTHON_VERSION and library.startswith(f"libpython{version // 100}.{version % 100}")

        require_module("PyInstaller", PYI_REQUIREMENT)
        from PyInstaller.archive.readers import CArchiveReader

        archive = CArchiveReader(str(path))
        typecodes = {entry_name: entry[-1] for entry_name, entry in archive.toc.items()}
        assert typecodes[PYI_SCRIPT] == "s"
        tmpdir = PYI_RUNTIME_TMPDIR[name]
        assert [o for o in archive.options if o.startswith("pyi-runtime-tmpdir")] == (
            [f"pyi-runtime-tmpdir {tmpdir}"] if tmpdir else [])
        if PYI_ONEFILE[name]:
            assert typecodes[library] == "b"
        else:  # one-folder: every binary is a file in _internal/, next to the executable
            assert not PYI_EXTRACTABLE & set(typecodes.values()), typecodes
            assert (path.parent / "_internal" / library).is_file()
            assert sorted(p.name for p in path.parent.iterdir()) == ["_internal", name]
        if name == "pyi-onefile-bad-binary":
            assert typecodes[PYI_EXECSTACK_LIB] == "b"
            assert archive.extract(PYI_EXECSTACK_LIB) == sibling(path, "execstack-lib")
        else:
            assert PYI_EXECSTACK_LIB not in typecodes
        if name in PYI_RUN and platform.machine() == "x86_64":
            _run_bundle(path)
    return check_bundle


for _name in fixture_names("bundle"):
    check(_name)(_check_bundle(_name))
