"""The rules that read a wheel's own facts (`wheel.*`: its tags and where its native code
sits); the rules on a wheel's members read their format's facts with the wheel's tags as
target (test_elf.py, test_macho.py). How to add rows: tests/rules/table.py."""
from __future__ import annotations

from rules.table import Row, row, table_test

TABLE: list[Row] = [
    row("wheel-linux-platform-tag", {}, ["linux-tag-wheel"]),
    row("pure-wheel-with-native-code", {}, ["pure-native-wheel"]),
    # A pure wheel's compiled code is pure-wheel-with-native-code's alone: one fault, one finding.
    row("purelib-wheel-with-native-code", {}, ["purelib-tagged-wheel"]),
]

test_rule_table = table_test(TABLE)
