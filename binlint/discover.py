"""Turn the paths a user gives into artifacts: regular files, found in a stable order."""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import Iterable, Iterator

from binlint.errors import BinlintError


@dataclass(frozen=True)
class Artifact:
    path: str  # as the user sees it: the given path, joined with names found below it
    fs_path: str  # what to open
    mode: int  # permission bits (st_mode & 0o7777)
    size: int


def discover(paths: Iterable[str]) -> list[Artifact]:
    """Every regular file under `paths`; a bad command-line path is a usage error.

    Symbolic links met inside a directory are not followed: a link to a file or folder
    inside the tree is reached through its real path anyway, and one that leads out of
    the tree (or into a loop) is not the user's to lint.
    """
    found: list[Artifact] = []
    seen: set[tuple[int, int]] = set()
    for path in paths:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            what = "broken symbolic link" if os.path.islink(path) else "no such file or directory"
            raise BinlintError(f"{what}: {display(path)}") from None
        except OSError as err:
            raise BinlintError(f"cannot read {display(path)}: {_reason(err)}") from None
        if stat.S_ISDIR(st.st_mode):
            walked = _walk(path)
        elif stat.S_ISREG(st.st_mode):
            walked = iter([(path, st)])
        else:
            raise BinlintError(f"not a regular file or directory: {display(path)}")
        for file_path, file_st in walked:
            key = (file_st.st_dev, file_st.st_ino)
            if key in seen:  # the same file named twice, or a hard link
                continue
            seen.add(key)
            found.append(_artifact(file_path, file_st))
    return found


def _walk(top: str) -> Iterator[tuple[str, os.stat_result]]:
    """Regular files below `top`, depth first in name order, without recursion (trees can
    be deeper than Python's stack)."""
    stack = [_entries(top)]
    while stack:
        for path, st in stack[-1]:
            if stat.S_ISDIR(st.st_mode):
                stack.append(_entries(path))
                break
            yield path, st
        else:
            stack.pop()


def _entries(directory: str) -> Iterator[tuple[str, os.stat_result]]:
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return  # an unreadable sub-directory: nothing to lint in it
    for entry in entries:
        if entry.is_symlink():
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode):
            yield _join(directory, entry.name), st


def _join(top: str, name: str) -> str:
    return top + name if top.endswith("/") else f"{top}/{name}"


def _artifact(path: str, st: os.stat_result) -> Artifact:
    # What the file is, is read later from its bytes, in the (possibly parallel) check.
    return Artifact(display(path), path, stat.S_IMODE(st.st_mode), st.st_size)


def display(path: str) -> str:
    """`path` as text every report can carry: bytes that are not UTF-8 and control
    characters (a newline would split a text report's line) become escapes."""
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _reason(err: OSError) -> str:
    return err.strerror or type(err).__name__
