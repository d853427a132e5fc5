"""What distribution packages (.deb, .rpm, conda) have in common: their files named as
installed, a compressed payload read within the file's budget, and what their declared
dependencies and architecture promise the files they carry (their members' target)."""
from __future__ import annotations

from binlint.errors import ArtifactError
from binlint.formats import REGISTRY, classify
from binlint.formats.classify import HEAD_SIZE
from binlint.formats.container import Container
from binlint.formats.members import Member, SliceStream, unsafe_name
from binlint.patterns import Pattern
from binlint.version import version

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

    from binlint.formats.members import Budget

# Package architectures (Debian's, RPM's, conda's subdirs) -> the architectures whose code
# their systems load, as elf.compatible_archs names them. amd64 systems run i386 code too
# (Debian's lib32* and libc6-i386 packages carry it); "all", "noarch" and "noarch" subdirs
# promise nothing, and are left out.
ARCHS = {
    "amd64": ("x86_64", "i686", "x32"), "x86_64": ("x86_64", "i686", "x32"), "linux-64": ("x86_64",),
    "i386": ("i686",), "i686": ("i686",), "i586": ("i686",), "linux-32": ("i686",),
    "arm64": ("aarch64",), "aarch64": ("aarch64",), "linux-aarch64": ("aarch64",),
    "armhf": ("armv7l",), "armv7hl": ("armv7l",), "linux-armv7l": ("armv7l",),
    "armel": ("armv5l",), "ppc64el": ("ppc64le",), "ppc64le": ("ppc64le",), "linux-ppc64le": ("ppc64le",),
    "s390x": ("s390x",), "linux-s390x": ("s390x",), "riscv64": ("riscv64",), "mips64el": ("mips64",),
}
_GLIBC_VERSION = Pattern(r"^(?:\d+:)?(\d+(?:\.\d+)+)")  # Debian's epoch:upstream-revision


class PackageContainer(Container):
    """A package's files, named as installed (`/usr/lib/x.so`). dpkg, rpm and conda install
    under their root: an absolute name or link target is the package's own, not an escape;
    a `..` part still is one."""

    def unsafe(self) -> list[str]:
        return [m.name for m in self.members if unsafe_name(m.name.lstrip("/"))]

    def escaping_links(self) -> list[str]:
        return []


def installed_name(name: str) -> str:
    """A payload's member name as the file installed: `./usr/bin/x` -> `/usr/bin/x`."""
    return "/" + (name[2:] if name.startswith("./") else name.lstrip("/"))


def payload(stream: BinaryIO, budget: Budget, what: str) -> tuple[list[Member], Any]:
    """The members of a tar payload (plain or compressed) read from `stream`, and what closes
    it; `what` names it in errors."""
    from binlint.formats import tars

    head = stream.read(HEAD_SIZE)
    stream.seek(0)
    kind = classify(head)
    if kind not in (*tars.COMPRESSED, "tar"):
        stream.close()
        described = REGISTRY[kind].description
        raise ArtifactError(f"{what} is {described if isinstance(described, str) else kind}, not a tar file")
    found = tars.read_tar(stream, kind, budget)
    if found is None:
        stream.close()
        raise ArtifactError(f"{what} holds no tar file")
    return found


def in_memory(members: list[Member], budget: Budget, rename: Any) -> tuple[list[Member], dict[str, bytes]]:
    """Small metadata members (a .deb's control files, a conda package's info/), read whole
    within the budget: their copies in memory, and their contents by their original names."""
    copies, contents = [], {}
    for member in members:
        if member.open is None:
            copies.append(member._replace(name=rename(member.name)))
            continue
        stream = member.open()
        try:
            data = bytes(budget.read(member, stream))
        finally:
            stream.close()
        contents[member.name] = data
        copies.append(Member(rename(member.name), member.mode, len(data), _opener(data)))
    return copies, contents


def _opener(data: bytes) -> Any:
    return lambda: SliceStream(data)


def promises(glibc: tuple[str, str] | None, arch: str | None) -> dict[str, Any]:
    """The context a package gives its members: the glibc its dependencies accept (the version,
    and the dependency as declared), the architectures its own names; each left out when the
    package says nothing of it."""
    values: list[tuple[str, Any]] = []
    if glibc is not None and version(glibc[0]) is not None:
        values.append(("package_glibc", glibc[0]))
    if arch in ARCHS:
        values.append(("package_arch", ARCHS[arch]))
    return {"promises": tuple(values)} if values else {}


def upstream_version(text: str) -> str | None:
    """The upstream part of a package version (`2.31-0ubuntu9`, `1:2.36-9` -> `2.31`, `2.36`)."""
    match = _GLIBC_VERSION.match(text.strip())
    return match[1] if match else None


def highest(found: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The (version, as declared) pair with the highest version, or None."""
    parsed = [(version(v), v, text) for v, text in found if version(v) is not None]
    if not parsed:
        return None
    best = max(parsed, key=lambda item: item[0])
    return best[1], best[2]
