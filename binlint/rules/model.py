"""A loaded rule, and the choice of rules to run: what the engine and reporters use."""
from __future__ import annotations

import re
from collections import namedtuple

from binlint.errors import BinlintError

SEVERITIES = ("error", "warning", "note")  # the SARIF levels, most severe first
PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.-]*)\}")


class Rule(namedtuple("Rule", "id group severity formats summary when message evidence help references "
                           "escalate security_severity targets facts source default guards")):
    """A loaded rule. formats: file kinds (empty: every kind); when: the condition, a callable
    compiled when first called (conditions.Deferred); escalate: (severity, condition) or None; targets: target values the condition
    compares with; facts: the facts the rule reads; source: the file it came from; guards:
    the tests `when` starts with, which must hold for it to (conditions.guards)."""

    __slots__ = ()

    def applies_to(self, kind: str) -> bool:
        return not self.formats or kind in self.formats


def select_rules(rules: list[Rule], select: list[str], extend: list[str], ignore: list[str]) -> list[Rule]:
    """The rules to run, ruff-style: `select` replaces the default set (the rules not marked
    `default: false`), `extend` adds to it, `ignore` removes; each names rule ids, groups or ALL.
    The diagnostic group (a file that could not be read) stays unless ignored by name, so a
    narrow selection never turns a broken file into a clean report."""
    def matching(selector: str) -> set[str]:
        found = {r.id for r in rules if selector in ("ALL", r.id, r.group)}
        if not found:
            groups = sorted({r.group for r in rules})
            raise BinlintError(f"unknown rule or group {selector!r} (groups: {', '.join(groups)}; see `binlint rules`)")
        return found

    diagnostics = {r.id for r in rules if r.group == "diagnostic" and r.default}
    chosen = set().union(diagnostics, *map(matching, select)) if select else {r.id for r in rules if r.default}
    chosen |= set().union(*map(matching, extend))
    chosen -= set().union(*map(matching, ignore))
    return [r for r in rules if r.id in chosen]


def override_severities(rules: list[Rule], levels: dict[str, str]) -> tuple[list[Rule], list[str]]:
    """`rules` with the severities the configuration sets by rule id or group (an id wins over
    its group; a set severity is fixed, without escalation), and the ids of the rules set to
    "off", for the ignore list."""
    known = {r.id for r in rules} | {r.group for r in rules}
    for key in levels:
        if key not in known:
            raise BinlintError(f"unknown rule or group {key!r} in severity (see `binlint rules`)")
    result, off = [], []
    for rule in rules:
        level = levels.get(rule.id, levels.get(rule.group))
        if level == "off":
            off.append(rule.id)
        result.append(rule if level in (None, "off") else rule._replace(severity=level, escalate=None))
    return result, off
