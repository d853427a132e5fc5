"""`binlint rules`: every rule, one line each; `binlint rule ID`: one rule's full help."""
from __future__ import annotations

import argparse

from binlint.cli.arguments import add_config_option, add_rules_option
from binlint.cli.exitcodes import EXIT_CLEAN
from binlint.errors import BinlintError


def add_parsers(commands: argparse._SubParsersAction) -> None:
    rules = commands.add_parser("rules", help="list every rule, one line each")
    add_rules_option(rules)
    add_config_option(rules)
    rules.set_defaults(run=run_rules)

    rule = commands.add_parser("rule", help="show one rule's full help")
    rule.add_argument("id", metavar="RULE", help="a rule id, e.g. executable-stack")
    add_rules_option(rule)
    add_config_option(rule)
    rule.set_defaults(run=run_rule)


def run_rules(args: argparse.Namespace) -> int:
    from binlint.rules import load_rules

    rows = [(r.id, r.severity, r.group + ("" if r.default else " (opt-in)"), r.summary)
            for r in load_rules(args.rules)]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
    return EXIT_CLEAN


def run_rule(args: argparse.Namespace) -> int:
    from binlint.rules.docs import help_text
    from binlint.rules import load_rules

    rules = {r.id: r for r in load_rules(args.rules)}
    if args.id not in rules:
        raise BinlintError(f"unknown rule {args.id!r} (see `binlint rules`)")
    print(help_text(rules[args.id]), end="")
    return EXIT_CLEAN
