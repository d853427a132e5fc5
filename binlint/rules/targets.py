"""What an artifact must run on: given by flags or configuration, or promised by the
artifact itself (a wheel's platform tag); never guessed from the machine running binlint.

A target is one type everywhere: Target, a name and its values. `chosen` makes the targets
of a check from the flags, the configuration, the --target profiles and the targets files;
the engine completes them (`complete`); a finding names its target by the Target's name.
"""
from __future__ import annotations

import functools
import os
from collections import namedtuple
from types import MappingProxyType

from binlint.errors import BinlintError
from binlint.version import Version, kernel_version, target_version, version

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Mapping

# name -> (type, description). Versions compare with version-above, lists with in,
# strings with equals, whole numbers with greater-than.
TARGETS = {
    "glibc": ("version", "the oldest glibc the artifact must load with, e.g. 2.17 (--glibc, manylinux tags)"),
    "musl": ("version", "the oldest musl the artifact must load with (musllinux tags)"),
    "macos": ("version", "the oldest macOS the artifact must load on, e.g. 10.13 (--macos, macosx tags)"),
    "arch": ("list", "the architectures the artifact is for, as platform tags name them (wheel tags)"),
    "loadable_formats": ("list", "the kinds of compiled file the artifact's systems load: elf (Linux, Android), "
                         "macho (macOS, iOS), pe (Windows), wasm (Emscripten) (wheel tags)"),
    "libc": ("str", "the C library the artifact is for: glibc, musl or bionic (manylinux, musllinux or android tags)"),
    "ios": ("version", "the oldest iOS the artifact must load on, e.g. 13.0 (ios tags)"),
    "apple_platforms": ("list", "the LC_BUILD_VERSION platforms the artifact is for: ios, iossimulator (ios tags)"),
    "android_api": ("int", "the lowest Android API level the artifact must load on, e.g. 24 (android tags)"),
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
                     "musl's, e.g. /lib64/ld-linux-x86-64.so.2 (every target: binlint/rules/abi_tables.py, "
                     "unless a profile names its own)"),
    "macos_arch_floor": ("version", "the first macOS that runs a Mach-O slice's architecture: 11.0 for arm64, "
                         "10.0 for the rest (every target: binlint/rules/abi_tables.py)"),
    # What a distribution package (.deb, .rpm, conda) promises its members, from its own metadata.
    "package_glibc": ("version", "the oldest glibc the dependencies of the package holding the artifact accept "
                      "(a .deb's libc6 (>= X), an .rpm's libc.so.6(GLIBC_X), a conda package's __glibc >=X)"),
    "package_dependencies": ("list", "the packages the conda package holding the artifact depends on, by name "
                             "without `lib`, `-ng` and versions (as elf.needed_package_names names them)"),
    "package_arch": ("list", "the architectures of the package holding the artifact (its Architecture, arch "
                     "or subdir), as platform tags name them"),
}
# The keys of a target that hold values per architecture, resolved for each object.
PER_ARCH = ("symbol_versions", "interpreters", "macos_arch_floor")
# What the ABI of each architecture fixes, the same for every target unless a profile gives
# its own: a rule comparing only with the ABI's own values names no target in its findings.
ABI = frozenset({"interpreters", "macos_arch_floor"})
EXECUTABLE_STACKS = ["X", "RX", "WX", "RWX"]
# For the message about a malformed version.
EXAMPLES = {"glibc": "2.17", "kernel": "5.4 or 5.15.0-91-generic", "macos": "10.13"}
# BINPRM_BUF_SIZE, the bytes the kernel reads of an executable's head, was 128 until Linux
# 5.0 and is 256 since 5.1 (commit 6eb3c3d0a52d); the #! line must end before its last byte.
SHEBANG_LIMIT_OLD, SHEBANG_LIMIT_5_1 = 127, 255


class Target(namedtuple("Target", "name values")):
    """One system or policy an artifact must run on. `name`: the profile's (--target, a
    targets file), which findings for it carry, or None for the target the flags alone
    give. `values`: read-only, by TARGETS key, each of its type: versions as Version, lists
    and strings as given, the PER_ARCH keys as {architecture: value} until chosen for an
    object. Make one with `Target.of`; it never changes, `with_values` makes another."""

    __slots__ = ()

    @classmethod
    def of(cls, values: Mapping[str, Any] = MappingProxyType({}), name: str | None = None) -> Target:
        """The one way to make a Target: `values` by TARGETS key, versions as text (checked
        before: the flags, the profile schema, the platform tags) or as Version."""
        return cls(name, MappingProxyType({key: _typed(key, value) for key, value in values.items()}))

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its plain parts (a read-only mapping does not pickle): what a run in
        other processes needs to send its targets."""
        return Target.of, (dict(self.values), self.name)

    def with_values(self, values: Mapping[str, Any]) -> Target:
        """This target with `values` (plain or typed) replacing its own."""
        return Target.of({**self.values, **values}, self.name)

    def for_arch(self, archs: list[str]) -> Target:
        """This target with its per-architecture values chosen for `archs` (for_arch)."""
        chosen = for_arch(self.values, archs)
        return self if chosen is self.values else Target(self.name, MappingProxyType(chosen))

    def plain(self) -> dict[str, Any]:
        """The values as reports write them: versions as text."""
        return {key: _plain(value) for key, value in self.values.items()}


def _typed(key: str, value: Any) -> Any:
    if TARGETS[key][0] != "version":
        return value
    if isinstance(value, dict):  # per architecture
        return {arch: _typed(key, v) for arch, v in value.items()}
    parsed = kernel_version(value) if key == "kernel" and not isinstance(value, Version) else version(value)
    if parsed is None:  # every input is checked before it becomes a target
        raise ValueError(f"target {key}: {value!r} is not a version")
    return parsed


def _plain(value: Any) -> Any:
    if isinstance(value, Version):
        return str(value)
    return {k: _plain(v) for k, v in value.items()} if isinstance(value, dict) else value


def from_flags(**values: str | None) -> Target:
    """The unnamed target the flags (or the configuration's keys of their names) give; only
    versions are given this way. A kernel counts by the version its release starts with
    (5.15.0-91-generic -> 5.15.0)."""
    given: dict[str, Version] = {}
    for name, value in values.items():
        if value is None:
            continue
        parsed = kernel_version(value) if name == "kernel" else target_version(value)
        if parsed is None:
            example = EXAMPLES.get(name, "2.17")
            raise BinlintError(f"invalid --{name} value {value!r}: expected a version such as {example}")
        given[name] = parsed
    return Target.of(given)


def chosen(given: Target, names: Iterable[str], files: list[str]) -> tuple[Target, ...]:
    """The targets a check runs against: the profiles `names` (--target) select, or without
    names those the targets `files` define, each with the values `given` (the flags)
    overriding its own; without either, `given` alone."""
    names = list(names)
    if not names and not files:
        return (given,)
    from binlint.rules import profiles  # only here: a check without targets never loads them

    loaded = profiles.load(files)
    if names:
        found = profiles.resolve(names, loaded)
    else:  # your own profiles and no --target: every one of them, by name
        own = {p.name: p for p in loaded.values() if os.path.dirname(p.source) != profiles.HERE}
        if not own:
            raise BinlintError(f"--targets-file {' '.join(files)} defines no target profile")
        found = [own[name] for name in sorted(own)]
    return tuple(p.target.with_values(given.values) for p in found)


def complete(given: Target) -> Target:
    """`given` with the ABI tables (a profile's table per architecture replaces theirs only
    for the architectures it names) and the values that follow from it: shebang_limit from
    kernel, or the limit every Linux kernel reads when no kernel was given;
    dlopen_refuses_stack unless a fixed system says otherwise (an artifact built for an old
    glibc also runs on new ones)."""
    values = dict(given.values)
    for key, table in abi().values.items():
        own = values.get(key, table)
        values[key] = {**table, **own} if isinstance(own, dict) and own is not table else own
    values.setdefault("dlopen_refuses_stack", EXECUTABLE_STACKS)
    if "shebang_limit" not in values:
        kernel = values.get("kernel")
        values["shebang_limit"] = SHEBANG_LIMIT_5_1 if kernel is not None and kernel >= (5, 1) else SHEBANG_LIMIT_OLD
    return Target(given.name, MappingProxyType(values))


@functools.lru_cache(maxsize=None)
def abi() -> Target:
    """The ABI's tables every target has (abi_tables.py), as an unnamed target."""
    from binlint.rules.abi_tables import ABI as TABLES

    return Target.of({key: TABLES[key] for key in ABI})


def combine(explicit: Target, promised: Target, prefer_promised: bool) -> Target:
    """`explicit` with what an artifact promises: the user's values win, unless asked
    otherwise. The target keeps its name."""
    if prefer_promised:
        return explicit.with_values(promised.values)
    return Target(explicit.name, MappingProxyType({**promised.values, **explicit.values}))


def for_arch(values: Mapping[str, Any], archs: list[str]) -> Mapping[str, Any]:
    """A target's `values` with those per architecture chosen for the first of `archs` they
    know (an object's elf.compatible_archs: ARMv6 code takes an armv7l policy's values);
    a profile that knows none of them bounds nothing there (the arch rules say so)."""
    if not any(key in values for key in PER_ARCH):
        return values
    chosen = dict(values)
    for key in PER_ARCH:
        if key in chosen and isinstance(chosen[key], dict):  # a list is already for one architecture
            by_arch = chosen.pop(key)
            value = next((by_arch[a] for a in archs if a in by_arch), by_arch.get("*"))
            if value is not None:
                chosen[key] = value
    return chosen
