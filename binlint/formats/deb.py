"""Debian packages (.deb): an ar archive of `debian-binary`, `control.tar.*` and
`data.tar.*` (plain, gzip, xz, zstd or bzip2), as dpkg-deb(1) and deb(5) describe them.

The members are the files of data.tar, named as installed (`pkg.deb!/usr/lib/x.so`), and
the control files as `DEBIAN/name` (the layout `dpkg-deb --build` takes): maintainer
scripts get the script rules. The control file's fields are the package's facts; its
libc6 dependency and Architecture are its members' target.
"""
from __future__ import annotations

import re

from binlint.errors import ArtifactError
from binlint.facts.catalogue import Fact
from binlint.formats.ar import read_ar
from binlint.formats.container import Closers
from binlint.formats.members import buffer_window
from binlint.formats.package import (PackageContainer, highest, in_memory, installed_name, payload, promises,
                                     upstream_version)
from binlint.version import version

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAGIC = b"!<arch>\ndebian-binary"
# The packages that are the C library on Debian's architectures (libc6.1 on alpha and ia64).
LIBC_PACKAGES = ("libc6", "libc6.1", "libc0.1", "libc0.3")
_RELATION = re.compile(r"^\s*(?P<name>[a-z0-9][a-z0-9+.-]*)(?::[a-z0-9-]+)?\s*"
                       r"(?:\(\s*(?P<op><<|<=|=|>=|>>)\s*(?P<version>[^)\s]+)\s*\))?")


def open_members(view: Any) -> PackageContainer:
    parts = {m.name: m for m in read_ar(view.data, _streamed)}
    control = next((m for name, m in parts.items() if name.startswith("control.tar")), None)
    data = next((m for name, m in parts.items() if name.startswith("data.tar")), None)
    if control is None or data is None:
        raise ArtifactError(f"a Debian package without {'control.tar' if control is None else 'data.tar'}: "
                            f"it holds {', '.join(parts) or 'nothing'}")
    found, closer = payload(control.open(), view.budget, control.name)
    try:
        scripts, contents = in_memory(found, view.budget, lambda name: "DEBIAN/" + name.lstrip("./"))
    finally:
        closer.close()
    files, closer = payload(data.open(), view.budget, data.name)
    members = [m._replace(name=installed_name(m.name), link=None if m.link is None else _link(m))
               for m in files]
    container = PackageContainer([*(m for m in scripts if m.name != "DEBIAN/"), *members], Closers(closer))
    container.cut_off = closer.cut_off and (installed_name(closer.cut_off[0]), closer.cut_off[1])
    container.fields = fields(contents.get("./control", contents.get("control", b"")))
    return container


def _streamed(data: Any, start: int, length: int) -> Any:
    """data.tar is read from the mapped file as it inflates, never copied whole."""
    return lambda: buffer_window(data, start, length)


def _link(member: Any) -> str:
    """A hard link's target is a member name (`./usr/bin/x`); a symbolic link's, as written."""
    return installed_name(member.link) if member.link.startswith("./") else member.link


def fields(control: bytes) -> dict[str, str]:
    """The control file's fields (deb-control(5)): continuation lines joined, names as written."""
    found: dict[str, str] = {}
    name = None
    for line in control.decode("utf-8", "replace").splitlines():
        if line[:1] in (" ", "\t") and name is not None:
            found[name] += " " + line.strip()
        elif ":" in line:
            name, _, value = line.partition(":")
            name = name.strip()
            found[name] = value.strip()
    return found


def relations(text: str) -> list[str]:
    """A relation field's groups, each as written (`libc6 (>= 2.34)`, `a | b`)."""
    return [" ".join(group.split()) for group in text.split(",") if group.strip()]


def libc_floor(groups: list[str]) -> tuple[str, str] | None:
    """The oldest C library the relations accept, from the groups that name only a libc
    package with `>=` (or `>>`, `=`): an alternative to another package accepts that
    package instead. None when no group bounds it (the C library package itself)."""
    found = []
    for group in groups:
        alternatives = [_RELATION.match(part) for part in group.split("|")]
        bounds = [m for m in alternatives if m and m["name"] in LIBC_PACKAGES and m["op"] in (">=", ">>", "=")]
        if bounds and len(bounds) == len(alternatives):
            lowest = min(bounds, key=lambda m: version(upstream_version(m["version"]) or "0") or ())
            text = upstream_version(lowest["version"])
            if text is not None:
                found.append((text, group))
    return highest(found)


def _fields(view: Any) -> dict[str, str]:
    container = view.container()
    return getattr(container, "fields", {}) if container is not None else {}


def _relations(name: str) -> Any:
    return lambda view: relations(_fields(view).get(name, ""))


def context(view: Any, container: Any) -> dict[str, Any]:
    """The members' target: the glibc the package's libc6 dependencies accept, its architecture."""
    found = container.fields
    groups = relations(found.get("Pre-Depends", "")) + relations(found.get("Depends", ""))
    return promises(libc_floor(groups), found.get("Architecture"))


FACTS = {
    "deb.package": Fact("str?", "The control file's `Package` field.", lambda v: _fields(v).get("Package")),
    "deb.version": Fact("str?", "The control file's `Version` field.", lambda v: _fields(v).get("Version")),
    "deb.architecture": Fact("str?", "The control file's `Architecture` field (`amd64`, `all`).",
                             lambda v: _fields(v).get("Architecture")),
    "deb.depends": Fact("list[str]", "The `Depends` field's groups, each as written (`libc6 (>= 2.34)`, `a | b`).",
                        _relations("Depends")),
    "deb.pre_depends": Fact("list[str]", "The `Pre-Depends` field's groups, each as written.",
                            _relations("Pre-Depends")),
    "deb.libc_floor": Fact("str?", "The oldest glibc (upstream version) the package's `Depends` and "
                           "`Pre-Depends` on libc6 accept, from groups with no other alternative; null when none "
                           "bounds it.",
                           lambda v: (libc_floor(_relations("Pre-Depends")(v) + _relations("Depends")(v))
                                      or (None,))[0]),
}
