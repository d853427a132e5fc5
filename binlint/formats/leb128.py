"""Unsigned LEB128 numbers, as ELF attribute sections and WebAssembly modules write them."""
from __future__ import annotations


def uleb128(data: bytes, pos: int, end: int) -> tuple[int, int] | None:
    """(value, position after it) of the number at `pos`; None when it runs to `end` or past
    64 bits (a malformed or hostile file)."""
    value = shift = 0
    while pos < end:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            break
    return None
