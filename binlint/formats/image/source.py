"""Where an image's blobs lie: members of a tar file (on disk or in memory) or files of an OCI
layout directory; each opened as a stream over its bytes where they are, never copied out."""
from __future__ import annotations

import os
import posixpath
import stat
import tarfile

from binlint.errors import ArtifactError
from binlint.formats.members import Window

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

# The most entries the tar of an image may list: Docker's own hold a handful per layer; a tar
# of a million empty entries is a listing bomb, not an image.
MAX_ENTRIES = 100_000


def normal(name: str) -> str | None:
    """A tar or layout name as a path from the root (`./a//b` -> `a/b`), or None when it climbs
    out of the root (`../x`): such an entry is nowhere in the image."""
    path = posixpath.normpath("/" + name.lstrip("/")).lstrip("/") if name else ""
    if ".." in name.split("/"):
        joined = posixpath.normpath(name.lstrip("/"))
        if joined == ".." or joined.startswith("../"):
            return None
    return path if path != "." else ""


class TarSource:
    """The members of an image tarball: regular files by path, links followed within it
    (skopeo's `<id>/layer.tar -> ../<digest>.tar`)."""

    def __init__(self, read_at: Callable[[int, int], bytes], size: int, close: Callable[[], None]) -> None:
        self.read_at, self._close = read_at, close
        self.files: dict[str, tuple[int, int]] = {}
        self.links: dict[str, str] = {}
        try:
            archive = tarfile.open(fileobj=Window(read_at, 0, size), mode="r:")  # type: ignore[arg-type]
            for count, info in enumerate(archive):
                if count >= MAX_ENTRIES:
                    raise ArtifactError(f"the image tar lists more than {MAX_ENTRIES} entries: not an image")
                path = normal(info.name)
                if path is None:
                    continue
                if info.isfile():
                    self.files[path] = (info.offset_data, info.size)
                elif info.issym():
                    self.links[path] = posixpath.normpath(posixpath.join(posixpath.dirname(path), info.linkname))
                elif info.islnk():
                    self.links[path] = normal(info.linkname) or ""
        except (tarfile.TarError, OSError, EOFError, ValueError, OverflowError, MemoryError, RecursionError) as err:
            raise ArtifactError(f"corrupt image tar: {err}") from None

    def names(self) -> set[str]:
        return set(self.files) | set(self.links)

    def _resolve(self, path: str) -> tuple[int, int] | None:
        for _ in range(8):
            if path in self.files:
                return self.files[path]
            if path not in self.links:
                return None
            path = self.links[path]
        return None

    def size(self, path: str) -> int | None:
        found = self._resolve(path)
        return None if found is None else found[1]

    def open(self, path: str) -> Window:
        found = self._resolve(path)
        if found is None:
            raise KeyError(path)
        return Window(self.read_at, found[0], found[1])

    def close(self) -> None:
        close, self._close = self._close, lambda: None
        close()


class DirSource:
    """The files of an OCI layout directory. A name is opened only where it lies inside the
    directory, without following a link out of it (a layout is data: a blob that is a link to
    /etc/shadow is not read)."""

    def __init__(self, root: str) -> None:
        self.root = root

    def total_size(self) -> int:
        """The bytes of its blobs: the size the image's budget is made for."""
        total = 0
        for folder, _, names in os.walk(os.path.join(self.root, "blobs")):
            total += sum(os.lstat(os.path.join(folder, n)).st_size for n in names)
        return total

    def names(self) -> set[str]:
        found = set()
        for name in ("index.json", "oci-layout", "manifest.json"):
            if os.path.isfile(os.path.join(self.root, name)):
                found.add(name)
        return found

    def _stat(self, path: str) -> os.stat_result | None:
        if normal(path) != path or not path:
            return None
        try:
            st = os.stat(os.path.join(self.root, path), follow_symlinks=False)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode) or os.path.realpath(os.path.join(self.root, path)) != \
                os.path.join(os.path.realpath(self.root), path):
            return None
        return st

    def size(self, path: str) -> int | None:
        st = self._stat(path)
        return None if st is None else st.st_size

    def open(self, path: str) -> Any:
        if self._stat(path) is None:
            raise KeyError(path)
        return open(os.path.join(self.root, path), "rb")  # noqa: SIM115 - closed by the layer's closer

    def close(self) -> None:
        pass


def open_source(view: Any) -> TarSource | DirSource:
    """The blobs of the image `view` is: a layout directory, a tar file on disk, or a tar
    member already in memory."""
    if view.fs_path is not None and os.path.isdir(view.fs_path):
        return DirSource(view.fs_path)
    if view.data is not None:
        data = memoryview(view.data)
        return TarSource(lambda at, n: bytes(data[at:at + n]), len(data), lambda: None)
    fd = os.open(view.fs_path, os.O_RDONLY)
    try:
        return TarSource(lambda at, n: os.pread(fd, n, at), os.fstat(fd).st_size, lambda: os.close(fd))
    except BaseException:
        os.close(fd)
        raise
