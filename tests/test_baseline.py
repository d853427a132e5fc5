"""Baselines: `--write-baseline FILE` records today's findings, `--baseline FILE` reports
only new ones, across runs, working directories and release version bumps of wheels."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from fixtures import MANYLINUX_X86_64, Artifacts, execstack_wheel
from test_config import EXECSTACK, Run, binlint, one_error, project  # noqa: F401 (binlint is a fixture)
from test_reports import report_validator, schema_errors

WHEEL_1_0 = f"pkg-1.0-{MANYLINUX_X86_64}.whl"
WHEEL_1_1 = f"pkg-1.1-{MANYLINUX_X86_64}.whl"


def test_write_baseline_records_findings_sorted_and_version_free(artifacts: Artifacts, tmp_path: Path,
                                                                 binlint: Run) -> None:
    root = project(tmp_path, artifacts, {f"dist/{WHEEL_1_0}": "wheel", "lib/a.so": "execstack-lib"})
    result = binlint("check", ".", "--write-baseline", "baseline.json", cwd=root)
    assert (result.code, result.out, result.err) == (0, "", "binlint: recorded 2 findings in baseline.json\n")
    document = json.loads((root / "baseline.json").read_text())
    report = json.loads(binlint("check", ".", "--format", "json", cwd=root).out)
    fingerprints = {f["location"].lstrip("./"): f["fingerprint"] for f in report["findings"]}
    assert document == {"version": 1, "tool": "binlint", "findings": [
        {"fingerprint": fingerprints[f"dist/{WHEEL_1_0}"], "rule": "executable-stack",
         "path": f"dist/pkg-*-{MANYLINUX_X86_64}.whl!pkg/_ext.so"},
        {"fingerprint": fingerprints["lib/a.so"], "rule": "executable-stack", "path": "lib/a.so"},
    ]}
    again = binlint("check", ".", "--write-baseline", "baseline.json", cwd=root)
    assert again.code == 0 and json.loads((root / "baseline.json").read_text()) == document


def test_baseline_fingerprints_equal_the_reports_for_each_named_target(artifacts: Artifacts, tmp_path: Path,
                                                                       binlint: Run) -> None:
    """A finding for each --target is its own baseline entry, with the JSON report's fingerprint."""
    root = project(tmp_path, artifacts, {"lib/new.so": "glibc-new-lib"})
    targets = ["--target", "manylinux_2_17", "--target", "manylinux_2_5"]
    assert binlint("check", ".", *targets, "--write-baseline", "baseline.json", cwd=root).code == 0
    recorded = json.loads((root / "baseline.json").read_text())["findings"]
    report = json.loads(binlint("check", ".", *targets, "--format", "json", cwd=root).out)["findings"]
    assert sorted(f["target"] for f in report) == ["manylinux_2_17", "manylinux_2_5"]
    assert sorted(e["fingerprint"] for e in recorded) == sorted(f["fingerprint"] for f in report)
    again = binlint("check", ".", *targets, "--baseline", "baseline.json", cwd=root)
    assert (again.code, again.lines()) == (0, ["No problems found in 2 files (2 baselined)."])  # and baseline.json


def test_baseline_reports_only_new_findings_across_a_version_bump(artifacts: Artifacts, tmp_path: Path,
                                                                  binlint: Run) -> None:
    root = project(tmp_path, artifacts, {f"dist/{WHEEL_1_0}": "wheel", "lib/a.so": "execstack-lib"})
    assert binlint("check", ".", "--write-baseline", "baseline.json", cwd=root).code == 0
    same = binlint("check", ".", "--baseline", "baseline.json", cwd=root)
    assert (same.code, same.lines()) == (0, ["No problems found in 3 files (2 baselined)."])

    # The next release: the wheel's name carries 1.1, and a new library ships a problem.
    (root / "dist" / WHEEL_1_0).unlink()
    (root / "dist" / WHEEL_1_1).write_bytes(execstack_wheel(artifacts, "1.1")[1])
    shutil.copy2(artifacts.path("execstack-lib"), root / "lib" / "b.so")
    new = binlint("check", ".", "--baseline", "baseline.json", cwd=root)
    assert new.lines() == [f"./lib/b.so: error[executable-stack] {EXECSTACK}",
                           "Found 1 new problem (1 error) in 4 files; 2 baselined."]
    assert new.code == 1
    report = json.loads(binlint("check", ".", "--baseline", "baseline.json", "--format", "json", cwd=root).out)
    assert schema_errors(report_validator(), report) == []
    assert report["summary"]["baselined"] == 2 and [f["path"] for f in report["findings"]] == ["./lib/b.so"]


def test_baseline_from_configuration_matches_from_any_directory(artifacts: Artifacts, tmp_path: Path,
                                                                binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"dist/a.so": "execstack-lib"},
                   pyproject_toml='[tool.binlint]\nbaseline = "ci/baseline.json"\n')
    (root / "ci").mkdir()
    assert binlint("check", "dist", "--write-baseline", "ci/baseline.json", cwd=root).code == 0
    assert json.loads((root / "ci" / "baseline.json").read_text())["findings"][0]["path"] == "../dist/a.so"
    assert binlint("check", ".", cwd=root / "dist").lines() == ["No problems found in 1 file (1 baselined)."]
    assert binlint("check", "dist", cwd=root).code == 0
    assert binlint("check", "dist", "--no-config", cwd=root).code == 1


def test_write_baseline_records_what_the_configuration_keeps(artifacts: Artifacts, tmp_path: Path,
                                                             binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"a.so": "execstack-lib", "b.so": "nostack-lib"},
                   binlint_toml='ignore = ["missing-gnu-stack"]\n')
    binlint("check", ".", "--write-baseline", "baseline.json", cwd=root)
    assert [e["path"] for e in json.loads((root / "baseline.json").read_text())["findings"]] == ["a.so"]
    # Turning a rule on later brings its findings, which the baseline does not hold.
    result = binlint("check", "a.so", "b.so", "--baseline", "baseline.json", "--no-config", cwd=root)
    assert [line.split(": ")[0] for line in result.lines()[:-1]] == ["b.so"] and result.code == 1


def test_bad_baseline_files_are_one_line_errors(artifacts: Artifacts, tmp_path: Path, binlint: Run) -> None:
    root = project(tmp_path, artifacts, {"a.so": "execstack-lib"})
    assert one_error(binlint("check", "a.so", "--baseline", "missing.json", cwd=root)) == (
        "binlint: error: baseline not found: missing.json (create it with --write-baseline missing.json)")
    (root / "bad.json").write_text("{")
    assert one_error(binlint("check", "a.so", "--baseline", "bad.json", cwd=root)).startswith(
        "binlint: error: bad.json: not a binlint baseline (invalid JSON: ")
    (root / "bad.json").write_text('{"version": 2, "findings": []}')
    assert one_error(binlint("check", "a.so", "--baseline", "bad.json", cwd=root)) == (
        "binlint: error: bad.json: not a binlint baseline (expected version 1 with a list of findings with "
        "fingerprints; write it again with --write-baseline)")
    os.mkdir(root / "dir")
    assert one_error(binlint("check", "a.so", "--write-baseline", "dir", cwd=root)).startswith(
        "binlint: error: cannot write baseline dir: ")
