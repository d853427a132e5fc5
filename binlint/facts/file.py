"""Facts every artifact has, whatever its format. Each is computed from the FileView."""
from __future__ import annotations

import struct

from binlint.facts.catalogue import Fact

# What runs a file the kernel cannot execute: a binfmt_misc handler registered for its
# magic number hands it to one of these (wine's runs every PE file, .NET ones through
# wine-mono), and a shell whose execve failed with ENOEXEC runs text itself (POSIX).
_BINFMT = {"java-class": "java", "pe": "wine", "text": "sh", "empty": "sh"}
_JAR_MAGIC = 0xCAFE  # the extra field `jar` writes on a jar's first entry

FACTS = {
    "file.kind": Fact("str", "What the bytes say the file is: elf, macho, script, pyc, zip, tar, gzip, "
                      "bzip2, xz, zstd, ar, deb, rpm, conda, pe, java-class, text, empty, other (or unreadable).",
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
    "file.path": Fact("str", "The artifact's path as reports show it, members after a `!`: "
                      "`dist/pkg-1.0-py3-none-any.whl!pkg-1.0.data/scripts/tool`.", lambda f: f.path),
    "file.name": Fact("str", "The artifact's file name: the last part of its path or member name "
                      "(`pkg-1.0-py3-none-any.whl`). Installers go by it where binlint goes by the bytes.",
                      lambda f: f.path.rsplit("!", 1)[-1].rsplit("/", 1)[-1]),
    "file.setuid": Fact("bool", "The set-user-ID bit (04000) is set.", lambda f: bool(f.mode & 0o4000)),
    "file.setgid": Fact("bool", "The set-group-ID bit (02000) is set.", lambda f: bool(f.mode & 0o2000)),
    "file.privilege_bits": Fact("list[str]", "The mode bits that make a program run with other rights than its "
                                "user's, as chmod(1) names them: `set-user-ID` (04000), `set-group-ID` (02000).",
                                lambda f: [name for bit, name in ((0o4000, "set-user-ID"), (0o2000, "set-group-ID"))
                                           if f.mode & bit]),
    "file.world_writable": Fact("bool", "Anybody may write to it: the write bit for others (0002) is set.",
                                lambda f: bool(f.mode & 0o002)),
    "file.binfmt": Fact("str?", "The program that would run it where the kernel cannot: `python3.11` for bytecode "
                        "(the version from its magic number), `java` for a class file or a zip with "
                        "`META-INF/MANIFEST.MF` (a jar, by its bytes, not its name), `wine` for a PE file, `sh` "
                        "for text without `#!` and empty files (a shell runs them itself); null for the rest.",
                        lambda f: binfmt(f)),
    "file.held_in": Fact("str?", "What holds an archive member: the kind of the archive or bundle it was read "
                         "from (`zip` for wheels and jars, `tar`, `gzip`, `ar`, `elf` for a PyInstaller bundle, ...; "
                         "`deb`, `rpm` and `conda` for a package's files, `bzip2` for a .tar.bz2 conda package's); "
                         "null for a file on disk.", lambda f: f.context.held_in),
    "file.broken_link": Fact("str?", "Why a symbolic link found inside a scanned folder leads nowhere: `loop` "
                             "(following it never reaches a file) or `dangling` (its target does not exist); null "
                             "for everything else (links that lead somewhere are not followed).",
                             lambda f: f.broken_link),
    "file.link_target": Fact("str?", "What a symbolic link that leads nowhere (file.broken_link) points to, as "
                             "readlink(1) prints it: `libx.so.1`; null for everything else.",
                             lambda f: f.link_target),
    "file.error": Fact("str?", "Why the file could not be read or parsed; null when it could.",
                       lambda f: f.error),
    "file.in_wheel": Fact("bool", "A member of a wheel, directly or through archives inside it (a wheel's "
                          "members are installed into site-packages on the user's machine).",
                          lambda f: f.context.wheel_platforms is not None),
    "file.wheel_platforms": Fact("list[str]", "The platform tags of the nearest wheel holding the file, at any "
                                 "depth (`win_amd64`, `manylinux_2_17_x86_64`); empty outside wheels.",
                                 lambda f: list(f.context.wheel_platforms or ())),
    "file.wheel_requires": Fact("list[str]", "The distributions the wheel holding the file directly requires "
                                "whatever extras are chosen (its METADATA's Requires-Dist lines without an "
                                "`extra` marker), by name as written: they are installed beside it. Empty "
                                "elsewhere.", lambda f: _wheel_requires(f)),
}


def _wheel_requires(view) -> list[str]:  # type: ignore[no-untyped-def]
    if not view.context.wheel:
        return []
    from binlint.facts.wheel_metadata import requires  # read only for the rules that ask
    return requires(view.holder)


def _has_members(view) -> bool:  # type: ignore[no-untyped-def]
    container = view.container()
    return container is not None and any(m.open is not None for m in container.members)


def binfmt(view) -> str | None:  # type: ignore[no-untyped-def]
    if view.kind == "pyc":
        return f"python{view.pyc_python()}"
    if view.kind == "zip":
        return "java" if is_jar(view.head) else None
    return _BINFMT.get(view.kind)


def is_jar(head: bytes) -> bool:
    """A zip whose first entries are a jar's: its manifest, or the jar magic on the first entry."""
    if b"META-INF/MANIFEST.MF" in head:
        return True
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        return False
    name_length, extra_length = struct.unpack_from("<HH", head, 26)
    extra = head[30 + name_length:30 + name_length + extra_length]
    while len(extra) >= 4:
        field, size = struct.unpack_from("<HH", extra)
        if field == _JAR_MAGIC:
            return True
        extra = extra[4 + size:]
    return False
