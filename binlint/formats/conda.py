"""conda packages: `.conda` (a zip of `metadata.json`, `info-*.tar.zst` and `pkg-*.tar.zst`)
and `.tar.bz2` (one tar of `info/` and the files), as conda-package-handling writes them.

The members are the files as installed under the environment's prefix (`pkg.conda!lib/x.so`)
and the `info/` files. `info/index.json` (subdir, depends) is the members' target: the
glibc its `__glibc` dependency accepts, else the sysroot conda-forge builds against;
`info/paths.json` lists each file's sha256 and size, which are checked against the members.
"""
from __future__ import annotations

import io
import re

from binlint.errors import ArtifactError
from binlint.facts.catalogue import Fact
from binlint.formats.container import Closers
from binlint.patterns import Pattern  # compiled on first use: every ELF view loads this module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.formats.container import Container
    from binlint.formats.package import PackageContainer

INDEX, PATHS = "info/index.json", "info/paths.json"
# conda-forge (and Anaconda's defaults) build Linux packages against a glibc 2.17 sysroot
# unless a recipe raises c_stdlib_version, which then adds `__glibc >=X` to the depends.
DEFAULT_SYSROOT = "2.17"
_GLIBC = Pattern(r"^__glibc\s+>=?\s*(\d+(?:\.\d+)+)")
_CHUNK = 1 << 20
# A package or library name as conda-forge's naming relates the two: lower case, without
# `lib` or `xorg-lib` before it, `-ng` or `-devel` after it, or its version (`libgfortran5`,
# `libpython3.12.so.1.0`, `xorg-libx11` -> gfortran, python, x11).
_NAME = Pattern(r"^(?:xorg-)?(?:lib)?(?P<stem>.+?)(?:-ng|-devel)?[\d._-]*$")
# The libraries whose package is named otherwise (by the stems of both): the GCC runtime
# packages, and the few whose project is not named like its library.
ALIASES = {"z": ("zlib",), "ssl": ("openssl",), "crypto": ("openssl",), "lzma": ("xz",), "bz2": ("bzip2",),
           "stdc++": ("stdcxx", "gcc"), "gcc_s": ("gcc",), "gomp": ("gcc", "_openmp_mutex"),
           "quadmath": ("gfortran", "gcc"), "atomic": ("gcc",), "tinfo": ("ncurses",), "ncursesw": ("ncurses",),
           "crypt": ("xcrypt",), "icuuc": ("icu",), "icui18n": ("icu",), "icudata": ("icu",),
           "png16": ("png",), "jpeg": ("jpeg-turbo",), "turbojpeg": ("jpeg-turbo",), "sqlite3": ("sqlite",),
           "openblas": ("blas",), "cblas": ("blas",), "lapack": ("blas",), "absl": ("abseil",),
           "gobject": ("glib",), "gio": ("glib",), "gmodule": ("glib",), "gthread": ("glib",),
           "sasl": ("cyrus-sasl",), "ldap": ("openldap",), "lber": ("openldap",), "omp": ("llvm-openmp",),
           "gssapi_krb": ("krb",), "k5crypto": ("krb",), "com_err": ("krb",)}


def open_members(view: Any) -> PackageContainer:
    """A `.conda` file: its info and pkg tars, zstd-compressed, inside a stored zip."""
    from binlint.formats import zips
    from binlint.formats.package import PackageContainer, in_memory, payload  # this module's import stays light

    parts, archive = zips.read_zip(view.data)
    info = next((m for m in parts if m.name.startswith("info-") and ".tar" in m.name), None)
    files = next((m for m in parts if m.name.startswith("pkg-") and ".tar" in m.name), None)
    if info is None or files is None:
        archive.close()
        raise ArtifactError(f"a .conda package without {'info-*.tar.zst' if info is None else 'pkg-*.tar.zst'}: "
                            f"it holds {', '.join(m.name for m in parts) or 'nothing'}")
    try:
        found, closer = payload(_whole(info, view.budget), view.budget, info.name)
        try:
            metadata, contents = in_memory(found, view.budget, lambda name: name)
        finally:
            closer.close()
        members, closer = payload(_whole(files, view.budget), view.budget, files.name)
    finally:
        archive.close()
    container = PackageContainer([*metadata, *members], Closers(closer))
    container.cut_off = closer.cut_off
    container.index, container.paths = _json(contents.get(INDEX)), _json(contents.get(PATHS))
    return container


def _whole(member: Any, budget: Any) -> io.BytesIO:
    stream = member.open()
    try:
        return io.BytesIO(bytes(budget.read(member, stream)))
    finally:
        stream.close()


def from_tar(container: Container, budget: Any) -> Container:
    """A `.tar.bz2` conda package (a tar holding info/index.json): its `info/` files read now,
    for the members' target. A tarball whose info/index.json is not a conda package's (no
    JSON object with a name and a subdir) is only a tarball."""
    from binlint.formats.package import in_memory

    wanted = [m for m in container.members if m.name in (INDEX, PATHS)]
    _, contents = in_memory(wanted, budget, lambda name: name)
    try:
        index = _json(contents.get(INDEX))
    except ArtifactError:
        return container
    if isinstance(index, dict) and "name" in index and "subdir" in index:
        container.index, container.paths = index, _json(contents.get(PATHS))
    return container


def _json(data: bytes | None) -> Any:
    import json  # here, and hashlib below: ELF files import this module (elf.needed_package_names)

    if data is None:
        return None
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as err:
        raise ArtifactError(f"corrupt conda metadata: {err}") from None


def _index(view: Any) -> dict[str, Any]:
    container = view.container()
    index = getattr(container, "index", None) if container is not None else None
    return index if isinstance(index, dict) else {}


def depends(index: dict[str, Any]) -> list[str]:
    found = index.get("depends")
    return [d for d in found if isinstance(d, str)] if isinstance(found, list) else []


def glibc_floor(index: dict[str, Any]) -> tuple[str, str] | None:
    """What `__glibc >=X` in the depends accepts; for a Linux package without one, the
    default sysroot's glibc; None for noarch and other platforms."""
    from binlint.formats.package import highest

    found = [(m[1], d) for d in depends(index) if (m := _GLIBC.match(d))]
    if found:
        return highest(found)
    subdir = index.get("subdir")
    return (DEFAULT_SYSROOT, "the default sysroot") if isinstance(subdir, str) and subdir.startswith("linux-") else None


def stem(name: str) -> str:
    """A package's or a library's name as both are compared (_NAME)."""
    match = _NAME.match(name.lower().split(".so", 1)[0])
    return match["stem"] if match else name.lower()


def names(name: str) -> set[str]:
    """The names a package or library goes by: its stem, the stem's first part (`grpc++`,
    `arrow_python`, `hdf5_hl` -> grpc, arrow, hdf) and last part (`cuda-cudart` -> cudart)."""
    own = stem(name)
    parts = [part for part in re.split(r"[^a-z0-9]+", own) if part]
    return {own, *(stem(p) for p in parts[:1] + parts[-1:])}


def context(view: Any, container: Container) -> dict[str, Any]:
    from binlint.formats.package import promises

    index = getattr(container, "index", None)
    if not isinstance(index, dict):
        return {}
    subdir = index.get("subdir")
    told = promises(glibc_floor(index), subdir if isinstance(subdir, str) else None)
    given = tuple(sorted({n for d in depends(index) if d.split() and not d.startswith("__") for n in names(d.split()[0])}))
    return {"promises": (*told.get("promises", ()), ("package_dependencies", given))}


def needed_packages(view: Any) -> list[dict[str, Any]]:
    """Each DT_NEEDED library the artifact does not carry at all, with the names (as stem()
    gives them) of the packages that would ship a library of its name."""
    from binlint.facts.loading import needed_not_found

    found = []
    for item in needed_not_found(view):
        if item["carried_at"] is None:
            own = names(item["name"])
            found.append({"name": item["name"], "packages": sorted({*own, *(a for n in own for a in ALIASES.get(n, ()))})})
    return found


def paths_mismatches(view: Any) -> dict[str, list[str]]:
    """The files of info/paths.json whose member is missing, or whose size or sha256 differ,
    by what differs (computed once for the three facts)."""
    if "conda.paths" not in view._values:
        view._values["conda.paths"] = _mismatches(view)
    return view._values["conda.paths"]  # type: ignore[no-any-return]


def _mismatches(view: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"missing": [], "size": [], "sha256": []}
    container = view.container()
    paths = getattr(container, "paths", None) if container is not None else None
    if not isinstance(paths, dict) or not isinstance(paths.get("paths"), list):
        return found
    members = {m.name: m for m in container.members}  # type: ignore[union-attr]
    for entry in paths["paths"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("_path"), str):
            continue
        name = entry["_path"]
        member = members.get(name)
        if member is None:
            if container.cut_off is None:  # a listing cut short (a bomb) lists no more: not missing
                found["missing"].append(name)
            continue
        if member.open is None or entry.get("path_type") not in (None, "hardlink"):
            continue  # links and directories have no content of their own
        try:
            size, digest = _measure(member, view.limits.member_bytes)
        except ArtifactError:  # unreadable (a bomb, corrupt data): the walk of the member said so
            continue
        if isinstance(entry.get("size_in_bytes"), int) and entry["size_in_bytes"] != size:
            found["size"].append(name)
        if isinstance(entry.get("sha256"), str) and entry["sha256"].lower() != digest:
            found["sha256"].append(name)
    return found


def _measure(member: Any, limit: int) -> tuple[int, str]:
    """The size and SHA-256 of a member, read again in chunks, at most `limit` bytes."""
    import hashlib

    digest, size = hashlib.sha256(), 0
    stream = member.open()
    try:
        while size <= limit:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            digest.update(chunk)
            size += len(chunk)
    finally:
        stream.close()
    return size, digest.hexdigest()


def _is_conda(view: Any) -> bool:
    container = view.container()
    return container is not None and isinstance(getattr(container, "index", None), dict)


FACTS = {
    "elf.needed_package_names": Fact(
        "list[object]", "The libraries of elf.needed_not_found the artifact carries nowhere, each with the names "
        "of the packages that would ship it by conda-forge's naming (packages): the library's and the package's "
        "names compared without `lib`, `xorg-lib`, `-ng` and versions (`libgfortran.so.5` -> gfortran, "
        "`libpython3.12.so.1.0` -> python), and a few others (`libz.so.1` -> z, zlib; `libssl.so.3` -> ssl, "
        "openssl).", needed_packages, {"name": "str", "packages": "list[str]"}),
    "conda.is_package": Fact("bool", "A conda package: a `.conda` file, or a tar holding `info/index.json`.",
                             _is_conda),
    "conda.name": Fact("str?", "`info/index.json`'s name.", lambda v: _index(v).get("name")),
    "conda.subdir": Fact("str?", "`info/index.json`'s subdir (`linux-64`, `noarch`).", lambda v: _index(v).get("subdir")),
    "conda.depends": Fact("list[str]", "`info/index.json`'s depends, as written (`__glibc >=2.28,<3.0.a0`).",
                          lambda v: depends(_index(v))),
    "conda.glibc_floor": Fact("str?", "The oldest glibc the package accepts: its `__glibc >=X` dependency, or "
                              f"for a `linux-*` package without one the default sysroot's {DEFAULT_SYSROOT}; null "
                              "for other subdirs.", lambda v: (glibc_floor(_index(v)) or (None,))[0]),
    "conda.paths_missing": Fact("list[str]", "Files `info/paths.json` lists that the package does not hold.",
                                lambda v: paths_mismatches(v)["missing"]),
    "conda.paths_size_mismatches": Fact("list[str]", "Files whose size differs from their `size_in_bytes` in "
                                        "`info/paths.json`.", lambda v: paths_mismatches(v)["size"]),
    "conda.paths_hash_mismatches": Fact("list[str]", "Files whose SHA-256 differs from their `sha256` in "
                                        "`info/paths.json`.", lambda v: paths_mismatches(v)["sha256"]),
}
