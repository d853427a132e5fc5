"""Tar files, plain or compressed with gzip, bzip2 or xz (sdists, release tarballs)."""
from __future__ import annotations

import lzma
import tarfile
import zlib

from binlint.archives.members import CheckedStream, Member
from binlint.errors import ArtifactError

TYPE_CHECKING = False  # typing costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from typing import BinaryIO


# OverflowError and MemoryError: tarfile reads a GNU long name or pax header of the size its
# header claims in one read(), which a hostile size makes impossible to allocate.
ERRORS = (tarfile.TarError, OSError, EOFError, ValueError, zlib.error, lzma.LZMAError, UnicodeDecodeError,
          OverflowError, MemoryError)
COMPRESSED = ("gzip", "bzip2", "xz")


def read_tar(stream: BinaryIO, kind: str) -> tuple[list[Member], tarfile.TarFile] | None:
    """The members, or None when a compressed stream holds something else than a tar file
    (binlint.archives.compressed has ruled out most of those before tarfile was imported)."""
    try:
        archive = tarfile.open(fileobj=stream, mode="r:*")
    except tarfile.ReadError as err:
        if kind in COMPRESSED:
            return None  # e.g. a single gzip-compressed file: nothing inside to lint
        raise ArtifactError(f"corrupt tar: {err}") from None
    except ERRORS as err:
        raise ArtifactError(f"corrupt tar: {err}") from None
    try:
        infos = archive.getmembers()
    except ERRORS as err:
        raise ArtifactError(f"corrupt tar: {err}") from None
    members = []
    for info in infos:
        if info.issym() or info.islnk():
            members.append(Member(_text(info.name), info.mode & 0o7777, 0, None, _text(info.linkname)))
        elif info.isfile():
            members.append(Member(_text(info.name), info.mode & 0o7777, info.size, _opener(archive, info)))
    return members, archive


def _text(name: str) -> str:
    """A name as text every report can write: tarfile keeps bytes that are not UTF-8 as
    surrogates, which no UTF-8 writer accepts. They become U+FFFD, not a backslash escape:
    a name starting with `\\xff` would pass for an absolute Windows path."""
    return name if name.isascii() else name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _opener(archive: tarfile.TarFile, info: tarfile.TarInfo):  # type: ignore[no-untyped-def]
    def open_member() -> BinaryIO:
        try:
            stream = archive.extractfile(info)
        except ERRORS as err:
            raise ArtifactError(f"corrupt tar member: {err}") from None
        if stream is None:
            raise ArtifactError("tar member has no content")
        return CheckedStream(stream, ERRORS, "tar member")
    return open_member

