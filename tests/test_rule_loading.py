"""User rule files (`--rules DIR`): a broken one is one clear line naming the file and the
field, through load_rules() and through the CLI; a valid one runs like a built-in rule."""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from binlint.walk.discover import discover
from binlint.engine import Options, check
from binlint.errors import BinlintError
from binlint.rules import load_rules
from binlint.rules.targets import Target
from fixtures import Artifacts

ROOT = Path(__file__).resolve().parent.parent

BASE: dict[str, Any] = {
    "id": "my-rule",
    "group": "custom",
    "severity": "warning",
    "formats": ["elf"],
    "summary": "A user rule",
    "when": {"all": [{"fact": "elf.type", "equals": "DYN"}]},
    "message": "a {elf.machine} shared object",
    "help": {"what": "What.", "error": "The error.", "why": "Why.", "fix": "Fix."},
}


def rule(**changes: Any) -> dict[str, Any]:
    """BASE with top-level keys replaced (`None` drops one; `_` in a name stands for `-`)."""
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        key = key.replace("_", "-")
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return data


def first(condition: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """BASE whose first condition, `when.all[0]`, is `condition`."""
    return rule(when={"all": [condition]}, **changes)


class Bad(NamedTuple):
    name: str
    content: dict[str, Any] | str  # a rule (dumped as YAML) or raw file text
    field: str  # must appear in the error, right after the file path
    mentions: tuple[str, ...] = ()  # further text the error must name
    stem: str = "my-rule"


BAD_RULES = [
    Bad("invalid-yaml", "id: my-rule\ngroup: custom\nsummary: a: b\n", "line 3", ("invalid YAML", "mapping")),
    # libyaml notices an unclosed bracket only where the next line starts.
    Bad("invalid-yaml-unclosed", "id: my-rule\nwhen: [unclosed\nmessage: x\n", "line 3", ("invalid YAML",)),
    Bad("invalid-yaml-control-character", "id: my-rule\ngroup: \x07bell\n", "line 2", ("invalid YAML",)),
    Bad("invalid-yaml-tab", "id: my-rule\n\tgroup: custom\n", "line 2", ("invalid YAML",)),
    Bad("not-a-mapping", "- id\n- my-rule\n", "(top level)"),
    Bad("empty-file", "", "(top level)"),
    Bad("unknown-top-level-key", rule(colour="red"), "(top level)", ("colour",)),
    Bad("missing-required-key", rule(message=None), "(top level)", ("message",)),
    Bad("bad-severity", rule(severity="fatal"), "severity", ("error", "warning", "note")),
    Bad("unknown-operator", first({"fact": "elf.type", "equal": "DYN"}), "when.all[0]", ("equal",)),
    Bad("no-operator", first({"fact": "elf.type"}), "when.all[0]", ("operator",)),
    Bad("two-operators", first({"fact": "elf.type", "equals": "DYN", "in": ["DYN"]}), "when.all[0]",
        ("equals", "in")),
    Bad("unknown-fact", first({"fact": "elf.colour", "equals": "red"}), "when.all[0].fact", ("elf.colour",)),
    Bad("operator-does-not-fit-fact", first({"fact": "elf.pie", "version-above": "2.17"}), "when.all[0]",
        ("version-above", "elf.pie", "bool")),
    Bad("operand-does-not-fit-fact", first({"fact": "file.size", "greater-than": "10"}), "when.all[0]",
        ("greater-than",)),
    Bad("version-operand-is-a-number", first({"fact": "elf.soname", "version-above": 2.10}), "when.all[0]",
        ("version-above",)),
    Bad("where-on-non-list-fact", first({"fact": "elf.soname", "where": {"matches": "x"}}), "when.all[0]",
        ("where", "elf.soname")),
    Bad("field-outside-where", first({"field": "version", "equals": "GLIBC_2.17"}), "when.all[0]", ("field",)),
    Bad("fact-inside-where", first({"fact": "elf.version_needs", "where": {"fact": "elf.type", "equals": "DYN"}}),
        "when.all[0].where", ("field",)),
    Bad("unknown-item-field", first({"fact": "elf.version_needs", "where": {"field": "colour", "equals": "x"}}),
        "when.all[0].where.field", ("colour",)),
    Bad("unknown-target", first({"fact": "elf.soname", "version-above": {"target": "android"}}),
        "when.all[0].version-above", ("android",)),
    Bad("bad-regex", first({"fact": "elf.soname", "matches": "lib(foo"}), "when.all[0].matches",
        ("regular expression",)),
    Bad("boolean-with-other-keys", rule(when={"all": [{"fact": "elf.type", "equals": "DYN"}], "fact": "elf.pie"}),
        "when", ("all",)),
    Bad("unknown-format", rule(formats=["elf", "coff"]), "formats", ("coff",)),
    Bad("elf-fact-with-formats-any", rule(formats=["any"]), "formats", ("elf.machine", "only elf, elf-debug files")),
    Bad("escalate-reads-elf-fact-in-file-rule",
        rule(formats=["any"], when={"fact": "file.executable", "equals": True}, message="executable",
             escalate={"severity": "error", "when": {"fact": "elf.pie", "equals": True}}),
        "formats", ("elf.pie",)),
    Bad("matches-without-where", rule(message="found {matches}"), "message", ("{matches}", "where")),
    Bad("unknown-placeholder", rule(message="a {elf.colour} object"), "message", ("{elf.colour}",)),
    Bad("target-placeholder-not-compared", rule(message="above {target.glibc}"), "message", ("{target.glibc}",)),
    Bad("unknown-evidence-placeholder",
        first({"fact": "elf.version_needs", "where": {"field": "version", "equals": "GLIBC_2.17"}},
              message="needs {matches}", evidence="{version} of {colour}"),
        "evidence", ("{colour}",)),
    Bad("id-not-file-stem", rule(id="other-rule"), "id", ("other-rule", "my-rule")),
    Bad("duplicate-builtin-id", rule(id="executable-stack"), "rule id", ("executable-stack", "already defined"),
        stem="executable-stack"),
]
BAD_IDS = [b.name for b in BAD_RULES]


def write_rule(directory: Path, bad: Bad) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{bad.stem}.yaml"
    text = bad.content if isinstance(bad.content, str) else yaml.safe_dump(bad.content, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def assert_names_file_and_field(message: str, path: Path, bad: Bad) -> None:
    assert "\n" not in message.strip(), f"not one line: {message!r}"
    assert message.startswith(f"{path}: {bad.field}"), message
    assert {m for m in bad.mentions if m not in message} == set(), message


@pytest.mark.parametrize("bad", BAD_RULES, ids=BAD_IDS)
def test_load_rules_rejects(tmp_path: Path, bad: Bad) -> None:
    path = write_rule(tmp_path / "rules", bad)
    with pytest.raises(BinlintError) as caught:
        load_rules([str(path.parent)])
    assert_names_file_and_field(str(caught.value), path, bad)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BINLINT_DEBUG"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "binlint", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"stderr is not one line: {result.stderr!r}"
    assert lines[0].startswith("binlint: error: "), lines[0]
    return lines[0][len("binlint: error: "):]


@pytest.mark.parametrize("bad", BAD_RULES, ids=BAD_IDS)
def test_cli_rejects(tmp_path: Path, bad: Bad) -> None:
    path = write_rule(tmp_path / "rules", bad)
    (tmp_path / "artifact.txt").write_text("nothing to see\n")
    result = run_cli("check", "--rules", str(path.parent), str(tmp_path / "artifact.txt"))
    assert_names_file_and_field(assert_one_line_error(result), path, bad)
    assert result.stdout == ""


@pytest.mark.parametrize("command", [["rules"], ["rule", "executable-stack"]], ids=["rules", "rule"])
def test_other_commands_reject_a_bad_rule_the_same_way(tmp_path: Path, command: list[str]) -> None:
    bad = BAD_RULES[BAD_IDS.index("unknown-operator")]
    path = write_rule(tmp_path / "rules", bad)
    result = run_cli(*command, "--rules", str(path.parent))
    assert_names_file_and_field(assert_one_line_error(result), path, bad)


def test_missing_rules_directory(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir"
    with pytest.raises(BinlintError, match="rule directory not found"):
        load_rules([str(missing)])
    message = assert_one_line_error(run_cli("rules", "--rules", str(missing)))
    assert str(missing) in message


# --------------------------------------------------------------------------
# Valid user rules run like built-in ones
# --------------------------------------------------------------------------

HOME_RPATH = rule(
    id="home-rpath", group="portability", severity="error",
    summary="DT_RPATH points into a home directory",
    when={"fact": "elf.rpath", "where": {"matches": "^/home/"}},
    message="DT_RPATH entries under /home: {matches}",
)


PROGRAM = {"any": [{"fact": "elf.type", "equals": "EXEC"},
                   {"all": [{"fact": "elf.type", "equals": "DYN"}, {"fact": "elf.interpreter", "exists": True}]}]}


def test_a_condition_that_starts_with_any_is_guarded_by_the_leaves_it_needs() -> None:
    from binlint.rules.conditions import guards, holds

    [(facts, test, tests), needed] = guards({"all": [PROGRAM, {"fact": "elf.needed", "where": {"contains": "libc.so"}}]})
    assert facts == ("elf.type", "elf.type") and test is None and needed[0] == "elf.needed"
    assert holds({"elf.type": "EXEC"}.get, facts, tests) and holds({"elf.type": "DYN"}.get, facts, tests)
    assert not holds({"elf.type": "REL"}.get, facts, tests)


class Good(NamedTuple):
    content: dict[str, Any]
    target: dict[str, str]
    fires_on: list[str]
    quiet_on: list[str]
    mentions: tuple[str, ...]  # what the message must say on the first fires_on fixture


GOOD_RULES = [
    Good(HOME_RPATH, {}, ["rpath-lib"], ["runpath-lib", "ppc64-be-lib", "clean-lib", "clean-obj"],
         ("/home/build/lib",)),
    Good(rule(id="origin-runpath", summary="DT_RUNPATH relative to $ORIGIN",
              when={"fact": "elf.runpath", "where": {"contains": "$ORIGIN"}},
              message="DT_RUNPATH {matches} is relative to the object"),
         {}, ["runpath-lib"], ["rpath-lib", "clean-lib"], ("$ORIGIN/../lib",)),
    Good(rule(id="needs-libclean", summary="Links libclean",
              when={"fact": "elf.needed", "contains": "libclean.so.1"},
              message="{elf.soname} needs {elf.needed}"),
         {}, ["runpath-lib"], ["clean-lib", "rpath-lib"], ("librunpath.so.1", "libclean.so.1")),
    Good(rule(id="old-glibc-symbols", summary="Needs a glibc newer than the target",
              when={"fact": "elf.version_needs",
                    "where": {"field": "release", "version-above": {"target": "glibc"}}},
              message="above {target.glibc}: {matches}", evidence="{version}"),
         {"glibc": "2.20"}, ["glibc-new-lib"], ["clean-lib", "rpath-lib"], ("above 2.20", "GLIBC_2.25")),
    Good(rule(id="pyc-version", formats=["pyc"], summary="Python bytecode",
              when={"fact": "file.pyc_python", "exists": True},
              message="bytecode for Python {file.pyc_python}"),
         {}, ["pyc-exec", "pyc-noexec"], ["script-exec", "clean-exe"],
         (f"Python {sys.version_info.major}.{sys.version_info.minor}",)),
    # A rule reading the ABI tag note must not make executables unreadable.
    Good(rule(id="abi-tag", summary="Has an ABI tag",
              when={"fact": "elf.abi_tag", "exists": True},
              message="built for {elf.machine} with an ABI tag"),
         {}, ["clean-exe", "nopie-exe", "static-exe", "i686-exe"], ["clean-lib", "clean-obj"], ("built for",)),
    # Starts with an `any` of a leaf and an `all` that starts with one: the engine's guard (conditions.guards).
    Good(rule(id="program-needs-libc", summary="A program that links libc",
              when={"all": [PROGRAM, {"fact": "elf.needed", "where": {"contains": "libc.so"}}]},
              message="a program that needs {matches}"),
         {}, ["clean-exe", "nopie-exe"], ["clean-lib", "clean-obj", "static-exe"], ("libc.so.6",)),
]
GOOD_IDS = [g.content["id"] for g in GOOD_RULES]


@pytest.mark.parametrize("good", GOOD_RULES, ids=GOOD_IDS)
def test_user_rule_fires(tmp_path: Path, artifacts: Artifacts, good: Good) -> None:
    directory = tmp_path / "rules"
    directory.mkdir()
    rule_id = good.content["id"]
    (directory / f"{rule_id}.yaml").write_text(yaml.safe_dump(good.content, sort_keys=False))
    rules = load_rules([str(directory)])
    assert rule_id in {r.id for r in rules}
    findings = {name: check(discover([str(artifacts.path(name))]), rules, Options((Target.of(good.target),)))
                for name in [*good.fires_on, *good.quiet_on]}
    fired = {(f.rule, name) for name, found in findings.items() for f in found}
    assert {pair for pair in fired if pair[0] in {rule_id, "unreadable-artifact"}} == {
        (rule_id, name) for name in good.fires_on}
    [finding] = [f for f in findings[good.fires_on[0]] if f.rule == rule_id]
    assert {m for m in good.mentions if m not in finding.message} == set(), finding.message


def test_user_rule_through_the_cli(tmp_path: Path, artifacts: Artifacts) -> None:
    directory = tmp_path / "rules"
    directory.mkdir()
    (directory / "home-rpath.yaml").write_text(yaml.safe_dump(HOME_RPATH, sort_keys=False))
    path = artifacts.path("rpath-lib")
    result = run_cli("check", "--format", "json", "--rules", str(directory), str(path))
    assert result.returncode == 1, result.stderr  # an error-severity finding
    assert result.stderr == ""
    # The built-in rpath-build-directory and rpath-not-runpath report the same file.
    findings = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "home-rpath"]
    assert {(f["rule"], f["path"], f["severity"]) for f in findings} == {("home-rpath", str(path), "error")}
    assert "/home/build/lib" in findings[0]["message"]
    assert findings[0]["evidence"] == ["/home/build/lib"]

    text = run_cli("check", "--rules", str(directory), str(path))
    assert "home-rpath" in text.stdout and "/home/build/lib" in text.stdout


def test_user_rule_is_listed_and_explained(tmp_path: Path) -> None:
    directory = tmp_path / "rules"
    directory.mkdir()
    (directory / "home-rpath.yaml").write_text(yaml.safe_dump(HOME_RPATH, sort_keys=False))
    listing = run_cli("rules", "--rules", str(directory))
    assert listing.returncode == 0, listing.stderr
    assert {line.split()[0] for line in listing.stdout.splitlines()} >= {"home-rpath", "executable-stack"}
    shown = run_cli("rule", "home-rpath", "--rules", str(directory))
    assert shown.returncode == 0, shown.stderr
    assert "DT_RPATH points into a home directory" in shown.stdout


# -- the checked copy of the built-in rules (binlint/rules/_builtin.py) ------------------------


def test_checked_builtin_rules_are_used_only_while_the_yaml_is_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    import copy

    from binlint.rules import _builtin

    rules = copy.deepcopy(_builtin.RULES)
    entry = rules["executable-stack.yaml"]
    entry["rule"]["summary"] = "from the checked copy"
    monkeypatch.setattr(_builtin, "RULES", rules)
    by_id = {r.id: r for r in load_rules()}
    assert by_id["executable-stack"].summary == "from the checked copy"  # digest matches: the copy

    entry["digest"] = "0:00000000"  # as if the YAML had been edited since
    by_id = {r.id: r for r in load_rules()}
    source = yaml.safe_load(Path(by_id["executable-stack"].source).read_text())
    assert by_id["executable-stack"].summary == source["summary"]  # read from the YAML

    monkeypatch.setattr(_builtin, "VERSION", 2)  # a copy of another version is no error: the YAML is read
    assert {r.id for r in load_rules()} == set(by_id)
