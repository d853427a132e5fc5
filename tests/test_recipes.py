"""The recipes of docs/integrations.md, run as they are written there.

Each recipe is the fenced block after a `<!-- recipe: NAME -->` marker, so the tested
text and the documented text are one. CMake and Meson projects are configured and built
for real, with a library compiled here (once with an executable stack: the build or
test fails and prints binlint's finding; once clean: it passes). cibuildwheel needs
Docker for a real run: its configuration is read by cibuildwheel's own option reader
and its audit commands are run on real wheels the way cibuildwheel runs them.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from binlint.rules import load_rules
from fixtures import Artifacts, require_module, require_tool
from integration_tools import ROOT, env_with_binlint, env_with_tools, git, run, snapshot_repository, tool

DOC = ROOT / "docs/integrations.md"
MYLIB_C = "int mylib_answer(void) { return 42; }\n"
EXECSTACK = "-Wl,-z,execstack"


# binlint is not on PyPI yet: the recipes install it from the repository at a commit.
REPOSITORY_REQUIREMENT = "binlint @ git+https://github.com/binlint/binlint@COMMIT"


def recipe(name: str) -> str:
    match = re.search(rf"<!-- recipe: {name} -->\n```[a-z]*\n(.*?)```", DOC.read_text(), re.S)
    assert match, f"docs/integrations.md has no recipe {name!r}"
    return match.group(1)




# --------------------------------------------------------------------------
# CMake
# --------------------------------------------------------------------------


def cmake_project(root: Path) -> Path:
    root.mkdir()
    (root / "mylib.c").write_text(MYLIB_C)
    (root / "CMakeLists.txt").write_text("cmake_minimum_required(VERSION 3.18)\nproject(demo LANGUAGES C)\n"
                                         "add_library(mylib SHARED mylib.c)\n" + recipe("cmake"))
    return root


@pytest.mark.parametrize("execstack", [True, False], ids=["execstack", "clean"])
def test_cmake_post_build(execstack: bool, tmp_path: Path) -> None:
    cmake = require_tool("cmake")
    ninja = tool("ninja", "pip install '.[test]'")
    root = cmake_project(tmp_path / "project")
    env = env_with_binlint(tmp_path / "bin")
    flags = [f"-DCMAKE_SHARED_LINKER_FLAGS={EXECSTACK}"] if execstack else []
    run([cmake, "-S", root, "-B", root / "build", "-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={ninja}", *flags], root,
        env=env, check=True)
    result = run([cmake, "--build", root / "build"], root, env=env)
    if execstack:
        assert result.returncode != 0, result.stdout
        assert "libmylib.so: error[executable-stack]" in result.stdout, result.stdout
        # Ninja keeps the library but has not recorded the step: the next build fails again.
        assert run([cmake, "--build", root / "build"], root, env=env).returncode != 0
    else:
        assert result.returncode == 0, result.stdout
        assert "No problems found in 1 file." in result.stdout, result.stdout


def test_cmake_check_can_be_turned_off(tmp_path: Path) -> None:
    cmake = require_tool("cmake")
    ninja = tool("ninja", "pip install '.[test]'")
    root = cmake_project(tmp_path / "project")
    env = env_with_binlint(tmp_path / "bin")
    run([cmake, "-S", root, "-B", root / "build", "-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={ninja}",
         f"-DCMAKE_SHARED_LINKER_FLAGS={EXECSTACK}", "-DBINLINT_CHECK=OFF"], root, env=env, check=True)
    assert run([cmake, "--build", root / "build"], root, env=env).returncode == 0


# --------------------------------------------------------------------------
# Meson
# --------------------------------------------------------------------------


@pytest.mark.parametrize("execstack", [True, False], ids=["execstack", "clean"])
def test_meson_test(execstack: bool, tmp_path: Path) -> None:
    meson = tool("meson", "pip install '.[test]'")
    tool("ninja", "pip install '.[test]'")
    require_tool("gcc")
    root = tmp_path / "project"
    root.mkdir()
    (root / "mylib.c").write_text(MYLIB_C)
    library = "mylib = shared_library('mylib', 'mylib.c', link_args: get_option('c_link_args'))\n"
    (root / "meson.build").write_text("project('demo', 'c')\n" + library + recipe("meson"))
    env = env_with_binlint(tmp_path / "bin")
    link_args = [f"-Dc_link_args={EXECSTACK}"] if execstack else []
    run([meson, "setup", "builddir", *link_args], root, env=env, check=True)
    # No separate compile: the test names the library, so meson test builds it first.
    result = run([meson, "test", "-C", "builddir", "--suite", "binlint", "--print-errorlogs"], root, env=env)
    if execstack:
        assert result.returncode != 0, result.stdout
        assert "libmylib.so: error[executable-stack]" in result.stdout, result.stdout
    else:
        assert result.returncode == 0, result.stdout
        assert re.search(r"binlint\s+OK", result.stdout), result.stdout


# --------------------------------------------------------------------------
# setuptools: build, then check
# --------------------------------------------------------------------------


SETUP_PY = """\
from setuptools import Extension, setup

setup(ext_modules=[Extension("demo._native", ["demo/_native.c"], extra_link_args={link_args!r})])
"""

NATIVE_C = """\
#include <Python.h>
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native", NULL, -1, NULL};
PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&module); }
"""


@pytest.mark.parametrize("execstack", [True, False], ids=["execstack", "clean"])
def test_setuptools_build_then_check(execstack: bool, tmp_path: Path) -> None:
    require_module("build", ".[test]")
    require_tool("gcc")
    root = tmp_path / "project"
    (root / "demo").mkdir(parents=True)
    (root / "demo/__init__.py").write_text("")
    (root / "demo/_native.c").write_text(NATIVE_C)
    (root / "pyproject.toml").write_text('[build-system]\nrequires = ["setuptools>=64"]\n'
                                         'build-backend = "setuptools.build_meta"\n\n'
                                         '[project]\nname = "demo"\nversion = "1.0"\n')
    (root / "setup.py").write_text(SETUP_PY.format(link_args=[EXECSTACK] if execstack else []))
    env = env_with_binlint(tmp_path / "bin")  # `python` on its PATH is the test's Python
    result = run(["bash", "-eo", "pipefail", "-c", recipe("setuptools")], root, env=env, timeout=900)
    if execstack:
        assert result.returncode == 1, result.stdout
        assert re.search(r"dist/demo-1\.0-\S+\.whl!demo/_native\.\S+\.so: error\[executable-stack\]", result.stdout)
    else:
        assert result.returncode == 0, result.stdout


# --------------------------------------------------------------------------
# cibuildwheel: its own option reader, then its audit loop on real wheels
# --------------------------------------------------------------------------


def test_cibuildwheel_audit_command(artifacts: Artifacts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_module("cibuildwheel", ".[test]")
    from cibuildwheel import options
    from cibuildwheel.util.helpers import prepare_command
    from cibuildwheel.util.packaging import is_abi3_wheel

    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "1.0"\n\n' + recipe("cibuildwheel"))
    monkeypatch.chdir(project)
    arguments = options.CommandLineArguments.defaults()
    arguments = type(arguments)(**{**vars(arguments), "platform": "linux", "package_dir": Path(".")})
    build = options.compute_options("linux", arguments, {}).build_options("cp311-manylinux_x86_64")
    # binlint is appended: the default abi3 audit stays.
    assert build.audit_requires == ["abi3audit", REPOSITORY_REQUIREMENT]
    assert build.audit_command == ["abi3audit --strict --report {abi3_wheel}", "binlint check {wheel}"]

    env = env_with_binlint(tmp_path / "bin")
    for fixture, expected in (("execstack-wheel", 1), ("clean-manylinux-wheel", 0)):
        wheel = artifacts.path(fixture)
        statuses = []
        for template in build.audit_command:  # as cibuildwheel.audit.run_audit does
            if "{abi3_wheel}" in template and not is_abi3_wheel(wheel.name):
                continue
            command = prepare_command(template, abi3_wheel=wheel, wheel=wheel, project=".", package=".")
            statuses.append(run(["sh", "-c", command], project, env=env))
        assert [s.returncode for s in statuses] == [expected], [s.stdout for s in statuses]
        if expected:
            assert "!pkg/_ext.so: error[executable-stack]" in statuses[0].stdout


# --------------------------------------------------------------------------
# The other blocks: valid for their tools, and the same as what the tests run
# --------------------------------------------------------------------------


def test_pre_commit_config_recipe_is_valid(tmp_path: Path) -> None:
    pre_commit = tool("pre-commit", "pip install '.[test]'")
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(recipe("pre-commit"))
    result = run([pre_commit, "validate-config", str(config)], tmp_path)
    assert result.returncode == 0, result.stdout
    manifest = {hook["id"] for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert {hook["id"] for hook in yaml.safe_load(recipe("pre-commit"))["repos"][0]["hooks"]} <= manifest


def test_workflow_recipe_is_the_tested_example() -> None:
    example = yaml.safe_load((ROOT / "docs/examples/binlint.yml").read_text())
    documented = yaml.safe_load(recipe("workflow"))
    assert documented["jobs"] == example["jobs"]
    assert documented["permissions"] == example["permissions"]


def test_the_repository_requirement_installs_from_a_commit(tmp_path: Path) -> None:
    """What hatchling and cibuildwheel do with the recipes' requirement, on a snapshot of this
    checkout standing in for github.com/binlint/binlint and its commit for COMMIT."""
    source = snapshot_repository(tmp_path / "binlint")
    commit = git(source, "rev-parse", "HEAD").strip()
    # A host in the URL: pip's requirement parser wants one (git reads file://localhost/path).
    url = source.as_uri().replace("file://", "file://localhost", 1)
    requirement = REPOSITORY_REQUIREMENT.replace("https://github.com/binlint/binlint", url)
    requirement = requirement.replace("@COMMIT", f"@{commit}")
    for name in ("hatch", "cibuildwheel"):
        assert REPOSITORY_REQUIREMENT in recipe(name)
    result = run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(tmp_path / "site"),
                  requirement], tmp_path, timeout=900)
    assert result.returncode == 0, result.stdout
    assert (tmp_path / "site/binlint/rules/builtin/executable-stack.yaml").is_file()
    # The installed binlint takes its rules from the checked copy the build verified: the same rules.
    listing = ("import json; from binlint.rules import load_rules; print(json.dumps([[r.id, r.severity, "
               "sorted(r.facts), sorted(r.targets), sorted(r.formats), [g[0] for g in r.guards], r.source] "
               "for r in load_rules()]))")
    shown = run([sys.executable, "-c", listing], tmp_path, env={**env_with_tools(), "PYTHONPATH": str(tmp_path / "site")},
                check=True)
    installed = json.loads(shown.stdout.strip().splitlines()[-1])
    here = [[r.id, r.severity, sorted(r.facts), sorted(r.targets), sorted(r.formats), [g[0] for g in r.guards]]
            for r in load_rules()]
    assert json.loads(json.dumps(here)) == [row[:-1] for row in installed]
    assert {Path(row[-1]).parent for row in installed} == {tmp_path / "site/binlint/rules/builtin"}


def test_a_wheel_is_not_built_with_rules_the_checked_copy_does_not_match(tmp_path: Path) -> None:
    """An installed binlint trusts binlint/rules/_builtin.py without reading the rule files:
    the build hook (hatch_build.py) refuses a copy made before a rule was edited."""
    source = snapshot_repository(tmp_path / "binlint")
    rule = source / "rules/executable-stack.yaml"
    rule.write_text(rule.read_text().replace("severity: error", "severity: warning", 1))
    result = run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path / "dist"),
                  str(source)], tmp_path, timeout=900)
    assert result.returncode != 0
    assert "_builtin.py does not match rules/executable-stack.yaml: run `python scripts/generate.py`" in result.stdout
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").iterdir())


def test_hatch_recipe_options_are_the_hooks() -> None:
    pyproject = tomllib.loads(recipe("hatch"))
    assert REPOSITORY_REQUIREMENT in pyproject["build-system"]["requires"]
    options = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["hooks"]["binlint"]
    assert set(options) <= {"fail-on", "glibc", "kernel", "targets", "args"}
    entry_points = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["hatch"]
    assert entry_points == {"binlint": "binlint.hatch_plugin"}


def test_readme_blocks_are_the_tested_recipes() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Integrations\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```[a-z]*\n(.*?)```", section, re.S)
    recipes = {recipe(name) for name in ("pre-commit", "hatch", "cibuildwheel", "setuptools", "cmake", "meson")}
    step = yaml.safe_load((ROOT / "docs/examples/binlint.yml").read_text())["jobs"]["binlint"]["steps"][-1]
    for block in blocks:
        if block not in recipes:
            assert yaml.safe_load(block) == [step], f"README block is not a tested recipe:\n{block}"
    assert len(blocks) == len(recipes) + 1
