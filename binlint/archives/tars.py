"""Tar files, plain or compressed with gzip, bzip2 or xz (sdists, release tarballs)."""
from __future__ import annotations

import bz2
import gzip
import lzma
import tarfile
import zlib

from binlint.archives.members import CheckedStream, Member
from binlint.errors import ArtifactError

TYPE_CHECKING = False  # typing costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from typing import BinaryIO


ERRORS = (tarfile.TarError, OSError, EOFError, ValueError, zlib.error, lzma.LZMAError, UnicodeDecodeError)
DECOMPRESSORS = {"gzip": lambda s: gzip.GzipFile(fileobj=s), "bzip2": bz2.BZ2File, "xz": lzma.LZMAFile}


def read_tar(stream: BinaryIO, kind: str) -> tuple[list[Member], tarfile.TarFile] | None:
    """The members, or None when a compressed stream holds something else than a tar file."""
    if kind in DECOMPRESSORS:
        try:  # corrupt compressed data is an error; a compressed non-tar is just not an archive
            DECOMPRESSORS[kind](stream).read(1024)  # type: ignore[operator]
        except ERRORS as err:
            raise ArtifactError(f"corrupt {kind} data: {err}") from None
        stream.seek(0)
    try:
        archive = tarfile.open(fileobj=stream, mode="r:*")
    except tarfile.ReadError as err:
        if kind in DECOMPRESSORS:
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
            members.append(Member(info.name, info.mode & 0o7777, 0, None, info.linkname))
        elif info.isfile():
            members.append(Member(info.name, info.mode & 0o7777, info.size, _opener(archive, info)))
    return members, archive


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

