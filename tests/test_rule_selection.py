"""--select, --extend-select and --ignore choose rules by id or group, ruff-style."""
from __future__ import annotations

import pytest

from binlint.errors import BinlintError
from binlint.rules import load_rules, select_rules

RULES = load_rules()
DEFAULT = {r.id for r in RULES if r.default}


def ids(select=(), extend=(), ignore=()) -> set[str]:
    return {r.id for r in select_rules(RULES, list(select), list(extend), list(ignore))}


def test_default_set_is_every_rule_not_marked_opt_in() -> None:
    assert ids() == DEFAULT


def test_select_a_group_keeps_the_diagnostics() -> None:
    chosen = ids(select=["portability"])
    assert chosen == {r.id for r in RULES if r.group in ("portability", "diagnostic")}


def test_select_a_rule_then_extend_and_ignore() -> None:
    assert ids(select=["executable-stack"], extend=["missing-gnu-stack"], ignore=["diagnostic"]) == {
        "executable-stack", "missing-gnu-stack"}


def test_ignore_a_group() -> None:
    assert not ids(ignore=["packaging"]) & {r.id for r in RULES if r.group == "packaging"}


def test_all() -> None:
    assert ids(select=["ALL"]) == {r.id for r in RULES}


def test_unknown_selector_is_a_usage_error() -> None:
    with pytest.raises(BinlintError, match="unknown rule or group 'nope'"):
        ids(extend=["nope"])


def test_cli_selection(tmp_path, artifacts, capsys) -> None:
    from binlint.cli import main

    lib = str(artifacts.path("execstack-lib"))
    assert main(["check", "--ignore", "executable-stack", lib]) == 0
    assert main(["check", "--select", "executable-stack", lib]) == 1
    assert "executable-stack" in capsys.readouterr().out
    assert main(["check", "--select", "nope", lib]) == 2
