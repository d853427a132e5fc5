"""The image as the system its files run on: its architecture (the config's), its C library
(glibc's libc.so.6, with the version its symbol version definitions reach, or musl's loader),
and the directories its loader searches (/etc/ld.so.conf and the files it includes, the
default paths; musl's /etc/ld-musl-ARCH.path or musl's default path)."""
from __future__ import annotations

import fnmatch
import posixpath
import struct
from collections import namedtuple

from binlint.errors import ArtifactError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.facts.loader import Tree
    from binlint.formats.image.layers import ImageContainer

# GOARCH (the config's `architecture`) -> e_machine, ELF class, little-endian.
ARCHITECTURES = {
    "amd64": (62, 64, True), "386": (3, 32, True), "arm64": (183, 64, True), "arm": (40, 32, True),
    "ppc64le": (21, 64, True), "ppc64": (21, 64, False), "s390x": (22, 64, False), "riscv64": (243, 64, True),
    "mips64le": (8, 64, True), "mips64": (8, 64, False), "mipsle": (8, 32, True), "mips": (8, 32, False),
    "loong64": (258, 64, True),
}
# Debian's multiarch triplet of each, the folders its ld.so.conf.d names.
TRIPLETS = {
    "amd64": "x86_64-linux-gnu", "386": "i386-linux-gnu", "arm64": "aarch64-linux-gnu",
    "arm": "arm-linux-gnueabihf", "ppc64le": "powerpc64le-linux-gnu", "s390x": "s390x-linux-gnu",
    "riscv64": "riscv64-linux-gnu", "mips64le": "mips64el-linux-gnuabi64", "loong64": "loongarch64-linux-gnu",
}
# glibc's loader searches its built-in path after ld.so.cache, which ldconfig builds from
# ld.so.conf and the trusted folders: /lib and /usr/lib, and lib64 on 64-bit systems.
# Every one of them is searched here, so that a library any of them holds counts as found.
GLIBC_DEFAULT = ("lib", "usr/lib", "lib64", "usr/lib64", "lib32", "usr/lib32")
MUSL_DEFAULT = ("lib", "usr/local/lib", "usr/lib")  # musl's ldso/dynlink.c, without a path file
SMALL = 64 << 10  # the most read of a configuration file
LIBC_LIMIT = 64 << 20  # the most read of libc.so.6 (glibc's is about 2 MiB)
DT_VERDEF, DT_VERDEFNUM = 0x6FFFFFFC, 0x6FFFFFFD

# libc: the C libraries the image has (`glibc`, `musl`); glibc: the highest GLIBC_ version
# libc.so.6 defines, or None; libc_path: where it is; musl_loader: the path of ld-musl-*.so.1;
# library_dirs: the loader's folders, in the order searched (glibc's, then musl's).
World = namedtuple("World", "libc glibc libc_path musl_loader library_dirs")


def tree_of(container: ImageContainer) -> Tree:
    """The image's files as the loader model's tree (links followed, folders too)."""
    from binlint.facts.loader import Tree

    files = {p: f"/{p}" for p, e in container.files.items() if e.target is None}
    links = {p: e.target for p, e in container.files.items() if e.target is not None}
    return Tree(files, links, lambda path: None)


def read_files(container: ImageContainer, tree: Tree, paths: list[str], limit: int) -> dict[str, bytes]:
    """The first `limit` bytes of each file at `paths` (links followed), read in the order
    the layers hold them: a compressed layer is inflated once, front to back, for them all."""
    real = {p: tree.real(p) for p in paths}
    entries = sorted({container.files[r] for r in real.values() if r is not None}, key=lambda e: (e.layer, e.order))
    found: dict[str, bytes] = {}
    for entry in entries:
        try:
            stream = entry.member.open()
            try:
                found[entry.path] = stream.read(limit)
            finally:
                stream.close()
        except ArtifactError:
            continue  # unreadable: as if absent
    return {p: found[r] for p, r in real.items() if r is not None and r in found}


def world(container: ImageContainer) -> World:
    tree = tree_of(container)
    config_arch = container.image.config.get("architecture")
    triplet = TRIPLETS.get(config_arch if isinstance(config_arch, str) else "", "*")
    confs = ["etc/ld.so.conf"] + sorted(p for p in container.files if p.startswith("etc/ld.so.conf.d/"))
    musl_loader = next((p for p in sorted(_musl_loaders(container))
                        if tree.real(p)), None)
    musl_arch = musl_loader.rsplit("/", 1)[-1][len("ld-musl-"):-len(".so.1")] if musl_loader else None
    musl_path = f"etc/ld-musl-{musl_arch}.path" if musl_arch else None
    texts = read_files(container, tree, confs + ([musl_path] if musl_path else []), SMALL)
    glibc_dirs = _ld_so_conf(texts, "etc/ld.so.conf", container, 0) + [
        f"lib/{triplet}", f"usr/lib/{triplet}", *GLIBC_DEFAULT]
    libc_path = next((p for d in glibc_dirs if "*" not in d for p in [tree.find(d, "libc.so.6")] if p), None)
    glibc = None
    if libc_path is not None:
        data = read_files(container, tree, [libc_path], LIBC_LIMIT).get(libc_path)
        glibc = glibc_release(data) if data else None
    dirs = glibc_dirs if libc_path is not None else []
    if musl_loader is not None:
        text = texts.get(musl_path or "")
        musl_dirs = [p.strip().lstrip("/") for p in text.decode("utf-8", "replace").replace("\n", ":").split(":")
                     if p.strip().startswith("/")] if text is not None else list(MUSL_DEFAULT)
        dirs += musl_dirs
    libc = (["glibc"] if libc_path else []) + (["musl"] if musl_loader else [])
    unique = tuple(dict.fromkeys(posixpath.normpath(d) for d in dirs if d and "*" not in d))
    return World(libc, glibc, libc_path and f"/{libc_path}", musl_loader and f"/{musl_loader}", unique)


def _musl_loaders(container: ImageContainer) -> list[str]:
    return [p for p in container.files if p.startswith("lib/ld-musl-") and p.endswith(".so.1") and p.count("/") == 1]


def _ld_so_conf(texts: dict[str, bytes], path: str, container: ImageContainer, depth: int) -> list[str]:
    """The folders an ld.so.conf names, its `include` files' in their place (ldconfig's
    parse_conf: entries split by spaces, tabs, colons and commas; `#` starts a comment)."""
    text = texts.get(path)
    if text is None or depth > 4:
        return []
    found: list[str] = []
    for line in text.decode("utf-8", "replace").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("include") and line[7:8] in (" ", "\t"):
            for pattern in line[8:].split():
                pattern = pattern.lstrip("/") if pattern.startswith("/") else posixpath.join(posixpath.dirname(path), pattern)
                for name in sorted(p for p in container.files if fnmatch.fnmatch(p, pattern)):
                    found += _ld_so_conf(texts, name, container, depth + 1)
        elif line and not line.startswith("hwcap"):
            found += [e.lstrip("/") for e in line.replace(":", " ").replace(",", " ").split() if e.startswith("/")]
    return found


def glibc_release(data: bytes) -> str | None:
    """The highest `GLIBC_x.y` version node libc.so.6 defines (DT_VERDEF): what the loader
    checks a program's version needs against."""
    from binlint.formats.elf.reader import ElfFile
    from binlint.formats.elf.versions import parse_version_node
    from binlint.version import version

    try:
        elf = ElfFile(data)
        address, count = elf._dynamic_value(DT_VERDEF), elf._dynamic_value(DT_VERDEFNUM)
        if address is None or not count:
            return None
        start, end = elf._dynstr
        offset = elf._offset_of(address, "DT_VERDEF")
        order = "<" if elf.little_endian else ">"
        best = None
        for _ in range(min(count, 4096)):
            _, _, _, _, _, aux, following = struct.unpack_from(order + "HHHHIII", data, offset)
            name = elf._string(start + struct.unpack_from(order + "I", data, offset + aux)[0], end)
            namespace, release = parse_version_node(name)
            if namespace == "GLIBC" and release and (best is None or version(release) > version(best)):
                best = release
            if not following:
                break
            offset += following
        return best
    except (ArtifactError, struct.error):
        return None
