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
# UnicodeDecodeError: a name flagged UTF-8 (bit 11) that is not.
ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, ValueError, EOFError,
          zlib.error, lzma.LZMAError, UnicodeDecodeError)


def read_zip(stream: BinaryIO) -> tuple[list[Member], zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(stream)
        infos = archive.infolist()
    except ERRORS as err:
        raise ArtifactError(f"corrupt zip: {err}") from None
    overlap = _overlap(infos)
    if overlap is not None:
        raise ArtifactError(f"overlapping zip members {overlap[0]!r} and {overlap[1]!r}: their data shares "
                            "bytes, as in a zip bomb")
    members = []
    for info in infos:
        if info.filename.endswith("/"):  # a directory (is_dir() fails on an empty name)
            continue
        mode = info.external_attr >> 16 if info.create_system == UNIX else 0
        if mode and stat.S_ISLNK(mode):
            if info.flag_bits & 0x1:  # an encrypted link: its target cannot be read
                members.append(Member(info.filename, stat.S_IMODE(mode), 0, None, None))
                continue
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



def _overlap(infos: list[zipfile.ZipInfo]) -> tuple[str, str] | None:
    """Two members whose data overlap: what no zip writer makes, and what makes a small zip
    inflate to terabytes (David Fifield's overlapping and quoted-overlap bombs). A member's
    data starts after its local header, so it ends past header_offset + compress_size."""
    spans = sorted((i.header_offset, i.header_offset + i.compress_size, i.filename) for i in infos)
    for (_, end, name), (start, _, following) in zip(spans, spans[1:]):
        if end > start:
            return name, following
    return None
