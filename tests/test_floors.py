"""The lowest versions pyproject.toml allows are the ones CI tests (scripts/floors.py).

.ci/run installs every runtime dependency, and those of the extras users install
(`binlint[s3]`, `binlint[dask]`, ...), at exactly its floor, with BINLINT_FLOORS=1, and
runs the tests that exercise them; the second test here proves that it did (a constraint
pip ignored would otherwise test the newest versions twice).
"""
from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def constraints() -> list[str]:
    result = subprocess.run([sys.executable, str(ROOT / "scripts/floors.py")], capture_output=True, text=True,
                            check=True)
    return result.stdout.splitlines()


def test_every_runtime_and_extra_dependency_is_pinned_at_its_floor() -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = [r for name, requirements in project["optional-dependencies"].items() if name != "test" for r in requirements]
    declared = [Requirement(r) for r in dict.fromkeys(project["dependencies"] + extras)]
    pinned = [Requirement(line) for line in constraints()]
    assert [r.name for r in pinned] == [r.name for r in declared]
    for floor, requirement in zip(pinned, declared):
        [spec] = floor.specifier
        assert spec.operator == "==" and requirement.specifier.contains(spec.version), (floor, requirement)
        assert f">={spec.version}" in str(requirement.specifier), "the floor is the declared lower bound"
        assert str(floor.marker) == str(requirement.marker)
    assert any(r.name == "lief" and str(r.specifier) == "==0.17" for r in pinned)  # 0.15 and 0.16 read no Mach-O


@pytest.mark.skipif(not os.environ.get("BINLINT_FLOORS"), reason="only in .ci/run's floors job (BINLINT_FLOORS=1)")
def test_the_installed_versions_are_the_floors() -> None:
    for line in constraints():
        requirement = Requirement(line)
        if requirement.marker is not None and not Marker(str(requirement.marker)).evaluate():
            continue
        [spec] = requirement.specifier
        assert Version(importlib.metadata.version(requirement.name)) == Version(spec.version), requirement.name
