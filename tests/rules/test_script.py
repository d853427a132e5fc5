"""The rules that read a #! script's facts (`script.*`): #! lines the kernel cannot run.
Without --kernel the #! limit is 127 bytes (every kernel); from 5.1 it is 255.
tests/test_scripts.py checks what a user reads. How to add rows: tests/rules/table.py."""
from __future__ import annotations

from rules.table import Row, row, table_test

TABLE: list[Row] = [
    row("shebang-crlf", {}, ["crlf-script"]),
    # #!python3 in a file and in a wheel's package; #!python in .data/scripts/ is the wheel
    # specification's placeholder (data-scripts-wheel stays quiet).
    row("shebang-relative-interpreter", {}, ["relative-interp-script", "relative-script-wheel"]),
    row("shebang-too-long", {}, ["long-shebang-script", "very-long-shebang-script"]),
    row("shebang-too-long", {"kernel": "5.0"}, ["long-shebang-script", "very-long-shebang-script"]),
    row("shebang-too-long", {"kernel": "5.4"}, ["very-long-shebang-script"]),
    row("shebang-too-long", {"kernel": "6.1"}, ["very-long-shebang-script"]),
    row("shebang-env-arguments", {}, ["env-args-script"]),  # env-s-script has -S: quiet
    row("shebang-bom", {}, ["bom-script"]),
]

test_rule_table = table_test(TABLE)
