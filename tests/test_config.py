"""Configuration files, end to end: where binlint finds them, what each key does, that a
flag on the command line wins, and that every mistake is one line naming the file and key.

Each test builds a small project in ``tmp_path`` from the compiled fixtures and runs the
real CLI in-process (``binlint.cli.main``, output captured); a few run it as a subprocess.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Callable

import pytest

from binlint import config
from fixtures import MANYLINUX_X86_64, Artifacts, execstack_wheel
from test_cli import Result, run_in_process, run_subprocess

REPO = Path(__file__).resolve().parents[1]
EXECSTACK = "the last PT_GNU_STACK header is RWX: the loader makes the whole process stack executable"
WHEEL = f"pkg-1.0-{MANYLINUX_X86_64}.whl"

Run = Callable[..., Result]


@pytest.fixture
def binlint(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """binlint(*args, cwd=DIR) -> Result: the CLI in-process, in `cwd`."""
    return lambda *args, cwd: run_in_process(args, cwd, monkeypatch, capsys)


def project(tmp_path: Path, artifacts: Artifacts, files: dict[str, str], **configs: str) -> Path:
    """A project in tmp_path/proj (a git work tree): `files` maps a path in the project to a
    fixture name (or "wheel" for pkg-1.0's wheel); `configs` maps a file name (pyproject_toml,
    binlint_toml) to its text."""
    root = tmp_path / "proj"
    (root / ".git").mkdir(parents=True)
    for name, fixture in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if fixture == "wheel":
            target.write_bytes(execstack_wheel(artifacts)[1])
        else:
            shutil.copy2(artifacts.path(fixture), target)
    for name, text in configs.items():
        (root / name.replace("_", ".")).write_text(text)
    return root


def one_error(result: Result) -> str:
    assert result.code == 2, result
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


# --------------------------------------------------------------------------
# Finding the file
# --------------------------------------------------------------------------


def test_pyproject_table_selects_and_ignores(artifacts: Artifacts, tmp_path: Path, binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"lib/a.so": "execstack-lib", "lib/b.so": "nostack-lib"},
                   pyproject_toml='[project]\nname = "x"\n\n[tool.binlint]\nignore = ["executable-stack"]\n')
    result = binlint("check", "lib", cwd=root)
    assert result.lines() == [
        "lib/b.so: error[missing-gnu-stack] " + result.lines()[0].split("] ", 1)[1],
        "Found 1 problem (1 error) in 2 files."]
    assert result.code == 1


def test_binlint_toml_wins_over_pyproject_in_the_same_directory(artifacts: Artifacts, tmp_path: Path,
                                                              binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"a.so": "execstack-lib", "b.so": "nostack-lib"},
                   pyproject_toml='[tool.binlint]\nignore = ["executable-stack"]\n',
                   binlint_toml='ignore = ["missing-gnu-stack"]\n')
    assert [line.split(": ")[0] for line in binlint("check", ".", cwd=root).lines()[:-1]] == ["./a.so"]


def test_found_from_a_subdirectory_and_paths_are_relative_to_the_file(artifacts: Artifacts, tmp_path: Path,
                                                                       binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"dist/a.so": "execstack-lib", "dist/vendor/b.so": "execstack-lib"},
                   binlint_toml='[per-path-ignores]\n"dist/vendor/*" = ["executable-stack"]\n')
    result = binlint("check", ".", cwd=root / "dist")
    assert result.lines() == [f"./a.so: error[executable-stack] {EXECSTACK}", "Found 1 problem (1 error) in 2 files."]


def test_search_stops_at_the_top_of_the_git_work_tree(artifacts: Artifacts, tmp_path: Path, binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"a.so": "execstack-lib"})
    (tmp_path / "binlint.toml").write_text('ignore = ["executable-stack"]\n')  # outside the repository
    assert config.find(str(root)) is None
    assert binlint("check", ".", cwd=root).code == 1
    shutil.rmtree(root / ".git")
    assert config.find(str(root)) == str(tmp_path / "binlint.toml")
    assert binlint("check", ".", cwd=root).code == 0


def test_pyproject_without_a_binlint_table_is_passed_over(artifacts: Artifacts, tmp_path: Path, binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"pkg/a.so": "execstack-lib"},
                   binlint_toml='ignore = ["executable-stack"]\n')
    (root / "pkg" / "pyproject.toml").write_text('[project]\nname = "pkg"\n[tool.other]\nbinlint = 1\n')
    assert config.find(str(root / "pkg")) == str(root / "binlint.toml")
    assert binlint("check", ".", cwd=root / "pkg").code == 0


def test_config_option_names_the_file_and_no_config_ignores_it(artifacts: Artifacts, tmp_path: Path,
                                                               binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"a.so": "execstack-lib"})
    (tmp_path / "ci.toml").write_text('ignore = ["executable-stack"]\n')
    (tmp_path / "pyproject.toml").write_text('[tool.binlint]\nignore = ["executable-stack"]\n')
    assert binlint("check", ".", cwd=root).code == 1
    assert binlint("check", ".", "--config", "../ci.toml", cwd=root).code == 0
    assert binlint("check", ".", "--config", "../pyproject.toml", cwd=root).code == 0
    (root / "binlint.toml").write_text('ignore = ["executable-stack"]\n')
    assert binlint("check", ".", "--no-config", cwd=root).code == 1
    assert one_error(binlint("check", ".", "--config", "nope.toml", cwd=root)) == \
        "binlint: error: configuration file not found: nope.toml"


# --------------------------------------------------------------------------
# Command-line flags win
# --------------------------------------------------------------------------


def test_flags_override_configuration(artifacts: Artifacts, tmp_path: Path, binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"a.so": "execstack-lib", "b.so": "nostack-lib"},
                   binlint_toml='format = "json"\nfail-on = "note"\nselect = ["executable-stack"]\n'
                                'ignore = ["missing-gnu-stack"]\n')
    configured = binlint("check", ".", cwd=root)
    assert [f["rule"] for f in json.loads(configured.out)["findings"]] == ["executable-stack"]
    # --select replaces the configured select; --ignore adds to the configured ignore.
    replaced = binlint("check", ".", "--format", "text", "--select", "loading", cwd=root)
    assert [line.split(": ")[0] for line in replaced.lines()[:-1]] == ["./a.so"]
    assert replaced.code == 1
    added = binlint("check", ".", "--format", "text", "--select", "loading", "--ignore", "executable-stack", cwd=root)
    assert added.lines() == ["No problems found in 3 files."] and added.code == 0
    alone = binlint("check", ".", "--select", "missing-gnu-stack", "--no-config", cwd=root)
    assert [line.split(": ")[0] for line in alone.lines()[:-1]] == ["./b.so"]


def test_fail_on_and_target_from_configuration_and_flags(artifacts: Artifacts, tmp_path: Path, binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"new.so": "glibc-new-lib"},
                   binlint_toml='glibc = "2.17"\n')
    result = binlint("check", ".", cwd=root)
    assert "error[glibc-version-above-target]" in result.out and "GLIBC_2.25" in result.out
    assert result.code == 1
    assert binlint("check", ".", "--glibc", "2.28", cwd=root).code == 0
    (root / "binlint.toml").write_text('glibc = "2.17"\nseverity = { glibc-version-above-target = "warning" }\n')
    assert binlint("check", ".", cwd=root).code == 0
    (root / "binlint.toml").write_text('glibc = "2.17"\nfail-on = "warning"\n'
                                       'severity = { glibc-version-above-target = "warning" }\n')
    assert binlint("check", ".", cwd=root).code == 1
    assert binlint("check", ".", "--fail-on", "error", cwd=root).code == 0


# --------------------------------------------------------------------------
# Severities, per-path ignores, suppressions, exclude, rule directories
# --------------------------------------------------------------------------


def test_severity_override_fixes_the_level(artifacts: Artifacts, tmp_path: Path, binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"a.so": "execstack-lib", "b.so": "nostack-lib"},
                   binlint_toml='[severity]\nexecutable-stack = "note"\nloading = "warning"\n')
    # executable-stack escalates to error for a library; a configured level is final, and an
    # id wins over its group.
    assert binlint("check", ".", cwd=root).lines() == [
        f"./a.so: note[executable-stack] {EXECSTACK}",
        "./b.so: warning[missing-gnu-stack] " + binlint("check", "b.so", "--no-config", cwd=root).lines()[0]
        .split("] ", 1)[1],
        "Found 2 problems (1 warning, 1 note) in 3 files."]
    (root / "binlint.toml").write_text('[severity]\nexecutable-stack = "off"\n')
    result = binlint("check", "a.so", cwd=root)
    assert result.lines() == ["No problems found in 1 file."] and result.code == 0


def test_per_path_ignores_match_files_folders_and_member_chains(artifacts: Artifacts, tmp_path: Path,
                                                                binlint: Run) -> None:
    files = {f"dist/{WHEEL}": "wheel", "build/a.so": "execstack-lib", "vendor/x/b.so": "execstack-lib"}
    root = project(tmp_path, artifacts, files)
    everything = binlint("check", ".", cwd=root)
    assert [line.split(": ")[0] for line in everything.lines()[:-1]] == [
        "./build/a.so", f"./dist/{WHEEL}!pkg/_ext.so", "./vendor/x/b.so"]
    (root / "binlint.toml").write_text('[per-path-ignores]\n"vendor" = ["loading"]\n'
                                       '"dist/*.whl!pkg/*.so" = ["executable-stack"]\n')
    assert [line.split(": ")[0] for line in binlint("check", ".", cwd=root).lines()[:-1]] == ["./build/a.so"]
    (root / "binlint.toml").write_text('[per-path-ignores]\n"dist/*.whl" = ["ALL"]\n"*/a.so" = ["ALL"]\n')
    assert [line.split(": ")[0] for line in binlint("check", ".", cwd=root).lines()[:-1]] == ["./vendor/x/b.so"]


def test_suppression_needs_a_reason_and_is_counted(artifacts: Artifacts, tmp_path: Path, binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"vendor/libfoo.so": "execstack-lib", "a.so": "execstack-lib"},
                   pyproject_toml='[[tool.binlint.suppress]]\nrule = "executable-stack"\n'
                                  'path = "vendor/libfoo.so"\nreason = "upstream bug #12"\n')
    result = binlint("check", ".", cwd=root)
    assert result.lines() == [f"./a.so: error[executable-stack] {EXECSTACK}",
                              "Found 1 problem (1 error) in 3 files; 1 suppressed."]
    report = json.loads(binlint("check", ".", "--format", "json", cwd=root).out)
    assert report["summary"]["suppressed"] == 1 and [f["path"] for f in report["findings"]] == ["./a.so"]
    (root / "pyproject.toml").write_text('[[tool.binlint.suppress]]\nrule = "executable-stack"\n'
                                         'path = "vendor/libfoo.so"\n')
    assert one_error(binlint("check", ".", cwd=root)) == (
        "binlint: error: pyproject.toml: 'tool.binlint.suppress[1]' needs a 'reason' "
        "(say why the finding is accepted)")
    (root / "pyproject.toml").write_text('[[tool.binlint.suppress]]\nrule = "executable-stack"\n'
                                         'path = "vendor/libfoo.so"\nreason = " "\n')
    assert one_error(binlint("check", ".", cwd=root)) == (
        "binlint: error: pyproject.toml: 'tool.binlint.suppress[1].reason' must say why the finding is accepted")


def test_exclude_skips_found_files_but_not_named_ones(artifacts: Artifacts, tmp_path: Path, binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"build/tmp/a.so": "execstack-lib", "b.so": "clean-lib"},
                   binlint_toml='exclude = ["build/tmp"]\n')
    assert binlint("check", ".", cwd=root).lines() == ["No problems found in 2 files."]  # b.so, binlint.toml
    assert binlint("check", "build/tmp/a.so", cwd=root).code == 1


def test_rule_directories_are_relative_to_the_file(artifacts: Artifacts, tmp_path: Path, binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"a.so": "clean-lib"}, binlint_toml='rules = ["ci/rules"]\n')
    (root / "ci" / "rules").mkdir(parents=True)
    shutil.copy(REPO / "rules" / "executable-stack.yaml", root / "ci" / "rules" / "my-stack.yaml")
    text = (root / "ci" / "rules" / "my-stack.yaml").read_text()
    (root / "ci" / "rules" / "my-stack.yaml").write_text(text.replace("id: executable-stack", "id: my-stack"))
    (root / "sub").mkdir()
    listed = binlint("rules", cwd=root / "sub")
    assert any(line.startswith("my-stack ") for line in listed.lines())
    assert binlint("rule", "my-stack", cwd=root / "sub").code == 0


# --------------------------------------------------------------------------
# Mistakes: one line naming the file and the key, exit 2
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name, text, message", [
    ("binlint.toml", 'selct = ["x"]\n', "binlint.toml: unknown key 'selct' (did you mean 'select'?)"),
    ("pyproject.toml", '[tool.binlint]\nselct = ["x"]\n',
     "pyproject.toml: unknown key 'tool.binlint.selct' (did you mean 'select'?)"),
    ("binlint.toml", "[[suppress]]\nrule = 'x'\npaht = 'y'\nreason = 'z'\n",
     "binlint.toml: unknown key 'suppress[1].paht' (did you mean 'path'?)"),
    ("binlint.toml", "glibc = 2.17\n", "binlint.toml: 'glibc' must be a version in quotes such as \"2.17\", "
                                       "not a number (2.17)"),
    ("binlint.toml", 'fail-on = "warnings"\n',
     "binlint.toml: 'fail-on' must be one of error, warning, note, not a string ('warnings')"),
    ("binlint.toml", 'format = "xml"\n', "binlint.toml: 'format' must be one of text, full, json, sarif, github, "
                                         "gitlab, junit, jsonl, parquet, not 'xml'"),
    ("binlint.toml", 'select = "executable-stack"\n',
     "binlint.toml: 'select' must be a list of non-empty strings, not a string ('executable-stack')"),
    ("binlint.toml", "max-depth = -1\n", "binlint.toml: 'max-depth' must be a whole number of at least 0, "
                                         "not a number (-1)"),
    ("binlint.toml", '[severity]\nexecutable-stack = "fatal"\n',
     "binlint.toml: 'severity.executable-stack' must be one of error, warning, note, off, not a string ('fatal')"),
    ("binlint.toml", '[severity]\nno-such-rule = "note"\n',
     "binlint.toml: unknown rule or group 'no-such-rule' in severity (see `binlint rules`)"),
    ("binlint.toml", '[per-path-ignores]\n"*.so" = ["no-such-rule"]\n',
     "binlint.toml: unknown rule or group 'no-such-rule' in per-path-ignores '*.so' (see `binlint rules`)"),
    ("binlint.toml", "select = [\n", "binlint.toml: invalid TOML: "),
    ("pyproject.toml", "[tool.binlint\n", "pyproject.toml: invalid TOML: "),
])
def test_configuration_mistakes_are_one_line(artifacts: Artifacts, tmp_path: Path, binlint: Run, name: str,
                                             text: str, message: str) -> None:
    root = project(tmp_path, artifacts, {"a.so": "execstack-lib"})
    (root / name).write_text(text)
    line = one_error(binlint("check", "a.so", cwd=root))
    assert line.startswith("binlint: error: " + message), line
    if not message.endswith(": "):
        assert line == "binlint: error: " + message


def test_configuration_mistake_in_a_subprocess_has_no_traceback(artifacts: Artifacts, tmp_path: Path) -> None:
    root = project(tmp_path, artifacts, {"a.so": "execstack-lib"}, binlint_toml="rules = [1]\n")
    result = run_subprocess(["check", "a.so"], root)
    assert one_error(result) == "binlint: error: binlint.toml: 'rules' must be a list of non-empty strings, not a list"


def test_every_key_is_documented_with_an_example(tmp_path: Path) -> None:
    doc = (REPO / "docs" / "configuration.md").read_text()
    assert sorted(re.findall(r"^### `([a-z-]+)`", doc, re.MULTILINE)) == sorted(config.keys())
    blocks = re.findall(r"```toml\n(.*?)```", doc, re.S)
    assert len(blocks) > len(config.keys()) / 2
    for number, block in enumerate(blocks):
        name = "pyproject.toml" if "[tool.binlint" in block else "binlint.toml"
        directory = tmp_path / str(number)
        directory.mkdir()
        (directory / name).write_text(block)
        assert config.load(str(directory / name)).values, block


def test_readme_configuration_example_is_valid(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(r"```toml\n(.*?)```", section, re.S)
    (tmp_path / "pyproject.toml").write_text(block)
    assert set(config.load(str(tmp_path / "pyproject.toml")).values) == {
        "glibc", "extend-select", "fail-on", "baseline", "severity", "per-path-ignores", "suppress"}


def test_archive_limits_from_configuration_apply_to_check_and_facts(artifacts: Artifacts, tmp_path: Path,
                                                                   binlint: Run) -> None:
    root = project(tmp_path, artifacts, {WHEEL: "wheel"}, binlint_toml="max-depth = 0\n")
    assert binlint("check", WHEEL, cwd=root).code == 0  # the wheel's members are not read
    assert [d["path"] for d in json.loads(binlint("facts", WHEEL, cwd=root).out)["artifacts"]] == [WHEEL]
    assert binlint("check", WHEEL, "--max-depth", "1", cwd=root).code == 1
    assert len(json.loads(binlint("facts", WHEEL, "--max-depth", "1", cwd=root).out)["artifacts"]) > 1


def test_targets_file_and_target_from_the_configuration(binlint: Run, artifacts: Artifacts, tmp_path: Path) -> None:
    root = project(tmp_path, artifacts, {"lib/a.so": "glibc-new-lib"}, binlint_toml=(
        'targets-file = ["ci/targets.toml"]\ntarget = ["acme-os-3"]\n'))
    (root / "ci").mkdir()
    (root / "ci" / "targets.toml").write_text('[acme-os-3]\nsummary = "ACME OS 3"\nlibc = "glibc"\nglibc = "2.17"\n')
    result = binlint("check", "a.so", cwd=root / "lib")  # paths in the file are relative to it
    assert result.code == 1, result
    assert "error[glibc-version-above-target]" in result.out and "GLIBC_2.25" in result.out


def test_targets_file_without_target_checks_each_of_its_profiles(binlint: Run, artifacts: Artifacts,
                                                                 tmp_path: Path) -> None:
    # Your own profiles and no `target`: each of them is a target (before, they were loaded and unused).
    root = project(tmp_path, artifacts, {"lib/a.so": "glibc-new-lib"},
                   binlint_toml='targets-file = ["ci/targets.toml"]\n')
    (root / "ci").mkdir()
    (root / "ci" / "targets.toml").write_text(
        '[acme-os-2]\nsummary = "ACME OS 2"\nlibc = "glibc"\nglibc = "2.17"\n'
        '[acme-os-3]\nsummary = "ACME OS 3"\nlibc = "glibc"\nglibc = "2.28"\n')
    result = binlint("check", "lib/a.so", cwd=root)
    assert result.code == 1, result
    assert result.out.splitlines()[0] == ("lib/a.so: error[glibc-version-above-target] needs symbol versions newer "
                                          "than glibc 2.17: GLIBC_2.25 (getrandom) (target acme-os-2)")
    assert "acme-os-3" not in result.out
    # A file that defines nothing is an error, not a silent no-op.
    (root / "ci" / "targets.toml").write_text("")
    assert "defines no target profile" in binlint("check", "lib/a.so", cwd=root).err


def test_kernel_as_uname_prints_it(binlint: Run, artifacts: Artifacts, tmp_path: Path) -> None:
    root = project(tmp_path, artifacts, {"bin/tool": "long-shebang-script"},
                   binlint_toml='kernel = "5.15.0-91-generic"\n')
    assert binlint("check", "bin/tool", cwd=root).code == 0  # 5.15 reads #! lines of 255 bytes
    (root / "binlint.toml").write_text('kernel = "3.10.0-1160.el7.x86_64"\n')
    result = binlint("check", "bin/tool", cwd=root)
    assert result.code == 1 and "error[shebang-too-long]" in result.out
    (root / "binlint.toml").write_text('kernel = "generic"\n')
    assert binlint("check", "bin/tool", cwd=root).err == (
        "binlint: error: binlint.toml: 'kernel' must be a kernel version in quotes such as \"5.4\" or "
        "\"5.15.0-91-generic\", not a string ('generic')\n")
