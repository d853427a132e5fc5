"""Tar files, plain or compressed with gzip, bzip2, xz or zstd (sdists, release tarballs).

A compressed tar is decompressed here, not by tarfile, so that every byte inflated counts
against the file's budget, whether it is read or only skipped over: tarfile skips a member
by decompressing it, and a 12 KiB .tar.bz2 declaring a 10 GiB member took 26 s to list.
"""
from __future__ import annotations

import lzma
import tarfile
import zlib

from binlint.errors import ArtifactError
from binlint.formats.container import Closers, Container
from binlint.formats.members import BudgetSpent, CheckedStream, Member, stream_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

    from binlint.formats.members import Budget


# OverflowError and MemoryError: tarfile reads a GNU long name or pax header of the size its
# header claims in one read(), which a hostile size makes impossible to allocate.
ERRORS = (tarfile.TarError, OSError, EOFError, ValueError, zlib.error, lzma.LZMAError, UnicodeDecodeError,
          OverflowError, MemoryError)
COMPRESSED = ("gzip", "bzip2", "xz", "zstd")
# A compressed stream may inflate to STREAM_RATIO times the compressed bytes consumed so far,
# and to STREAM_FLOOR whatever its size. Real release tarballs stay far below (Debian's
# data.tar.xz inflate at most 178 times, docs/robustness.md); a stream of zeros inflates
# 6,000 (xz) to 45,000,000 (bzip2) times.
STREAM_RATIO, STREAM_FLOOR = 1000, 64 << 20
_SKIP = 1 << 20  # bytes inflated per read when skipping


def open_members(view: Any) -> Container | None:
    return open_stream(view, stream_of(view))


def open_stream(view: Any, stream: BinaryIO) -> Container | None:
    """The container of a tar file read from `stream` (closed with it); a compressed tar
    inflates within the file's budget."""
    try:
        found = read_tar(stream, view.kind, view.budget)
        if found is None:
            stream.close()
            return None
        container = Container(found[0], Closers(found[1], stream))
        container.cut_off = found[1].cut_off  # where a listing that spent the budget stopped
        return container
    except BaseException:
        stream.close()
        raise


def read_tar(stream: BinaryIO, kind: str, budget: Budget | None = None) -> tuple[list[Member], Closer] | None:
    """The members, or None when a compressed stream holds something else than a tar file
    (binlint.formats.compressed has ruled out most of those before tarfile was imported).
    When reading the listing spends the budget, the members listed so far are kept and
    `Closer.cut_off` names the member where it stopped, and why."""
    source: BinaryIO = stream
    if kind in COMPRESSED:
        source = Metered(stream, kind, budget)  # type: ignore[assignment]
    try:
        archive = tarfile.open(fileobj=source, mode="r:")
    except tarfile.ReadError as err:
        if kind in COMPRESSED:
            return None  # e.g. a single gzip-compressed file: nothing inside to lint
        raise ArtifactError(f"corrupt tar: {err}") from None
    except ArtifactError:
        raise
    except RecursionError:
        raise ArtifactError(_CHAINED) from None
    except ERRORS as err:
        raise ArtifactError(f"corrupt tar: {err}") from None
    closer = Closer(archive, source)
    members = []
    for info, cut_off in _listing(archive):
        if cut_off is not None:
            closer.cut_off = cut_off
            break
        if info.issym() or info.islnk():
            members.append(Member(_text(info.name), info.mode & 0o7777, 0, None, _text(info.linkname)))
        elif info.isfile():
            members.append(Member(_text(info.name), info.mode & 0o7777, info.size, _opener(archive, info, kind)))
    return members, closer


_CHAINED = "corrupt tar: extended headers (pax or GNU) chained deeper than any tar writer makes: a malformed tar"


def _listing(archive: tarfile.TarFile):  # type: ignore[no-untyped-def]
    """(member, None) for each member; or, when the budget runs out while skipping over a
    member's content to the next header, (None, (its name, why)) in its place, and no more."""
    last = None
    while True:
        try:
            info = archive.next()
        except BudgetSpent as err:  # the members before are kept
            if last is None:
                raise
            yield None, (_text(last.name), f"not read, nor anything after it: skipping its {last.size} bytes "
                                           f"to the next member {err}")
            return
        except ArtifactError as err:  # corrupt compressed data
            raise ArtifactError(f"corrupt tar: {err}") from None
        except RecursionError:
            raise ArtifactError(_CHAINED) from None
        except ERRORS as err:
            raise ArtifactError(f"corrupt tar: {err}") from None
        # A member is given once the next header was reached: skipping its content did not
        # spend the budget.
        if last is not None:
            yield last, None
        if info is None:
            return
        last = info


class Closer:
    """Closes the tar file and its stream; `cut_off` is (member name, reason) when the
    listing stopped short."""

    def __init__(self, archive: tarfile.TarFile, stream: object) -> None:
        self.archive, self.stream = archive, stream
        self.cut_off: tuple[str, str] | None = None

    def close(self) -> None:
        self.archive.close()
        close = getattr(self.stream, "close", None)
        if close is not None:
            close()


class Metered:
    """The decompressed content of a compressed tar file, as tarfile reads it (read, seek,
    tell). Every byte inflated past the furthest point reached so far is charged to the
    file's budget; and no more than STREAM_RATIO times the compressed bytes consumed may come
    out. Seeking back starts over from the beginning (what gzip.GzipFile does too)."""

    errors: tuple[type[BaseException], ...] = ERRORS

    def __init__(self, raw: BinaryIO, kind: str, budget: Budget | None) -> None:
        from binlint.formats.compressed import decompressed
        inner, errors = decompressed(kind, raw)
        self.errors = (*ERRORS, *errors)
        self.raw, self.inner, self.kind, self.budget = raw, inner, kind, budget
        self.start = raw.tell()
        self.position = self.furthest = 0

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (all when negative), inflated a chunk at a time: a header that
        claims a 1 GiB long name must not inflate 1 GiB before the limits are checked."""
        if size is None or size < 0:
            size = 1 << 62
        pieces = []
        while size > 0:
            piece = self._read(min(size, _SKIP))
            if not piece:
                break
            pieces.append(piece)
            size -= len(piece)
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def _read(self, size: int) -> bytes:
        try:
            data = self.inner.read(size)
        except self.errors as err:
            raise ArtifactError(f"corrupt {self.kind} data: {err}") from None
        self.position += len(data)
        consumed = self.raw.tell() - self.start
        if self.position > max(STREAM_FLOOR, STREAM_RATIO * consumed):
            reason = (f"inflates more than {STREAM_RATIO} times the {consumed} compressed bytes read "
                      f"(past {self.position} bytes): a {self.kind} bomb?")
            if self.budget is not None and self.budget.spent is None:  # nothing more of this file is read
                self.budget.spent, self.budget.refused = f"the {self.kind} stream {reason}", True
            raise BudgetSpent(reason)
        if self.position > self.furthest:
            if self.budget is not None:
                self.budget.charge(self.position - self.furthest)
            self.furthest = self.position
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 1:
            offset += self.position
        elif whence != 0:
            raise OSError("a compressed tar cannot be read from its end")
        if offset < self.position:
            self.inner.seek(0)
            self.position = 0
        while self.position < offset:
            if not self.read(min(_SKIP, offset - self.position)):
                break
        return self.position

    def tell(self) -> int:
        return self.position

    def close(self) -> None:
        self.inner.close()


def _text(name: str) -> str:
    """A name as text every report can write: tarfile keeps bytes that are not UTF-8 as
    surrogates, which no UTF-8 writer accepts. They become U+FFFD, not a backslash escape:
    a name starting with `\\xff` would pass for an absolute Windows path."""
    return name if name.isascii() else name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _opener(archive: tarfile.TarFile, info: tarfile.TarInfo, kind: str):  # type: ignore[no-untyped-def]
    def open_member() -> BinaryIO:
        try:
            stream = archive.extractfile(info)
        except ArtifactError:
            raise
        except ERRORS as err:
            raise ArtifactError(f"corrupt tar member: {err}") from None
        if stream is None:
            raise ArtifactError("tar member has no content")
        checked = CheckedStream(stream, ERRORS, "tar member")
        checked.metered = kind in COMPRESSED  # what it inflates is charged as it is read
        return checked  # type: ignore[return-value]
    return open_member
