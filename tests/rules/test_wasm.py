"""The rules that read WebAssembly facts (`wasm.*`): Emscripten side modules (PEP 783). How to
add rows: tests/rules/table.py."""
from __future__ import annotations

from rules.table import Row, row, table_test

TABLE: list[Row] = [
    # The main module fires alone and in its wheel; the side module and its wheel stay quiet.
    row("wasm-module-not-side-module", {}, ["wasm-main-module", "emscripten-main-module-wheel"]),
]

test_rule_table = table_test(TABLE)
