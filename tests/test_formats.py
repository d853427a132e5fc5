"""Output formats: `full` text, `github` workflow commands, `--statistics`, `--exit-zero`,
SARIF and JSON with configuration, and the progress line (a terminal only, never a pipe)."""
from __future__ import annotations

import json
import os
import pty
import select
import shutil
import sys
from pathlib import Path

import pytest

from binlint.cli import progress
from binlint.report.github import escape_data, escape_property
from fixtures import MANYLINUX_X86_64, Artifacts
from test_cli import run_subprocess
from test_config import EXECSTACK, Run, binlint, one_error, project  # noqa: F401 (binlint is a fixture)
from test_reports import report_validator, sarif_validator, schema_errors

WHEEL = f"pkg-1.0-{MANYLINUX_X86_64}.whl"
HELP = "https://github.com/binlint/binlint/blob/main/docs/rules.md#"
NEW_GLIBC = "needs symbol versions newer than glibc 2.17: GLIBC_2.25 (getrandom)"


def test_github_annotations_name_the_file_on_disk_and_the_member(artifacts: Artifacts, tmp_path: Path,
                                                                 binlint: Run) -> None:
    root = project(tmp_path, artifacts, {f"dist/{WHEEL}": "wheel", "lib/b.so": "nostack-exe"})
    result = binlint("check", "dist", "lib", "--format", "github", "--select", "loading", cwd=root)
    stack = result.lines()[1].split("::", 2)[2]
    assert stack.startswith("no PT_GNU_STACK header")
    assert result.lines() == [
        f"::error file=dist/{WHEEL},title=binlint (executable-stack)::pkg/_ext.so: {EXECSTACK}",
        f"::warning file=lib/b.so,title=binlint (missing-gnu-stack)::{stack}",
        "Found 2 problems (1 error, 1 warning) in 2 files.",
    ]
    assert result.code == 1


def test_github_escapes_what_the_runner_would_split(artifacts: Artifacts, tmp_path: Path, binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"a,b:c%d.so": "execstack-lib"})
    result = binlint("check", ".", "--format", "github", cwd=root)
    assert result.lines()[0] == f"::error file=a%2Cb%3Ac%25d.so,title=binlint (executable-stack)::{EXECSTACK}"
    assert escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert escape_property("dir:a,b%\n") == "dir%3Aa%2Cb%25%0A"


def test_notes_are_notices(artifacts: Artifacts, tmp_path: Path, binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"a.so": "execstack-lib"},
                   binlint_toml='severity = {executable-stack = "note"}\n')
    assert binlint("check", "a.so", "--format", "github", cwd=root).lines()[0] == (
        f"::notice file=a.so,title=binlint (executable-stack)::{EXECSTACK}")


def test_full_text_lists_every_evidence_item_and_the_help_link(artifacts: Artifacts, tmp_path: Path,
                                                              binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"new.so": "glibc-new-lib", "a.so": "execstack-lib"})
    result = binlint("check", "new.so", "a.so", "--glibc", "2.17", "--format", "full", cwd=root)
    assert result.lines() == [
        f"a.so: error[executable-stack] {EXECSTACK}",
        f"  help: {HELP}executable-stack (binlint rule executable-stack)",
        "",
        f"new.so: error[glibc-version-above-target] {NEW_GLIBC}",
        "  evidence: GLIBC_2.25 (getrandom)",
        f"  help: {HELP}glibc-version-above-target (binlint rule glibc-version-above-target)",
        "",
        "Found 2 problems (2 errors) in 2 files.",
    ]
    concise = binlint("check", "new.so", "a.so", "--glibc", "2.17", cwd=root)
    assert concise.lines() == [line for line in result.lines() if line and not line.startswith("  ")]


def test_statistics_count_findings_per_rule(artifacts: Artifacts, tmp_path: Path, binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"a.so": "execstack-lib", "b.so": "execstack-lib", "new.so": "glibc-new-lib"})
    result = binlint("check", ".", "--glibc", "2.17", "--statistics", cwd=root)
    assert result.lines() == [
        "2  executable-stack            error  The object asks for an executable stack (PT_GNU_STACK has PF_X)",
        "1  glibc-version-above-target  error  Needs glibc symbol versions newer than the target's glibc",
        "Found 3 problems (3 errors) in 3 files.",
    ]
    assert result.code == 1
    as_json = json.loads(binlint("check", ".", "--glibc", "2.17", "--statistics", "--format", "json", cwd=root).out)
    assert [(row["rule"], row["severity"], row["count"]) for row in as_json] == [
        ("executable-stack", "error", 2), ("glibc-version-above-target", "error", 1)]
    assert one_error(binlint("check", ".", "--statistics", "--format", "sarif", cwd=root)) == (
        "binlint: error: --statistics works with --format text, full, json, not sarif")


def test_exit_zero_keeps_the_report_but_not_the_failure(artifacts: Artifacts, tmp_path: Path, binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"a.so": "execstack-lib"})
    failing = binlint("check", "a.so", cwd=root)
    passing = binlint("check", "a.so", "--exit-zero", cwd=root)
    assert (failing.code, passing.code) == (1, 0) and passing.out == failing.out
    assert binlint("check", "missing.so", "--exit-zero", cwd=root).code == 2


def test_sarif_and_json_leave_suppressed_and_baselined_findings_out(artifacts: Artifacts, tmp_path: Path,
                                                                    binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"a.so": "execstack-lib", "b.so": "execstack-lib", "c.so": "execstack-lib"},
                   binlint_toml='[[suppress]]\nrule = "loading"\npath = "a.so"\nreason = "known"\n')
    binlint("check", "c.so", "--write-baseline", "baseline.json", cwd=root)
    sarif_run = binlint("check", "a.so", "b.so", "c.so", "--baseline", "baseline.json", "--format", "sarif", cwd=root)
    sarif = json.loads(sarif_run.out)
    assert schema_errors(sarif_validator(), sarif) == []
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]]
    assert uris == ["b.so"]
    assert sarif_run.err == "binlint: 1 finding recorded in baseline.json left out\n"
    report = json.loads(binlint("check", "a.so", "b.so", "c.so", "--baseline", "baseline.json", "--format", "json",
                                cwd=root).out)
    assert schema_errors(report_validator(), report) == []
    assert {k: report["summary"][k] for k in ("findings", "suppressed", "baselined")} == \
        {"findings": 1, "suppressed": 1, "baselined": 1}


# --------------------------------------------------------------------------
# Progress: a terminal only
# --------------------------------------------------------------------------


def many_files(artifacts: Artifacts, tmp_path: Path, count: int = 80) -> Path:
    root = project(tmp_path, artifacts, {"a.so": "execstack-lib"})
    for n in range(count):
        shutil.copy2(artifacts.path("clean-lib"), root / f"clean{n:03}.so")
    return root


def test_no_progress_in_a_pipe(artifacts: Artifacts, tmp_path: Path) -> None:
    root = many_files(artifacts, tmp_path)
    piped = run_subprocess(["check", "."], root)
    assert piped.err == "" and piped.code == 1
    assert piped.out == run_subprocess(["check", ".", "--no-progress"], root).out
    assert not progress.wanted(open(os.devnull, "w"))


def test_progress_on_a_terminal_is_erased_and_changes_nothing(artifacts: Artifacts, tmp_path: Path, binlint: Run,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    root = many_files(artifacts, tmp_path)
    expected = binlint("check", ".", cwd=root)
    master, slave = pty.openpty()
    terminal = os.fdopen(slave, "w")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    monkeypatch.setattr(sys, "stderr", terminal)
    assert progress.wanted()
    shown = binlint("check", ".", cwd=root)
    terminal.flush()
    drawn = b""
    while select.select([master], [], [], 0.5)[0]:  # a pty hands its data over in pieces
        drawn += os.read(master, 1 << 16)
    drawn = drawn.decode()
    terminal.close()
    os.close(master)
    assert shown.out == expected.out and shown.code == expected.code
    assert "binlint: checked 32/81 files (39%)" in drawn and drawn.endswith("\r\033[K")
    monkeypatch.setenv("CI", "true")  # a CI log is no terminal, even when it says so
    master, slave = pty.openpty()
    with os.fdopen(slave, "w") as tty:
        assert progress.wanted(tty) is False
    os.close(master)


# --------------------------------------------------------------------------
# GitLab Code Quality and JUnit XML: the reports other CI systems read
# --------------------------------------------------------------------------


def test_gitlab_code_quality_report(artifacts: Artifacts, tmp_path: Path, binlint: Run) -> None:
    """Valid against GitLab's documented format (tests/data/gitlab-codequality.schema.json):
    one issue per finding on the file in the repository, the member chain in its description,
    fingerprints unique (GitLab keeps one issue per fingerprint)."""
    import jsonschema

    root = project(tmp_path, artifacts, {f"dist/{WHEEL}": "wheel", "lib/b.so": "nostack-exe",
                                         "lib/c.so": "execstack-lib"})
    result = binlint("check", "dist", "lib", "--format", "gitlab", "--select", "loading", cwd=root)
    issues = json.loads(result.out)
    schema = json.loads((Path(__file__).parent / "data/gitlab-codequality.schema.json").read_text())
    assert schema_errors(jsonschema.Draft202012Validator(schema), issues) == []
    assert [(i["check_name"], i["severity"], i["location"]["path"]) for i in issues] == [
        ("executable-stack", "major", f"dist/{WHEEL}"), ("missing-gnu-stack", "minor", "lib/b.so"),
        ("executable-stack", "major", "lib/c.so")]
    assert issues[0]["description"] == f"pkg/_ext.so: {EXECSTACK}"
    assert len({i["fingerprint"] for i in issues}) == 3 and result.code == 1
    clean = binlint("check", "lib/b.so", "--format", "gitlab", "--select", "executable-stack", cwd=root)
    assert (clean.code, json.loads(clean.out)) == (0, [])


def test_junit_report(artifacts: Artifacts, tmp_path: Path, binlint: Run) -> None:
    """Read back by junitparser, a JUnit consumer: a suite per rule, a failed case per
    finding, a passed case for a rule without findings."""
    junitparser = pytest.importorskip("junitparser", reason="pip install '.[test]'")

    root = project(tmp_path, artifacts, {f"dist/{WHEEL}": "wheel", "lib/b.so": "nostack-exe"})
    result = binlint("check", "dist", "lib", "--format", "junit", "--select", "executable-stack,missing-gnu-stack",
                     cwd=root)
    report = tmp_path / "junit.xml"
    report.write_text(result.out)
    suites = {suite.name: suite for suite in junitparser.JUnitXml.fromfile(str(report))}
    # The diagnostics (a file binlint could not read, an archive too deep, ...) always run.
    from binlint.rules import load_rules

    diagnostics = {r.id for r in load_rules() if r.group == "diagnostic" and r.default}
    assert set(suites) == {"executable-stack", "missing-gnu-stack", *diagnostics}
    [case] = list(suites["executable-stack"])
    [failure] = case.result
    assert (case.classname, case.name, failure.type) == ("binlint.executable-stack", f"dist/{WHEEL}!pkg/_ext.so",
                                                         "error")
    assert failure.message == EXECSTACK and "pkg/_ext.so" in failure.text
    assert suites["missing-gnu-stack"].failures == 1
    [passed] = list(suites["unreadable-artifact"])
    assert passed.result == [] and passed.name == "2 files checked"
    assert result.code == 1
