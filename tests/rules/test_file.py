"""The rules that read only what every artifact has (`file.*` facts: its kind, its mode, whether
it could be read), and every rule over every fixture. How to add rows: tests/rules/table.py."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from binlint.engine import Options, check
from binlint.rules import SEVERITIES, Rule
from binlint.rules.targets import TARGETS, Target
from binlint.walk.discover import discover
from fixtures import Artifacts, deep_nesting_chain, fixture_names
from fixtures import macho as macho_fixtures
from rules.table import (
    ALL_TARGETS, Row, builtin_rules, member_test, message_test, quiet_test, row, severity_test, table_findings,
    table_test,
)

BAD = fixture_names("bad")  # the malformed ELF files
# Hostile archives with a member (encrypted-zip) or the whole archive (truncated-zip,
# corrupt-tar-gz) that cannot be read; the ELF files inside them are not checked.
UNREADABLE_ARCHIVES = ["encrypted-zip", "truncated-zip", "corrupt-tar-gz"]
UNREADABLE = [*BAD, *UNREADABLE_ARCHIVES, *macho_fixtures.MALFORMED]

TABLE: list[Row] = [
    # The format against the systems of the wheel's tags (file.kind against loadable_formats);
    row("wheel-binary-format-mismatch", {}, ["pe-in-manylinux-wheel", "elf-in-windows-wheel", "emscripten-elf-wheel"]),
    # A link is no fixture file: tests/test_walk.py makes loops and dangling links in a folder.
    row("broken-symbolic-link", {}, []),
    # The mode of a member is its zip's external attributes: pkg/hello.pyc is 0755.
    # perms-tar: app-1.0/lib/app.jar, jar-exec as a 0755 member.
    row("non-elf-executable", {}, ["pyc-exec", "text-exec", "pe-exec", "jar-exec", "pyc-exec-wheel", "perms-tar"]),
    row("unreadable-artifact", {}, UNREADABLE),
    row("unreadable-artifact", {"glibc": "2.17"}, UNREADABLE),
    # No fixture is named .whl without being a zip: tests/test_archives.py makes one.
    row("wheel-not-a-zip", {}, []),
    # A diagnostic note: deep-nesting.zip's nested-5.zip sits at the default --max-depth of 4.
    row("archive-too-deep", {}, ["deep-nesting"]),
    # Exec bits: set-user-ID and world-writable files.
    row("setuid-file", {}, ["perms-tar"]),  # app-1.0/bin/helper, 4755
    row("world-writable-file", {}, ["perms-tar"]),  # app-1.0/share/notes.txt, 0666
]

test_rule_table = table_test(TABLE)

# --------------------------------------------------------------------------
# What a user reads: rule, path, severity, evidence
# --------------------------------------------------------------------------

test_finding_rule_path_severity = severity_test([
    ("non-elf-executable", "pyc-exec", {}, "error"),
    ("non-elf-executable", "text-exec", {}, "warning"),
    *[("unreadable-artifact", name, {}, "error") for name in BAD],
])

# A diagnostic: nested-5.zip is at depth 4, the default --max-depth; nothing in it was read.
test_finding_on_a_member_names_the_chain = member_test([
    ("archive-too-deep", "deep-nesting", deep_nesting_chain()[:4], "note"),
])

test_rule_stays_quiet = quiet_test([
    ("non-elf-executable", "pyc-noexec"),
    ("non-elf-executable", "script-exec"),
    ("non-elf-executable", "data-noexec"),
    ("non-elf-executable", "garbage-elf"),  # executable, but ELF: unreadable-artifact's
    ("archive-too-deep", "sdist-with-wheel"),  # a wheel in an sdist: 2 deep
])

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
test_message_evidence = message_test([
    ("non-elf-executable", "pyc-exec", {}, [f"Python {PYTHON}", "0755"]),
    ("non-elf-executable", "pe-exec", {}, ["PE", "0755"]),
    ("non-elf-executable", "jar-exec", {}, ["zip", "0755"]),
    ("non-elf-executable", "text-exec", {}, ["#!", "0755"]),
    ("unreadable-artifact", "truncated-header", {}, ["truncated", "header"]),
    ("unreadable-artifact", "truncated-phdrs", {}, ["truncated", "program header"]),
    ("unreadable-artifact", "truncated-dynamic", {}, ["truncated", "dynamic"]),
    ("unreadable-artifact", "garbage-elf", {}, ["ELF class"]),
    ("archive-too-deep", "deep-nesting", {}, ["zip", "--max-depth"]),
])


def test_a_bad_file_does_not_stop_the_run(artifacts: Artifacts, rules: list[Rule]) -> None:
    # Broken files in a directory get their finding; the good file next to them is still checked.
    names = [*BAD, "execstack-lib"]
    paths = {artifacts.path(name).name: name for name in names}
    directory = artifacts.path("execstack-lib").parent
    options = Options((Target.of(ALL_TARGETS),))
    fired = {(f.rule, paths[Path(f.path).name]) for f in check(discover([str(directory)]), rules, options)
             if Path(f.path).name in paths}
    assert fired == {*(("unreadable-artifact", name) for name in BAD), ("executable-stack", "execstack-lib")}


# --------------------------------------------------------------------------
# Every rule over every fixture
# --------------------------------------------------------------------------


def test_all_targets_cover_every_target_binlint_knows() -> None:
    assert set(ALL_TARGETS) == set(TARGETS)


@pytest.mark.parametrize("name", fixture_names())
def test_every_rule_over_every_fixture(artifacts: Artifacts, rules: list[Rule], name: str) -> None:
    assert all(r.targets <= ALL_TARGETS.keys() for r in builtin_rules()), "some rule would not run"
    path = artifacts.path(name)
    for target in ({}, ALL_TARGETS, {"glibc": "2.40"}, {"glibc": "1.0"}):
        findings = table_findings(path, target)  # must not raise
        # The file itself, or its members: `path!member!member...`.
        assert {f.location for f in findings} <= {str(path)}
        assert all(f.path == "!".join([str(path), *f.members]) for f in findings), findings
        assert {f.severity for f in findings} <= set(SEVERITIES)
        fired = {f.rule for f in findings}
        if name in BAD:
            assert fired == {"unreadable-artifact"}, target
        elif name in UNREADABLE:
            assert "unreadable-artifact" in fired, (target, findings)
        else:
            assert "unreadable-artifact" not in fired, (target, findings)
