"""PyInstaller bundles as a user checks them: `binlint check` on each bundle fixture.

What a user reads is checked through the command line, run in the artifact directory so that
paths are as a user types them: the rule id, the path (`bundle!member` for the library a
bundle carries), the evidence in the message (the --runtime-tmpdir as given, the bundled
Python's version), the exit code with and without --fail-on, the SARIF of the bad bundle
(valid against the OASIS schema, the member nested under its bundle in run.artifacts), a
one-folder build checked as the directory PyInstaller makes (the executable and _internal/),
and `--max-depth 0`, which reads no member and says so.

The bundles are the fixtures of kind "bundle" (see tests/test_pyinstaller.py for
the reader itself): built once per machine, skipped without PyInstaller locally, a failure
under CI.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from fixtures import PYI_EXECSTACK_LIB, PYI_ONEFILE, PYI_RUNTIME_TMPDIR, Artifacts, fixture_names
from test_archives import binlint, check_json
from test_reports import sarif_validator, schema_errors
from rules.host import BUNDLE_GLIBC, glibc_needed

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
BUNDLES = fixture_names("bundle")
BAD = "pyi-onefile-bad-binary"
RWX_MESSAGE = "the last PT_GNU_STACK header is RWX: the loader makes the whole process stack executable"
ONEFILE_TMPDIR = "pyinstaller-onefile-tmpdir"
UNEXPANDED = "pyinstaller-runtime-tmpdir-unexpanded"


def relative(artifacts: Artifacts, name: str) -> tuple[Path, str]:
    """(the artifact directory, the bundle's path in it): runs use the directory as their
    working directory, so reports show `pyi-onefile`, or `pyi-onedir/pyi-onedir`."""
    path = artifacts.path(name)
    return artifacts.directory, path.relative_to(artifacts.directory).as_posix()


# --------------------------------------------------------------------------
# Each bundle: rule, severity, path, message evidence, exit code
# --------------------------------------------------------------------------

# name -> [(rule, severity, member chain)], in report order (by path, then severity).
EXPECTED: dict[str, list[tuple[str, str, list[str]]]] = {
    "pyi-onefile": [(ONEFILE_TMPDIR, "warning", [])],
    "pyi-onefile-tmpdir": [],  # an absolute --runtime-tmpdir: nothing to say
    "pyi-onefile-relative-tmpdir": [(UNEXPANDED, "warning", [])],
    "pyi-onefile-var-tmpdir": [(UNEXPANDED, "warning", [])],
    BAD: [(ONEFILE_TMPDIR, "warning", []), ("executable-stack", "error", [PYI_EXECSTACK_LIB])],
    "pyi-onedir": [],  # runs in place from _internal/: extracts nothing
}


def test_every_bundle_has_an_expectation() -> None:
    assert list(EXPECTED) == BUNDLES


@pytest.mark.parametrize("name", BUNDLES)
def test_check_a_bundle(artifacts: Artifacts, name: str) -> None:
    cwd, path = relative(artifacts, name)
    expected = EXPECTED[name]
    errors = any(severity == "error" for _, severity, _ in expected)
    document = check_json([path], cwd, expect=1 if errors else 0)
    findings = document["findings"]
    assert [(f["rule"], f["severity"], f["path"], f["location"], f["members"]) for f in findings] == [
        (rule, severity, "!".join([path, *members]), path, members) for rule, severity, members in expected]
    assert document["summary"]["files"] == 1

    for finding in findings:
        message = finding["message"]
        if finding["rule"] == ONEFILE_TMPDIR:
            # The Python the bundle carries (from its cookie), and what to do about it.
            assert f"(Python {PYTHON})" in message and "--runtime-tmpdir" in message, message
        elif finding["rule"] == UNEXPANDED:
            # The value exactly as given: "$HOME/tmp" is not expanded by the bootloader, nor by binlint.
            assert f"--runtime-tmpdir is {PYI_RUNTIME_TMPDIR[name]}:" in message, message
        elif finding["rule"] == "executable-stack":
            assert message == RWX_MESSAGE


def test_text_report_of_every_bundle(artifacts: Artifacts) -> None:
    """One run over all six, as a release check would: the lines a user reads, and the exit code."""
    paths = {relative(artifacts, name)[1]: name for name in BUNDLES}
    cwd = artifacts.directory
    proc = binlint(["check", "--color", "never", *paths], cwd)
    assert proc.returncode == 1  # the bad binary's executable stack is an error
    lines = proc.stdout.splitlines()
    assert lines[-1] == f"Found 5 problems (1 error, 4 warnings) in {len(BUNDLES)} files."
    found = [(line.split(": ", 1)[0], line.split(": ", 1)[1].split("] ", 1)[0] + "]") for line in lines[:-1]]
    expected = sorted((f"{'!'.join([path, *members])}", f"{severity}[{rule}]")
                      for path, name in paths.items() for rule, severity, members in EXPECTED[name])
    assert sorted(found) == expected
    assert f"{BAD}!{PYI_EXECSTACK_LIB}: error[executable-stack] {RWX_MESSAGE}" in lines
    assert ("pyi-onefile-var-tmpdir: warning[pyinstaller-runtime-tmpdir-unexpanded] --runtime-tmpdir is $HOME/tmp: "
            in proc.stdout)


# (bundle, --fail-on, exit code): the PyInstaller rules are warnings (test_check_a_bundle
# has the default, --fail-on error: 0 for them, 1 for the bad binary).
FAIL_ON = [
    ("pyi-onefile", "warning", 1),
    ("pyi-onefile-var-tmpdir", "warning", 1),
    ("pyi-onefile-tmpdir", "note", 0),
    ("pyi-onedir", "note", 0),
]


@pytest.mark.parametrize(("name", "fail_on", "code"), FAIL_ON, ids=[f"{n}-{f}" for n, f, _ in FAIL_ON])
def test_exit_code(artifacts: Artifacts, name: str, fail_on: str, code: int) -> None:
    cwd, path = relative(artifacts, name)
    assert binlint(["check", "--fail-on", fail_on, path], cwd).returncode == code


def test_facts_of_bundles(artifacts: Artifacts) -> None:
    """What rule authors see: `binlint facts` gives the pyinstaller.* facts of each bundle."""
    paths = {relative(artifacts, name)[1]: name for name in BUNDLES}
    proc = binlint(["facts", "--max-depth", "0", *paths], artifacts.directory)
    documents = {a["path"]: a["facts"] for a in json.loads(proc.stdout)["artifacts"]}
    assert set(documents) == set(paths)
    for path, name in paths.items():
        facts = documents[path]
        assert (facts["pyinstaller.bundle"], facts["pyinstaller.onefile"], facts["pyinstaller.python"],
                facts["pyinstaller.runtime_tmpdir"]) == (True, PYI_ONEFILE[name], PYTHON, PYI_RUNTIME_TMPDIR[name])


# --------------------------------------------------------------------------
# SARIF of the bad bundle
# --------------------------------------------------------------------------


def test_sarif_of_the_bad_bundle(artifacts: Artifacts) -> None:
    cwd, path = relative(artifacts, BAD)
    proc = binlint(["check", "--format", "sarif", path], cwd)
    assert proc.returncode == 1
    sarif = json.loads(proc.stdout)
    assert schema_errors(sarif_validator(), sarif) == []
    run = sarif["runs"][0]
    # The bundle on disk, then the library inside it, nested under it by parentIndex.
    assert run["artifacts"] == [{"location": {"uri": path, "uriBaseId": "%SRCROOT%"}},
                                {"location": {"uri": PYI_EXECSTACK_LIB}, "parentIndex": 0}]
    results = {r["ruleId"]: r for r in run["results"]}
    assert set(results) == {"executable-stack", ONEFILE_TMPDIR}
    for result in results.values():
        assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {
            "uri": path, "uriBaseId": "%SRCROOT%", "index": 0}
    stack = results["executable-stack"]
    assert stack["level"] == "error"
    assert stack["message"]["text"] == f"{PYI_EXECSTACK_LIB}: {RWX_MESSAGE}"
    assert stack["locations"][0]["logicalLocations"] == [
        {"name": PYI_EXECSTACK_LIB, "fullyQualifiedName": PYI_EXECSTACK_LIB, "kind": "module"}]
    tmpdir = results[ONEFILE_TMPDIR]
    assert tmpdir["level"] == "warning" and "logicalLocations" not in tmpdir["locations"][0]
    assert f"(Python {PYTHON})" in tmpdir["message"]["text"]
    rules = run["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])


# --------------------------------------------------------------------------
# A one-folder build, checked as the directory PyInstaller makes
# --------------------------------------------------------------------------


def _files(directory: Path) -> list[Path]:
    return [Path(root, name) for root, _, names in os.walk(directory) for name in names
            if not Path(root, name).is_symlink()]


def test_check_a_onedir_build_directory(artifacts: Artifacts) -> None:
    executable = artifacts.path("pyi-onedir")
    folder = executable.parent
    internal = folder / "_internal"
    assert internal.is_dir()
    cwd = folder.parent
    proc = binlint(["check", "--color", "never", folder.name], cwd)
    assert proc.returncode == 0
    assert proc.stdout == f"No problems found in {len(_files(folder))} files.\n"

    # With a glibc target, each library in _internal/ is a file of its own: its path on disk, no members.
    document = check_json(["--glibc", "2.17", folder.name], cwd)
    assert document["summary"]["files"] == len(_files(folder))
    findings = document["findings"]
    assert all(f["location"] == f["path"] and f["members"] == [] for f in findings)
    assert {f["rule"] for f in findings} <= {"glibc-version-above-target"}
    paths = {f["path"] for f in findings}
    libpython = next(internal.glob("libpython*.so*"))
    assert (f"{folder.name}/_internal/{libpython.name}" in paths) is (glibc_needed(libpython) > (2, 17))
    # The executable is PyInstaller's bootloader, which needs little of glibc.
    assert (f"{folder.name}/{executable.name}" in paths) is (BUNDLE_GLIBC["pyi-onedir"] > (2, 17))
    assert all(p.startswith(f"{folder.name}/_internal/") for p in paths - {f"{folder.name}/{executable.name}"})


def test_onedir_build_with_a_bad_library(artifacts: Artifacts, tmp_path: Path) -> None:
    """`--add-binary lib:.` in a one-folder build puts the library in _internal/: binlint
    reports it there, as the file on disk that it is."""
    folder = tmp_path / "app"
    shutil.copytree(artifacts.path("pyi-onedir").parent, folder, symlinks=True)
    shutil.copyfile(artifacts.path("execstack-lib"), folder / "_internal" / PYI_EXECSTACK_LIB)
    document = check_json(["app"], tmp_path, expect=1)
    assert [(f["rule"], f["severity"], f["path"], f["members"]) for f in document["findings"]] == [
        ("executable-stack", "error", f"app/_internal/{PYI_EXECSTACK_LIB}", [])]


# --------------------------------------------------------------------------
# --max-depth 0: no member is read, and the report says so
# --------------------------------------------------------------------------


def test_max_depth_0_reads_no_member_and_says_so(artifacts: Artifacts) -> None:
    cwd, path = relative(artifacts, BAD)
    document = check_json(["--max-depth", "0", path], cwd, expect=0)  # the error was in the member
    assert [(f["rule"], f["severity"], f["path"]) for f in document["findings"]] == [
        (ONEFILE_TMPDIR, "warning", path), ("archive-too-deep", "note", path)]
