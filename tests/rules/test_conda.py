"""The rules that read conda package facts (`conda.*`). How to add rows: tests/rules/table.py."""
from __future__ import annotations

from rules.table import Row, row, table_test

TABLE: list[Row] = [
    # info/paths.json names another sha256 for lib/libclean.so; the packages cph built as they
    # are stay quiet (conda-package, conda-default-sysroot).
    row("conda-paths-mismatch", {}, ["conda-paths-mismatch"]),
]

test_rule_table = table_test(TABLE)
