"""The loader model (binlint.facts.loader) held equal to the real loaders, and what users see of it:
`carried-library-not-on-search-path` on libraries a wheel carries where no search path looks, and
`rpath-build-directory` on the build machine's absolute search paths inside wheels.

Fixture trees are compiled here with gcc (and musl-gcc), put into wheels, and each wheel is
also unpacked as pip installs it, so that glibc's `ld.so --list` and musl's `--list` can say
what they load; real auditwheel-repaired wheels from PyPI (pinned by version and sha256) are
compared the same way.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import NamedTuple

import pytest

from binlint.walk import split as split_module
from binlint.cli import main
from binlint.formats.elf.reader import ElfFile
from binlint.facts.loading import dynamic, installed
from binlint.facts.loader import Load, Tree
import pypi
from fixtures import EXE_MODE, LIB_MODE, MANYLINUX_X86_64, ArchiveEntry, require_tool, tar_bytes, wheel_bytes

SRC = Path(__file__).resolve().parent / "fixtures" / "src" / "loader_node.c"
GLIBC_LDSO = "/lib64/ld-linux-x86-64.so.2"
MUSL_LDSO = "/lib/ld-musl-x86_64.so.1"
MUSLLINUX_X86_64 = "cp311-cp311-musllinux_1_2_x86_64"
RULE = "needed-library-not-on-target"
CARRIED = "carried-library-not-on-search-path"  # the same, for a copy the loader's search misses


class Node(NamedTuple):
    """One ELF file of a test tree: its member name, DT_SONAME, the members it needs (in
    DT_NEEDED order) and its search path: ("rpath" or "runpath", value)."""

    member: str
    soname: str | None = None
    needs: tuple[str, ...] = ()
    path: tuple[str, str] | None = None


def lib(member: str, *needs: str, path: tuple[str, str] | None = None) -> Node:
    return Node(member, member.rsplit("/", 1)[-1], needs, path)


def ext(member: str, *needs: str, path: tuple[str, str] | None = None) -> Node:
    return Node(member, None, needs, path)


RPATH, RUNPATH = "rpath", "runpath"
# name -> the tree. Each says in its comment what the real loaders do with it.
TREES: dict[str, list[Node]] = {
    # The extension's DT_RPATH is searched for the libraries the libraries it loads need.
    "rpath-chain": [ext("pkg/_ext.so", "pkg.libs/libmid.so.1", path=(RPATH, "$ORIGIN/../pkg.libs")),
                    lib("pkg.libs/libmid.so.1", "pkg.libs/libleaf.so.1"), lib("pkg.libs/libleaf.so.1")],
    # DT_RUNPATH is the object's own: libmid, which has none, cannot find libleaf beside it.
    "runpath-not-inherited": [ext("pkg/_ext.so", "pkg.libs/libmid.so.1", path=(RUNPATH, "$ORIGIN/../pkg.libs")),
                              lib("pkg.libs/libmid.so.1", "pkg.libs/libleaf.so.1"), lib("pkg.libs/libleaf.so.1")],
    # glibc walks the DT_RPATH of every loader up to the root, past one that has DT_RUNPATH.
    "rpath-past-runpath": [ext("pkg/_ext.so", "deep/libmid.so.1", path=(RPATH, "$ORIGIN/../deep")),
                           lib("deep/libmid.so.1", "inner/libinner.so.1", path=(RUNPATH, "$ORIGIN/../inner")),
                           lib("inner/libinner.so.1", "deep/libleaf.so.1"), lib("deep/libleaf.so.1")],
    # Breadth first: the extension loads liba and libb before liba asks for libb, which is then
    # already loaded (by its DT_SONAME) although liba has no search path.
    "already-loaded": [ext("pkg/_ext.so", "pkg.libs/liba.so.1", "pkg.libs/libb.so.1",
                           path=(RUNPATH, "$ORIGIN/../pkg.libs")),
                       lib("pkg.libs/liba.so.1", "pkg.libs/libb.so.1"), lib("pkg.libs/libb.so.1")],
    # auditwheel's layout: DT_RUNPATH $ORIGIN/../x.libs.
    "origin-libs": [ext("x/_ext.so", "x.libs/libdep.so.1", path=(RUNPATH, "$ORIGIN/../x.libs")),
                    lib("x.libs/libdep.so.1")],
    # Right beside the extension, which has no search path: the loader never looks there.
    "beside": [ext("pkg/_ext.so", "pkg/libdep.so.1"), lib("pkg/libdep.so.1")],
    # A wheel's .data/platlib/ is installed into site-packages, beside the wheel's root.
    "data-platlib": [ext("data_platlib-1.0.data/platlib/pkg/_ext.so", "pkg.libs/libdep.so.1",
                         path=(RUNPATH, "$ORIGIN/../pkg.libs")), lib("pkg.libs/libdep.so.1")],
    # ld.so alone finds libcore from neither pkg/sub/_ext.so nor other/_ext.so. Python
    # imports the package pkg, whose extension loads libcore, before pkg.sub._ext: libcore is
    # loaded by then (binlint counts the extension modules of the packages above a module as
    # imported first), but nothing imports pkg before other._ext.
    "package-first": [ext("pkg/_core.so", "pkg/libcore.so.1", path=(RUNPATH, "$ORIGIN")), lib("pkg/libcore.so.1"),
                      ext("pkg/sub/_ext.so", "pkg/libcore.so.1", path=(RUNPATH, "$ORIGIN")),
                      ext("other/_ext.so", "pkg/libcore.so.1", path=(RUNPATH, "$ORIGIN"))],
    # $LIB, where Debian's glibc (the one these tests run) puts it for x86-64.
    "lib-token": [ext("pkg/_ext.so", "pkg/lib/x86_64-linux-gnu/libdep.so.1", path=(RUNPATH, "$ORIGIN/$LIB")),
                  lib("pkg/lib/x86_64-linux-gnu/libdep.so.1")],
}
# name -> {member: what binlint must say is unresolved}, for the members that need a library
# of the tree (the system's libc is left out: the target provides it).
EXPECTED = {
    "rpath-chain": {"pkg/_ext.so": [], "pkg.libs/libmid.so.1": []},
    "runpath-not-inherited": {"pkg/_ext.so": [], "pkg.libs/libmid.so.1": ["libleaf.so.1"]},
    "rpath-past-runpath": {"pkg/_ext.so": [], "deep/libmid.so.1": [], "inner/libinner.so.1": []},
    "already-loaded": {"pkg/_ext.so": [], "pkg.libs/liba.so.1": []},
    "origin-libs": {"x/_ext.so": []},
    "beside": {"pkg/_ext.so": ["libdep.so.1"]},
    "package-first": {"pkg/_core.so": [], "pkg/sub/_ext.so": [], "other/_ext.so": ["libcore.so.1"]},
    "data-platlib": {"data_platlib-1.0.data/platlib/pkg/_ext.so": []},
    "lib-token": {"pkg/_ext.so": []},
}
# The same tree for musl, which makes no difference between DT_RPATH and DT_RUNPATH: both
# are inherited, so libmid finds libleaf through the extension's DT_RUNPATH.
MUSL_TREES = {"musl-runpath-inherited": TREES["runpath-not-inherited"]}


def build_tree(scratch: Path, nodes: list[Node], compiler: str = "gcc") -> dict[str, bytes]:
    """member -> the bytes of each node, compiled in dependency order and linked against the
    files it needs (so DT_NEEDED holds their sonames)."""
    cc = require_tool(compiler)
    scratch.mkdir(parents=True, exist_ok=True)
    built: dict[str, Path] = {}
    pending = list(nodes)
    while pending:
        node = next(n for n in pending if all(d in built for d in n.needs))
        pending.remove(node)
        out = scratch / node.member.replace("/", "__")
        argv = [cc, "-shared", "-fPIC", f"-DNODE=node_{len(built)}", str(SRC), "-o", str(out),
                "-Wl,--no-as-needed", *(str(built[d]) for d in node.needs)]
        if node.soname:
            argv.append(f"-Wl,-soname,{node.soname}")
        if node.path:
            kind, value = node.path
            argv += [f"-Wl,-rpath,{value}", "-Wl,--disable-new-dtags" if kind == RPATH else "-Wl,--enable-new-dtags"]
        subprocess.run(argv, check=True, capture_output=True)
        built[node.member] = out
    return {member: path.read_bytes() for member, path in built.items()}


def make_wheel(directory: Path, dist: str, nodes: list[Node], compiler: str = "gcc",
               tag: str = MANYLINUX_X86_64) -> Path:
    files = build_tree(directory / f"{dist}-build", nodes, compiler)
    wheel = directory / f"{dist}-1.0-{tag}.whl"
    wheel.write_bytes(wheel_bytes(dist, "1.0", tag, [ArchiveEntry(m, data, EXE_MODE if "/_" in m else LIB_MODE)
                                                     for m, data in files.items()]))
    return wheel


def install(wheel: Path, root: Path) -> Path:
    """Unpack `wheel` under `root` where pip would put each member, relative to the others."""
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            target = root / installed(info.filename, True)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
    return root


# --------------------------------------------------------------------------
# The real loaders
# --------------------------------------------------------------------------


def glibc_list(path: Path) -> tuple[set[str], dict[str, str]]:
    """(names ld.so says are not found, name -> the file it maps), as `ldd` asks it: with
    LD_TRACE_LOADED_OBJECTS=1 as the only variable of the environment, ld.so maps the objects,
    lists them and runs none of their code. (`ld.so --list` lists the same, but stops at the
    first library it cannot find.)"""
    result = subprocess.run(["env", "-i", "LD_TRACE_LOADED_OBJECTS=1", GLIBC_LDSO, str(path)],
                            capture_output=True, text=True, timeout=60)
    missing, found = set(), {}
    for line in result.stdout.splitlines():
        if m := re.match(r"^\s+(\S+) => not found$", line):
            missing.add(m[1])
        elif m := re.match(r"^\s+(\S+) => (/\S+) \(0x[0-9a-f]+\)$", line):
            found[m[1]] = os.path.realpath(m[2])
    # ld.so itself is always loaded, and found by its soname (its line is `/lib64/ld-linux-x86-64.so.2
    # (0x...)`, or misnamed after the main program when that needs it by name).
    found["ld-linux-x86-64.so.2"] = os.path.realpath(GLIBC_LDSO)
    return missing, found


def musl_list(path: Path) -> tuple[set[str], dict[str, str]]:
    """The same for musl's loader, which prints what it maps and reports each failure as
    `Error loading shared library NAME: ... (needed by FILE)` on standard error."""
    result = subprocess.run(["env", "-i", MUSL_LDSO, "--list", str(path)], capture_output=True, text=True,
                            timeout=60)
    missing = set(re.findall(r"Error loading shared library (\S+): ", result.stderr))
    found = {m[1]: os.path.realpath(m[2]) for m in re.finditer(r"^\s+(\S+) => (/\S+) \(0x[0-9a-f]+\)$",
                                                                 result.stdout, re.M)}
    return missing, found


def disk_tree(root: Path) -> Tree:
    files = {p.relative_to(root).as_posix(): p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}

    def read(path: str):  # type: ignore[no-untyped-def]
        data = (root / path).read_bytes()
        return dynamic(ElfFile(data)) if data[:4] == b"\x7fELF" else None
    return Tree(files, {}, read)


def compare_with_loader(root: Path, musl: bool = False) -> int:
    """For every ELF file under `root` that needs libraries, load it as the root of its own
    load with the model and with the real loader (which maps it as its main program), and
    compare what each maps from the tree and which names fail.

    The rule: the names the real loader does not find == the names the model does not find
    in the tree, less those the real loader took from this machine's system directories
    (system libraries are the target's business, which the model leaves to the rule's list);
    and the files the real loader maps from the tree == the files the model loads. Returns
    how many objects were compared."""
    tree, compared = disk_tree(root), 0
    for path in sorted(tree.files):
        dyn = tree.dynamic(path)
        if dyn is None or not dyn.needed:
            continue
        missing, found = (musl_list if musl else glibc_list)(root / path)
        load = Load(tree, path)
        model_missing = {s.name for steps in load.steps.values() for s in steps if s.path is None}
        from_system = {name for name, file in found.items() if not file.startswith(f"{root}/")}
        assert model_missing - from_system == missing, path
        in_tree = {Path(file).relative_to(root).as_posix() for file in found.values() if file.startswith(f"{root}/")}
        assert set(load.order[1:]) == in_tree, path
        compared += 1
    return compared


def require_loader(path: str, package: str) -> None:
    if not os.path.exists(path):
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing (apt-get install {package})")
        pytest.skip(f"{path} is missing (apt-get install {package})")


@pytest.mark.parametrize("name", sorted(TREES))
def test_model_equals_ld_so_on_fixture_trees(tmp_path: Path, name: str) -> None:
    require_loader(GLIBC_LDSO, "libc6")
    wheel = make_wheel(tmp_path, name.replace("-", "_"), TREES[name])
    assert compare_with_loader(install(wheel, tmp_path / "installed")) >= 1


@pytest.mark.parametrize("name", sorted(MUSL_TREES))
def test_model_equals_musl_loader_on_fixture_trees(tmp_path: Path, name: str) -> None:
    require_loader(MUSL_LDSO, "musl")
    require_tool("musl-gcc")
    wheel = make_wheel(tmp_path, name.replace("-", "_"), MUSL_TREES[name], "musl-gcc", MUSLLINUX_X86_64)
    assert compare_with_loader(install(wheel, tmp_path / "installed"), musl=True) >= 2


# --------------------------------------------------------------------------
# Real auditwheel-repaired wheels
# --------------------------------------------------------------------------

# (requirement, platform, file, sha256): pyzmq carries libzmq and libsodium in pyzmq.libs/
# (libzmq reaches libsodium through its own DT_RPATH); shapely carries libgeos_c and libgeos in
# shapely.libs/, and libgeos_c has no search path: it finds libgeos through the DT_RPATH of
# the extension that loads it. orjson is a Rust extension for musl.
REAL_WHEELS = {
    "pyzmq": ("pyzmq==26.2.0", "manylinux_2_17_x86_64",
              "pyzmq-26.2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
              "92a78853d7280bffb93df0a4a6a2498cba10ee793cc8076ef797ef2f74d107cf"),
    "shapely": ("shapely==2.0.6", "manylinux_2_17_x86_64",
                "shapely-2.0.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                "b3dc9fb0eb56498912025f5eb352b5126f04801ed0e8bdbd867d21bdbfd7cbd0"),
    "orjson": ("orjson==3.13.0", "musllinux_1_2_x86_64", "orjson-3.13.0-cp311-cp311-musllinux_1_2_x86_64.whl",
               "50a5202ba388b3850ba24437951727d3aa6d79a21964a30ae8dc6a059a5fd34c"),
}


@pytest.fixture(scope="module")
def real_wheels() -> dict[str, Path]:
    """The wheels, downloaded once into the cache outside the clone (tests/pypi.py)."""
    return {name: pypi.wheel(requirement, platform, "3.11", filename, sha256)
            for name, (requirement, platform, filename, sha256) in REAL_WHEELS.items()}


@pytest.mark.parametrize("name", ["pyzmq", "shapely"])
def test_model_equals_ld_so_on_real_wheels(real_wheels: dict[str, Path], tmp_path: Path, name: str) -> None:
    require_loader(GLIBC_LDSO, "libc6")
    assert compare_with_loader(install(real_wheels[name], tmp_path)) >= 3


def test_model_equals_musl_loader_on_a_real_wheel(real_wheels: dict[str, Path], tmp_path: Path) -> None:
    require_loader(MUSL_LDSO, "musl")
    assert compare_with_loader(install(real_wheels["orjson"], tmp_path), musl=True) == 1


def test_real_wheels_are_clean_in_their_own_tag(real_wheels: dict[str, Path],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_json(capsys, str(real_wheels["pyzmq"]), str(real_wheels["shapely"]))
    assert by_rule(report, RULE) == []
    facts = member_facts(capsys, real_wheels["shapely"])
    [geos_c] = [f for p, f in facts.items() if "libgeos_c" in p]
    [step] = [s for s in geos_c["elf.needed_search"] if s["name"].startswith("libgeos-")]
    assert re.fullmatch(r"shapely\.libs/libgeos-\w+\.so[.\d]*", step["path"]), step
    assert (step["how"], step["through"], step["carried"]) == ("search-path", "DT_RPATH", []), step
    assert re.fullmatch(r"shapely/\S+\.so", step["via"]) and re.fullmatch(r"shapely/\S+\.so", step["in_load_of"]), step


# --------------------------------------------------------------------------
# What users see
# --------------------------------------------------------------------------


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main(["check", "--format", "json", *argv])
    return code, json.loads(capsys.readouterr().out)


def by_rule(report: dict, rule: str) -> list[dict]:
    return [f for f in report["findings"] if f["rule"] == rule]


def member_facts(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, dict]:
    assert main(["facts", str(path)]) == 0
    return {a["path"].split("!", 1)[-1]: a["facts"] for a in json.loads(capsys.readouterr().out)["artifacts"]}


@pytest.mark.parametrize("name", sorted(TREES))
def test_unresolved_needed_follows_the_loader(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    wheel = make_wheel(tmp_path, name.replace("-", "_"), TREES[name])
    facts = member_facts(capsys, wheel)
    got = {m: [n for n in facts[m]["elf.unresolved_needed"] if n != "libc.so.6"] for m in EXPECTED[name]}
    assert got == EXPECTED[name]


def test_a_library_no_search_path_reaches_is_reported_with_where_it_is(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    wheel = make_wheel(tmp_path, "beside", TREES["beside"])
    code, report = run_json(capsys, str(wheel))
    [finding] = by_rule(report, CARRIED)
    assert by_rule(report, RULE) == []
    assert code == 1 and finding["path"] == f"{wheel}!pkg/_ext.so" and finding["evidence"] == [
        {"name": "libdep.so.1", "carried_at": "pkg/libdep.so.1", "in_load_of": None}]
    assert finding["message"] == (
        "needs libraries that the artifact carries where no search path of the loader reaches: "
        "libdep.so.1 (carried at pkg/libdep.so.1)")


def test_a_library_that_relied_on_an_inherited_search_path(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    wheel = make_wheel(tmp_path, "runpath", TREES["runpath-not-inherited"])
    code, report = run_json(capsys, str(wheel))
    [finding] = by_rule(report, CARRIED)
    assert finding["path"] == f"{wheel}!pkg.libs/libmid.so.1" and finding["evidence"] == [
        {"name": "libleaf.so.1", "carried_at": "pkg.libs/libleaf.so.1", "in_load_of": "pkg/_ext.so"}]
    assert finding["message"].endswith(": libleaf.so.1 (carried at pkg.libs/libleaf.so.1)")
    # The same tree for musl loads: its loader passes DT_RUNPATH on like DT_RPATH.
    if shutil.which("musl-gcc"):
        musl = make_wheel(tmp_path, "muslrunpath", TREES["runpath-not-inherited"], "musl-gcc", MUSLLINUX_X86_64)
        facts = member_facts(capsys, musl)
        assert facts["pkg.libs/libmid.so.1"]["elf.unresolved_needed"] == ["libc.so"]


def test_lib_and_platform_tokens(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """$LIB is what the target's glibc was built with (lib64 on RHEL and the manylinux images,
    lib/x86_64-linux-gnu on Debian): a library under either is found. $PLATFORM is the
    user's CPU (x86_64, haswell): any one folder."""
    nodes = [ext("pkg/_ext.so", "pkg/lib64/liblib.so.1", "pkg/plat/haswell/libplat.so.1",
                 path=(RUNPATH, "$ORIGIN/$LIB:$ORIGIN/plat/${PLATFORM}")),
             lib("pkg/lib64/liblib.so.1"), lib("pkg/plat/haswell/libplat.so.1")]
    facts = member_facts(capsys, make_wheel(tmp_path, "tokens", nodes))
    found = {"how": "search-path", "through": "DT_RUNPATH", "via": "pkg/_ext.so", "carried": [], "in_load_of": None}
    assert facts["pkg/_ext.so"]["elf.needed_search"][:2] == [
        {"name": "liblib.so.1", "path": "pkg/lib64/liblib.so.1", **found},
        {"name": "libplat.so.1", "path": "pkg/plat/haswell/libplat.so.1", **found}]


def test_same_answer_when_members_are_split_between_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """The graph is built in whichever process needs it, from the whole archive: the findings
    do not depend on how the engine splits the members."""
    nodes = TREES["runpath-not-inherited"] + TREES["beside"][:1] + [lib("pkg/libdep.so.1")]
    nodes = [n._replace(member=n.member.replace("pkg/_ext.so", "pkg/_ext2.so")) if i >= 3 else n
             for i, n in enumerate(nodes)]
    files = build_tree(tmp_path / "build", nodes)
    padding = [ArchiveEntry(f"pkg/data{i}.bin", os.urandom(80_000)) for i in range(3)]  # mapped, not read whole
    wheel = tmp_path / f"split-1.0-{MANYLINUX_X86_64}.whl"
    wheel.write_bytes(wheel_bytes("split", "1.0", MANYLINUX_X86_64,
                                  [*padding, *(ArchiveEntry(m, d, EXE_MODE) for m, d in files.items())]))
    code, report = run_json(capsys, str(wheel))
    whole = [(f["path"], f["message"]) for f in by_rule(report, CARRIED)]
    assert len(whole) == 2
    monkeypatch.setattr(split_module, "PARALLEL_MEMBER_BYTES", 0)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    code, report = run_json(capsys, str(wheel))
    assert [(f["path"], f["message"]) for f in by_rule(report, CARRIED)] == whole


@pytest.mark.parametrize("kept", [True, False])
def test_the_graph_reads_no_member_a_second_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str], kept: bool) -> None:
    """A member whose own search paths miss a library the wheel carries waits until every
    member has been read once (the engine's walk tells the model what each needs): then that
    member is looked at again from the bytes the walk kept, and no member is inflated twice
    (scipy's grafted libgfortran once made binlint inflate all 119 compiled members twice).
    Past KEPT_BYTES of waiting members, only those are read again; the findings are the same."""
    from binlint.formats.members import Budget
    from binlint.walk import members as walk_members

    reads: list[str] = []
    original = Budget.read

    def counted(self, member, *args, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(member.name)
        return original(self, member, *args, **kwargs)

    wheel = make_wheel(tmp_path, "runpath", TREES["runpath-not-inherited"])
    monkeypatch.setattr(Budget, "read", counted)
    if not kept:
        monkeypatch.setattr(walk_members, "KEPT_BYTES", 0)
    code, report = run_json(capsys, str(wheel))
    [finding] = by_rule(report, CARRIED)
    assert finding["path"] == f"{wheel}!pkg.libs/libmid.so.1"
    elf = sorted({name for name in reads if name.endswith((".so", ".so.1"))})
    assert sorted(reads) == sorted([*elf, *([] if kept else ["pkg.libs/libmid.so.1"])]), reads


def test_tarball_links_and_files_on_disk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A release tarball: bin/app reaches lib/ through DT_RUNPATH $ORIGIN/../lib, where the
    soname is a symbolic link to the versioned file. Unpacked on disk, the same."""
    files = build_tree(tmp_path / "build", [ext("bin/app", "lib/libdep.so.1", path=(RUNPATH, "$ORIGIN/../lib")),
                                            lib("lib/libdep.so.1")])
    entries = [ArchiveEntry("app-1.0/bin/app", files["bin/app"], EXE_MODE),
               ArchiveEntry("app-1.0/lib/libdep.so.1.2.3", files["lib/libdep.so.1"]),
               ArchiveEntry("app-1.0/lib/libdep.so.1", link="libdep.so.1.2.3")]
    tarball = tmp_path / "app-1.0.tar.gz"
    tarball.write_bytes(tar_bytes(entries, "gz"))
    facts = member_facts(capsys, tarball)
    assert facts["app-1.0/bin/app"]["elf.unresolved_needed"] == ["libc.so.6"]
    # lib64 a link to the folder lib: the loader follows it.
    moved = [ArchiveEntry("app-1.0/bin/app", files["bin/app"], EXE_MODE),
             ArchiveEntry("app-1.0/lib64/libdep.so.1", files["lib/libdep.so.1"]),
             ArchiveEntry("app-1.0/lib", link="lib64")]
    tarball.write_bytes(tar_bytes(moved, "gz"))
    assert member_facts(capsys, tarball)["app-1.0/bin/app"]["elf.unresolved_needed"] == ["libc.so.6"]
    with_libs = tmp_path / "unpacked"
    (with_libs / "bin").mkdir(parents=True)
    (with_libs / "lib").mkdir()
    (with_libs / "bin" / "app").write_bytes(files["bin/app"])
    (with_libs / "lib" / "libdep.so.1").write_bytes(files["lib/libdep.so.1"])
    facts = member_facts(capsys, with_libs / "bin" / "app")
    assert [a["elf.unresolved_needed"] for a in facts.values()] == [["libc.so.6"]]


# --------------------------------------------------------------------------
# Absolute search paths inside wheels (rpath-build-directory)
# --------------------------------------------------------------------------


def test_absolute_search_paths_in_a_wheel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """In a wheel any absolute entry outside the system directories is the build machine's;
    a loose file keeps the build-directory patterns only."""
    runpath = "/opt/toolchain/lib:/usr/local/lib:$ORIGIN/../x.libs:/usr/lib/x86_64-linux-gnu"
    files = build_tree(tmp_path / "build", [ext("x/_ext.so", "x.libs/libdep.so.1", path=(RUNPATH, runpath)),
                                            lib("x.libs/libdep.so.1")])
    wheel = tmp_path / f"x-1.0-{MANYLINUX_X86_64}.whl"
    wheel.write_bytes(wheel_bytes("x", "1.0", MANYLINUX_X86_64,
                                  [ArchiveEntry(m, d, EXE_MODE) for m, d in files.items()]))
    code, report = run_json(capsys, str(wheel))
    [finding] = by_rule(report, "rpath-build-directory")
    assert finding["path"] == f"{wheel}!x/_ext.so" and finding["severity"] == "warning"
    assert finding["evidence"] == ["/opt/toolchain/lib", "/usr/local/lib"]
    assert finding["message"] == "the library search path names directories of the build machine: " \
                                 "/opt/toolchain/lib, /usr/local/lib"
    assert by_rule(report, RULE) == []  # libdep through $ORIGIN/../x.libs
    # The same file on disk: /opt/toolchain/lib and /usr/local/lib are install prefixes there.
    loose = tmp_path / "_ext.so"
    loose.write_bytes(files["x/_ext.so"])
    code, report = run_json(capsys, str(loose))
    assert by_rule(report, "rpath-build-directory") == []
    # A wheel inside an sdist is still a wheel: its members are installed.
    sdist = tmp_path / "x-1.0.tar.gz"
    sdist.write_bytes(tar_bytes([ArchiveEntry(f"x-1.0/dist/{wheel.name}", wheel.read_bytes())], "gz"))
    facts = member_facts(capsys, sdist)
    assert facts[f"x-1.0/dist/{wheel.name}!x/_ext.so"]["file.in_wheel"] is True
    assert facts[f"x-1.0/dist/{wheel.name}"]["file.in_wheel"] is False


def test_a_hostile_archive_costs_bounded_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Objects that all need each other make loads of every object by every root: past its
    budget the graph decides nothing, and each object keeps its own search paths' answer."""
    from binlint.facts import loader

    monkeypatch.setattr(loader.loads, "MAX_REQUESTS", 10_000)
    names = [f"lib{i}.so" for i in range(300)]
    dyn = loader.Dynamic(tuple(names), "$ORIGIN", None, None, 64, 62, True, False)
    tree = Tree({f"pkg/{n}": f"pkg/{n}" for n in names}, {}, lambda path: dyn)
    graph = loader.Graph(tree)
    assert graph.steps("pkg/lib0.so") is None
    steps, whole = loader.own_search(tree, "pkg/lib0.so", dyn)
    assert whole and all(s.path == f"pkg/{s.name}" for s in steps)


def test_member_paths_are_normalised_as_posixpath_does() -> None:
    """Member names already normal are taken as they are (binlint.facts.loading._normpath):
    every name made of these parts, with and without a trailing slash, as normpath gives it."""
    import itertools
    import posixpath

    from binlint.facts.loading import _normpath

    parts = ["a", ".", "..", "", ".hidden", "b.c", "..x", "x..", "..."]
    for count in range(1, 5):
        for combo in itertools.product(parts, repeat=count):
            for name in ("/".join(combo), "/".join(combo) + "/"):
                name = name.lstrip("/")
                assert _normpath(name) == posixpath.normpath(name), name
