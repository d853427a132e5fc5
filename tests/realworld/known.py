"""The one table of known disagreements between binlint and the oracles of the real-world suite.

One row per fault: the checks (test names without "test_") and cases (a catalogue wheel's id,
or `system-tree:RULE`) it shows on, what binlint says, who is right with the evidence, and the
fix that removes it. Every case a row names runs as a strict xfail: when the fix lands the case
passes, pytest reports XPASS(strict) as a failure, and the row is deleted. A row whose fix is
"none in binlint" records an oracle that is wrong, with the evidence; it stays while the oracle
does.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Disagreement:
    checks: tuple[str, ...]
    cases: tuple[str, ...]
    binlint: str  # what binlint says
    right: str  # who is right, and the evidence
    fix: str  # the fix that makes the cases pass (then delete the row)


KNOWN_DISAGREEMENTS: list[Disagreement] = [
    Disagreement(
        ("policy_agrees_with_auditwheel", "tag_mode_findings", "external_libraries_agree_with_auditwheel"),
        ("orjson-3.11.5-musllinux_1_2_i686",),
        "targets: musllinux_1_2; check: no finding (its modules need libc.so)",
        "binlint. auditwheel 6.8.2 says linux_i686 with external library libc.so: its musllinux policy "
        "replaces libc.so by Alpine's per-architecture name (libc.musl-x86.so.1). musl's loader serves "
        "every libc.* name itself (ldso/dynlink.c: the reserved names 'c.pthread.rt.m.dl.util.xnet.' map to "
        "the loader before any file is looked up), as 'ld-musl-x86_64.so.1 --list' shows for "
        "libc.musl-x86_64.so.1 on an x86_64 wheel",
        "none in binlint: the oracle is wrong here; keep the row while auditwheel refuses libc.so"),
]


def cases(check: str, items: list, case=lambda wheel: wheel.id) -> list:
    """`items` as parameters of the test `check`, each a strict xfail where a row names its case."""
    params = []
    for item in items:
        rows = [row for row in KNOWN_DISAGREEMENTS if check in row.checks and case(item) in row.cases]
        marks = [pytest.mark.xfail(strict=True, reason=f"known disagreement, fixed by {row.fix}") for row in rows]
        params.append(pytest.param(item, id=case(item), marks=marks))
    return params
