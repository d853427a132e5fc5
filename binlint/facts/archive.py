"""Facts of archives (zip, tar, ar) and of wheels, computed from the view's container."""
from __future__ import annotations

import struct

from binlint.formats import classify
from binlint.formats.classify import HEAD_SIZE
from binlint.errors import ArtifactError
from binlint.facts.catalogue import Fact
from binlint.wheeltags import expand_tags, tags_from_filename

TYPE_CHECKING = False
if TYPE_CHECKING:
    from binlint.facts import FileView

NATIVE_KINDS = frozenset({"elf", "macho", "pe"})


def _names(view: FileView) -> list[str]:
    container = view.container()
    return container.names() if container else []


def image_layout(view: FileView) -> str | None:
    container = view.container()
    names = container.name_set() if container else frozenset()
    if "manifest.json" in names:
        return "docker-archive"
    return "oci" if {"oci-layout", "index.json"} <= names else None


def wheel_fields(view: FileView) -> dict[str, list[str]] | None:
    if "wheel" not in view._values:
        container = view.container()
        view._values["wheel"] = container.wheel_metadata() if container and view.kind == "zip" else None
    return view._values["wheel"]


def wheel_tags(view: FileView) -> list[str]:
    fields = wheel_fields(view)
    if fields is None:
        return []
    # A Tag line may hold a compressed tag set (maturin writes `cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64`):
    # installers expand it, as they expand the file name's.
    tags = {tag for line in fields.get("Tag", []) for tag in expand_tags(line)}
    return sorted(tags) or tags_from_filename(file_name(view))


def file_name(view: FileView) -> str:
    """The artifact's own file name, on disk or inside an archive."""
    return view.path.rsplit("/", 1)[-1].rsplit("!", 1)[-1]


def platforms(view: FileView) -> list[str]:
    return sorted({tag.rsplit("-", 1)[-1] for tag in wheel_tags(view)})


def native_members(view: FileView) -> list[str]:
    """Members that are compiled code, by their bytes (the walk returns the kind of every
    member it viewed; the rest are classified here from their first bytes). Windows programs
    are left out: a wheel's `.exe` files are data to the installer (pip's own distlib
    launchers, which it copies next to scripts on Windows), never loaded by Python."""
    container = view.container()
    if not container:
        return []
    found, kinds = [], dict(view.walked.kinds)
    for member in container.members:
        kind = kinds.get(member.name)
        if (kind is None or kind == "pe") and member.open is not None:
            try:
                stream = member.open()
                try:
                    head = stream.read(HEAD_SIZE)
                finally:
                    stream.close()
            except ArtifactError:
                continue
            kind = kinds[member.name] = classify(head)
            if kind == "pe" and pe_program(head):
                continue
        if kind in NATIVE_KINDS:
            found.append(member.name)
    return found


IMAGE_FILE_DLL = 0x2000


def pe_program(head: bytes) -> bool:
    """A PE file whose COFF header says it is a program, not a DLL (a `.pyd` is a DLL); a
    header past the first bytes counts as a DLL, so nothing is left out unread."""
    if len(head) < 0x40:
        return False
    (pe_offset,) = struct.unpack_from("<I", head, 0x3C)  # e_lfanew
    if pe_offset + 24 > len(head) or head[pe_offset:pe_offset + 4] != b"PE\0\0":
        return False
    (characteristics,) = struct.unpack_from("<H", head, pe_offset + 22)
    return not characteristics & IMAGE_FILE_DLL


FACTS = {
    "archive.members": Fact("list[str]", "Names of the archive's files and links, in archive order.", _names),
    "archive.unsafe_members": Fact(
        "list[str]", "Members whose names extract outside the target directory: absolute names, `..` parts, "
        "drive letters.", lambda v: v.container().unsafe() if v.container() else []),
    "archive.escaping_links": Fact(
        "list[str]", "Link members (`name -> target`) that point out of the archive's tree: absolute targets, "
        "or `..` past its top.", lambda v: v.container().escaping_links() if v.container() else []),
    "archive.duplicate_members": Fact("list[str]", "Names stored more than once.",
                                      lambda v: v.container().duplicates() if v.container() else []),
    "archive.image_layout": Fact("str?", "The container image layout the members make at their root: "
                                 "`docker-archive` (a `manifest.json`, as `docker save` writes) or `oci` "
                                 "(`oci-layout` and `index.json`); null for other archives.", image_layout),
    "wheel.is_wheel": Fact("bool", "A zip with a `*.dist-info/WHEEL` file.", lambda v: wheel_fields(v) is not None),
    "wheel.tags": Fact("list[str]", "The wheel's compatibility tags (`cp311-cp311-manylinux_2_17_x86_64`), from "
                       "WHEEL's `Tag` lines, else from the file name.", wheel_tags),
    "wheel.platforms": Fact("list[str]", "The platform parts of the tags (`manylinux_2_17_x86_64`, `any`).", platforms),
    "wheel.pure": Fact("bool", "Every tag's platform is `any`: the wheel claims to hold no compiled code.",
                       lambda v: bool(wheel_tags(v)) and platforms(v) == ["any"]),
    "wheel.root_is_purelib": Fact("bool", "WHEEL says `Root-Is-Purelib: true`.",
                                  lambda v: (wheel_fields(v) or {}).get("Root-Is-Purelib", [""])[0].lower() == "true"),
    "wheel.native_members": Fact("list[str]", "Members that are compiled code (ELF, Mach-O, PE libraries), by "
                                 "their bytes; Windows programs (`.exe` launchers) are data to installers.",
                                 native_members),
}
