"""Dotted version numbers (glibc 2.17, macOS 10.13, a kernel 5.15.0-91-generic), the one
way binlint reads, compares and writes them.

A target holds its versions as Version (binlint.rules.targets.Target); facts state them
as the text the artifact gives ("2.17"), parsed here when a rule compares the two.
"""
from __future__ import annotations

import functools

from binlint.patterns import Pattern  # compiled on first use (binlint/patterns.py)

_DOTTED = Pattern(r"\d+(?:\.\d+)*")
# A kernel release as `uname -r` prints it: the version, then what the distribution adds
# (5.15.0-91-generic, 3.10.0-1160.el7.x86_64, 6.6.87.2-microsoft-standard-WSL2, 6.9.0+).
_KERNEL_RELEASE = Pattern(r"(\d+\.\d+(?:\.\d+)*)(?:[^\d.].*)?")


class Version(tuple):  # type: ignore[type-arg]
    """The numbers of a version. Missing trailing numbers count as zeros: 6.9.0 == 6.9, and
    6.9.1 > 6.9. A tuple, so it sorts and serves as a key; `str()` writes it back."""

    __slots__ = ()

    def _key(self) -> tuple[int, ...]:
        # Without its trailing zeros, plain tuple order is the order with padding.
        end = len(self)
        while end and self[end - 1] == 0:
            end -= 1
        return tuple(self[:end])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, tuple) and self._key() == _key(other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._key())

    def __lt__(self, other: tuple[int, ...]) -> bool:
        return self._key() < _key(other)

    def __le__(self, other: tuple[int, ...]) -> bool:
        return self._key() <= _key(other)

    def __gt__(self, other: tuple[int, ...]) -> bool:
        return self._key() > _key(other)

    def __ge__(self, other: tuple[int, ...]) -> bool:
        return self._key() >= _key(other)

    def __str__(self) -> str:
        return ".".join(map(str, self))

    def __repr__(self) -> str:
        return f"Version('{self}')"


def _key(other: tuple[int, ...]) -> tuple[int, ...]:
    return other._key() if isinstance(other, Version) else Version(other)._key()


def version(text: object) -> Version | None:
    """`2.17` -> Version(2, 17), a Version as it is (a target's); None for anything that is
    not numbers separated by dots."""
    if isinstance(text, Version):
        return text
    return _parse(text) if isinstance(text, str) else None


@functools.lru_cache(maxsize=4096)  # the same few hundred versions recur in every policy and rule
def _parse(text: str) -> Version | None:
    return Version(int(p) for p in text.split(".")) if _DOTTED.fullmatch(text) else None


def target_version(text: object) -> Version | None:
    """A version given as a target, --glibc 2.17 or --macos 10.13: major.minor, nothing else
    (a third number would be a patch release, which does not change what loads)."""
    found = version(text)
    return found if found is not None and len(found) == 2 else None


def kernel_version(release: object) -> Version | None:
    """The version a kernel release starts with, as `uname -r` prints it
    (`5.15.0-91-generic` -> 5.15.0); None when it does not start with major.minor."""
    match = _KERNEL_RELEASE.fullmatch(release) if isinstance(release, str) else None
    return _parse(match[1]) if match else None


def tag_version(major: str, minor: str) -> Version:
    """The version a platform tag spells with underscores: manylinux_2_17 -> 2.17."""
    return Version((int(major), int(minor)))


def is_above(value: object, bound: object) -> bool:
    """`value` is a later version than `bound`; False when either is no version."""
    mine, theirs = version(value), version(bound)
    return mine is not None and theirs is not None and mine > theirs


# The version of what facts state, part of every cache key (binlint.cache.keys). Bump it when a
# fact's value for the same bytes changes: a fact added, removed or renamed, a computation that
# gives another value, a new format or kind, a change to what the walk hands a view (Context,
# Walked), or to the limits' meaning. A change to rules, targets or reports needs no bump: cached
# facts are judged again by the rules of each run. (A checkout's own files are part of the key
# too, so forgetting the bump only costs installed releases; do not rely on that.)
FACT_MODEL = 1
