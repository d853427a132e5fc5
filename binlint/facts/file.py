"""Facts every artifact has, whatever its format. Each is computed from the FileView."""
from __future__ import annotations

from binlint.facts.catalogue import Fact

FACTS = {
    "file.kind": Fact("str", "What the bytes say the file is: elf, macho, script, pyc, zip, tar, gzip, "
                      "bzip2, xz, zstd, ar, pe, java-class, text, empty, other (or unreadable).",
                      lambda f: f.kind),
    "file.mode": Fact("str", "Permission bits in octal, e.g. `0755`.", lambda f: f"{f.mode:04o}"),
    "file.executable": Fact("bool", "Any execute bit (user, group or other) is set.",
                            lambda f: bool(f.mode & 0o111)),
    "file.size": Fact("int", "Size in bytes.", lambda f: f.size),
    "file.pyc_python": Fact("str?", "For Python bytecode, the Python version its magic number belongs to "
                            "(e.g. `3.11`).", lambda f: f.pyc_python()),
    "file.description": Fact("str", "The kind in words, for messages: `Python 3.11 bytecode`, `a Windows PE file`, "
                             "`text without a #! line`, ...", lambda f: f.description()),
    "file.too_deep": Fact("bool", "An archive or bundle with members, at the --max-depth limit: its members were not read.",
                          lambda f: f.depth >= f.limits.max_depth and _has_members(f)),
    "file.error": Fact("str?", "Why the file could not be read or parsed; null when it could.",
                       lambda f: f.error),
}


def _has_members(view) -> bool:  # type: ignore[no-untyped-def]
    container = view.container()
    return container is not None and any(m.open is not None for m in container.members)
