"""The check of each fixture, by name: test_fixtures_build.py runs each on its fixture and
fails for a fixture without one."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

Check = Callable[[Path], None]
CHECKS: dict[str, Check] = {}


def check(*names: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        for name in names:
            assert name not in CHECKS, name
            CHECKS[name] = function
        return function

    return register


def sibling(path: Path, fixture: str) -> bytes:
    """The bytes of a compiled fixture next to the archive (built as its dependency)."""
    matches = [p for p in path.parent.iterdir() if p.name.startswith(fixture) and p.name[len(fixture):] in ("", ".so", ".o")]
    assert len(matches) == 1, (fixture, matches)
    return matches[0].read_bytes()
