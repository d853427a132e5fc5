"""Facts about how the dynamic loader would find an ELF file's libraries inside the artifact
that carries it: siblings of the same wheel, tarball or bundle, or files of the same tree."""
from __future__ import annotations

import os
import posixpath

from binlint.facts.catalogue import Fact
from binlint.facts.elffile import DT_NEEDED, DT_RPATH, DT_RUNPATH

TYPE_CHECKING = False  # typing costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from binlint.facts import FileView

_ORIGIN = ("$ORIGIN", "${ORIGIN}")


def search_dirs(view: FileView) -> list[str]:
    """The $ORIGIN-relative directories the loader searches, relative to the object's own
    directory: DT_RUNPATH's, or DT_RPATH's when there is no DT_RUNPATH (ld.so ignores it then)."""
    elf = view.elf()
    entries = elf.dynamic_strings(DT_RUNPATH) or elf.dynamic_strings(DT_RPATH)
    found = []
    for entry in (part for value in entries for part in value.split(":")):
        for origin in _ORIGIN:
            if entry == origin or entry.startswith(origin + "/"):
                found.append(entry[len(origin) + 1:] or ".")
    return found


def unresolved_needed(view: FileView) -> list[str]:
    needed = view.elf().dynamic_strings(DT_NEEDED)
    if not needed:
        return []
    dirs = search_dirs(view)
    holder = view.holder
    if holder is not None:  # a member: its siblings are the container's other members
        names = holder.name_set()
        if holder.bundle is not None:  # PyInstaller puts every library in one folder on the path
            return [n for n in needed if n not in holder.basenames()]
        here = posixpath.dirname(view.members[-1])
        found = {n for n in needed for d in dirs if posixpath.normpath(posixpath.join(here, d, n)) in names}
    elif view.fs_path is not None:  # a file on disk: its real directory
        here = os.path.dirname(os.path.realpath(view.fs_path))
        found = {n for n in needed for d in dirs if os.path.isfile(os.path.join(here, d, n))}
    else:
        found = set()
    return [n for n in needed if n not in found]


FACTS = {
    "elf.unresolved_needed": Fact(
        "list[str]", "DT_NEEDED libraries the artifact does not carry itself: not found through an `$ORIGIN` "
        "entry of DT_RUNPATH (or of DT_RPATH when there is no DT_RUNPATH) among the other members of the same "
        "wheel or archive, or the files next to it on disk, nor (in a PyInstaller bundle) among the bundle's "
        "libraries. The target system must provide them.", unresolved_needed),
}
