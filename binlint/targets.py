"""What an artifact must run on: given by flags or configuration, or promised by the
artifact itself (a wheel's platform tag); never guessed from the machine running binlint."""
from __future__ import annotations

import re

from binlint.errors import BinlintError

# name -> (type, description). Versions compare with version-above, lists with in,
# strings with equals.
TARGETS = {
    "glibc": ("version", "the oldest glibc the artifact must load with, e.g. 2.17 (--glibc, manylinux tags)"),
    "musl": ("version", "the oldest musl the artifact must load with (musllinux tags)"),
    "macos": ("version", "the oldest macOS the artifact must load on (macosx tags)"),
    "arch": ("list", "the architectures the artifact is for, as platform tags name them (wheel tags)"),
    "libc": ("str", "the C library the artifact is for: glibc or musl (manylinux or musllinux tags)"),
}
VERSION = re.compile(r"\d+\.\d+")


def make_target(**values: str | None) -> dict[str, object]:
    """The target given on the command line; only versions are given this way today."""
    target: dict[str, object] = {}
    for name, value in values.items():
        if value is None:
            continue
        if not VERSION.fullmatch(value):
            raise BinlintError(f"invalid --{name} value {value!r}: expected a version such as 2.17")
        target[name] = value
    return target


def combine(explicit: dict[str, object], promised: dict[str, object], prefer_promised: bool) -> dict[str, object]:
    """The user's explicit values win over what an artifact promises, unless asked otherwise."""
    return {**explicit, **promised} if prefer_promised else {**promised, **explicit}
