"""Turn the paths a user gives into artifacts: regular files, found in a stable order."""
from __future__ import annotations

import os
import stat
from collections import namedtuple

from binlint.errors import BinlintError

TYPE_CHECKING = False  # typing costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from typing import Iterable, Iterator


# path: as the user sees it (the given path joined with the names found below it);
# fs_path: what to open. What the file is, is read later from its bytes, in the
# (possibly parallel) check.
Artifact = namedtuple("Artifact", "path fs_path")

# Version control's own folders are skipped inside a tree (`binlint check .` in a clone),
# not when named on the command line: they hold history, not what ships.
VCS_FOLDERS = frozenset({".git", ".hg", ".svn", ".bzr"})


def discover(paths: Iterable[str]) -> list[Artifact]:
    """Every regular file under `paths` (but not in version control's folders inside a
    directory); a bad command-line path is a usage error.

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
            raise BinlintError(f"cannot read {display(path)}: {err.strerror or type(err).__name__}") from None
        if stat.S_ISDIR(st.st_mode):
            walked = _walk(path, st.st_dev)
        elif stat.S_ISREG(st.st_mode):
            walked = iter([(path, (st.st_dev, st.st_ino))])
        else:
            raise BinlintError(f"not a regular file or directory: {display(path)}")
        for file_path, identity in walked:
            if identity in seen:  # the same file named twice, or a hard link
                continue
            seen.add(identity)
            found.append(Artifact(display(file_path), file_path))
    return found


def _walk(top: str, device: int) -> Iterator[tuple[str, tuple[int, int]]]:
    """(path, (device, inode)) of the regular files below `top`, depth first in name
    order, without recursion (trees can be deeper than Python's stack). File types and
    inodes come from the directory entries: no system call per file."""
    stack = [_entries(top, device)]
    while stack:
        for path, identity, is_dir in stack[-1]:
            if is_dir:
                try:
                    sub_device = os.stat(path).st_dev  # a mount point changes the device
                except OSError:
                    continue
                stack.append(_entries(path, sub_device))
                break
            yield path, identity
        else:
            stack.pop()


def _entries(directory: str, device: int) -> Iterator[tuple[str, tuple[int, int], bool]]:
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return  # an unreadable sub-directory: nothing to lint in it
    for entry in entries:
        try:
            if entry.is_symlink():
                continue
            is_dir = entry.is_dir(follow_symlinks=False)
            if is_dir and entry.name in VCS_FOLDERS:
                continue
            if is_dir or entry.is_file(follow_symlinks=False):
                yield _join(directory, entry.name), (device, entry.inode()), is_dir
        except OSError:
            continue


def _join(top: str, name: str) -> str:
    return top + name if top.endswith("/") else f"{top}/{name}"


def display(path: str) -> str:
    """`path` as text every report can carry: bytes that are not UTF-8 and control
    characters (a newline would split a text report's line) become escapes."""
    if path.isprintable() and path.isascii():
        return path
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)

