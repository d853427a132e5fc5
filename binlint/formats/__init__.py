"""The format registry: every kind of file binlint tells apart, declared once.

A format says how it is recognised (magic bytes at offset 0, or a test of the first bytes),
how it is described in messages, how its bytes are read, which groups of facts it offers,
and, for containers, how its members are listed and opened. Nothing else branches on kinds:
the walk, the view and the rule loader ask this registry.
"""
from __future__ import annotations

import importlib
from collections import namedtuple

from binlint.formats import classify as magic

# kind: the name rules and `file.kind` use. description: in words, for messages (a function of
# the view when it depends on the bytes). magic: prefixes at offset 0. test: for formats without
# a fixed prefix, a test of the first bytes, tried in registry order after every prefix; with
# magic, what the first bytes must also pass (a .conda file is a zip that starts so).
# read: "head" (rules need only the first bytes), "mapped" (on disk a memory map, as a member
# read whole), "streamed" (on disk read from the file as it goes, as a member read whole).
# groups: the fact groups it offers (file.* facts every kind has). members: for containers,
# "module:function" of view -> Container or None (a gzip file that holds no tar), imported
# when a file of the kind is met. context: "module:function" of (view, container) -> what the
# members are told of their holder (binlint.facts.view.Context fields) beyond its kind.
# parse: view -> the kind its headers tell (a separate debug file) or None, run when the view
# is opened so that a broken file is known before any rule runs.
Format = namedtuple("Format", "kind description magic test read groups members parse context",
                    defaults=((), None, "head", (), None, None, None))


def _elf_parse(view):  # type: ignore[no-untyped-def]
    """A program or library's separate debug file (`objcopy --only-keep-debug`, the files of
    /usr/lib/debug) keeps the headers, but its code has no bytes (`.text` is SHT_NOBITS), so
    no loader ever maps it and no loading rule applies."""
    elf = view.elf()
    if elf.type not in (2, 3):  # before the imports: 24 ms under cProfile over a tree's 9,187 objects
        return None
    from binlint.errors import ArtifactError
    from binlint.formats.elf.reader import PT_DYNAMIC, SHT_NOBITS

    try:
        # Cheap first (a section lookup costs 45 us, a tenth of a tree scan): the dynamic
        # section a loadable object has is never empty, and most rules read it anyway.
        if any(s.type == PT_DYNAMIC for s in elf.segments) and elf.dynamic:
            return None
        text = elf.section_named(".text")
    except ArtifactError:  # broken headers: the facts that read them say so
        return None
    return "elf-debug" if text is not None and text.type == SHT_NOBITS else None


def _macho_parse(view):  # type: ignore[no-untyped-def]
    from binlint.formats.macho import facts as macho
    macho.slices(view)


def _wasm_parse(view):  # type: ignore[no-untyped-def]
    from binlint.formats import wasm
    wasm.check_decodes(view)


def _pe_parse(view):  # type: ignore[no-untyped-def]
    from binlint.formats.pe import facts as pe
    return pe.parse(view)


def _tar_parse(view):  # type: ignore[no-untyped-def]
    from binlint.formats.image import opener
    return opener.parse(view)


def _is_conda(head: bytes) -> bool:
    """A zip whose first member is `metadata.json`, as every `.conda` writer puts it, and
    whose second is one of its `pkg-` or `info-` tars: another zip may start with a
    metadata.json too."""
    if head[26:28] != b"\x0d\x00" or head[30:43] != b"metadata.json":
        return False
    following = 43 + int.from_bytes(head[28:30], "little") + int.from_bytes(head[18:22], "little")
    name = head[following + 30:following + 35]
    return head[following:following + 4] == b"PK\x03\x04" and name.startswith((b"pkg-", b"info-"))


def _pyc_description(view):  # type: ignore[no-untyped-def]
    return f"Python {view.pyc_python()} bytecode"


_ARCHIVE, _BUNDLE = ("archive",), ("pyinstaller",)  # PyInstaller packages hide inside executables
# The openers of zip files and PyInstaller bundles, beside the Container their readers' entries make.
_CONTAINER = "binlint.formats.container:"

REGISTRY: dict[str, Format] = {f.kind: f for f in (
    Format("elf", "an ELF file", (b"\x7fELF",), read="mapped", groups=("elf", "python", *_BUNDLE),
           members=_CONTAINER + "open_elf_bundle", parse=_elf_parse),
    # Told from "elf" by its sections when opened, never by its first bytes.
    Format("elf-debug", "a separate ELF debug file", groups=("elf",)),
    # The kernel does not run a script that starts with a byte order mark (it looks for `#!` at
    # byte 0); it is a script to its author, and the script rules say why it fails.
    Format("script", "a #! script", (b"#!", magic.UTF8_BOM + b"#!"), groups=("script",)),
    Format("conda", "a conda package", (b"PK\x03\x04",), test=_is_conda, read="mapped",
           groups=(*_ARCHIVE, "conda"), members="binlint.formats.conda:open_members",
           context="binlint.formats.conda:context"),
    Format("zip", "a zip archive", (b"PK\x03\x04", b"PK\x05\x06"),  # an empty zip has only the end record
           read="mapped", groups=(*_ARCHIVE, "wheel"), members=_CONTAINER + "open_zip",
           context=_CONTAINER + "wheel_context"),
    Format("gzip", "a gzip-compressed file", (b"\x1f\x8b",), read="streamed", groups=_ARCHIVE,
           members="binlint.formats.compressed:open_members"),
    # A .tar.bz2 conda package is told by its tar's info/index.json.
    Format("bzip2", "a bzip2-compressed file", (b"BZh",), read="streamed", groups=(*_ARCHIVE, "conda"),
           members="binlint.formats.compressed:open_members", context="binlint.formats.conda:context"),
    Format("xz", "an xz-compressed file", (b"\xfd7zXZ\x00",), read="streamed", groups=_ARCHIVE,
           members="binlint.formats.compressed:open_members"),
    Format("zstd", "a zstd-compressed file", (b"\x28\xb5\x2f\xfd",), read="streamed", groups=_ARCHIVE,
           members="binlint.formats.compressed:open_members"),
    # Distribution packages, before the formats whose magic theirs starts with.
    Format("deb", "a Debian package", (b"!<arch>\ndebian-binary",), read="mapped", groups=(*_ARCHIVE, "deb"),
           members="binlint.formats.deb:open_members", context="binlint.formats.deb:context"),
    Format("rpm", "an RPM package", (b"\xed\xab\xee\xdb",), read="mapped", groups=(*_ARCHIVE, "rpm"),
           members="binlint.formats.rpm:open_members", context="binlint.formats.rpm:context"),
    Format("ar", "an ar archive", (b"!<arch>\n",), read="mapped", groups=_ARCHIVE,
           members="binlint.formats.ar:open_members"),
    Format("pe", "a Windows PE file", (b"MZ",), read="mapped", groups=("pe", "python", *_BUNDLE),
           members=_CONTAINER + "open_bundle", parse=_pe_parse),
    Format("empty", "an empty file", test=lambda head: not head),
    Format("macho", "a Mach-O file", test=magic.is_macho, read="mapped", groups=("macho", "python", *_BUNDLE),
           members=_CONTAINER + "open_bundle", parse=_macho_parse),
    Format("java-class", "a Java class file", test=magic.is_java_class),
    Format("wasm", "a WebAssembly module", (b"\0asm",), read="mapped", groups=("wasm",), parse=_wasm_parse),
    Format("tar", "a tar archive", test=magic.is_tar, read="streamed", groups=_ARCHIVE,
           members="binlint.formats.tars:open_members", parse=_tar_parse),
    # Told from "tar" by its listing when opened (manifest.json, or an OCI layout's index.json);
    # an OCI layout directory is one too (binlint.walk.discover).
    Format("image", "a container image", read="streamed", groups=("image",),
           members="binlint.formats.image.opener:open_members"),
    Format("pyc", _pyc_description, test=magic.pyc_python),
    Format("text", "text without a #! line", test=magic.is_text),
    Format("other", "data of no known format"),  # what no magic or test recognises
    # Set by the walk, never recognised from bytes.
    Format("symlink", "a symbolic link"),
    Format("unreadable", "a file"),
)}

# The modules that declare facts (a FACTS dict each, named group.fact), in the order
# docs/facts.md lists them; a format's facts module goes here with its registry entry.
FACT_MODULES = ("binlint.facts.file", "binlint.formats.elf.facts", "binlint.formats.elf.debug_file", "binlint.facts.loading", "binlint.facts.archive",
                "binlint.formats.pyinstaller.facts", "binlint.formats.script", "binlint.formats.macho.facts",
                "binlint.formats.macho.signing",
                "binlint.facts.wheel_metadata", "binlint.facts.wheel_sboms", "binlint.facts.python_abi",
                "binlint.formats.wasm", "binlint.formats.pe.facts", "binlint.formats.image.facts",
                "binlint.formats.deb", "binlint.formats.rpm", "binlint.formats.conda")

# The one kind of folder read as one artifact: an OCI image layout (binlint.walk.discover).
FOLDER_KIND = "image"
KINDS = tuple(k for k in REGISTRY if k != "unreadable")  # what a rule's `formats` may name
# Each group of facts -> the kinds of file that have it.
GROUP_KINDS: dict[str, frozenset[str]] = {
    group: frozenset(f.kind for f in REGISTRY.values() if group in f.groups)
    for group in dict.fromkeys(g for f in REGISTRY.values() for g in f.groups)}
READ_WHOLE_MEMBER = frozenset(k for k, f in REGISTRY.items() if f.read != "head")  # members beyond their first bytes
MAPPED = frozenset(k for k, f in REGISTRY.items() if f.read == "mapped")  # on disk: a memory map

_PREFIXES = tuple((prefix, f.test, f.kind) for f in REGISTRY.values() for prefix in f.magic)
_TESTS = tuple((f.test, f.kind) for f in REGISTRY.values() if f.test is not None and not f.magic)


def classify(head: bytes) -> str:
    """The kind of file whose first bytes are `head`, never from its name."""
    for prefix, test, kind in _PREFIXES:
        if head.startswith(prefix) and (test is None or test(head)):
            return kind
    for test, kind in _TESTS:
        if test(head):
            return kind
    return "other"


def description(view) -> str:  # type: ignore[no-untyped-def]
    described = REGISTRY[view.kind].description
    return described(view) if callable(described) else described


_HOOKS: dict[str, object] = {}


def hook(name: str):  # type: ignore[no-untyped-def]
    """The function a registry entry names as "module:function", imported on first use."""
    found = _HOOKS.get(name)
    if found is None:
        module, _, function = name.partition(":")
        found = _HOOKS[name] = getattr(importlib.import_module(module), function)
    return found
