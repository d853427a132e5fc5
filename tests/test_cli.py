"""The command line, end to end: exit codes, error lines, discovery and the text format.

Every case runs the real CLI twice over: as ``python -m binlint`` in a subprocess and
in-process through ``binlint.cli.main`` (captured with capsys). Every test works in its
own ``tmp_path``; no run may print a traceback.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import pytest
import yaml

import binlint
from binlint.cli import main

REPO = Path(__file__).resolve().parents[1]
RULES_DIR = REPO / "rules"

FINDING_LINE = re.compile(r"^(?P<path>.+): (?P<severity>error|warning|note)\[(?P<rule>[a-z0-9]+(?:-[a-z0-9]+)*)\] (?P<message>\S.*)$")
SUMMARY_FOUND = re.compile(
    r"^Found (?P<total>\d+) problems? \((?P<parts>\d+ (?:error|warning|note)s?(?:, \d+ (?:error|warning|note)s?)*)\)"
    r" in (?P<files>\d+) files?\.$")
SUMMARY_CLEAN = re.compile(r"^No problems found in (?P<files>\d+) files?\.$")

CLEAN_SET = ("clean-exe", "clean-lib", "script-exec", "pyc-noexec")
UNREADABLE = ("truncated-header", "truncated-phdrs", "truncated-dynamic", "garbage-elf")
RULE_FILE_PATTERNS = ("*.yaml", "*.yml")


# --------------------------------------------------------------------------
# Running the CLI
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def lines(self) -> list[str]:
        return self.out.splitlines()


def cli_env(tmpdir: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BINLINT_DEBUG", "NO_COLOR", "PYTHONPATH")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if tmpdir is not None:
        env["TMPDIR"] = str(tmpdir)
    return env


def run_subprocess(args: Iterable[str], cwd: Path, *, tmpdir: Path | None = None, timeout: float = 120) -> Result:
    proc = subprocess.run([sys.executable, "-m", "binlint", *map(str, args)], cwd=cwd, env=cli_env(tmpdir),
                          capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    # Strict decoding: binlint's output must always be valid UTF-8.
    result = Result(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))
    assert "Traceback" not in result.err, result.err
    return result


def run_in_process(args: Iterable[str], cwd: Path, monkeypatch: pytest.MonkeyPatch,
                   capsys: pytest.CaptureFixture[str]) -> Result:
    """binlint.cli.main(args) in `cwd`, its output captured."""
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("BINLINT_DEBUG", raising=False)
    capsys.readouterr()
    try:
        code = main([str(a) for a in args])
    except SystemExit as stop:  # argparse usage errors, --version
        code = stop.code if isinstance(stop.code, int) else 2
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err
    return Result(code, out, err)


Runner = Callable[..., Result]


@pytest.fixture(params=["subprocess", "in-process"])
def cli(request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> Runner:
    """run(*args, cwd=DIR) -> Result, through `python -m binlint` or binlint.cli.main."""
    if request.param == "subprocess":
        return lambda *args, cwd: run_subprocess(args, cwd)
    return lambda *args, cwd: run_in_process(args, cwd, monkeypatch, capsys)


def populate(directory: Path, artifacts, names: Iterable[str]) -> dict[str, Path]:
    """Copy fixtures (with their modes) into `directory`; returns name -> copy."""
    directory.mkdir(parents=True, exist_ok=True)
    copies = {}
    for name in names:
        source = artifacts.path(name)
        copies[name] = Path(shutil.copy2(source, directory / source.name))
    return copies


def tree_snapshot(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def findings(result: Result) -> list[dict[str, str]]:
    """Parse a text report; asserts that every line has the documented shape."""
    lines = result.lines()
    assert lines, "the text report is empty"
    parsed = []
    for line in lines[:-1]:
        match = FINDING_LINE.match(line)
        assert match, f"not a `path: severity[rule-id] message` line: {line!r}"
        parsed.append(match.groupdict())
    assert SUMMARY_FOUND.match(lines[-1]) or SUMMARY_CLEAN.match(lines[-1]), f"bad summary line: {lines[-1]!r}"
    return parsed


def assert_one_error_line(result: Result, *, start: str = "binlint: error: ") -> str:
    assert result.code == 2, result
    assert result.out == "", f"stdout should be empty on a usage error, got {result.out!r}"
    lines = result.err.splitlines()
    assert len(lines) == 1, f"expected one stderr line, got {lines!r}"
    assert result.err.endswith("\n")
    assert lines[0].startswith(start), lines[0]
    return lines[0]


# --------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------


def test_python_m_binlint_prints_version(tmp_path: Path) -> None:
    result = run_subprocess(["--version"], tmp_path)
    assert (result.code, result.out, result.err) == (0, f"binlint {binlint.__version__}\n", "")


def test_dash_capital_v_prints_the_version(tmp_path: Path) -> None:
    result = run_subprocess(["-V"], tmp_path)
    assert (result.code, result.out, result.err) == (0, f"binlint {binlint.__version__}\n", "")


def test_python_m_binlint_without_command_is_usage_error(tmp_path: Path) -> None:
    result = run_subprocess([], tmp_path)
    assert result.code == 2
    assert result.out == ""
    assert "usage: binlint" in result.err


def test_python_m_binlint_runs_check(tmp_path: Path, artifacts) -> None:
    populate(tmp_path / "dist", artifacts, ["execstack-lib"])
    result = run_subprocess(["check", "dist"], tmp_path)
    assert result.code == 1
    assert result.out == (
        "dist/execstack-lib.so: error[executable-stack] the last PT_GNU_STACK header is RWX: "
        "the loader makes the whole process stack executable\n"
        "Found 1 problem (1 error) in 1 file.\n")
    assert result.err == ""


# --------------------------------------------------------------------------
# Exit codes and the text format
# --------------------------------------------------------------------------


def test_clean_directory_exits_0(cli: Runner, tmp_path: Path, artifacts) -> None:
    populate(tmp_path / "clean", artifacts, CLEAN_SET)
    result = cli("check", "clean", cwd=tmp_path)
    assert (result.code, result.out, result.err) == (0, f"No problems found in {len(CLEAN_SET)} files.\n", "")


def test_empty_directory_is_an_error_unless_allowed(cli: Runner, tmp_path: Path) -> None:
    # A CI job whose build wrote nothing to dist/ must not pass green.
    (tmp_path / "dist").mkdir()
    line = assert_one_error_line(cli("check", "dist", cwd=tmp_path))
    assert line == ("binlint: error: nothing to check: dist holds no file (did the build produce nothing? "
                    "--allow-empty, or allow-empty = true in the configuration, accepts an empty scan)")
    result = cli("check", "--allow-empty", "dist", cwd=tmp_path)
    assert (result.code, result.out, result.err) == (0, "No problems found in 0 files.\n", "")
    (tmp_path / "binlint.toml").write_text("allow-empty = true\n")
    result = cli("check", "dist", cwd=tmp_path)
    assert (result.code, result.out, result.err) == (0, "No problems found in 0 files.\n", "")


def test_a_scan_whose_excludes_leave_nothing_says_so(cli: Runner, tmp_path: Path, artifacts) -> None:
    populate(tmp_path / "dist", artifacts, ["clean-lib"])
    (tmp_path / "binlint.toml").write_text('exclude = ["dist"]\n')
    line = assert_one_error_line(cli("check", "dist", cwd=tmp_path))
    assert "dist holds no file once the configuration's exclude globs are applied" in line


def test_findings_exit_1_and_text_lines_have_the_documented_shape(cli: Runner, tmp_path: Path, artifacts) -> None:
    names = ["execstack-lib", "execstack-exe", "nostack-lib", "asm-nonote-obj", "pyc-exec", "clean-lib",
             "truncated-phdrs"]
    copies = populate(tmp_path / "dist", artifacts, names)
    result = cli("check", "dist", cwd=tmp_path)
    assert result.code == 1
    assert result.err == ""
    parsed = findings(result)
    summary = SUMMARY_FOUND.match(result.lines()[-1])
    assert summary, result.lines()[-1]
    assert int(summary["total"]) == len(parsed)
    assert int(summary["files"]) == len(names)
    counts = {s: sum(f["severity"] == s for f in parsed) for s in ("error", "warning", "note")}
    expected_parts = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items() if n)
    assert summary["parts"] == expected_parts
    got = {(f["path"], f["rule"], f["severity"]) for f in parsed}
    d = "dist/"
    assert got == {
        (d + copies["execstack-lib"].name, "executable-stack", "error"),
        (d + copies["execstack-exe"].name, "executable-stack", "warning"),
        (d + copies["nostack-lib"].name, "missing-gnu-stack", "error"),
        (d + copies["asm-nonote-obj"].name, "object-executable-stack", "error"),
        (d + copies["pyc-exec"].name, "non-elf-executable", "error"),
        (d + copies["truncated-phdrs"].name, "unreadable-artifact", "error"),
    }


def test_summary_line_singular(cli: Runner, tmp_path: Path, artifacts) -> None:
    populate(tmp_path, artifacts, ["execstack-exe"])
    result = cli("check", "execstack-exe", cwd=tmp_path)
    assert result.lines()[-1] == "Found 1 problem (1 warning) in 1 file."


FAIL_ON_CASES = [
    # fixtures, --fail-on (None: the default), expected exit code
    (("execstack-exe",), None, 0),
    (("execstack-exe",), "error", 0),
    (("execstack-exe",), "warning", 1),
    (("execstack-exe",), "note", 1),
    (("execstack-lib",), None, 1),
    (("execstack-lib",), "error", 1),
    (("execstack-lib",), "note", 1),
    (CLEAN_SET, "note", 0),
    (CLEAN_SET, "warning", 0),
]


@pytest.mark.parametrize(("names", "fail_on", "expected"), FAIL_ON_CASES,
                         ids=[f"{'+'.join(n)}-{f}" for n, f, _ in FAIL_ON_CASES])
def test_fail_on_sets_the_threshold(cli: Runner, tmp_path: Path, artifacts, names: tuple[str, ...],
                                    fail_on: str | None, expected: int) -> None:
    populate(tmp_path / "dist", artifacts, names)
    args = ["check", "dist"] + (["--fail-on", fail_on] if fail_on else [])
    result = cli(*args, cwd=tmp_path)
    assert result.code == expected, result
    assert result.err == ""
    findings(result)  # the report is printed whatever the exit code


def test_fail_on_rejects_unknown_level(cli: Runner, tmp_path: Path) -> None:
    result = cli("check", ".", "--fail-on", "fatal", cwd=tmp_path)
    assert result.code == 2
    assert result.out == ""
    assert "invalid choice" in result.err


@pytest.mark.parametrize("option", [[], ["--color", "never"], ["--color", "auto"]])
def test_no_color_unless_asked(cli: Runner, tmp_path: Path, artifacts, option: list[str]) -> None:
    populate(tmp_path, artifacts, ["execstack-lib"])
    result = cli("check", "execstack-lib.so", *option, cwd=tmp_path)
    assert "\033[" not in result.out


def test_color_always(cli: Runner, tmp_path: Path, artifacts) -> None:
    populate(tmp_path, artifacts, ["execstack-lib"])
    result = cli("check", "execstack-lib.so", "--color", "always", cwd=tmp_path)
    assert result.lines()[0] == ("execstack-lib.so: \033[1;31merror[executable-stack]\033[0m the last "
                                 "PT_GNU_STACK header is RWX: the loader makes the whole process stack executable")


# --------------------------------------------------------------------------
# --output
# --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_output_writes_only_that_file(tmp_path: Path, artifacts, fmt: str) -> None:
    dist = tmp_path / "dist"
    populate(dist, artifacts, ["execstack-lib", "clean-lib"])
    work, tmpdir = tmp_path / "work", tmp_path / "tmp"
    work.mkdir()
    tmpdir.mkdir()
    expected = run_subprocess(["check", "--format", fmt, str(dist)], work, tmpdir=tmpdir)
    assert expected.code == 1

    before = tree_snapshot(tmp_path)
    result = run_subprocess(["check", "--format", fmt, "--output", "report.out", str(dist)], work, tmpdir=tmpdir)
    assert (result.code, result.out, result.err) == (1, "", "")
    assert tree_snapshot(tmp_path) - before == {"work/report.out"}
    assert tree_snapshot(tmp_path) >= before
    assert list(tmpdir.iterdir()) == [], "binlint left files in TMPDIR"
    assert (work / "report.out").read_text(encoding="utf-8") == expected.out


def test_output_in_process(cli: Runner, tmp_path: Path, artifacts) -> None:
    populate(tmp_path / "dist", artifacts, ["execstack-lib"])
    result = cli("check", "dist", "-o", "out.txt", cwd=tmp_path)
    assert (result.code, result.out, result.err) == (1, "", "")
    assert (tmp_path / "out.txt").read_text(encoding="utf-8").endswith("Found 1 problem (1 error) in 1 file.\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "out.txt"]


def test_output_into_missing_directory_is_one_error_line(cli: Runner, tmp_path: Path, artifacts) -> None:
    populate(tmp_path, artifacts, ["clean-lib"])
    result = cli("check", "clean-lib.so", "--output", "no/such/dir/report.txt", cwd=tmp_path)
    line = assert_one_error_line(result)
    assert line.startswith("binlint: error: cannot write no/such/dir/report.txt: ")
    assert not (tmp_path / "no").exists()


def test_output_not_created_on_usage_error(cli: Runner, tmp_path: Path) -> None:
    result = cli("check", "missing.so", "--output", "report.txt", cwd=tmp_path)
    assert_one_error_line(result)
    assert not (tmp_path / "report.txt").exists()


# --------------------------------------------------------------------------
# Usage, configuration and rule errors: exit 2, one line
# --------------------------------------------------------------------------


def make_error_cases(root: Path, artifacts) -> None:
    populate(root, artifacts, ["clean-lib"])
    (root / "loop").symlink_to("loop")
    (root / "loop-a").symlink_to("loop-b")
    (root / "loop-b").symlink_to("loop-a")
    (root / "dangling").symlink_to("nowhere")
    os.mkfifo(root / "fifo")


ERROR_CASES = [
    # id, argv, expected stderr line (None: only the one-line shape is checked)
    ("missing-path", ["check", "missing.so"], "binlint: error: no such file or directory: missing.so"),
    ("missing-dir", ["check", "no/such/dir"], "binlint: error: no such file or directory: no/such/dir"),
    ("missing-among-good", ["check", "clean-lib.so", "missing.so"],
     "binlint: error: no such file or directory: missing.so"),
    ("missing-sarif", ["check", "--format", "sarif", "missing.so"],
     "binlint: error: no such file or directory: missing.so"),
    ("symlink-loop", ["check", "loop"], None),
    ("symlink-loop-2", ["check", "clean-lib.so", "loop-a"], None),
    ("dangling-symlink", ["check", "dangling"], None),
    ("fifo", ["check", "fifo"], "binlint: error: not a regular file or directory: fifo"),
    ("glibc-2", ["check", "--glibc", "2", "clean-lib.so"],
     "binlint: error: invalid --glibc value '2': expected a version such as 2.17"),
    ("glibc-word", ["check", "--glibc", "two", "clean-lib.so"], None),
    ("glibc-three-parts", ["check", "--glibc", "2.17.1", "clean-lib.so"], None),
    ("glibc-empty", ["check", "--glibc", "", "clean-lib.so"], None),
    ("unknown-rule", ["rule", "nope"], "binlint: error: unknown rule 'nope' (see `binlint rules`)"),
    ("missing-rules-dir", ["rules", "--rules", "no-such-rules"], "binlint: error: rule directory not found: no-such-rules"),
    ("facts-missing", ["facts", "missing.so"], "binlint: error: no such file or directory: missing.so"),
]


@pytest.mark.parametrize(("argv", "expected"), [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES])
def test_errors_exit_2_with_one_line(cli: Runner, tmp_path: Path, artifacts, argv: list[str],
                                     expected: str | None) -> None:
    make_error_cases(tmp_path, artifacts)
    result = cli(*argv, cwd=tmp_path)
    line = assert_one_error_line(result)
    if expected is not None:
        assert line == expected
    assert "internal error" not in line


def test_symlink_loop_names_the_path(cli: Runner, tmp_path: Path, artifacts) -> None:
    make_error_cases(tmp_path, artifacts)
    line = assert_one_error_line(cli("check", "loop", cwd=tmp_path))
    assert "loop" in line.removeprefix("binlint: error: ")


def test_missing_absolute_path_is_quoted_as_given(cli: Runner, tmp_path: Path) -> None:
    missing = tmp_path / "gone" / "lib.so"
    line = assert_one_error_line(cli("check", str(missing), cwd=tmp_path))
    assert line == f"binlint: error: no such file or directory: {missing}"


# --------------------------------------------------------------------------
# Broken artifacts
# --------------------------------------------------------------------------


BROKEN_ELF_REASONS = {
    # fixture -> what the finding's message must name as the reason
    "truncated-header": "ELF header",
    "truncated-phdrs": "program header table",
    "truncated-dynamic": "dynamic section",
    "garbage-elf": "ELF class",
}


@pytest.mark.parametrize(("name", "reason"), BROKEN_ELF_REASONS.items(), ids=BROKEN_ELF_REASONS.keys())
def test_broken_elf_is_an_unreadable_artifact_finding(cli: Runner, tmp_path: Path, artifacts, name: str,
                                                      reason: str) -> None:
    copies = populate(tmp_path, artifacts, [name])
    result = cli("check", copies[name].name, cwd=tmp_path)
    assert result.code == 1, result
    assert result.err == ""
    parsed = findings(result)
    assert [(f["path"], f["severity"], f["rule"]) for f in parsed] == [
        (copies[name].name, "error", "unreadable-artifact")]
    assert reason in parsed[0]["message"]
    assert "internal error" not in parsed[0]["message"]


def test_broken_elf_does_not_stop_the_run(cli: Runner, tmp_path: Path, artifacts) -> None:
    populate(tmp_path / "dist", artifacts, [*UNREADABLE, "execstack-lib", "clean-lib"])
    result = cli("check", "dist", cwd=tmp_path)
    assert result.code == 1
    assert result.err == ""
    parsed = findings(result)
    assert sorted(f["rule"] for f in parsed) == ["executable-stack"] + ["unreadable-artifact"] * len(UNREADABLE)
    assert result.lines()[-1].endswith(f"in {len(UNREADABLE) + 2} files.")


@pytest.mark.parametrize("fmt", ["json", "sarif"])
@pytest.mark.parametrize("name", UNREADABLE)
def test_broken_elf_in_machine_formats(cli: Runner, tmp_path: Path, artifacts, name: str, fmt: str) -> None:
    copies = populate(tmp_path, artifacts, [name])
    result = cli("check", "--format", fmt, copies[name].name, cwd=tmp_path)
    assert (result.code, result.err) == (1, "")
    document = json.loads(result.out)
    if fmt == "json":
        assert [f["rule"] for f in document["findings"]] == ["unreadable-artifact"]
    else:
        assert [r["ruleId"] for r in document["runs"][0]["results"]] == ["unreadable-artifact"]


def test_facts_of_broken_elf_keeps_file_facts(cli: Runner, tmp_path: Path, artifacts) -> None:
    populate(tmp_path, artifacts, ["truncated-phdrs"])
    result = cli("facts", "truncated-phdrs.so", cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    facts = json.loads(result.out)["artifacts"][0]["facts"]
    assert facts["file.kind"] == "elf"
    assert facts["file.error"].startswith("truncated")
    assert not any(name.startswith("elf.") for name in facts)


# --------------------------------------------------------------------------
# Discovery: order, symbolic links, duplicates
# --------------------------------------------------------------------------


def make_tree(root: Path, artifacts) -> list[str]:
    """A tree whose name-sorted depth-first order differs from a plain string sort of paths.

    Returns the paths in the order a sorted walk meets them.
    """
    source = artifacts.path("execstack-lib")
    order = ["d/A.so", "d/a/z.so", "d/a-b/y.so", "d/b/c/x.so", "d/b.so"]
    for rel in reversed(order):  # creation order must not matter
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return order


def test_directories_are_walked_recursively_in_sorted_order(cli: Runner, tmp_path: Path, artifacts) -> None:
    order = make_tree(tmp_path, artifacts)
    result = cli("facts", "d", cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    assert [a["path"] for a in json.loads(result.out)["artifacts"]] == order


def test_check_lists_findings_sorted_by_path(cli: Runner, tmp_path: Path, artifacts) -> None:
    order = make_tree(tmp_path, artifacts)
    result = cli("check", "d", cwd=tmp_path)
    assert result.code == 1
    paths = [f["path"] for f in findings(result)]
    assert paths == sorted(order)
    assert result.lines()[-1] == f"Found {len(order)} problems ({len(order)} errors) in {len(order)} files."


def test_trailing_slash_does_not_double_it(cli: Runner, tmp_path: Path, artifacts) -> None:
    order = make_tree(tmp_path, artifacts)
    result = cli("facts", "d/", cwd=tmp_path)
    assert [a["path"] for a in json.loads(result.out)["artifacts"]] == order


def test_the_command_leaves_quickly_but_writes_everything(tmp_path: Path, artifacts) -> None:
    """`binlint` ends with os._exit after flushing: the whole report arrives, the exit code is
    kept, and a reader that goes away early gets no traceback."""
    for i in range(300):
        shutil.copy2(artifacts.path("execstack-lib"), tmp_path / f"lib{i:03}.so")
    command = [sys.executable, "-m", "binlint", "check", "--format", "json", "."]
    proc = subprocess.run(command, cwd=tmp_path, env=cli_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and proc.stderr == ""
    assert len(json.loads(proc.stdout)["findings"]) == 300
    early = subprocess.Popen(command, cwd=tmp_path, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    early.stdout.read(100)
    early.stdout.close()  # like `| head -c 100`
    assert early.wait(timeout=120) in (1, 2)
    assert "Traceback" not in early.stderr.read().decode()
    early.stderr.close()


def test_version_control_folders_are_skipped_unless_named(cli: Runner, tmp_path: Path, artifacts) -> None:
    """`binlint check .` in a clone: .git (and .hg, .svn, .bzr) hold history, not what ships."""
    populate(tmp_path / "repo", artifacts, ["clean-lib"])
    for folder in (".git", ".hg", ".svn", ".bzr"):
        populate(tmp_path / "repo" / folder / "objects", artifacts, ["execstack-lib"])
    populate(tmp_path / "repo" / "src" / ".gitlab", artifacts, ["nostack-lib"])  # only the exact names
    result = cli("check", ".", cwd=tmp_path / "repo")
    assert result.code == 1
    assert [f["path"] for f in findings(result)] == ["./src/.gitlab/nostack-lib.so"]
    assert cli("check", ".git", cwd=tmp_path / "repo").code == 1  # named: checked


def test_symlinks_inside_a_tree_leading_out_are_not_followed(cli: Runner, tmp_path: Path, artifacts) -> None:
    outside = tmp_path / "outside"
    bad = populate(outside, artifacts, ["execstack-lib", "nostack-lib"])
    tree = tmp_path / "tree"
    populate(tree, artifacts, ["clean-lib"])
    (tree / "evil.so").symlink_to(bad["execstack-lib"])
    (tree / "evil-relative.so").symlink_to(Path("..") / "outside" / bad["nostack-lib"].name)
    (tree / "outdir").symlink_to(outside, target_is_directory=True)
    result = cli("check", "tree", cwd=tmp_path)
    assert (result.code, result.out, result.err) == (0, "No problems found in 1 file.\n", "")
    facts = cli("facts", "tree", cwd=tmp_path)
    assert [a["path"] for a in json.loads(facts.out)["artifacts"]] == ["tree/clean-lib.so"]


def test_symlink_inside_a_tree_to_a_file_in_it_reports_the_real_path(cli: Runner, tmp_path: Path,
                                                                         artifacts) -> None:
    tree = tmp_path / "tree"
    populate(tree, artifacts, ["execstack-lib"])
    (tree / "alias.so").symlink_to("execstack-lib.so")
    result = cli("check", "tree", cwd=tmp_path)
    assert result.code == 1
    assert [f["path"] for f in findings(result)] == ["tree/execstack-lib.so"]


def test_symlink_named_on_the_command_line_is_followed(cli: Runner, tmp_path: Path, artifacts) -> None:
    bad = populate(tmp_path / "real", artifacts, ["execstack-lib"])
    (tmp_path / "link.so").symlink_to(bad["execstack-lib"])
    result = cli("check", "link.so", cwd=tmp_path)
    assert result.code == 1
    assert [(f["path"], f["rule"]) for f in findings(result)] == [("link.so", "executable-stack")]


def test_directory_symlink_loop_inside_a_tree_does_not_hang(tmp_path: Path, artifacts) -> None:
    tree = tmp_path / "tree"
    populate(tree / "sub", artifacts, ["execstack-lib"])
    (tree / "sub" / "up").symlink_to("..", target_is_directory=True)
    (tree / "self").symlink_to(".", target_is_directory=True)
    (tree / "sub" / "a").symlink_to("b")
    (tree / "sub" / "b").symlink_to("a")
    result = run_subprocess(["check", "tree"], tmp_path, timeout=60)
    assert result.code == 1
    assert result.err == ""
    # Links to folders in the tree are not followed; the two links that only lead to each
    # other are named (a note: nothing was checked there).
    assert [(f["path"], f["rule"]) for f in findings(result)] == [
        ("tree/sub/a", "broken-symbolic-link"), ("tree/sub/b", "broken-symbolic-link"),
        ("tree/sub/execstack-lib.so", "executable-stack")]
    assert result.lines()[-1].endswith("in 3 files.")


def test_directory_symlink_loop_in_process(cli: Runner, tmp_path: Path, artifacts) -> None:
    tree = tmp_path / "tree"
    populate(tree, artifacts, ["clean-lib"])
    (tree / "self").symlink_to(".", target_is_directory=True)
    result = cli("check", "tree", cwd=tmp_path)
    assert (result.code, result.out) == (0, "No problems found in 1 file.\n")


DUPLICATE_CASES = [
    # id, argv after `check`, the one path expected in the report
    ("same-twice", ["d/x.so", "d/x.so"], "d/x.so"),
    ("dot-slash", ["d/x.so", "./d/x.so"], "d/x.so"),
    ("dir-then-file", ["d", "d/x.so"], "d/x.so"),
    ("file-then-dir", ["d/x.so", "d"], "d/x.so"),
    ("dir-twice", ["d", "d/"], "d/x.so"),
    ("absolute", ["d/x.so", "@ABS@/d/x.so"], "d/x.so"),
    ("hard-link-in-tree", ["h"], "h/a.so"),
    ("hard-link-on-command-line", ["h/b.so", "h/a.so"], "h/b.so"),
]


@pytest.mark.parametrize(("argv", "expected"), [c[1:] for c in DUPLICATE_CASES], ids=[c[0] for c in DUPLICATE_CASES])
def test_duplicates_and_hard_links_are_reported_once(cli: Runner, tmp_path: Path, artifacts, argv: list[str],
                                                     expected: str) -> None:
    populate(tmp_path / "d", artifacts, ["execstack-lib"])
    (tmp_path / "d" / "execstack-lib.so").rename(tmp_path / "d" / "x.so")
    (tmp_path / "h").mkdir()
    shutil.copy2(artifacts.path("execstack-lib"), tmp_path / "h" / "b.so")
    os.link(tmp_path / "h" / "b.so", tmp_path / "h" / "a.so")
    args = [a.replace("@ABS@", str(tmp_path)) for a in argv]
    result = cli("check", *args, cwd=tmp_path)
    assert result.code == 1
    assert [f["path"] for f in findings(result)] == [expected]
    assert result.lines()[-1] == "Found 1 problem (1 error) in 1 file."


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_non_utf8_file_name_is_reported_not_a_crash(tmp_path: Path, artifacts, fmt: str) -> None:
    """A file name that is not valid UTF-8 (legal on Linux) must not turn into an internal error."""
    tree = tmp_path / "tree"
    tree.mkdir()
    shutil.copy2(artifacts.path("pyc-exec"), tree / os.fsdecode(b"bad-\xff.pyc"))
    result = run_subprocess(["check", "--format", fmt, "tree"], tmp_path)
    assert result.err == ""
    assert result.code == 1
    if fmt == "text":
        assert [f["rule"] for f in findings(result)] == ["non-elf-executable"]
    elif fmt == "json":
        assert [f["rule"] for f in json.loads(result.out)["findings"]] == ["non-elf-executable"]
    else:
        assert [r["ruleId"] for r in json.loads(result.out)["runs"][0]["results"]] == ["non-elf-executable"]


# --------------------------------------------------------------------------
# rules, rule, facts
# --------------------------------------------------------------------------


def rule_files() -> dict[str, dict]:
    rules = {}
    for path in sorted(p for pattern in RULE_FILE_PATTERNS for p in RULES_DIR.glob(pattern)):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        rules[data["id"]] = data
    assert rules, f"no rule files in {RULES_DIR}"
    return rules


def test_rules_lists_every_rule_file(cli: Runner, tmp_path: Path) -> None:
    result = cli("rules", cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    lines = result.lines()
    ids = [line.split()[0] for line in lines]
    expected = rule_files()
    assert ids == sorted(expected), "one line per rule, sorted by id"
    for line in lines:
        rule = expected[line.split()[0]]
        assert line.split()[1] == rule["severity"], line
        assert line.rstrip().endswith(rule["summary"]), line


def test_rule_shows_the_help_with_the_quoted_loader_error(cli: Runner, tmp_path: Path) -> None:
    rule = rule_files()["executable-stack"]
    result = cli("rule", "executable-stack", cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    lines = result.lines()
    assert lines[0] == f"executable-stack: {rule['summary']}"
    heading = lines.index("The error users see:")
    quoted = rule["help"]["error"].strip().splitlines()
    assert lines[heading + 1: heading + 1 + len(quoted)] == ["    " + q for q in quoted]
    assert ("    ImportError: libfoo.so: cannot enable executable stack as shared object requires: "
            "Invalid argument") in lines
    for title in ("What fails:", "Why:", "How to fix:", "References:"):
        assert title in lines
    for url in rule["references"]:
        assert f"  {url}" in lines


@pytest.mark.parametrize("rule_id", sorted(rule_files()))
def test_rule_works_for_every_rule(cli: Runner, tmp_path: Path, rule_id: str) -> None:
    result = cli("rule", rule_id, cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    assert result.out.startswith(f"{rule_id}: ")


def test_facts_of_clean_lib(cli: Runner, tmp_path: Path, artifacts) -> None:
    populate(tmp_path, artifacts, ["clean-lib"])
    result = cli("facts", "clean-lib.so", cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    document = json.loads(result.out)
    assert document["version"] == 1
    assert [a["path"] for a in document["artifacts"]] == ["clean-lib.so"]
    facts = document["artifacts"][0]["facts"]
    assert facts["elf.soname"] == "libclean.so.1"
    assert isinstance(facts["elf.needed"], list)
    assert all(isinstance(n, str) for n in facts["elf.needed"])
    assert facts["elf.gnu_stack"] == ["RW"]
    assert facts["file.kind"] == "elf"
    assert facts["elf.type"] == "DYN"


def test_facts_of_glibc_new_lib_lists_needed(cli: Runner, tmp_path: Path, artifacts) -> None:
    populate(tmp_path, artifacts, ["glibc-new-lib", "execstack-lib"])
    result = cli("facts", "glibc-new-lib.so", "execstack-lib.so", cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    first, second = json.loads(result.out)["artifacts"]
    assert first["facts"]["elf.soname"] == "libnew.so.1"
    assert "libc.so.6" in first["facts"]["elf.needed"]
    assert second["facts"]["elf.gnu_stack"] == ["RWX"]


def test_facts_output_file(cli: Runner, tmp_path: Path, artifacts) -> None:
    populate(tmp_path, artifacts, ["clean-lib"])
    result = cli("facts", "clean-lib.so", "--output", "facts.json", cwd=tmp_path)
    assert (result.code, result.out, result.err) == (0, "", "")
    assert json.loads((tmp_path / "facts.json").read_text(encoding="utf-8"))["version"] == 1


@pytest.mark.parametrize("release, limit", [("3.10.0", 127), ("5.15.0-91-generic", 255), ("6.1.0-18-amd64", 255),
                                            ("4.18.0-513.el8.x86_64", 127), ("6.6.87.2-microsoft-standard-WSL2", 255)])
def test_kernel_takes_what_uname_prints(cli: Runner, tmp_path: Path, artifacts, release: str, limit: int) -> None:
    populate(tmp_path, artifacts, ["long-shebang-script"])
    name = artifacts.path("long-shebang-script").name
    result = cli("check", "--kernel", release, "--format", "json", name, cwd=tmp_path)
    document = json.loads(result.out)
    assert result.code == (1 if limit == 127 else 0), result
    assert document["target"]["kernel"] == re.match(r"[\d.]+\d", release)[0]
