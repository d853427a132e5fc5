"""A remote file as binlint's readers want a buffer: len(), slices, read/seek/tell, fetched
by byte range in aligned blocks and kept in a small cache.

The zip reader slices its buffer: the end record from the last 64 KiB, the central
directory, each member's local header, then its data (8 KiB for a first look, the whole
member for an archive or an executable, then the rest when RECORD's hashes are wanted).
Reading in blocks of BLOCK bytes makes the many small slices of neighbouring members one
request; the blocks a slice misses are fetched together as one range (a large member is one
request, not one per block). What was fetched is counted (Transfers), so that the bytes read
can be set against the file's size.
"""
from __future__ import annotations

from collections import OrderedDict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable

# 256 KiB: about what an object store sends in the time a request takes to start (20-50 ms
# at 5-10 MB/s per stream), so a smaller block costs requests, a larger one bytes not needed.
BLOCK = 256 << 10
CACHED_BLOCKS = 64  # 16 MiB per open file: a member's neighbours, never the whole of a large wheel


class Transfers:
    """What this process fetched: remote files opened, their total size, the bytes fetched
    and the range requests made."""

    def __init__(self) -> None:
        self.files = self.size = self.fetched = self.requests = 0

    def snapshot(self) -> tuple[int, int, int, int]:
        return self.files, self.size, self.fetched, self.requests

    def add(self, counts: tuple[int, int, int, int]) -> None:
        self.files, self.size, self.fetched, self.requests = (a + b for a, b in zip(self.snapshot(), counts))

    def since(self, before: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        return tuple(a - b for a, b in zip(self.snapshot(), before))  # type: ignore[return-value]

    def summary(self) -> str:
        share = f" ({100 * self.fetched / self.size:.1f}%)" if self.size else ""
        return (f"fetched {self.fetched / 1e6:.1f} MB of {self.size / 1e6:.1f} MB{share} in {self.requests} "
                f"range request{'s' if self.requests != 1 else ''} from {self.files} remote "
                f"file{'s' if self.files != 1 else ''}")


TRANSFERS = Transfers()


class RangedFile:
    """`size` bytes, of which `fetch(start, end)` returns [start, end)."""

    def __init__(self, fetch: Callable[[int, int], bytes], size: int, transfers: Transfers = TRANSFERS) -> None:
        self._fetch, self.size, self.transfers = fetch, size, transfers
        self._blocks: OrderedDict[int, bytes] = OrderedDict()
        self._position = 0
        transfers.files += 1
        transfers.size += size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, key: int | slice) -> bytes | int:
        if isinstance(key, int):
            index = key + self.size if key < 0 else key
            if not 0 <= index < self.size:
                raise IndexError("index out of range")
            return self.range(index, index + 1)[0]
        start, stop, step = key.indices(self.size)
        if step != 1:
            raise ValueError("a remote file is sliced with a step of 1")
        return self.range(start, stop)

    def range(self, start: int, stop: int) -> bytes:
        """Bytes [start, stop), from the cached blocks and one request per run of missing ones."""
        if stop <= start:
            return b""
        first, last = start // BLOCK, (stop - 1) // BLOCK
        pieces = []
        block = first
        while block <= last:
            cached = self._blocks.get(block)
            if cached is not None:
                self._blocks.move_to_end(block)
                pieces.append(cached)
                block += 1
                continue
            run_end = block
            while run_end < last and run_end + 1 not in self._blocks:
                run_end += 1
            pieces += self._get(block, run_end)
            block = run_end + 1
        joined = pieces[0] if len(pieces) == 1 else b"".join(pieces)
        offset = start - first * BLOCK
        return joined[offset:offset + stop - start]

    def _get(self, first: int, last: int) -> list[bytes]:
        start, end = first * BLOCK, min((last + 1) * BLOCK, self.size)
        data = self._fetch(start, end)
        if len(data) != end - start:
            raise OSError(f"the store returned {len(data)} bytes for a range of {end - start}: the file changed")
        self.transfers.fetched += len(data)
        self.transfers.requests += 1
        # Only the edges are kept (a neighbouring member may start or end in them): the middle
        # of a large member is read once.
        for index in {first, last}:
            self._blocks[index] = data[(index - first) * BLOCK:(index - first + 1) * BLOCK]
            if len(self._blocks) > CACHED_BLOCKS:
                self._blocks.popitem(last=False)
        return [data]

    # -- as a file, for zipfile (members compressed with bzip2 or lzma) ---------------------
    def read(self, size: int = -1) -> bytes:
        end = self.size if size < 0 else min(self.size, self._position + size)
        data = self.range(self._position, end)
        self._position += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        self._position = (offset, self._position + offset, self.size + offset)[whence]
        return self._position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        self._blocks.clear()
