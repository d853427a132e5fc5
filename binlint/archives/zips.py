"""Zip files (wheels, eggs, jars): members listed from the central directory."""
from __future__ import annotations

import lzma
import stat
import zipfile
import zlib

from binlint.archives.members import CheckedStream, Member
from binlint.errors import ArtifactError

TYPE_CHECKING = False  # typing costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from typing import BinaryIO

UNIX = 3  # create_system: the external attributes hold Unix mode bits
ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, ValueError, EOFError,
          zlib.error, lzma.LZMAError)


def read_zip(stream: BinaryIO) -> tuple[list[Member], zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(stream)
        infos = archive.infolist()
    except ERRORS as err:
        raise ArtifactError(f"corrupt zip: {err}") from None
    members = []
    for info in infos:
        if info.filename.endswith("/"):  # a directory (is_dir() fails on an empty name)
            continue
        mode = info.external_attr >> 16 if info.create_system == UNIX else 0
        if mode and stat.S_ISLNK(mode):
            try:
                target = archive.read(info)[:4096].decode("utf-8", "backslashreplace")
            except ERRORS as err:
                raise ArtifactError(f"corrupt zip member {info.filename}: {err}") from None
            members.append(Member(info.filename, stat.S_IMODE(mode), 0, None, target))
            continue
        members.append(Member(info.filename, stat.S_IMODE(mode) if mode else None, info.file_size,
                              _opener(archive, info)))
    return members, archive


def _opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo):  # type: ignore[no-untyped-def]
    def open_member() -> BinaryIO:
        if info.flag_bits & 0x1:
            raise ArtifactError("encrypted zip member")
        try:
            return CheckedStream(archive.open(info), ERRORS, "zip member")
        except ERRORS as err:
            raise ArtifactError(f"corrupt zip member: {err}") from None
    return open_member

