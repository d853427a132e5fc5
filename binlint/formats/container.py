"""Containers: the members of an archive or bundle, and how each container format opens them
(the registry in binlint.formats names the opener of each kind)."""
from __future__ import annotations

import posixpath
from collections import Counter

from binlint.formats.members import Limits, Member, SliceStream, link_escapes, unsafe_name
from binlint.errors import ArtifactError
from binlint.patterns import Pattern  # compiled on first use (binlint/patterns.py)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

BUNDLE_MEMBERS = frozenset({"b", "x", "Z"})  # binaries, data files, zip files; not Python modules
_WHEEL_FILE = Pattern(r"^[^/]+\.dist-info/WHEEL$")


class Container:
    """The members of one archive or bundle, listed once; closing releases the archive."""

    def __init__(self, members: list[Member], closer: Any = None, bundle: Any = None,
                 bundle_error: str | None = None) -> None:
        self.members = members
        self.bundle = bundle  # the PyInstaller Bundle, for bundles
        self.bundle_error = bundle_error  # why a PyInstaller executable's package cannot be opened
        self.cut_off: tuple[str, str] | None = None  # (member, why) where reading the listing stopped
        self._closer = closer
        self._name_set: frozenset[str] | None = None
        self._folders: frozenset[str] | None = None
        self._basenames: frozenset[str] | None = None
        self.loader: Any = None  # the loader model's view of the members (binlint.facts.loading)

    def names(self) -> list[str]:
        return [m.name for m in self.members]

    def name_set(self) -> frozenset[str]:
        """The members' names, normalised as paths (built once: every library asks)."""
        if self._name_set is None:
            self._name_set = frozenset(posixpath.normpath(m.name) for m in self.members)
        return self._name_set

    def folders(self) -> frozenset[str]:
        """Every folder above a member, normalised as paths (built once)."""
        if self._folders is None:
            found = set()
            for name in self.name_set():
                while "/" in name:
                    name = name.rsplit("/", 1)[0]
                    found.add(name)
            self._folders = frozenset(found)
        return self._folders

    def basenames(self) -> frozenset[str]:
        """The members' file names (built once: every library asks)."""
        if self._basenames is None:
            self._basenames = frozenset(name.rsplit("/", 1)[-1] for name in self.name_set())
        return self._basenames

    def unsafe(self) -> list[str]:
        return [m.name for m in self.members if unsafe_name(m.name)]

    def escaping_links(self) -> list[str]:
        return [f"{m.name} -> {m.link}" for m in self.members
                if m.link is not None and not unsafe_name(m.name) and link_escapes(m.name, m.link)]

    def duplicates(self) -> list[str]:
        return sorted(name for name, count in Counter(self.names()).items() if count > 1)

    def wheel_metadata(self) -> dict[str, list[str]] | None:
        """The WHEEL file's fields (`Tag`, `Root-Is-Purelib`, ...), or None if not a wheel."""
        for member in self.members:
            # The suffix first: a wheel has thousands of members, and one WHEEL file.
            if member.name.endswith(".dist-info/WHEEL") and _WHEEL_FILE.match(member.name) and member.open is not None:
                stream = member.open()
                try:
                    text = stream.read(65536).decode("utf-8", "replace")
                finally:
                    stream.close()
                fields: dict[str, list[str]] = {}
                for line in text.splitlines():
                    key, sep, value = line.partition(":")
                    if sep:
                        fields.setdefault(key.strip(), []).append(value.strip())
                return fields
        return None

    def close(self) -> None:
        if self._closer is not None:
            self._closer.close()
            self._closer = None


def open_zip(view: Any) -> Container:
    from binlint.formats import zips
    members, archive = zips.read_zip(view.data)
    return Container(members, Closers(archive))


def open_elf_bundle(view: Any) -> Container | None:
    """The PyInstaller package of an ELF program: libraries, which make up most trees, are
    skipped; the package is found where the bootloader looks (its `pydata` section)."""
    elf = view.elf()
    if view.prefix is not None or (elf.interpreter is None and elf.type != 2):
        return None  # read in part: its package, if any, lies after what was read
    try:
        section = elf.section_named("pydata")
        # A package outside that section is appended to the program: a file that ends with
        # its section table has none, and its end is not searched (every program of a tree).
        appended = section is not None or len(view.data) > elf.section_table_end
    except ArtifactError:  # unreadable section headers: look for a package the bootloader's way
        section, appended = None, True
    read_only = None
    if section is None:
        try:
            read_only = elf.section_named(".rodata")
        except ArtifactError:  # the bootloader's strings are then looked for near the start
            pass
    return _bundle(view.data, (section.offset, section.size) if section is not None else None, view.limits,
                   appended, (read_only.offset, read_only.size) if read_only is not None else None)


def open_bundle(view: Any) -> Container | None:
    return _bundle(view.data, None, view.limits)


def _bundle(data: Any, pydata: tuple[int, int] | None, limits: Limits, appended: bool = True,
            read_only: tuple[int, int] | None = None) -> Container | None:
    """The PyInstaller package an executable carries; None for other executables. A package
    its bootloader cannot open is an empty container that says why: the executable itself
    is still checked (it is what the user runs, and what fails at start). `appended`: False
    when nothing follows the program's own bytes, where no package can be (but a bootloader
    whose package was cut off, by strip for one, is still told apart). `read_only`: where the
    program's `.rodata` lies, in which a bootloader's strings are."""
    bundle = None
    if appended:
        from binlint.formats.pyinstaller.reader import find_bundle

        try:
            bundle = find_bundle(data, pydata)
        except ArtifactError as err:
            return Container([], bundle_error=str(err))
    if bundle is None:
        from binlint.formats.pyinstaller.bootloader import damage

        problem = damage(data, pydata, read_only)
        return Container([], bundle_error=problem) if problem is not None else None
    members = [Member(e.name, None, e.uncompressed_length, _entry_opener(data, e, limits.member_bytes))
               for e in bundle.entries if e.typecode in BUNDLE_MEMBERS]
    return Container(members, bundle=bundle)


def wheel_context(view: Any, container: Container) -> dict[str, Any]:
    """What a wheel tells its members: they install into site-packages, on the platforms its
    tags name, for the interpreters and ABIs its tags name."""
    if not view.get("wheel.is_wheel"):
        return {}
    return {"wheel": True, "wheel_platforms": tuple(view.get("wheel.platforms")),
            "wheel_tags": tuple(view.get("wheel.tags"))}


def _entry_opener(data: Any, entry: Any, limit: int) -> Any:
    from binlint.formats.pyinstaller import reader as pyinstaller

    return lambda: SliceStream(pyinstaller.read_entry(data, entry, limit))


class Closers:
    def __init__(self, *closables: Any) -> None:
        self.closables = closables

    def close(self) -> None:
        for closable in self.closables:
            closable.close()

