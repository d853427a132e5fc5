"""Facts about how the dynamic loader would find an ELF file's libraries inside the artifact
that carries it: siblings of the same wheel, tarball or bundle, or files of the same tree."""
from __future__ import annotations

import os

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
    holder = view.holder
    if holder is not None:
        # A member: the loader looks a DT_NEEDED name up among the libraries already loaded
        # (by soname) before it searches any path, and loads the whole tree breadth first. A
        # library an auditwheel-repaired wheel carries in `*.libs/` under its unique name is
        # loaded by the extension that reaches it through $ORIGIN, and so is found from the
        # other libraries there that need it but have no search path of their own (scipy's
        # libgfortran and libquadmath). In a PyInstaller bundle every library sits in one
        # folder on the search path.
        return [n for n in needed if n not in holder.basenames()]
    if view.fs_path is not None:  # a file on disk: its real directory
        here, dirs = os.path.dirname(os.path.realpath(view.fs_path)), search_dirs(view)
        found = {n for n in needed for d in dirs if os.path.isfile(os.path.join(here, d, n))}
    else:
        found = set()
    return [n for n in needed if n not in found]


FACTS = {
    "elf.unresolved_needed": Fact(
        "list[str]", "DT_NEEDED libraries the artifact does not carry itself: for a member of a wheel, archive "
        "or bundle, no member has that file name (the loader finds a library another one loaded by its name); "
        "for a file on disk, not found through an `$ORIGIN` entry of DT_RUNPATH (or of DT_RPATH when there is "
        "no DT_RUNPATH) next to it. The target system must provide them.", unresolved_needed),
}
