"""The rules that read a PyInstaller bundle's facts (`pyinstaller.*`), on the bundle fixtures
(tests/fixtures/bundles.py); tests/test_bundles.py checks them through the command line. How
to add rows: tests/rules/table.py."""
from __future__ import annotations

import sys

from rules.table import Row, message_test, quiet_test, row, severity_test, table_test

TMPDIR_UNEXPANDED = ["pyi-onefile-relative-tmpdir", "pyi-onefile-var-tmpdir"]

TABLE: list[Row] = [
    # Every bundle fixture is whole: tests/test_pyinstaller.py damages copies.
    row("pyinstaller-archive-damaged", {}, []),
    # Onefile without --runtime-tmpdir (the bad-binary one too), and a --runtime-tmpdir that the
    # bootloader takes literally. One-folder builds extract nothing.
    row("pyinstaller-onefile-tmpdir", {}, ["pyi-onefile", "pyi-onefile-bad-binary"]),
    row("pyinstaller-onefile-tmpdir", {"glibc": "2.17"}, ["pyi-onefile", "pyi-onefile-bad-binary"]),
    row("pyinstaller-runtime-tmpdir-unexpanded", {}, TMPDIR_UNEXPANDED),
]

test_rule_table = table_test(TABLE)

# Users can still start a bundle with TMPDIR pointing elsewhere: warnings.
test_finding_rule_path_severity = severity_test([
    ("pyinstaller-onefile-tmpdir", "pyi-onefile", {}, "warning"),
    ("pyinstaller-runtime-tmpdir-unexpanded", "pyi-onefile-relative-tmpdir", {}, "warning"),
    ("pyinstaller-runtime-tmpdir-unexpanded", "pyi-onefile-var-tmpdir", {}, "warning"),
])

test_rule_stays_quiet = quiet_test([
    ("pyinstaller-onefile-tmpdir", "pyi-onedir"),  # runs in place: nothing to extract
    ("pyinstaller-onefile-tmpdir", "pyi-onefile-tmpdir"),
    ("pyinstaller-runtime-tmpdir-unexpanded", "pyi-onefile-tmpdir"),  # absolute: nothing to expand
])

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
test_message_evidence = message_test([
    ("pyinstaller-onefile-tmpdir", "pyi-onefile", {}, [f"Python {PYTHON}", "--runtime-tmpdir", "noexec"]),
    ("pyinstaller-runtime-tmpdir-unexpanded", "pyi-onefile-relative-tmpdir", {}, ["relative/dir"]),
    ("pyinstaller-runtime-tmpdir-unexpanded", "pyi-onefile-var-tmpdir", {}, ["$HOME/tmp"]),
])
