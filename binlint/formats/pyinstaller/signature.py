"""Where a code signature starts that follows data appended to an executable: PyInstaller
appends its package, then macOS's codesign or Windows' signtool add their signature after it,
so the package's cookie is looked for before the signature too."""
from __future__ import annotations

import struct

_MACHO_THIN = {
    b"\xcf\xfa\xed\xfe": ("<", 32), b"\xce\xfa\xed\xfe": ("<", 28),
    b"\xfe\xed\xfa\xcf": (">", 32), b"\xfe\xed\xfa\xce": (">", 28),
}
_FAT_MAGIC, _FAT_MAGIC_64 = b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"
_LC_CODE_SIGNATURE = 0x1D
_MAX_FAT_ARCHS = 64  # Java class files share the fat magic; their "count" is a class file version
_MAX_LOAD_COMMANDS = 4096
_IMAGE_DIRECTORY_ENTRY_SECURITY = 4


def signature_offset(data: bytes) -> int | None:
    """Where a code signature starts that follows data appended to the file: the Mach-O
    LC_CODE_SIGNATURE data (of the last slice of a fat file), or the PE certificate table.
    None for other files, and for malformed ones (their own readers report those)."""
    try:
        magic = bytes(data[:4])  # members are read into a bytearray, which sets cannot hash
        if magic in _MACHO_THIN:
            return _macho_signature(data, 0)
        if magic in (_FAT_MAGIC, _FAT_MAGIC_64):
            wide = magic == _FAT_MAGIC_64
            (count,) = struct.unpack_from(">I", data, 4)
            if count > _MAX_FAT_ARCHS:
                return None
            stride, form = (32, ">iiQQ") if wide else (20, ">iiII")
            last = max((struct.unpack_from(form, data, 8 + i * stride)[2] for i in range(count)), default=0)
            return _macho_signature(data, last) if last else None
        if magic[:2] == b"MZ":
            return _pe_certificates(data)
    except struct.error:  # a header cut short
        return None
    return None


def _macho_signature(data: bytes, slice_offset: int) -> int | None:
    layout = _MACHO_THIN.get(bytes(data[slice_offset:slice_offset + 4]))
    if layout is None:
        return None
    endian, header_size = layout
    ncmds, sizeofcmds = struct.unpack_from(endian + "II", data, slice_offset + 16)
    position = slice_offset + header_size
    end = min(position + sizeofcmds, len(data))
    for _ in range(min(ncmds, _MAX_LOAD_COMMANDS)):
        if position + 8 > end:
            return None
        cmd, cmdsize = struct.unpack_from(endian + "II", data, position)
        if cmd == _LC_CODE_SIGNATURE and cmdsize >= 16 and position + 16 <= end:
            (dataoff,) = struct.unpack_from(endian + "I", data, position + 8)
            offset = slice_offset + dataoff
            return offset if 0 < offset <= len(data) else None
        if cmdsize < 8:
            return None
        position += cmdsize
    return None


def _pe_certificates(data: bytes) -> int | None:
    (pe,) = struct.unpack_from("<I", data, 0x3C)
    if data[pe:pe + 4] != b"PE\0\0":
        return None
    optional = pe + 24
    (magic,) = struct.unpack_from("<H", data, optional)
    if magic not in (0x10B, 0x20B):
        return None
    counts_at = optional + (92 if magic == 0x10B else 108)
    (directories,) = struct.unpack_from("<I", data, counts_at)
    if directories <= _IMAGE_DIRECTORY_ENTRY_SECURITY:
        return None
    # The security directory holds a file offset, not an RVA.
    offset, size = struct.unpack_from("<II", data, counts_at + 4 + 8 * _IMAGE_DIRECTORY_ENTRY_SECURITY)
    return offset if size and 0 < offset <= len(data) else None
