"""An image's layers, listed and applied in order into its final file system.

Each layer's tar headers are listed in one pass (a compressed layer is inflated through the
tar reader's metered stream, within the image's budget) and only the headers are kept: a
member's bytes are read when the walk opens it, layer by layer in the order they lie, so a
compressed layer is inflated once more, front to back. Whiteouts hide what lower layers
hold: `.wh.NAME` the path NAME, `.wh..wh..opq` everything a lower layer put in its folder;
a whiteout never hides what its own layer adds (the OCI image spec, "Whiteouts").
"""
from __future__ import annotations

import posixpath
from collections import namedtuple

from binlint.errors import ArtifactError
from binlint.formats import REGISTRY, classify
from binlint.formats.classify import HEAD_SIZE
from binlint.formats.container import Closers, Container
from binlint.formats.image.source import normal
from binlint.formats.members import Member

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.formats.image.reader import Image
    from binlint.formats.members import Budget

WHITEOUT, OPAQUE = ".wh.", ".wh..wh..opq"
_COMPRESSED_TAR = "binlint.formats.compressed:open_members"  # the registry's opener of compressed tars

# One file or link of one layer. layer: its index (0 is the base); order: its place in the
# layer's tar; path: from the root, without a leading slash; member: what the walk opens;
# target: a link's target as a path from the root, None for a file; hard: a hard link.
Entry = namedtuple("Entry", "layer order path member target hard")
# digest: the blob's; kind: how it is compressed (tar, gzip, ...); added: the files and links it
# lists; deleted: its whiteouts.
LayerInfo = namedtuple("LayerInfo", "digest kind added deleted")


def layer_name(index: int, digest: str) -> str:
    """How findings name a layer: its place and the start of its digest."""
    return f"layer {index + 1} ({digest[:19]})"


def link_target(path: str, target: str, hard: bool) -> str:
    """Where a link in the image points, as a path from the root: a symbolic link relative to
    its folder, `..` stopping at the root as the kernel does; a hard link from the root."""
    parts: list[str] = [] if hard or target.startswith("/") else path.split("/")[:-1]
    for part in target.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def open_layer(source: Any, path: str, index: int, digest: str, budget: Budget) -> tuple[list[Any], Any, str]:
    """(tar headers of the files, links and folders, each with its Member or None; the closer; the
    compression) of one layer."""
    from binlint.formats import tars

    where = layer_name(index, digest)
    try:
        stream = source.open(path)
    except KeyError:
        raise ArtifactError(f"{where} is missing from the image's blobs ({path})") from None
    try:
        head = stream.read(HEAD_SIZE)
        stream.seek(0)
        if not head.strip(b"\0"):  # an empty layer: no entries, or only the end of a tar
            stream.close()
            return [], None, "tar"
        kind = classify(head)
        if kind != "tar" and REGISTRY[kind].members != _COMPRESSED_TAR:
            raise ArtifactError(f"{where} is {REGISTRY[kind].description}, not a tar this binlint reads")
        found = tars.read_tar(stream, kind, budget)
        if found is None:
            raise ArtifactError(f"{where} is {kind}-compressed data that holds no tar")
        members, closer = found
        if closer.cut_off is not None:
            closer.close()
            raise ArtifactError(f"{where}: {closer.cut_off[0]}: {closer.cut_off[1]}")
    except ArtifactError as err:
        stream.close()
        message = str(err)
        raise ArtifactError(message if message.startswith(where) else f"{where}: {message}") from None
    except BaseException:
        stream.close()
        raise
    opened = iter(members)
    listed = []
    for info in closer.archive.members:
        member = next(opened) if info.isfile() or info.issym() or info.islnk() else None
        listed.append((info, member))
    return listed, Closers(closer), kind


class FileSystem:
    """The image's files as its layers leave them: folders are dicts, files and links Entries."""

    def __init__(self) -> None:
        self.root: dict[str, Any] = {}
        self.unsafe: list[dict[str, Any]] = []  # entries that climb out of the root

    def folder(self, path: str, create: bool) -> dict[str, Any] | None:
        node = self.root
        for part in path.split("/") if path else ():
            child = node.get(part)
            if not isinstance(child, dict):
                if not create:
                    return None
                child = node[part] = {}  # a folder replaces a lower layer's file or link
            node = child
        return node

    def apply(self, index: int, digest: str, listed: list[Any]) -> LayerInfo:
        """Layer `index`'s whiteouts, then its entries."""
        hidden, opaque, added = [], [], []
        for order, (info, member) in enumerate(listed):
            path = normal(info.name)
            if path is None:
                self.unsafe.append({"layer": layer_name(index, digest), "name": info.name})
                continue
            folder, _, base = path.rpartition("/")
            if base == OPAQUE:
                opaque.append(folder)
            elif base.startswith(WHITEOUT):
                gone = normal(f"{folder}/{base[len(WHITEOUT):]}".lstrip("/"))
                if gone is None or gone == folder or not base[len(WHITEOUT):].strip("."):
                    self.unsafe.append({"layer": layer_name(index, digest), "name": info.name})
                else:
                    hidden.append(gone)
            elif path:
                added.append((order, path, info, member))
        for folder in opaque:
            node = self.folder(folder, False)
            if node is not None:
                node.clear()
        for path in hidden:
            parent, _, base = path.rpartition("/")
            node = self.folder(parent, False)
            if node is not None:
                node.pop(base, None)
        for order, path, info, member in added:
            parent, _, base = path.rpartition("/")
            node = self.folder(parent, True)
            assert node is not None
            if info.isdir():
                if not isinstance(node.get(base), dict):
                    node[base] = {}
                continue
            hard = info.islnk()
            target = link_target(path, info.linkname, hard) if member is not None and member.link is not None else None
            node[base] = Entry(index, order, path, member, target, hard)
        return LayerInfo(digest, "", len(added), len(hidden) + len(opaque))

    def entries(self) -> list[Entry]:
        """Every file and link, in the order their layers hold them."""
        found, folders = [], [self.root]
        while folders:
            for value in folders.pop().values():
                if isinstance(value, dict):
                    folders.append(value)
                else:
                    found.append(value)
        return sorted(found, key=lambda e: (e.layer, e.order))


class ImageContainer(Container):
    """The members of an image: its final file system (or, with every layer asked for, each
    layer's files), and what the image facts read: the image, its layers, its files by path."""

    def __init__(self, image: Image, members: list[Member], closer: Any, layers: list[LayerInfo],
                 files: dict[str, Entry], unsafe: list[dict[str, Any]], elves: dict[tuple[int, int], Any]) -> None:
        super().__init__(members, closer)
        self.image, self.layers, self.files, self.unsafe_entries = image, layers, files, unsafe
        # (layer, order) -> binlint.formats.image.elves.Elf of each ELF member the walk read whole
        self.elves = elves
        self.library_dirs: tuple[str, ...] = ()  # the image's own, for the loader model (world.py)
        self.musl_loader: str | None = None
        self.order = {m.name: i for i, m in enumerate(members)}

    def layer_of(self, path: str) -> str | None:
        entry = self.files.get(path)
        return None if entry is None else layer_name(entry.layer, self.layers[entry.layer].digest)


def walk_member(entry: Entry, every_layer: bool, digest: str, elves: dict[tuple[int, int], Any]) -> Member:
    """The Member the walk reads for an entry: named from the root (`/usr/lib/x.so`), its link
    relative to its folder so that the loader model follows it inside the image. What the
    image facts need of an ELF file is kept as the walk reads it (`elves`): a compressed
    layer is then not inflated a third time for them."""
    from binlint.formats.image.elves import recording

    name = f"/{entry.path}" if not every_layer else f"{layer_name(entry.layer, digest)}:/{entry.path}"
    member = entry.member
    if entry.target is None:
        return member._replace(name=name, open=recording(member, entry, elves))  # type: ignore[no-any-return]
    link = posixpath.relpath(f"/{entry.target}", posixpath.dirname(f"/{entry.path}"))
    return Member(name, member.mode, 0, None, link)


def build(image: Image, source: Any, budget: Budget, every_layer: bool) -> ImageContainer:
    fs, layers, closers, every = FileSystem(), [], [source], []
    try:
        for index, (path, digest) in enumerate(image.layers):
            listed, closer, kind = open_layer(source, path, index, digest, budget)
            if closer is not None:
                closers.append(closer)
            layers.append(fs.apply(index, digest, listed)._replace(kind=kind))
            if every_layer:
                every += [Entry(index, order, normal(info.name), member,
                                link_target(normal(info.name) or "", info.linkname, info.islnk())
                                if member.link is not None else None, info.islnk())
                          for order, (info, member) in enumerate(listed)
                          if member is not None and normal(info.name) and
                          not posixpath.basename(info.name).startswith(WHITEOUT)]
    except BaseException:
        Closers(*closers).close()
        raise
    final = fs.entries()
    files = {e.path: e for e in final}
    shown = every if every_layer else final
    elves: dict[tuple[int, int], Any] = {}
    members = [walk_member(e, every_layer, layers[e.layer].digest, elves) for e in shown]
    return ImageContainer(image, members, Closers(*reversed(closers)), layers, files, fs.unsafe, elves)
