"""What an artifact must run on: given by flags or configuration, or promised by the
artifact itself (a wheel's platform tag); never guessed from the machine running binlint."""
from __future__ import annotations

import functools
import json
import os

from binlint.errors import BinlintError
from binlint.version import kernel_version, target_version

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
    "libraries": ("list", "the libraries the target system provides, by soname (a profile's allowed list: "
                  "manylinux and musllinux policies)"),
    "symbol_namespaces": ("list", "the symbol-version namespaces the profile bounds: GLIBCXX, CXXABI, GCC, "
                          "LIBATOMIC, ZLIB, ... (GLIBC is bounded by glibc)"),
    "symbol_versions": ("list", "the version nodes of those namespaces the target provides, for the object's "
                        "architecture, e.g. GLIBCXX_3.4.19"),
    "blacklist": ("list", "symbols the profile forbids importing (manylinux and musllinux policies: zlib internals)"),
    "dlopen_refuses_stack": ("list", "PT_GNU_STACK flags that make the target's dlopen() fail: every flag with X "
                             "(glibc >= 2.41, the default), none for a fixed older system"),
    "interpreters": ("list", "the dynamic loader paths the ABI fixes for the object's architecture, glibc's and "
                     "musl's, e.g. /lib64/ld-linux-x86-64.so.2 (every target: binlint/rules/profiles/abi.json)"),
    "macos_arch_floor": ("version", "the first macOS that runs a Mach-O slice's architecture: 11.0 for arm64, "
                         "10.0 for the rest (every target: binlint/rules/profiles/abi.json)"),
}
# The keys of a target that hold values per architecture, resolved for each object.
PER_ARCH = ("symbol_versions", "interpreters", "macos_arch_floor")
# What the ABI of each architecture fixes, the same for every target: a rule comparing only
# with these names no target in its findings.
ABI_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "profiles", "abi.json")
ABI = frozenset({"interpreters", "macos_arch_floor"})
EXECUTABLE_STACKS = ["X", "RX", "WX", "RWX"]
# For the message about a malformed version.
EXAMPLES = {"glibc": "2.17", "kernel": "5.4 or 5.15.0-91-generic", "macos": "10.13"}
# BINPRM_BUF_SIZE, the bytes the kernel reads of an executable's head, was 128 until Linux
# 5.0 and is 256 since 5.1 (commit 6eb3c3d0a52d); the #! line must end before its last byte.
SHEBANG_LIMIT_OLD, SHEBANG_LIMIT_5_1 = 127, 255


def make_target(**values: str | None) -> dict[str, object]:
    """The target given on the command line; only versions are given this way today. A
    kernel is kept as the version its release starts with (5.15.0-91-generic -> 5.15.0)."""
    target: dict[str, object] = {}
    for name, value in values.items():
        if value is None:
            continue
        parsed = kernel_version(value) if name == "kernel" else target_version(value)
        if parsed is None:
            example = EXAMPLES.get(name, "2.17")
            raise BinlintError(f"invalid --{name} value {value!r}: expected a version such as {example}")
        target[name] = str(parsed) if name == "kernel" else value
    return target


def complete(target: dict[str, object]) -> dict[str, object]:
    """`target` with the ABI tables and the values that follow from it: shebang_limit from kernel, or the limit
    every Linux kernel reads when no kernel was given; dlopen_refuses_stack unless a fixed
    system says otherwise (an artifact built for an old glibc also runs on new ones)."""
    target = {**abi(), **target}
    if "dlopen_refuses_stack" not in target:
        target = {**target, "dlopen_refuses_stack": EXECUTABLE_STACKS}
    if "shebang_limit" in target:
        return target
    kernel = kernel_version(target.get("kernel"))
    new = kernel is not None and kernel >= (5, 1)
    return {**target, "shebang_limit": SHEBANG_LIMIT_5_1 if new else SHEBANG_LIMIT_OLD}


@functools.lru_cache(maxsize=None)
def abi() -> dict[str, object]:
    with open(ABI_FILE, encoding="utf-8") as f:
        data = json.load(f)
    return {key: data[key] for key in ABI}


def combine(explicit: dict[str, object], promised: dict[str, object], prefer_promised: bool) -> dict[str, object]:
    """The user's explicit values win over what an artifact promises, unless asked otherwise."""
    return {**explicit, **promised} if prefer_promised else {**promised, **explicit}


def for_arch(target: dict[str, object], archs: list[str]) -> dict[str, object]:
    """`target` with its per-architecture values chosen for the first of `archs` it knows (an
    object's elf.compatible_archs: ARMv6 code takes an armv7l policy's values); a profile
    that knows none of them bounds nothing there (the arch rules say so)."""
    if not any(key in target for key in PER_ARCH):
        return target
    chosen = dict(target)
    for key in PER_ARCH:
        if key in chosen and isinstance(chosen[key], dict):  # a list is already for one architecture
            by_arch = chosen.pop(key)
            value = next((by_arch[a] for a in archs if a in by_arch), by_arch.get("*"))  # type: ignore[attr-defined]
            if value is not None:
                chosen[key] = value
    return chosen
