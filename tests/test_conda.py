"""conda packages built by conda-package-handling (`.conda` and `.tar.bz2`), and the zstd
they are compressed with: members against `cph list`, info/index.json as facts and as the
members' target, info/paths.json against the files; zstd frames made by the `zstd` program,
bombs and frames binlint cannot decompress."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from fixtures import Artifacts, require_module, require_tool
from fixtures.packages import conda_package, cph_create
from test_archives import binlint, check_json, findings_of, tar_of

LIB = "lib/libnew.so.1"


def facts(path: Path, cwd: Path) -> dict[str, dict]:
    return {a["path"]: a["facts"] for a in json.loads(binlint(["facts", str(path)], cwd).stdout)["artifacts"]}


def cph_list(path: Path) -> list[str]:
    require_module("conda_package_handling", "conda-package-handling")
    cph = Path(sys.executable).parent / "cph"
    out = subprocess.run([str(cph), "list", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


@pytest.mark.parametrize("suffix", [".conda", ".tar.bz2"])
def test_members_are_what_cph_lists(artifacts: Artifacts, tmp_path: Path, suffix: str) -> None:
    package = conda_package(tmp_path, {LIB: artifacts.path("glibc-new-lib").read_bytes(),
                                       "bin/tool": b"#!/bin/sh\necho hi\n"},
                            {"subdir": "linux-64", "depends": ["__glibc >=2.28,<3.0.a0", "libzlib >=1.3"]}, suffix)
    document = facts(package, tmp_path)
    prefix = f"{package}!"
    assert sorted(p[len(prefix):] for p in document if p.startswith(prefix)) == sorted(cph_list(package))
    own = document[str(package)]
    assert (own["conda.is_package"], own["conda.name"], own["conda.subdir"], own["conda.glibc_floor"]) == \
        (True, "binlint-test", "linux-64", "2.28")
    assert own["conda.depends"] == ["__glibc >=2.28,<3.0.a0", "libzlib >=1.3"]
    assert own["conda.paths_missing"] == own["conda.paths_size_mismatches"] == own["conda.paths_hash_mismatches"] == []
    assert own["file.kind"] == ("conda" if suffix == ".conda" else "bzip2")


def test_without_glibc_the_default_sysroot_is_the_floor(artifacts: Artifacts) -> None:
    package = artifacts.path("conda-default-sysroot")
    [finding] = findings_of(check_json([str(package)], package.parent, expect=1), "package-glibc-above-dependencies")
    assert finding["path"] == f"{package}!{LIB}"
    assert finding["message"] == ("needs symbol versions newer than glibc 2.17, the oldest its package's "
                                  "dependencies accept: GLIBC_2.25 (getrandom)")
    assert check_json([str(artifacts.path("conda-package"))], package.parent, expect=0)["findings"] == []


@pytest.mark.parametrize("subdir, fires", [("linux-aarch64", True), ("linux-64", False), ("noarch", False)])
def test_the_subdir_is_the_architecture(artifacts: Artifacts, tmp_path: Path, subdir: str, fires: bool) -> None:
    package = conda_package(tmp_path, {"lib/libclean.so": artifacts.path("clean-lib").read_bytes()}, {"subdir": subdir})
    found = findings_of(check_json([package.name], tmp_path), "package-arch-mismatch")
    assert [(f["path"], f["message"]) for f in found] == \
        ([(f"{package.name}!lib/libclean.so", "x86_64 code, but its package is for aarch64")] if fires else [])


def test_paths_json_is_checked_against_the_files(artifacts: Artifacts, tmp_path: Path) -> None:
    [finding] = findings_of(check_json([str(artifacts.path("conda-paths-mismatch"))], tmp_path, expect=1),
                            "conda-paths-mismatch")
    assert finding["path"] == str(artifacts.path("conda-paths-mismatch"))
    assert finding["message"] == "files missing, or of another size or sha256, than info/paths.json lists: lib/libclean.so"

    def edit(entries: list[dict[str, object]]) -> None:
        entries[0]["size_in_bytes"] = 1
        entries.append({"_path": "lib/gone.so", "path_type": "hardlink", "sha256": "0" * 64, "size_in_bytes": 3})
    package = conda_package(tmp_path, {"lib/libclean.so": artifacts.path("clean-lib").read_bytes()},
                            {"subdir": "linux-64"}, ".tar.bz2", paths=edit)
    [finding] = findings_of(check_json([package.name], tmp_path, expect=1), "conda-paths-mismatch")
    assert finding["message"] == ("files missing, or of another size or sha256, than info/paths.json lists: "
                                  "lib/gone.so, lib/libclean.so")
    own = facts(package, tmp_path)[str(package)]
    assert (own["conda.paths_missing"], own["conda.paths_size_mismatches"], own["conda.paths_hash_mismatches"]) == \
        (["lib/gone.so"], ["lib/libclean.so"], [])


# -- zstd ----------------------------------------------------------------------------------

def zstd(data: bytes, *options: str) -> bytes:
    return subprocess.run([require_tool("zstd"), "-c", *options], input=data, capture_output=True, check=True).stdout


def test_tar_zst_files_are_walked(artifacts: Artifacts, tmp_path: Path) -> None:
    (tmp_path / "app.tar.zst").write_bytes(zstd(tar_of({"bin/app": artifacts.path("execstack-exe").read_bytes()}),
                                                "-19"))
    (tmp_path / "single.zst").write_bytes(zstd(b"not a tar\n"))
    document = check_json(["app.tar.zst", "single.zst"], tmp_path, expect=0)
    assert [f["path"] for f in document["findings"]] == ["app.tar.zst!bin/app"]


def test_a_zstd_bomb_stops_within_the_budget(tmp_path: Path) -> None:
    # A tar member of 1 GiB of zeros (a sparse file): 40 KiB of zstd.
    info = tarfile.TarInfo("big")
    info.size = 1 << 30
    raw = tmp_path / "bomb.tar"
    raw.write_bytes(info.tobuf())
    os.truncate(raw, 512 + (1 << 30) + 1024)
    subprocess.run([require_tool("zstd"), "-q", "-1", str(raw), "-o", str(tmp_path / "bomb.tar.zst")], check=True)
    raw.unlink()
    document = check_json(["bomb.tar.zst"], tmp_path, expect=1)
    [(path, message)] = [(f["path"], f["message"]) for f in findings_of(document, "unreadable-artifact")]
    assert path == "bomb.tar.zst!big" and message.endswith("a zstd bomb?"), message


def test_a_frame_that_needs_a_dictionary_is_one_diagnostic(tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    samples.mkdir()
    for number in range(200):
        (samples / f"{number}.txt").write_text(f"sample {number} of a dictionary: " + "conda " * (number % 7 + 3))
    dictionary = tmp_path / "dict"
    subprocess.run([require_tool("zstd"), "--train", *map(str, samples.iterdir()), "-o", str(dictionary),
                    "--maxdict=4096"], capture_output=True, check=True)
    (tmp_path / "dict.tar.zst").write_bytes(zstd(tar_of({"a.txt": b"conda " * 40}), "-D", str(dictionary)))
    [finding] = findings_of(check_json(["dict.tar.zst"], tmp_path, expect=1), "unreadable-artifact")
    assert finding["path"] == "dict.tar.zst" and "corrupt zstd data" in finding["message"]
    assert "\n" not in finding["message"]


def test_a_conda_zip_without_its_tars_is_one_diagnostic(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "bad-1.0-0.conda", "w") as archive:
        archive.writestr("metadata.json", '{"conda_pkg_format_version": 2}')
        archive.writestr("info-bad-1.0-0.tar.zst", zstd(tar_of({"info/index.json": b"{}"})))
    [finding] = findings_of(check_json(["bad-1.0-0.conda"], tmp_path, expect=1), "unreadable-artifact")
    assert finding["message"].endswith("a .conda package without pkg-*.tar.zst: it holds metadata.json, "
                                       "info-bad-1.0-0.tar.zst")


def test_another_zip_that_starts_with_metadata_json_is_a_zip(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "data.zip", "w") as archive:
        archive.writestr("metadata.json", "{}")
        archive.writestr("other.txt", "x")
    assert facts(tmp_path / "data.zip", tmp_path)[str(tmp_path / "data.zip")]["file.kind"] == "zip"
    assert check_json(["data.zip"], tmp_path, expect=0)["findings"] == []


# -- libraries and dependencies ------------------------------------------------------------

def program_needing(tmp_path: Path, library: str) -> tuple[bytes, bytes]:
    """A gcc-built library `libNAME.so.1` and a program needing it through $ORIGIN/../lib."""
    gcc = require_tool("gcc")
    name = library.removeprefix("lib").split(".so")[0]
    (tmp_path / "lib.c").write_text("int answer(void) { return 42; }\n")
    (tmp_path / "main.c").write_text("int answer(void);\nint main(void) { return answer() != 42; }\n")
    subprocess.run([gcc, "-shared", "-fPIC", f"-Wl,-soname,{library}", str(tmp_path / "lib.c"), "-o",
                    str(tmp_path / library)], check=True)
    (tmp_path / f"lib{name}.so").symlink_to(library)
    subprocess.run([gcc, str(tmp_path / "main.c"), f"-L{tmp_path}", f"-l{name}", "-Wl,-rpath,$ORIGIN/../lib",
                    "-o", str(tmp_path / "app")], check=True)
    return (tmp_path / "app").read_bytes(), (tmp_path / library).read_bytes()


@pytest.mark.parametrize("depends, carried, fires", [
    ([], False, True), (["libgcc >=13", "python >=3.11"], False, True),
    (["libfoo >=1.2"], False, False), (["foo-ng"], False, False), (["libfoo1 1.*"], False, False),
    ([], True, False),
])
def test_libraries_come_from_the_package_or_its_dependencies(tmp_path: Path, depends: list[str], carried: bool,
                                                             fires: bool) -> None:
    app, library = program_needing(tmp_path / "build", "libfoo.so.1") if (tmp_path / "build").mkdir() is None else ()
    files = {"bin/app": app, **({"lib/libfoo.so.1": library} if carried else {})}
    package = conda_package(tmp_path, files, {"subdir": "linux-64", "depends": depends})
    rule = "conda-library-not-in-dependencies"  # opt-in
    found = findings_of(check_json(["--extend-select", rule, package.name], tmp_path), rule)
    assert [(f["path"], f["evidence"]) for f in found] == \
        ([(f"{package.name}!bin/app", [{"name": "libfoo.so.1", "packages": ["foo"]}])] if fires else [])


def test_a_corrupt_index_json_is_one_diagnostic(artifacts: Artifacts, tmp_path: Path) -> None:
    package = conda_package(tmp_path, {"lib/libclean.so": artifacts.path("clean-lib").read_bytes()},
                            {"subdir": "linux-64"})
    # Rebuilt with an index.json that is no JSON, by conda-package-handling as before.
    (tmp_path / "prefix/info/index.json").write_text("{not json")
    package.unlink()
    cph_create(tmp_path / "prefix", package.name, tmp_path, ["lib/libclean.so", "info/index.json", "info/paths.json"])
    [finding] = findings_of(check_json([package.name], tmp_path, expect=1), "unreadable-artifact")
    assert finding["path"] == package.name and "corrupt conda metadata: Expecting property name" in finding["message"]


def test_a_tarball_with_another_info_index_json_is_a_tarball(artifacts: Artifacts, tmp_path: Path) -> None:
    import bz2
    for name, index in (("notjson.tar.bz2", b"{not json"), ("other.tar.bz2", b'{"pages": []}')):
        (tmp_path / name).write_bytes(bz2.compress(tar_of({"info/index.json": index,
                                                           "lib/x.so": artifacts.path("glibc-new-lib").read_bytes()})))
        own = facts(tmp_path / name, tmp_path)[str(tmp_path / name)]
        assert (own["file.kind"], own["conda.is_package"]) == ("bzip2", False)
    document = check_json(["notjson.tar.bz2", "other.tar.bz2"], tmp_path)
    # (tar_of's members are 0755: only non-elf-executable on index.json)
    assert {(f["rule"], f["path"].split("!")[1]) for f in document["findings"]} == {("non-elf-executable", "info/index.json")}


def test_a_bomb_in_a_conda_package_is_one_diagnostic(tmp_path: Path) -> None:
    # 256 MiB of zeros (a sparse file) packed by cph, and listed in paths.json.
    conda_package(tmp_path, {"small": b"x"}, {"subdir": "linux-64"})  # the prefix, info/ written
    os.truncate(tmp_path / "prefix/small", 256 << 20)
    cph_create(tmp_path / "prefix", "bomb-1.0-0.conda", tmp_path, ["small", "info/index.json", "info/paths.json"])
    document = check_json(["bomb-1.0-0.conda"], tmp_path, expect=1)
    assert [(f["rule"], f["path"]) for f in document["findings"]] == \
        [("unreadable-artifact", "bomb-1.0-0.conda!info/index.json")]
    assert document["findings"][0]["message"].endswith("a zstd bomb?")
