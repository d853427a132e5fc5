"""Facts of a container image: its layout, config and layers, the system it carries (C
library, library directories), and how its files fare on that system: the libraries the
image's own loader does not find, the glibc versions its glibc lacks, the machines it cannot
run, the programs its Entrypoint, Cmd or SHELL name that cannot start."""
from __future__ import annotations

from binlint.facts.catalogue import Fact
from binlint.formats.elf.arch import MACHINES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.facts.view import FileView
    from binlint.formats.image.elves import Elf
    from binlint.formats.image.layers import ImageContainer

# The machines each architecture's kernel runs besides its own: 32-bit x86 and Arm code runs
# on most amd64 and arm64 kernels (IA32 and AArch32 emulation), so it is not foreign there.
_ALSO_RUNS = {"amd64": {(3, 32)}, "arm64": {(40, 32)}}


def _image(view: FileView) -> ImageContainer:
    container = view.container()
    assert container is not None  # an image opens or is unreadable
    return container  # type: ignore[return-value]


def _elves(view: FileView) -> dict[str, Elf]:
    if "_elves" not in view._values:
        from binlint.formats.image.elves import scan
        view._values["_elves"] = scan(view, _image(view))
    return view._values["_elves"]  # type: ignore[no-any-return]


def _config(view: FileView, key: str) -> str | None:
    value = _image(view).image.config.get(key)
    return value if isinstance(value, str) else None


def layers(view: FileView) -> list[dict[str, Any]]:
    from binlint.formats.image.layers import layer_name

    return [{"layer": layer_name(i, layer.digest), "digest": layer.digest, "compression": layer.kind,
             "files": layer.added, "whiteouts": layer.deleted} for i, layer in enumerate(_image(view).layers)]


def needed_not_found(view: FileView) -> list[dict[str, Any]]:
    """Each DT_NEEDED name of each ELF file that its loads in the image leave unfound."""
    from binlint.facts.loading import _members
    from binlint.facts.view import Walked

    container, elves = _image(view), _elves(view)
    if not elves:
        return []
    walked = view.walked
    dynamics = {**walked.dynamics, **{f"/{p}": e.dynamic for p, e in elves.items()}}
    kinds = {**walked.kinds, **{name: "other" for name in container.order if name[1:] not in elves}}
    graph = _members(view, container).graph_of(Walked(kinds, dynamics, walked.digests))
    found = []
    for path in sorted(elves):
        for step, _ in graph.steps(path) or []:
            if step.path is None:
                found.append({"path": f"/{path}", "layer": container.layer_of(path), "library": step.name,
                              "how": step.how})
    return found


def glibc_above(view: FileView) -> list[dict[str, Any]]:
    from binlint.version import version

    glibc = _image(view).world.glibc
    if glibc is None:
        return []
    found = []
    container = _image(view)
    for path, elf in sorted(_elves(view).items()):
        above = sorted({(v, r) for _, v, r in elf.glibc_needs if r and version(r) > version(glibc)},
                       key=lambda item: version(item[1]), reverse=True)
        if above:
            found.append({"path": f"/{path}", "layer": container.layer_of(path), "version": above[0][0],
                          "versions": [v for v, _ in above]})
    return found


def foreign(view: FileView) -> list[dict[str, Any]]:
    from binlint.formats.image.world import ARCHITECTURES

    arch = _config(view, "architecture") or ""
    own = ARCHITECTURES.get(arch)
    if own is None:
        return []
    runs = {(own[0], own[1])} | _ALSO_RUNS.get(arch, set())
    container = _image(view)
    return [{"path": f"/{path}", "layer": container.layer_of(path),
             "machine": f"{MACHINES.get(elf.machine, f'EM_{elf.machine}')} {elf.bits}-bit"}
            for path, elf in sorted(_elves(view).items())
            if (elf.machine, elf.bits) not in runs or (elf.machine == own[0] and elf.little != own[2])]


def program_problems(view: FileView) -> list[dict[str, Any]]:
    from binlint.formats.image.programs import problems
    from binlint.formats.image.world import tree_of

    container = _image(view)
    found = problems(container, tree_of(container))
    for item in found:
        item["layer"] = container.layer_of(item["path"].lstrip("/")) if item["path"] else None
    return found


def entrypoint(view: FileView) -> list[str]:
    from binlint.formats.image.programs import command

    return next((argv for role, argv in command(_image(view)) if role != "shell"), [])


_LAYER = "the layer that added it: `layer 2 (sha256:4f1c...)`"
FACTS = {
    "image.layout": Fact("str", "How the image is stored: `docker-archive` (a `docker save` tarball's "
                         "manifest.json) or `oci` (an OCI image layout's index.json, as a folder or a tarball).",
                         lambda v: _image(v).image.layout),
    "image.reference": Fact("str?", "The tag or reference name the image is stored under, if any.",
                            lambda v: _image(v).image.name),
    "image.other_images": Fact("list[str]", "The other images the file holds, which binlint does not read: the "
                               "later entries of a `docker save` of several images (by tag), the other manifests "
                               "of an OCI index (by reference name and platform, `linux/arm64/v8`, or digest).",
                               lambda v: list(_image(v).image.others)),
    "image.architecture": Fact("str?", "The architecture its config names, as Go spells it: amd64, arm64, ...",
                               lambda v: _config(v, "architecture")),
    "image.os": Fact("str?", "The operating system its config names: linux, windows.", lambda v: _config(v, "os")),
    "image.layers": Fact("list[object]", "Its layers, base first: layer (`layer 1 (sha256:...)`), digest, "
                         "compression (tar, gzip, ...), files (files and links it adds), whiteouts (paths it deletes).",
                         layers, items={"layer": "str", "digest": "str", "compression": "str", "files": "int",
                                        "whiteouts": "int"}),
    "image.libc": Fact("list[str]", "The C libraries its file system carries: `glibc` (a libc.so.6 where its "
                       "loader looks), `musl` (a /lib/ld-musl-ARCH.so.1).", lambda v: list(_image(v).world.libc)),
    "image.glibc_version": Fact("str?", "The glibc of the image: the highest `GLIBC_` version its libc.so.6 "
                                "defines (DT_VERDEF), e.g. `2.36`; null without glibc.",
                                lambda v: _image(v).world.glibc),
    "image.library_dirs": Fact("list[str]", "The folders its loader searches after a file's own RPATH and "
                               "RUNPATH: those /etc/ld.so.conf and the files it includes name, then glibc's "
                               "default ones; musl's /etc/ld-musl-ARCH.path, or musl's default path.",
                               lambda v: [f"/{d}" for d in _image(v).library_dirs]),
    "image.entrypoint": Fact("list[str]", "What the image runs: its Entrypoint followed by its Cmd, or its Cmd.",
                             entrypoint),
    "image.unsafe_entries": Fact("list[object]", "Layer entries whose path climbs out of the root (`../etc/x`, "
                                 "a whiteout of `..`): layer and name, as the layer's tar spells it.",
                                 lambda v: list(_image(v).unsafe_entries), items={"layer": "str", "name": "str"}),
    "image.needed_not_found": Fact(
        "list[object]", "The DT_NEEDED libraries of the image's ELF programs and libraries (files with an execute "
        "bit, or named `*.so*`: the rest is data, such as test files) that its own loader "
        "does not find in the image (the loader model over the image's file system: RPATH, RUNPATH, $ORIGIN, "
        "then image.library_dirs; each program and library loaded as a root): path, layer (" + _LAYER + "), "
        "library, how (as in elf.needed_search).", needed_not_found,
        items={"path": "str", "layer": "str?", "library": "str", "how": "str"}),
    "image.glibc_versions_missing": Fact(
        "list[object]", "The ELF files that need `GLIBC_` symbol versions newer than image.glibc_version (not "
        "weak needs): path, layer, version (the highest), versions (all of them, newest first).", glibc_above,
        items={"path": "str", "layer": "str?", "version": "str", "versions": "list[str]"}),
    "image.foreign_elf": Fact(
        "list[object]", "The ELF programs and libraries for another machine than image.architecture (32-bit x86 "
        "and Arm code counts as the amd64 and arm64 kernels' own): path, layer, machine (`aarch64 64-bit`).",
        foreign, items={"path": "str", "layer": "str?", "machine": "str"}),
    "image.program_problems": Fact(
        "list[object]", "What stops the programs the image runs from starting: role (`entrypoint`, `cmd`, "
        "`shell`), program (as the config names it), path (the file it resolves to), layer, problem "
        "(`not-in-path`, `not-found`, `not-executable`, `interpreter-not-found`: the PT_INTERP or #! "
        "interpreter is not in the image, `exec-format`: neither ELF nor #!), interpreter (a `\\r` ending "
        "shown as such), missing (what is not in the image: the program or its interpreter).", program_problems,
        items={"role": "str", "program": "str", "path": "str?", "layer": "str?", "problem": "str",
               "interpreter": "str?", "missing": "str?"}),
}
