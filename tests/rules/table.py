"""The shared runner of the rule tables: how a row is written, checked and named.

Every built-in rule has rows in ``tests/rules/test_<group>.py``, where <group> is the fact group
its condition reads: ``elf.*`` facts -> test_elf.py, ``wheel.*`` -> test_wheel.py,
``pyinstaller.*`` -> test_pyinstaller.py; ``file.*``, which every artifact has, counts only for
a rule that reads no other group (test_file.py). A rule reading two groups goes in either's
table. tests/test_rules_meta.py enforces this and names the file a missing rule belongs in.

To add a rule's rows, append to the TABLE of its group's module (or create the module, ending
it with ``test_rule_table = table_test(TABLE)``):

    TABLE += [
        row("my-rule", {}, ["fixture-it-fires-on"]),            # no target
        row("my-rule", {"glibc": "2.17"}, ["fixture", ...]),    # under --glibc 2.17
        row("my-rule", profile("manylinux_2_17"), [...]),       # under --target manylinux_2_17
    ]

A row is (rule id, target, fixtures it fires on, fixtures it stays quiet on). row() makes the
last every other fixture of tests/fixtures/, so a rule that fires where it should not fails its
row: that is how false positives are caught. A rule no fixture makes fire still gets a row
(``row("my-rule", {}, [])``: quiet everywhere) and a test that makes it fire. test_elf.py's
pinned_row() narrows the quiet fixtures to those whose hardening flags are pinned.

A fixture fires a rule when a finding for it, or for a member inside it, has that rule.
Each fixture is walked once for the whole session, over every built-in rule (the opt-in ones
too), under every target the rows and checks name at once: as `--target a --target b` does,
each finding names its target. tests/conftest.py gives every module here, and
tests/test_rules_meta.py, which asks for the same findings, to one pytest-xdist worker, so
a new row costs little, and a new target only its rules' evaluation on every fixture. The
same cache serves the explicit checks built by severity_test(), member_test(), quiet_test()
and message_test(): the rule id, the path, the severity and the evidence in the message, as
a user reads them.
"""
from __future__ import annotations

import importlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Callable

import pytest

from binlint.engine import Options, check
from binlint.report.finding import Finding, finding_order
from binlint.rules import Rule, load_rules
from binlint.rules import targets
from binlint.rules.targets import abi, for_arch
from binlint.walk.discover import discover
from fixtures import FIXTURE_KINDS, Artifacts, fixture_names
from fixtures.toolchain import NEEDS

TABLES_DIR = Path(__file__).resolve().parent
Target = dict[str, object]
Row = tuple[str, Target, list[str], list[str]]


def known(names: list[str]) -> list[str]:
    """`names`, each checked to be a fixture."""
    unknown = set(names) - set(FIXTURE_KINDS)
    assert not unknown, f"not fixtures: {sorted(unknown)}"
    return names


def row(rule_id: str, target: Target, fires_on: list[str]) -> Row:
    """`rule_id` fires on `fires_on` under `target` and on no other fixture."""
    known(fires_on)
    named(target)
    return (rule_id, target, fires_on, [name for name in fixture_names() if name not in fires_on])


class NamedTarget(dict):  # type: ignore[type-arg]
    """A profile's target values, shown by name in test ids."""

    def __init__(self, name: str, values: dict[str, object]) -> None:
        super().__init__(values)
        self.name = name

    def __repr__(self) -> str:
        return f"profile:{self.name}"


def profile(name: str) -> NamedTarget:
    """The target values of `--target NAME`."""
    from binlint.rules import profiles

    return NamedTarget(name, profiles.builtin()[name].target.plain())


# Every target binlint knows, for the runs that must exercise every rule: the manylinux2014
# policy's libraries, symbol versions and blacklist; glibc >= 2.41's dlopen; and the ABI's
# tables every target has (loader paths, macOS floors), per architecture.
ALL_TARGETS: Target = {**for_arch(dict(profile("manylinux_2_17")), ["x86_64"]),
                       "glibc": "2.17", "musl": "1.2", "macos": "11.0", "arch": ["x86_64"], "libc": "glibc",
                       "kernel": "5.4", "shebang_limit": 255, "android_api": 24,
                       "ios": "13.0", "apple_platforms": ["ios"],
                       "dlopen_refuses_stack": ["X", "RX", "WX", "RWX"],
                       "package_glibc": "2.17", "package_arch": ["x86_64"], "package_dependencies": ["gcc"],
                       "loadable_formats": ["elf", "macho", "pe", "wasm"],
                       **abi().plain()}


# --------------------------------------------------------------------------
# Findings, once per fixture and target
# --------------------------------------------------------------------------

builtin_rules = lru_cache(maxsize=None)(load_rules)

# Every target a row or a check names, by its JSON, registered as the modules here are
# collected (before any test runs), so the first walk of a fixture serves them all.
_TARGETS: dict[str, Target] = {}


def named(target: Target) -> str:
    """`target`'s key in the findings of a walk, registering it."""
    key = json.dumps(target, sort_keys=True)
    _TARGETS.setdefault(key, target)
    return key


@lru_cache(maxsize=None)
def _walked(path: str) -> dict[str, tuple[Finding, ...]]:
    """The findings of one walk of `path` under every registered target, split by target:
    facts are read once, and only the rules that compare with a target run per target."""
    keys = list(_TARGETS)
    names = [f"table-{i}" for i in range(len(keys))]
    walk = check(discover([path]), builtin_rules(),
                 Options(tuple(targets.Target.of(_TARGETS[k], name) for k, name in zip(keys, names))))
    split: dict[str, list[Finding]] = {key: [] for key in keys}
    for finding in walk:
        if finding.target is None:  # the same for every target (or compared with none)
            for found in split.values():
                found.append(finding)
        else:  # as the walk under that target alone says it
            split[keys[names.index(finding.target)]].append(finding._replace(
                target=None, message=finding.message.removesuffix(f" (target {finding.target})")))
    return {key: tuple(sorted(found, key=finding_order)) for key, found in split.items()}


@lru_cache(maxsize=None)
def _cached_findings(path: str, key: str) -> tuple[Finding, ...]:
    """A target registered after the fixture's walk: a walk of its own."""
    return tuple(check(discover([path]), builtin_rules(), Options((targets.Target.of(json.loads(key)),))))


def table_findings(path: Path, target: Target) -> list[Finding]:
    """The findings of every built-in rule on a session fixture under `target`: the tables
    and the message checks of test_rules_meta.py ask for the same ones many times."""
    key, walked = named(target), _walked(str(path))
    return list(walked[key] if key in walked else _cached_findings(str(path), key))


def run(path: Path, rules: list[Rule], target: Target) -> list[Finding]:
    """The findings of `rules` on `path`, uncached."""
    return check(discover([str(path)]), rules, Options((targets.Target.of(target),)))


def only(findings: list[Finding], rule_id: str) -> Finding:
    hits = [f for f in findings if f.rule == rule_id]
    assert len(hits) == 1, f"expected one {rule_id} finding, got {findings}"
    return hits[0]


def build(artifacts: Artifacts, names: list[str]) -> tuple[dict[str, Path], list[str]]:
    """Paths of the fixtures that can be built here, and the tools missing for the others.

    Under CI (strict mode) a missing tool fails instead of skipping, so nothing is left out there.
    """
    paths: dict[str, Path] = {}
    missing: set[str] = set()
    for name in names:
        try:
            paths[name] = artifacts.path(name)
        except pytest.skip.Exception as skipped:
            missing.add(skipped.msg.removeprefix(NEEDS))
    return paths, sorted(missing)


# --------------------------------------------------------------------------
# The tests each table module makes from its data
# --------------------------------------------------------------------------


def row_id(r: Row) -> str:
    rule_id, target, _, _ = r
    if isinstance(target, NamedTarget):
        return f"{rule_id}[{target!r}]"
    return rule_id + "".join(f"[{k}={v}]" for k, v in target.items())


def table_test(table: list[Row]) -> Callable[..., None]:
    """The test of every row of `table`: the rule fires on exactly its fixtures, quiet on the rest."""
    @pytest.mark.parametrize("rule_id, target, fires_on, quiet_on", table, ids=[row_id(r) for r in table])
    def test_rule_table(artifacts: Artifacts, rule_id: str, target: Target,
                        fires_on: list[str], quiet_on: list[str]) -> None:
        assert not set(fires_on) & set(quiet_on), "a fixture cannot both fire and stay quiet"
        paths, missing = build(artifacts, [*fires_on, *quiet_on])
        fired = {(f.rule, name) for name, path in paths.items() for f in table_findings(path, target)}
        expected = {(rule_id, name) for name in fires_on if name in paths}
        quiet = {(rule_id, name) for name in quiet_on if name in paths}
        assert {pair for pair in fired if pair[0] == rule_id} == expected
        assert not fired & quiet
        if missing:
            pytest.skip(f"checked the others; {NEEDS}{', '.join(missing)}")
    return test_rule_table


def severity_test(cases: list[tuple[str, str, Target, str]]) -> Callable[..., None]:
    """(rule, fixture, target, severity): the one finding names the rule, the file and the severity."""
    for case in cases:
        named(case[2])
    @pytest.mark.parametrize("rule_id, name, target, severity", cases, ids=[f"{c[0]}-{c[1]}" for c in cases])
    def test_finding_rule_path_severity(artifacts: Artifacts, rule_id: str, name: str,
                                        target: Target, severity: str) -> None:
        path = artifacts.path(name)
        finding = only(table_findings(path, target), rule_id)
        assert (finding.rule, finding.path, finding.severity) == (rule_id, str(path), severity)
    return test_finding_rule_path_severity


def member_test(cases: list[tuple[str, str, list[str], str]]) -> Callable[..., None]:
    """(rule, fixture, the member chain inside it, severity): a finding on a member names the chain."""
    named({})
    @pytest.mark.parametrize("rule_id, name, members, severity", cases, ids=[f"{c[0]}-{c[1]}" for c in cases])
    def test_finding_on_a_member_names_the_chain(artifacts: Artifacts, rule_id: str, name: str,
                                                 members: list[str], severity: str) -> None:
        path = artifacts.path(name)
        finding = only(table_findings(path, {}), rule_id)
        assert (finding.path, finding.location, list(finding.members), finding.severity) == (
            "!".join([str(path), *members]), str(path), members, severity)
    return test_finding_on_a_member_names_the_chain


def quiet_test(cases: list[tuple[str, str]]) -> Callable[..., None]:
    """(rule, fixture): the cases a careless rule gets wrong, quiet under every target."""
    named(ALL_TARGETS)
    @pytest.mark.parametrize("rule_id, name", cases, ids=[f"{r}-{n}" for r, n in cases])
    def test_rule_stays_quiet(artifacts: Artifacts, rule_id: str, name: str) -> None:
        findings = table_findings(artifacts.path(name), ALL_TARGETS)
        assert rule_id not in {f.rule for f in findings}
    return test_rule_stays_quiet


def message_test(cases: list[tuple[str, str, Target, list[str]]]) -> Callable[..., None]:
    """(rule, fixture, target, substrings): the evidence the message must contain."""
    for case in cases:
        named(case[2])
    @pytest.mark.parametrize("rule_id, name, target, expected", cases, ids=[f"{c[0]}-{c[1]}" for c in cases])
    def test_message_evidence(artifacts: Artifacts, rule_id: str, name: str,
                              target: Target, expected: list[str]) -> None:
        message = only(table_findings(artifacts.path(name), target), rule_id).message
        assert {s for s in expected if s not in message} == set(), message
    return test_message_evidence


# --------------------------------------------------------------------------
# Which table a rule's rows belong in (tests/test_rules_meta.py)
# --------------------------------------------------------------------------


def table_files(rule: Rule) -> list[str]:
    """The table modules `rule`'s rows may live in: those of the fact groups it reads."""
    groups = {fact.split(".", 1)[0] for fact in rule.facts}
    return [f"test_{group}.py" for group in sorted(groups - {"file"} or {"file"})]


def tables() -> dict[str, list[Row]]:
    """Every table here, by the name of its module."""
    modules = {path.name: importlib.import_module(f"{__package__}.{path.stem}")
               for path in sorted(TABLES_DIR.glob("test_*.py"))}
    return {name: module.TABLE for name, module in modules.items() if hasattr(module, "TABLE")}
