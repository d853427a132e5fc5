"""Turn the paths a user gives into artifacts: regular files, found in a stable order."""
from __future__ import annotations

import errno
import os
import stat
from collections import namedtuple
from operator import attrgetter

from binlint.errors import BinlintError
from binlint.formats.image import is_layout_dir

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Iterator


# path: as the user sees it (the given path joined with the names found below it);
# fs_path: what to open. What the file is, is read later from its bytes, in the
# (possibly parallel) check. error: why it cannot be read (a folder that cannot be listed);
# link: why a symbolic link inside a tree leads nowhere, `loop` or `dangling` (its target
# does not exist); link_target: what that link points to, as readlink(2) returns it.
Artifact = namedtuple("Artifact", "path fs_path error link link_target", defaults=(None, None, None))

# Version control's own folders are skipped inside a tree (`binlint check .` in a clone),
# not when named on the command line: they hold history, not what ships.
VCS_FOLDERS = frozenset({".git", ".hg", ".svn", ".bzr"})
PATH_MAX = 4096  # Linux's: open() refuses a longer path (ENAMETOOLONG)
_FOLLOWED = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
_DIRECTORY = _FOLLOWED | getattr(os, "O_NOFOLLOW", 0)  # inside a tree, links are not followed


def discover(paths: Iterable[str]) -> list[Artifact]:
    """Every regular file under `paths` (but not in version control's folders inside a
    directory); a bad command-line path is a usage error.

    Symbolic links met inside a directory are not followed: a link to a file or folder
    inside the tree is reached through its real path anyway, and one that leads out of
    the tree is not the user's to lint. A link that leads nowhere (a loop, a missing
    target) is an artifact of its own, reported as such; so is a folder that cannot be
    listed. A file whose path is longer than the system allows (PATH_MAX) is found all the
    same, walking by directory descriptors, and reported as unreadable when opened.
    """
    found: list[Artifact] = []
    seen: set[tuple[int, int]] = set()
    for path in paths:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            what = "broken symbolic link" if os.path.islink(path) else "no such file or directory"
            raise BinlintError(f"{what}: {printable_path(path)}") from None
        except OSError as err:
            raise BinlintError(f"cannot read {printable_path(path)}: {err.strerror or type(err).__name__}") from None
        if stat.S_ISDIR(st.st_mode) and is_layout_dir(path):  # an OCI image layout: one artifact
            walked = iter([(Artifact(printable_path(path), path), (st.st_dev, st.st_ino))])
        elif stat.S_ISDIR(st.st_mode):
            walked = _walk(path, st)
        elif stat.S_ISREG(st.st_mode):
            walked = iter([(Artifact(printable_path(path), path), (st.st_dev, st.st_ino))])
        else:
            raise BinlintError(f"not a regular file or directory: {printable_path(path)}")
        for artifact, identity in walked:
            if identity in seen:  # the same file named twice, or a hard link
                continue
            seen.add(identity)
            found.append(artifact)
    return found


def _walk(top: str, top_stat: os.stat_result) -> Iterator[tuple[Artifact, tuple[int, int]]]:
    """(artifact, (device, inode)) of the regular files below `top`, depth first in name
    order, without recursion (trees can be deeper than Python's stack). File types and
    inodes come from the directory entries: no system call per file. Folders are opened
    relative to their parent's descriptor; the descriptors of the nearest OPEN_FOLDERS
    folders up the path stay open (a tree 3,000 folders deep would need 3,000), and a
    farther one is opened again through `..`, checked to be the folder left."""
    try:
        fd = os.open(top, _FOLLOWED)  # a link named on the command line is followed
    except OSError as err:
        yield _unlisted(top, err), (top_stat.st_dev, top_stat.st_ino)
        return
    identity = (top_stat.st_dev, top_stat.st_ino)
    # One frame per folder being walked: [its path, (device, inode), entries left, its descriptor or None].
    stack = [[top, identity, iter(_entries(top, fd, identity)), fd]]
    try:
        while stack:
            path, identity, entries, fd = stack[-1]
            for item in entries:
                if not isinstance(item, str):
                    yield item
                    continue
                sub_path = _join(path, item)
                try:
                    sub_fd = os.open(item, _DIRECTORY, dir_fd=fd)
                except OSError as err:
                    yield _unlisted(sub_path, err), (identity[0], hash(sub_path))
                    continue
                sub_stat = os.fstat(sub_fd)  # a mount point changes the device
                sub_identity = (sub_stat.st_dev, sub_stat.st_ino)
                stack.append([sub_path, sub_identity, iter(_entries(sub_path, sub_fd, sub_identity)), sub_fd])
                if len(stack) > OPEN_FOLDERS:
                    far = stack[-OPEN_FOLDERS - 1]
                    os.close(far[3])
                    far[3] = None
                break
            else:
                stack.pop()
                try:
                    if stack and stack[-1][3] is None:
                        stack[-1][3] = _parent(fd, stack[-1])
                finally:
                    os.close(fd)
    finally:
        for frame in stack:
            if frame[3] is not None:
                os.close(frame[3])


OPEN_FOLDERS = 64  # descriptors held open down a tree; real trees are far shallower


def _parent(fd: int, frame: list[Any]) -> int:
    """The folder above `fd`, opened again: it must be the folder of `frame` left on the way down."""
    parent = os.open("..", _FOLLOWED, dir_fd=fd)
    st = os.fstat(parent)
    if (st.st_dev, st.st_ino) != frame[1]:
        os.close(parent)
        raise BinlintError(f"{printable_path(frame[0])} was moved while it was searched")
    return parent


def _unlisted(path: str, err: OSError) -> Artifact:
    return Artifact(printable_path(path), path, f"cannot list this folder: {err.strerror or type(err).__name__}")


def _entries(directory: str, fd: int, identity: tuple[int, int]) -> list[str | tuple[Artifact, tuple[int, int]]]:
    """The folder's entries in name order: the name of each sub-folder to walk, and
    (artifact, identity) for each regular file and each link that leads nowhere; or the
    folder itself, as one artifact, when it is an OCI image layout (its `oci-layout` and
    `index.json` files: told from its entries, not one stat of each folder of a tree)."""
    device = identity[0]
    try:
        entries = sorted(os.scandir(fd), key=_NAME)
    except OSError as err:
        return [(_unlisted(directory, err), (device, hash(directory)))]
    items: list[str | tuple[Artifact, tuple[int, int]]] = []
    layout_files = 0
    for entry in entries:
        name = entry.name
        try:
            if name in _LAYOUT_FILES:
                layout_files += 1
            if entry.is_symlink():
                # faccessat: existence alone, no stat result to build (a tree's libraries are half links)
                problem = None if os.access(name, os.F_OK, dir_fd=fd) else _link_problem(name, fd)
                if problem is not None:
                    path = _join(directory, name)
                    items.append((Artifact(printable_path(path), path, None, *problem), (device, entry.inode())))
                continue
            is_dir = entry.is_dir(follow_symlinks=False)
            if is_dir and name not in VCS_FOLDERS:
                items.append(name)
            elif not is_dir and entry.is_file(follow_symlinks=False):
                path = _join(directory, name)
                # Only a path of PATH_MAX / 4 characters may reach PATH_MAX bytes (UTF-8).
                length = len(os.fsencode(path)) if len(path) >= PATH_MAX // 4 else 0
                error = None if length < PATH_MAX else \
                    f"its path is {length} bytes long, past the {PATH_MAX} the system opens (PATH_MAX)"
                items.append((Artifact(printable_path(path), path, error), (device, entry.inode())))
        except OSError:
            continue
    if layout_files == 2 and is_layout_dir(directory):
        return [(Artifact(printable_path(directory), directory), identity)]
    return items


_LAYOUT_FILES = frozenset({"oci-layout", "index.json"})
_NAME = attrgetter("name")


def _link_problem(name: str, fd: int) -> tuple[str, str] | None:
    """Why the symbolic link `name` in the folder `fd` leads nowhere (`loop` or `dangling`)
    and its target, or None when it leads somewhere (then it is not followed: see discover)."""
    try:
        os.stat(name, dir_fd=fd)
        return None
    except OSError as err:
        try:
            target = printable_path(os.readlink(name, dir_fd=fd))
        except OSError:
            target = "?"
        if err.errno == errno.ELOOP:
            return "loop", target
        if err.errno in (errno.ENOENT, errno.ENOTDIR):
            return "dangling", target
        return None  # a target this user may not see: as any link, not followed


def _join(top: str, name: str) -> str:
    return top + name if top.endswith("/") else f"{top}/{name}"


def printable_path(path: str) -> str:
    """`path` as text every report can carry: bytes that are not UTF-8 and control
    characters (a newline would split a text report's line) become escapes."""
    if path.isprintable() and path.isascii():
        return path
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)

