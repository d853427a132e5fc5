"""How a PyInstaller bootloader is told from other programs, and why one whose package the
reader (binlint/formats/pyinstaller/reader.py) did not find cannot start: on its own, so
that checking a program that is no bundle spares importing the reader."""
from __future__ import annotations

SIDE_LOAD = b"MEI\x0d\x0b\x0a\x0b\x0e"  # a one-folder build whose package is a file beside it
# Strings every PyInstaller bootloader (3.x to 6.x) carries in its read-only data: the
# environment variable and the option it reads. PyInstaller 6's Linux bootloaders are 72 and
# 89 KiB, with both strings in the first 16 KiB of `.rodata` (of 12 and 23 KiB). Every program
# without a package is searched: the first 64 KiB of its `.rodata` when it has one (the
# tree's 747 programs: 14 MB instead of 79 MB, 30 ms of a scan), else the first 256 KiB of
# the file (1 MiB cost a tree scan 40 ms). The longer string first: a search skips ahead by
# the needle's length, and a program without it is not searched for the other.
BOOTLOADER_MARKERS = (b"pyi-runtime-tmpdir", b"_MEIPASS")
_BOOTLOADER_SCAN, _RODATA_SCAN = 256 << 10, 64 << 10

TAIL = 64 << 10  # how far before the end (or the signature) a cookie or marker may end; real files: ~2 KiB


def damage(data: bytes, pydata_section: tuple[int, int] | None = None,
           read_only: tuple[int, int] | None = None) -> str | None:
    """Why an executable made by PyInstaller carries no package its bootloader can open, or
    None: for a file in which find_bundle() found no cookie. It is PyInstaller's when it has
    the `pydata` section or the bootloader's strings in its read-only data (`read_only`, the
    offset and size of its `.rodata`; else near its start); a one-folder build that
    side-loads its package from a file beside it is not damaged."""
    size = len(data)
    # The bootloader's strings first: most programs lack them, and then the tail is not
    # searched for the side-load marker (the two tests are independent, so the order is free).
    if pydata_section is None:
        start, end = (read_only[0], read_only[0] + min(read_only[1], _RODATA_SCAN)) if read_only is not None \
            else (0, _BOOTLOADER_SCAN)
        end = min(size, end)
        if not all(data.find(m, start, end) >= 0 for m in BOOTLOADER_MARKERS):
            return None
    if data.rfind(SIDE_LOAD, max(0, size - TAIL), size) >= 0:
        return None
    where = "in its pydata section" if pydata_section is not None else "near the end of the file"
    return (f"no PyInstaller package cookie (MEI\\014\\013\\012\\013\\016) {where}: "
            "the file was cut short or changed after it was built")
