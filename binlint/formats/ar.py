"""Unix ar archives (static libraries `.a`): every object member gets the object rules."""
from __future__ import annotations

import struct

from binlint.errors import ArtifactError
from binlint.formats.container import Container
from binlint.formats.members import Member, open_slice

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Callable

MAGIC = b"!<arch>\n"
_HEADER = struct.Struct("16s12s6s6s8s10s2s")


def read_ar(data: bytes, opener: Callable[[Any, int, int], Callable[[], BinaryIO]] = open_slice) -> list[Member]:
    """The members; `opener(data, start, length)` makes each one's opener (by default a copy
    of its bytes, made when opened)."""
    members = []
    long_names = b""
    offset = len(MAGIC)
    while offset + _HEADER.size <= len(data):
        name, _, _, _, mode, size, magic = _HEADER.unpack_from(data, offset)
        if magic != b"`\n":
            raise ArtifactError(f"corrupt ar member header at offset {offset:#x}")
        try:
            length = int(size.decode("ascii").strip())
            bits = int(mode.decode("ascii").strip() or "644", 8) & 0o7777
        except ValueError:
            raise ArtifactError(f"corrupt ar member header at offset {offset:#x}") from None
        start = offset + _HEADER.size
        if length < 0 or start + length > len(data):
            raise ArtifactError(f"truncated: ar member at offset {offset:#x} is past the end of the file")
        label = name.decode("utf-8", "backslashreplace").rstrip()
        if label == "//":  # GNU table of long names
            long_names = data[start:start + length]
        elif label.startswith("#1/"):  # BSD: the name precedes the content
            name_length = min(int(label[3:]) if _decimal(label[3:]) else 0, length)
            label = data[start:start + name_length].rstrip(b"\0").decode("utf-8", "backslashreplace")
            members.append(Member(label, bits, length - name_length,
                                  opener(data, start + name_length, length - name_length)))
        elif label not in ("/", "/SYM64/", "__.SYMDEF", "__.SYMDEF SORTED"):  # symbol tables
            if label.startswith("/") and _decimal(label[1:]):
                index = int(label[1:])
                if index >= len(long_names):
                    raise ArtifactError(f"ar member name {label} is past the end of the table of long names "
                                        f"({len(long_names)} bytes)")
                end = long_names.find(b"/\n", index)
                label = long_names[index:end if end >= 0 else None].decode("utf-8", "backslashreplace")
            members.append(Member(label.rstrip("/"), bits, length, opener(data, start, length)))
        offset = start + length + (length & 1)  # members are 2-byte aligned
    return members


def _decimal(text: str) -> bool:
    """ASCII digits only: str.isdigit() also takes '²', which int() refuses."""
    return text.isascii() and text.isdigit()


def open_members(view: Any) -> Container:
    return Container(read_ar(view.data))

