"""The hatchling build hook, through a real `python -m build --wheel` of a small project
whose wheel carries a library compiled here with gcc.

The project's build environment is isolated, as a user's is: its `build-system.requires`
names hatchling and binlint, the latter as a file:// URL of a wheel built from a snapshot
of this checkout, so the hook under test is this work tree's and the entry point is
found the way hatchling finds any plugin. (`--no-isolation` would need binlint installed,
with its entry points, in the test's own environment, which a development checkout is not.)
"""
from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

from fixtures import require_module, require_tool
from integration_tools import run, snapshot_repository

PYPROJECT = """\
[build-system]
requires = ["hatchling>=1.18", "binlint @ {binlint}"]
build-backend = "hatchling.build"

[project]
name = "demo"
version = "1.0"

[tool.hatch.build.targets.wheel]
packages = ["demo"]
artifacts = ["demo/*.so"]

# hatch_build.py marks the wheel platform-specific (it carries a compiled library).
[tool.hatch.build.targets.wheel.hooks.custom]

[tool.hatch.build.targets.wheel.hooks.binlint]
fail-on = "error"
glibc = "2.17"
"""

HATCH_BUILD = """\
from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version, build_data):
        build_data["pure_python"] = False
        build_data["tag"] = "py3-none-manylinux_2_17_x86_64"
"""


@pytest.fixture(scope="module")
def binlint_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = snapshot_repository(tmp_path_factory.mktemp("hatch-source") / "binlint")
    out = tmp_path_factory.mktemp("binlint-wheel")
    result = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)], out)
    assert result.returncode == 0, result.stdout
    (wheel,) = out.glob("binlint-*.whl")
    return wheel


def project(root: Path, binlint_wheel: Path, *, execstack: bool, options: str = "") -> Path:
    (root / "demo").mkdir(parents=True)
    (root / "demo/__init__.py").write_text("")
    (root / "demo/_native.c").write_text("int demo_answer(void) { return 42; }\n")
    link = "-Wl,-z,execstack" if execstack else "-Wl,-z,noexecstack"
    run([require_tool("gcc"), "-shared", "-fPIC", "-O2", link, "-o", "demo/_native.so", "demo/_native.c"], root,
        check=True)
    (root / "pyproject.toml").write_text(PYPROJECT.format(binlint=binlint_wheel.as_uri()) + options)
    (root / "hatch_build.py").write_text(HATCH_BUILD)
    return root


def build(root: Path):
    return run([sys.executable, "-m", "build", "--wheel", "--outdir", "dist", "."], root, timeout=900)


@pytest.fixture(scope="module", autouse=True)
def needs_build() -> None:
    require_module("build", ".[test]")


def test_bad_library_fails_the_build_and_removes_the_wheel(binlint_wheel: Path, tmp_path: Path) -> None:
    root = project(tmp_path / "bad", binlint_wheel, execstack=True)
    result = build(root)
    assert result.returncode != 0, result.stdout
    wheel = "dist/demo-1.0-py3-none-manylinux_2_17_x86_64.whl"
    assert f"\n{wheel}!demo/_native.so: error[executable-stack]" in result.stdout, result.stdout
    assert f"binlint found problems at or above 'error': removed {wheel}\n" in result.stdout
    assert list((root / "dist").glob("*.whl")) == []


def test_clean_library_builds(binlint_wheel: Path, tmp_path: Path) -> None:
    root = project(tmp_path / "good", binlint_wheel, execstack=False)
    result = build(root)
    assert result.returncode == 0, result.stdout
    assert "binlint: checking demo-1.0-py3-none-manylinux_2_17_x86_64.whl" in result.stdout
    assert "No problems found in 1 file." in result.stdout
    (wheel,) = (root / "dist").glob("*.whl")
    assert "demo/_native.so" in zipfile.ZipFile(wheel).namelist()


def test_options_reach_binlint_and_bad_ones_are_named(binlint_wheel: Path, tmp_path: Path) -> None:
    # args passes CLI options through: with the rule ignored, the bad library builds.
    root = project(tmp_path / "ignored", binlint_wheel, execstack=True,
                   options='args = ["--ignore", "executable-stack"]\n')
    assert build(root).returncode == 0
    root = project(tmp_path / "typo", binlint_wheel, execstack=False, options='targets = "manylinux2014"\n')
    result = build(root)
    assert result.returncode != 0
    assert "option `targets` of build hook `binlint` must be an array of strings" in result.stdout
