"""What the artifact must run on: given by flags or configuration, never guessed from
the machine running binlint."""
from __future__ import annotations

import re

from binlint.errors import BinlintError

# name -> (description, pattern of a valid value)
TARGETS = {
    "glibc": ("the oldest glibc the artifact must load with, e.g. 2.17 (--glibc)", r"\d+\.\d+"),
}


def make_target(**values: str | None) -> dict[str, str]:
    target = {}
    for name, value in values.items():
        if value is None:
            continue
        description, pattern = TARGETS[name]
        if not re.fullmatch(pattern, value):
            raise BinlintError(f"invalid --{name} value {value!r}: expected {description}")
        target[name] = value
    return target
