"""Open the containers a view holds: archives by kind, PyInstaller bundles inside executables."""
from __future__ import annotations

import io
import posixpath
import re
from collections import Counter

from binlint.formats.members import Limits, Member, SliceStream, link_escapes, unsafe_name
from binlint.errors import ArtifactError

TYPE_CHECKING = False  # typing costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from typing import Any

ARCHIVE_KINDS = frozenset({"zip", "tar", "gzip", "bzip2", "xz", "ar"})
BUNDLE_KINDS = frozenset({"elf", "macho", "pe"})  # where a PyInstaller package can hide
BUNDLE_MEMBERS = frozenset({"b", "x", "Z"})  # binaries, data files, zip files; not Python modules
_WHEEL_FILE = re.compile(r"^[^/]+\.dist-info/WHEEL$")


class Container:
    """The members of one archive or bundle, listed once; closing releases the archive."""

    def __init__(self, members: list[Member], closer: Any = None, bundle: Any = None,
                 bundle_error: str | None = None) -> None:
        self.members = members
        self.bundle = bundle  # the PyInstaller Bundle, for bundles
        self.bundle_error = bundle_error  # why a PyInstaller executable's package cannot be opened
        self.kinds: dict[str, str] = {}  # member name -> kind, as members are viewed
        # member name -> what the loader reads of it (binlint.facts.loader.Dynamic), as members are
        # viewed; and whether the engine is still walking the members (facts/loading.py).
        self.dynamics: dict[str, Any] = {}
        self.walking = False
        self.cut_off: tuple[str, str] | None = None  # (member, why) where reading the listing stopped
        self._closer = closer
        self._name_set: frozenset[str] | None = None
        self._folders: frozenset[str] | None = None
        self._basenames: frozenset[str] | None = None

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
            if _WHEEL_FILE.match(member.name) and member.open is not None:
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


def open_archive(kind: str, data: Any, fs_path: str | None, budget: Any = None) -> Container | None:
    """The container for an archive `kind`, read from `data` (bytes or a map) or, for tar
    files on disk, streamed from the file; a compressed tar inflates within `budget`."""
    # Each reader is imported when its kind is met, and tarfile (9 ms) only for a file whose
    # first block can be a tar header.
    if kind == "ar":
        from binlint.formats import ar
        return Container(ar.read_ar(data))
    if kind == "zip":
        from binlint.formats import zips
        members, archive = zips.read_zip(data)
        return Container(members, _Closer(archive))
    stream = open(fs_path, "rb") if fs_path is not None else io.BytesIO(data)
    try:
        if kind != "tar":
            from binlint.formats.compressed import holds_tar

            if not holds_tar(kind, stream):  # e.g. a single gzip-compressed file: nothing inside to lint
                stream.close()
                return None
            stream.seek(0)
        from binlint.formats import tars

        found = tars.read_tar(stream, kind, budget)
        if found is None:
            stream.close()
            return None
        container = Container(found[0], _Closer(found[1], stream))
        container.cut_off = found[1].cut_off  # where a listing that spent the budget stopped
        return container
    except BaseException:
        stream.close()
        raise


def open_bundle(data: Any, pydata: tuple[int, int] | None, limits: Limits) -> Container | None:
    """The PyInstaller package an executable carries; None for other executables. A package
    its bootloader cannot open is an empty container that says why: the executable itself
    is still checked (it is what the user runs, and what fails at start)."""
    from binlint.formats.pyinstaller import reader as pyinstaller

    try:
        bundle = pyinstaller.find_bundle(data, pydata)
    except ArtifactError as err:
        return Container([], bundle_error=str(err))
    if bundle is None:
        problem = pyinstaller.damage(data, pydata)
        return Container([], bundle_error=problem) if problem is not None else None
    members = [Member(e.name, None, e.uncompressed_length, _entry_opener(data, e, limits.member_bytes))
               for e in bundle.entries if e.typecode in BUNDLE_MEMBERS]
    return Container(members, bundle=bundle)


def _entry_opener(data: Any, entry: Any, limit: int) -> Any:
    from binlint.formats.pyinstaller import reader as pyinstaller

    return lambda: SliceStream(pyinstaller.read_entry(data, entry, limit))


class _Closer:
    def __init__(self, *closables: Any) -> None:
        self.closables = closables

    def close(self) -> None:
        for closable in self.closables:
            closable.close()

