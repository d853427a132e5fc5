"""gzip, bzip2, xz and zstd files: whether one holds a tar file, told from its first header
block; and the one place a compressed stream is opened for reading.

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
KINDS = ("gzip", "bzip2", "xz", "zstd")


def open_members(view: Any) -> Container | None:
    """The tar file a compressed file holds; None for any other (a single compressed file:
    nothing inside to lint)."""
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

    container = tars.open_stream(view, stream)
    if container is not None and view.kind == "bzip2" and "info/index.json" in container.names():
        from binlint.formats import conda  # a .tar.bz2 conda package
        return conda.from_tar(container, view.budget)
    return container


def zstd_module() -> Any:
    """Python 3.14's compression.zstd, else backports.zstd: the same module (PEP 784's code,
    released for 3.9 to 3.13), so one code path reads zstd everywhere. The `zstandard`
    package would do as well, but its API differs from the standard library's, which would
    make two ways of reading a frame; pyproject.toml requires the backport before 3.14."""
    try:
        from compression import zstd  # type: ignore[import-not-found]
    except ImportError:
        try:
            from backports import zstd  # type: ignore[import-not-found,no-redef]
        except ImportError:
            raise ArtifactError("cannot read zstd data: binlint needs Python 3.14 or the backports.zstd "
                                "package, which its installation lacks") from None
    return zstd


def decompressed(kind: str, raw: BinaryIO) -> tuple[BinaryIO, tuple[type[BaseException], ...]]:
    """A stream of what the compressed `raw` inflates to, read as it goes, and the exceptions
    its reads raise on corrupt data. Nothing bounds it: callers read within the file's
    budget (binlint.formats.tars.Metered), or a block at a time."""
    if kind == "gzip":
        try:  # ISA-L inflates zeros 12 times as fast as zlib (0.25 s for 256 MiB, not 3 s)
            from isal.igzip import GzipFile
            from isal.isal_zlib import error as isal_error
            return GzipFile(fileobj=raw), (OSError, EOFError, ValueError, zlib.error, isal_error)
        except ImportError:  # pragma: no cover - other platforms
            import gzip
            return gzip.GzipFile(fileobj=raw), (OSError, EOFError, ValueError, zlib.error)  # type: ignore[return-value]
    if kind == "bzip2":
        import bz2
        return bz2.BZ2File(raw), (OSError, EOFError, ValueError)  # type: ignore[return-value]
    if kind == "zstd":
        zstd = zstd_module()
        # A frame made with a dictionary cannot be read without it: ZstdError says which.
        return zstd.ZstdFile(raw), (OSError, EOFError, ValueError, zstd.ZstdError)
    import lzma
    return lzma.LZMAFile(raw), (OSError, EOFError, ValueError, lzma.LZMAError)  # type: ignore[return-value]


def holds_tar(kind: str, stream: BinaryIO) -> bool:
    """Whether the decompressed `stream` starts with a tar header; corrupt compressed data is
    an ArtifactError. The stream is left wherever reading stopped."""
    if kind == "gzip":
        block = _gzip_start(stream)
    else:
        inner, errors = decompressed(kind, stream)
        try:
            block = inner.read(BLOCK)
        except errors as err:
            raise ArtifactError(f"corrupt {kind} data: {err}") from None
    return len(block) == BLOCK and block.count(0) != BLOCK and _checksum_matches(block)


def _gzip_start(stream: BinaryIO) -> bytes:
    """The first BLOCK bytes a gzip stream inflates to (fewer if it holds fewer), across its
    members and the zero padding between them, as gzip reads them, with zlib alone: a
    GzipFile costs the import of gzip and typing (4 ms, in each process of a numpy check)
    for every wheel that carries .gz test data. Only what those bytes need is inflated
    (GzipFile inflates up to 8 KiB), so damage further on is found by what reads further:
    the tar reader, for a tar file."""
    out, pending, inflater = b"", b"", None
    try:
        while len(out) < BLOCK:
            if inflater is None or inflater.eof:  # a member starts, if any is left
                pending = (inflater.unused_data if inflater is not None else b"").lstrip(b"\0")
                while not pending:
                    chunk = stream.read(1 << 14)
                    if not chunk:
                        return out
                    pending = chunk.lstrip(b"\0")
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            elif not pending and not (pending := stream.read(1 << 14)):
                raise ArtifactError("corrupt gzip data: the stream ends inside a member")
            out += inflater.decompress(pending, BLOCK - len(out))
            pending = inflater.unconsumed_tail
    except zlib.error as err:
        raise ArtifactError(f"corrupt gzip data: {err}") from None
    return out


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
