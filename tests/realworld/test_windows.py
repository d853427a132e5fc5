"""Real Windows wheels (tests/realworld/windows.py): binlint reports no false error on them, and
where each DLL an extension module or DLL imports comes from agrees with `delvewheel show`.

delvewheel (it runs on Linux) splits a wheel's imports into the DLLs it assumes every Windows
machine or Python has and those it would copy into the wheel; binlint's pe.import_resolution
makes the same split: `system` or `python` against the rest. delvewheel does not analyse a
wheel it has already repaired; there every import binlint does not call system or python must
resolve to the folder delvewheel's patch adds (`dll-directory`) or beside the module.
"""
from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import pypi
from conftest import _missing, require_module
from realworld.conftest import binlint_json
from realworld.windows import WINDOWS, Wheel

# Real faults of the published files, by rule: numpy 2.2.6's and scipy 1.16.3's win_amd64 wheels
# hold an empty file named like the wheel itself at their root (`unzip -l` shows it, size 0).
EXPECTED_ERRORS = {"numpy-2.2.6-win_amd64": {"wheel-not-a-zip": 1}, "scipy-1.16.3-win_amd64": {"wheel-not-a-zip": 1}}
PROVIDED = ("system", "python")


def fetched(wheel: Wheel) -> Path:
    problem = pypi.download(pypi.wheel_cache(), wheel.requirement, wheel.platform, wheel.python, wheel.filename,
                            wheel.sha256)
    if problem:
        _missing(problem)
    return pypi.wheel_cache() / wheel.filename


def delvewheel_show(path: Path) -> dict[str, set[str]] | None:
    """delvewheel's split of the wheel's imports (lower case), None for a wheel it repaired."""
    done = subprocess.run([sys.executable, "-m", "delvewheel", "show", "--analyze-existing", str(path)],
                          capture_output=True, text=True, timeout=300)
    if "has already repaired this wheel" in done.stdout:
        return None
    split: dict[str, set[str]] = {"copied": set(), "present": set()}
    part = None
    for line in done.stdout.splitlines():
        if "will be copied" in line:
            part = "copied"
        elif "assumed to be present" in line:
            part = "present"
        elif part and line.startswith("    ") and line.strip() != "None":
            split[part].add(re.sub(r" \(.*\)$", "", line.strip()).lower())
        elif not line.strip():
            part = None
    return split


@pytest.mark.parametrize("wheel", WINDOWS, ids=[w.id for w in WINDOWS])
def test_no_false_error(wheel: Wheel) -> None:
    report = binlint_json("check", "--no-config", "--no-progress", "--format", "json", str(fetched(wheel)))
    errors: dict[str, int] = {}
    for finding in report["findings"]:
        if finding["severity"] == "error":
            errors[finding["rule"]] = errors.get(finding["rule"], 0) + 1
    assert errors == EXPECTED_ERRORS.get(wheel.id, {}), report["findings"]


@pytest.mark.parametrize("wheel", WINDOWS, ids=[w.id for w in WINDOWS])
def test_dll_resolution_agrees_with_delvewheel(wheel: Wheel) -> None:
    require_module("delvewheel", "delvewheel>=1.13")
    path = fetched(wheel)
    facts = binlint_json("facts", "--no-config", str(path))
    resolved = [item for artifact in facts["artifacts"] if artifact["facts"].get("file.kind") == "pe"
                for item in artifact["facts"]["pe.import_resolution"]]
    assert resolved
    ours = {"present": {i["dll"].lower() for i in resolved if i["found"] in PROVIDED},
            "copied": {i["dll"].lower() for i in resolved if i["found"] not in PROVIDED}}
    theirs = delvewheel_show(path)
    if theirs is None:  # repaired by delvewheel: what it copied resolves through its patch
        with zipfile.ZipFile(path) as archive:
            assert any(n.endswith("DELVEWHEEL") for n in archive.namelist())
        assert {i["found"] for i in resolved} - {*PROVIDED, "dll-directory", "module-folder"} == set()
        assert any(i["found"] == "dll-directory" for i in resolved)
        return
    # delvewheel lists the DLLs of the wheel's own modules that other modules import as neither
    # (they are in the wheel); binlint resolves them beside the importer.
    ours["copied"] -= {i["dll"].lower() for i in resolved if i["found"] == "module-folder"}
    assert ours == theirs
