"""The GitHub Action (action.yml) and the example workflow (docs/examples/binlint.yml).

- actionlint and zizmor (pedantic persona, offline) pass on both, and each is shown to be
  live by a broken copy it must reject;
- the upload action is pinned by a full commit SHA and runs under `if: always()`;
- no `${{ }}` expression appears inside a `run:` script (inputs go through `env:`);
- shellcheck passes on every script;
- the scripts really run: the install step installs the action's own checkout
  (`github.action_path`, here a snapshot of this work tree) into a venv, the check
  step builds binlint's argv from hostile inputs without running any of them as code,
  writes SARIF whatever the findings, and the last step fails the job per `fail-on`.
  GitHub runs `shell: bash` steps as `bash --noprofile --norc -eo pipefail`, and so do we.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from fixtures import Artifacts
from integration_tools import ROOT, env_with_tools, git, run, snapshot_repository, tool

ACTION = ROOT / "action.yml"
EXAMPLE = ROOT / "docs/examples/binlint.yml"
GITHUB_BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def action() -> dict:
    return yaml.safe_load(ACTION.read_text())


def steps() -> dict[str, dict]:
    return {step.get("id", step["name"]): step for step in action()["runs"]["steps"]}


# --------------------------------------------------------------------------
# Static checks
# --------------------------------------------------------------------------


def test_upload_action_is_pinned_by_commit_and_always_runs() -> None:
    upload = steps()["Upload SARIF to code scanning"]
    assert re.fullmatch(r"github/codeql-action/upload-sarif@[0-9a-f]{40}", upload["uses"]), upload["uses"]
    assert re.search(r"upload-sarif@[0-9a-f]{40} # v\d+\.\d+\.\d+\n", ACTION.read_text())
    assert upload["if"].startswith("always()")
    assert steps()["Fail on findings"]["if"].startswith("always()")


def test_no_expression_inside_run_scripts() -> None:
    for document in (action()["runs"]["steps"], *[job["steps"] for job in yaml.safe_load(
            EXAMPLE.read_text())["jobs"].values()]):
        for step in document:
            assert "${{" not in step.get("run", ""), step["name"]


def test_example_workflow_permissions() -> None:
    workflow = yaml.safe_load(EXAMPLE.read_text())
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "security-events": "write"}


def test_actionlint_passes_the_example_and_the_action_as_used(tmp_path: Path) -> None:
    actionlint = tool("actionlint", "pip install '.[test]'")
    result = run([actionlint, "-no-color", str(EXAMPLE)], ROOT)
    assert result.returncode == 0, result.stdout
    # actionlint reads a local action's metadata where a workflow uses it: every input
    # of action.yml is accepted, and an unknown one is rejected.
    repo = tmp_path / "repo"
    (repo / ".github/workflows").mkdir(parents=True)
    git(repo, "init", "-q")
    shutil.copyfile(ACTION, repo / "action.yml")
    inputs = {name: "x" for name in action()["inputs"]}
    workflow = {"name": "t", "on": "push", "permissions": {}, "jobs": {"t": {"runs-on": "ubuntu-latest", "steps": [
        {"uses": "./", "with": inputs}]}}}
    (repo / ".github/workflows/t.yml").write_text(yaml.safe_dump(workflow, sort_keys=False))
    result = run([actionlint, "-no-color"], repo)
    assert result.returncode == 0, result.stdout
    workflow["jobs"]["t"]["steps"][0]["with"]["no-such-input"] = "x"
    (repo / ".github/workflows/t.yml").write_text(yaml.safe_dump(workflow, sort_keys=False))
    result = run([actionlint, "-no-color"], repo)
    assert result.returncode == 1 and 'input "no-such-input" is not defined' in result.stdout, result.stdout


def test_zizmor_passes_both(tmp_path: Path) -> None:
    zizmor = tool("zizmor", "pip install '.[test]'")
    command = [zizmor, "--offline", "--persona", "pedantic", "--no-progress", "--color", "never"]
    result = run([*command, str(ACTION), str(EXAMPLE)], ROOT)
    assert result.returncode == 0, result.stdout
    # A copy that expands an input inside run: is template injection (high).
    broken = tmp_path / "action.yml"
    broken.write_text(ACTION.read_text().replace('while IFS= read -r path; do',
                                                 'echo "${{ inputs.paths }}"\n        while IFS= read -r path; do'))
    result = run([*command, str(broken)], tmp_path)
    assert result.returncode != 0 and "template-injection" in result.stdout, result.stdout


def test_shellcheck_passes_every_script(tmp_path: Path) -> None:
    shellcheck = tool("shellcheck", "pip install '.[test]'")
    for name, step in steps().items():
        if "run" in step:
            script = tmp_path / f"{re.sub(r'[^a-z]+', '-', name.lower())}.sh"
            script.write_text("#!/bin/bash\n" + step["run"])
            result = run([shellcheck, "--shell=bash", "--severity=style", str(script)], tmp_path)
            assert result.returncode == 0, f"{name}:\n{result.stdout}"


# --------------------------------------------------------------------------
# The scripts, run as GitHub runs them
# --------------------------------------------------------------------------


class Runner:
    """Runs the action's `run:` steps with its `env:` as GitHub evaluates it: inputs
    (with their defaults) and earlier steps' outputs."""

    def __init__(self, workspace: Path, temp: Path, github: dict[str, str] | None = None, **inputs: str) -> None:
        self.workspace, self.temp = workspace, temp
        self.github = github or {}
        defaults = {name: str(spec.get("default", "")) for name, spec in action()["inputs"].items()}
        unknown = set(inputs) - set(defaults)
        assert not unknown, unknown
        self.inputs = {**defaults, **inputs}
        self.outputs: dict[str, dict[str, str]] = {}

    def value(self, expression: str) -> str:
        kind, _, rest = expression.partition(".")
        if kind == "inputs":
            return self.inputs[rest]
        if kind == "steps":
            step, _, output = rest.partition(".outputs.")
            return self.outputs.get(step, {}).get(output, "")
        if kind == "github" and rest in self.github:
            return self.github[rest]
        raise AssertionError(f"the test cannot evaluate ${{{{ {expression} }}}}")

    def step(self, step_id: str) -> subprocess.CompletedProcess[str]:
        step = steps()[step_id]
        assert step["shell"] == "bash"
        output = self.temp / f"{step_id}.output"
        output.write_text("")
        env = env_with_tools(RUNNER_TEMP=str(self.temp), GITHUB_OUTPUT=str(output))
        env.update({key: EXPRESSION.sub(lambda m: self.value(m.group(1)), str(value))
                    for key, value in step.get("env", {}).items()})
        result = subprocess.run([*GITHUB_BASH, "-c", step["run"]], cwd=self.workspace, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900)
        self.outputs[step_id] = dict(line.split("=", 1) for line in output.read_text().splitlines())
        return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The install step, once, with its default inputs: GitHub checks the action out at the
    ref the workflow pins and names that folder `github.action_path`; here, a snapshot of
    this checkout (never PyPI, where binlint is not released)."""
    source = snapshot_repository(tmp_path_factory.mktemp("action-source") / "binlint")
    temp = tmp_path_factory.mktemp("runner-temp")
    runner = Runner(temp, temp, github={"action_path": str(source)})
    result = runner.step("install")
    assert result.returncode == 0, result.stdout
    # pip records where a package came from (PEP 610): the action's folder, not an index.
    (record,) = (temp / "binlint-venv/lib").glob("python3*/site-packages/binlint-*.dist-info/direct_url.json")
    assert json.loads(record.read_text())["url"] == source.as_uri()
    assert runner.outputs["install"]["binlint"] == str(temp / "binlint-venv/bin/binlint")
    return temp, runner.outputs["install"]


@pytest.fixture
def workspace(artifacts: Artifacts, tmp_path: Path) -> Path:
    """A checkout whose build produced, in a directory with a space, a wheel with an
    executable-stack library and a library needing glibc 2.25."""
    dist = tmp_path / "work space" / "dist out"
    dist.mkdir(parents=True)
    for fixture in ("execstack-wheel", "glibc-new-lib"):
        shutil.copyfile(artifacts.path(fixture), dist / artifacts.path(fixture).name)
    return dist.parent


def run_action(installed: tuple[Path, dict[str, str]], workspace: Path, **inputs: str) -> tuple[Runner, str]:
    temp, install_outputs = installed
    runner = Runner(workspace, temp, **inputs)
    runner.outputs["install"] = install_outputs
    check = runner.step("check")
    assert check.returncode == 0, check.stdout
    final = runner.step("Fail on findings")
    return runner, f"{check.stdout}\n--- exit {final.returncode}\n{final.stdout}"


def test_findings_write_sarif_then_fail_the_job(installed, workspace: Path) -> None:
    runner, log = run_action(installed, workspace, paths="dist out\n", glibc="2.17")
    assert "error[executable-stack]" in log and "GLIBC_2.25" in log  # the log shows the findings
    assert runner.outputs["check"]["exit-code"] == "1"
    sarif = json.loads(Path(runner.outputs["check"]["sarif-file"]).read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"executable-stack", "glibc-version-above-target"}
    assert sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith(
        "dist%20out/")
    assert "--- exit 1" in log and "::error title=binlint::findings at or above 'error'" in log


def test_fail_on_never_reports_without_failing(installed, workspace: Path) -> None:
    runner, log = run_action(installed, workspace, paths="dist out", **{"fail-on": "never"})
    assert runner.outputs["check"]["exit-code"] == "1" and runner.outputs["check"]["sarif-file"]
    assert "--- exit 0" in log


def test_clean_artifacts_pass(installed, artifacts: Artifacts, tmp_path: Path) -> None:
    (tmp_path / "dist").mkdir()
    shutil.copyfile(artifacts.path("clean-manylinux-wheel"), tmp_path / "dist" / artifacts.path(
        "clean-manylinux-wheel").name)
    sarif = tmp_path / "out" / "report.sarif"
    sarif.parent.mkdir()
    runner, log = run_action(installed, tmp_path, **{"sarif-file": str(sarif), "fail-on": "note"})
    assert runner.outputs["check"] == {"exit-code": "0", "sarif-file": str(sarif)}
    assert json.loads(sarif.read_text())["runs"][0]["results"] == []  # an empty run closes old alerts
    assert "--- exit 0" in log


def test_hostile_inputs_stay_data(installed, workspace: Path) -> None:
    canary = workspace / "pwned"
    runner, log = run_action(installed, workspace, paths=f"dist out\n$(touch {canary})\n`touch {canary}`",
                             glibc=f"2.17; touch {canary}", args=f"--ignore executable-stack $(touch {canary}) *")
    assert not canary.exists()
    # The odd values reach binlint as single arguments, which it rejects: a binlint error
    # (exit 2) fails the job, and no SARIF is uploaded.
    assert runner.outputs["check"]["exit-code"] == "2"
    assert "sarif-file" not in runner.outputs["check"]
    assert "--- exit 1" in log and "binlint stopped with exit code 2" in log


def test_extra_args_and_a_bad_fail_on(installed, workspace: Path) -> None:
    # Without --glibc only executable-stack has a finding; it is ignored on the second line.
    runner, log = run_action(installed, workspace, paths="dist out",
                             args="--ignore missing-gnu-stack\n  --ignore executable-stack")
    assert runner.outputs["check"]["exit-code"] == "0", log
    temp, install_outputs = installed
    bad = Runner(workspace, temp, **{"fail-on": "sometimes"})
    bad.outputs["install"] = install_outputs
    result = bad.step("check")
    assert result.returncode == 2 and "the fail-on input must be error, warning, note or never" in result.stdout
