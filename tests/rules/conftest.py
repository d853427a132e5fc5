from __future__ import annotations

import pytest

from binlint.rules import Rule, load_rules, select_rules


@pytest.fixture(scope="module")
def rules() -> list[Rule]:
    # What `binlint check` runs: the default set. The opt-in rules (`default: false`, such as
    # the hardening group's) run in the tables, which load every built-in rule.
    return select_rules(load_rules(), [], [], [])
