"""What an artifact must run on: given by flags or configuration, or promised by the
artifact itself (a wheel's platform tag); never guessed from the machine running binlint."""
from __future__ import annotations

import re

from binlint.errors import BinlintError

# name -> (type, description). Versions compare with version-above, lists with in,
# strings with equals, whole numbers with greater-than.
TARGETS = {
    "glibc": ("version", "the oldest glibc the artifact must load with, e.g. 2.17 (--glibc, manylinux tags)"),
    "musl": ("version", "the oldest musl the artifact must load with (musllinux tags)"),
    "macos": ("version", "the oldest macOS the artifact must load on, e.g. 10.13 (--macos, macosx tags)"),
    "arch": ("list", "the architectures the artifact is for, as platform tags name them (wheel tags)"),
    "libc": ("str", "the C library the artifact is for: glibc or musl (manylinux or musllinux tags)"),
    "kernel": ("version", "the oldest Linux kernel the artifact must run on, e.g. 5.4 (--kernel)"),
    "shebang_limit": ("int", "the longest #! line the kernel reads, in bytes before its newline: 127 before "
                      "Linux 5.1, 255 since (from --kernel; 127 when no kernel is given, which every kernel reads)"),
}
VERSION = re.compile(r"\d+\.\d+")
EXAMPLES = {"glibc": "2.17", "kernel": "5.4", "macos": "10.13"}  # for the message about a malformed version
# BINPRM_BUF_SIZE, the bytes the kernel reads of an executable's head, was 128 until Linux
# 5.0 and is 256 since 5.1 (commit 6eb3c3d0a52d); the #! line must end before its last byte.
SHEBANG_LIMIT_OLD, SHEBANG_LIMIT_5_1 = 127, 255


def make_target(**values: str | None) -> dict[str, object]:
    """The target given on the command line; only versions are given this way today."""
    target: dict[str, object] = {}
    for name, value in values.items():
        if value is None:
            continue
        if not VERSION.fullmatch(value):
            example = EXAMPLES.get(name, "2.17")
            raise BinlintError(f"invalid --{name} value {value!r}: expected a version such as {example}")
        target[name] = value
    return target


def complete(target: dict[str, object]) -> dict[str, object]:
    """`target` with the values that follow from it: shebang_limit from kernel, or the limit
    every Linux kernel reads when no kernel was given."""
    if "shebang_limit" in target:
        return target
    kernel = target.get("kernel")
    new = isinstance(kernel, str) and VERSION.fullmatch(kernel) and tuple(map(int, kernel.split("."))) >= (5, 1)
    return {**target, "shebang_limit": SHEBANG_LIMIT_5_1 if new else SHEBANG_LIMIT_OLD}


def combine(explicit: dict[str, object], promised: dict[str, object], prefer_promised: bool) -> dict[str, object]:
    """The user's explicit values win over what an artifact promises, unless asked otherwise."""
    return {**explicit, **promised} if prefer_promised else {**promised, **explicit}
