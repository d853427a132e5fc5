"""gzip, bzip2 and xz files: whether one holds a tar file, told from its first header block.

A wheel's .gz test data then costs no import of tarfile (9 ms of a numpy check): tarfile is
imported only for what can be a tar file. The test is tarfile's own for the first header
(512 bytes, not all zero, its checksum right), which it refuses at offset 0 otherwise.
"""
from __future__ import annotations

import zlib

from binlint.errors import ArtifactError
from binlint.formats.members import stream_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

    from binlint.formats.container import Container

BLOCK = 512  # a tar header


def open_members(view: Any) -> Container | None:
    """The tar file a gzip, bzip2 or xz file holds; None for any other (a single compressed
    file: nothing inside to lint)."""
    stream = stream_of(view)
    try:
        if not holds_tar(view.kind, stream):
            stream.close()
            return None
        stream.seek(0)
    except BaseException:
        stream.close()
        raise
    from binlint.formats import tars  # tarfile (9 ms) only for what holds a tar file

    return tars.open_stream(view, stream)


def holds_tar(kind: str, stream: BinaryIO) -> bool:
    """Whether the decompressed `stream` starts with a tar header; corrupt compressed data is
    an ArtifactError. The stream is left wherever reading stopped."""
    if kind == "gzip":
        import gzip
        opener, errors = (lambda s: gzip.GzipFile(fileobj=s)), (OSError, EOFError, ValueError, zlib.error)
    elif kind == "bzip2":
        import bz2
        opener, errors = bz2.BZ2File, (OSError, EOFError, ValueError)
    else:
        import lzma
        opener, errors = lzma.LZMAFile, (OSError, EOFError, ValueError, lzma.LZMAError)
    try:
        block = opener(stream).read(BLOCK)
    except errors as err:
        raise ArtifactError(f"corrupt {kind} data: {err}") from None
    return len(block) == BLOCK and block.count(0) != BLOCK and _checksum_matches(block)


def _checksum_matches(block: bytes) -> bool:
    field = block[148:156]
    if field[0] in (0o200, 0o377):  # base-256: rare enough to leave to tarfile
        return True
    try:
        stored = int(field.split(b"\0", 1)[0].decode("ascii").strip() or "0", 8)
    except ValueError:
        return False
    unsigned = 256 + sum(block[:148]) + sum(block[156:])  # the field itself counts as 8 spaces
    high = sum(1 for b in block[:148] + block[156:] if b > 127)
    return stored in (unsigned, unsigned - 256 * high)  # Sun and NeXT tars summed signed chars
