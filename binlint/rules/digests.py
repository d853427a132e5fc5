"""Which rule files still match the checked copy in _builtin.py. It imports nothing of binlint:
the wheel's build hook (hatch_build.py) loads this file alone, where binlint's dependencies
are not installed."""
from __future__ import annotations

import os
import zlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def rule_names(directory: str) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith((".yaml", ".yml")))


def digest(raw: bytes) -> str:
    """Length and CRC-32: tells an edited file from the one _builtin.py was made from. A cache
    key, not a security check; it spares start-up the 4 ms of importing hashlib."""
    return f"{len(raw)}:{zlib.crc32(raw):08x}"


def stale(directory: str, parsed: dict[str, Any]) -> list[str]:
    """The rule files in `directory` that _builtin.py's `parsed` rules do not match, and the
    entries there without a file."""
    names = rule_names(directory)
    found = set(parsed) - set(names)
    for name in names:
        with open(os.path.join(directory, name), "rb") as f:
            if parsed.get(name, {}).get("digest") != digest(f.read()):
                found.add(name)
    return sorted(found)
