"""The SARIF binlint writes passes Microsoft's SARIF Multitool with the GitHub Advanced
Security rules, which is what GitHub's own docs point SARIF producers to.

The multitool's `validate` verb exits 0 even when it finds errors, so the test reads its
output log. GH1001-GH1007 are off by default in the multitool; gh-rules.xml (below)
turns them on as errors. GH1003 (a region on every location) stays off: binlint leaves
regions out on purpose, because a missing region means the whole artifact (SARIF 3.29.4)
and upload-sarif would otherwise hash "line 1" of a binary. A negative control proves the
configuration is live: a log with a web URI and an argument-only message must raise
GH1005 and GH1007.

The tool comes from npm (`@microsoft/sarif-multitool-linux`, a self-contained x86-64
binary) and is installed into a temporary directory per session.
"""
from __future__ import annotations

import json
import platform
import subprocess
from pathlib import Path

import jsonschema
import pytest

from fixtures import Artifacts, missing
from integration_tools import ROOT, env_with_binlint, env_with_tools, run, tool

MULTITOOL = "@microsoft/sarif-multitool-linux@5.7.0"
SARIF_SCHEMA = ROOT / "tests/schemas/sarif-2.1.0.schema.json"  # tests/schemas/README.md
# The multitool looks github.com up about 50 times a run (its own links), which on a machine
# without outside access waits 10 s and more; through a proxy that refuses at once, its
# results are the same (checked on binlint's SARIF: the same 80 results), in 1.5 s.
NO_NETWORK = {"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
ENABLED_AS_ERRORS = ("GH1001.ProvideRequiredLocationProperties", "GH1002.InlineThreadFlowLocations",
                     "GH1004.ReviewArraysThatExceedConfigurableDefaults",
                     "GH1005.LocationsMustBeRelativeUrisOrFilePaths", "GH1006.ProvideCheckoutPath",
                     "GH1007.ProvideFullyFormattedMessageStrings")


@pytest.fixture(scope="session")
def multitool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if platform.system() != "Linux" or platform.machine() != "x86_64":
        pytest.skip("the SARIF Multitool npm package ships an x86-64 Linux binary only")
    npm = tool("npm", "apt-get install npm")
    prefix = tmp_path_factory.mktemp("sarif-multitool")
    result = subprocess.run([npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", MULTITOOL],
                            text=True, capture_output=True, timeout=600)
    binary = prefix / "node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
    if result.returncode != 0 or not binary.is_file():
        missing(f"npm install {MULTITOOL} failed:\n{result.stderr[-2000:]}")
    binary.chmod(0o755)  # npm 11 skips the package's postinstall `chmod u+x`
    return binary


@pytest.fixture(scope="session")
def gh_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    entries = "".join(f'  <Properties Key="{rule}.Options">\n'
                      f'    <Property Key="RuleEnabled" Value="Error" Type="Driver.RuleEnabledState" />\n'
                      f'  </Properties>\n' for rule in ENABLED_AS_ERRORS)
    path = tmp_path_factory.mktemp("multitool-config") / "gh-rules.xml"
    path.write_text(f'<?xml version="1.0" encoding="utf-8"?>\n<Properties>\n{entries}</Properties>\n')
    return path


@pytest.fixture(scope="session")
def project_sarif(artifacts: Artifacts, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """binlint's SARIF for a small project tree: a wheel with an executable-stack library
    inside (nested artifacts, logical locations), an sdist carrying that wheel (two levels
    of nesting), a bad library, an executable .pyc and a clean library, as the Action runs
    it (relative paths from the repository root)."""
    project = tmp_path_factory.mktemp("sarif-project")
    for fixture, where in (("execstack-wheel", "dist"), ("sdist-with-wheel", "dist"), ("execstack-lib", "build"),
                           ("pyc-exec", "build"), ("glibc-new-lib", "build"), ("clean-lib", "build")):
        source = artifacts.path(fixture)
        (project / where).mkdir(exist_ok=True)
        (project / where / source.name).write_bytes(source.read_bytes())
        (project / where / source.name).chmod(source.stat().st_mode & 0o777)
    result = run(["binlint", "check", "dist", "build", "--glibc", "2.17", "--format", "sarif",
                  "--output", "binlint.sarif"], project,
                 env=env_with_binlint(tmp_path_factory.mktemp("bin")))
    assert result.returncode == 1, result.stdout
    return project / "binlint.sarif"


def validate(multitool: Path, config: Path, sarif: Path) -> dict:
    log = sarif.with_suffix(".validation.sarif")
    result = subprocess.run([str(multitool), "validate", str(sarif), "--output", str(log), "--log", "ForceOverwrite",
                             "--rule-kind", "Sarif;Ghas", "--config", str(config), "--quiet"],
                            text=True, capture_output=True, timeout=300, env=env_with_tools(**NO_NETWORK))
    assert result.returncode == 0, f"the multitool crashed:\n{result.stdout}\n{result.stderr}"
    run_log = json.loads(log.read_text(encoding="utf-8-sig"))["runs"][0]
    assert run_log["invocations"][0]["executionSuccessful"] is True, run_log["invocations"]
    return run_log


def levels(run_log: dict) -> dict[str, set[str]]:
    """Rule ids found, by level (a result without `level` is a warning, SARIF 3.27.10)."""
    found: dict[str, set[str]] = {}
    for result in run_log.get("results", []):
        found.setdefault(result.get("level", "warning"), set()).add(result["ruleId"])
    return found


def test_the_sarif_under_test_covers_nested_members(project_sarif: Path) -> None:
    log = json.loads(project_sarif.read_text())
    run_ = log["runs"][0]
    assert {r["ruleId"] for r in run_["results"]} >= {"executable-stack", "non-elf-executable",
                                                       "glibc-version-above-target"}
    assert any("parentIndex" in a for a in run_["artifacts"]), "no nested archive member in the SARIF under test"
    assert any(loc.get("logicalLocations") for r in run_["results"] for loc in r["locations"])
    schema = json.loads(SARIF_SCHEMA.read_text())
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(log)] == []


@pytest.fixture(scope="module")
def validations(multitool: Path, gh_rules: Path, project_sarif: Path) -> dict[str, dict]:
    """The multitool's run logs of binlint's SARIF and of the negative control."""
    log = json.loads(project_sarif.read_text())
    results = log["runs"][0]["results"]
    results[0]["locations"][0]["physicalLocation"]["artifactLocation"] = {"uri": "https://example.com/lib.so"}
    results[1]["message"] = {"id": "default", "arguments": ["x"]}
    broken = project_sarif.with_name("broken.sarif")
    broken.write_text(json.dumps(log))
    return {"binlint": validate(multitool, gh_rules, project_sarif), "broken": validate(multitool, gh_rules, broken)}


def test_multitool_with_github_rules_finds_no_error(validations: dict[str, dict]) -> None:
    results = validations["binlint"].get("results", [])
    errors = [f'{r["ruleId"]}: {r["message"].get("text", r["message"])}' for r in results
              if r.get("level", "warning") == "error"]
    assert errors == []


def test_github_rules_are_really_enabled(validations: dict[str, dict]) -> None:
    assert {"GH1005", "GH1007"} <= levels(validations["broken"]).get("error", set())
