"""Checks of the distribution packages (tests/fixtures/packages.py), read with dpkg-deb, rpm
and conda-package-handling, never binlint."""
from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tarfile
import tempfile
import zipfile
from pathlib import Path

from fixture_checks.registry import check, sibling
from fixtures import require_tool
from fixtures.elf import DEP_SONAME
from fixtures.packages import MULTIARCH_LIB


def _run(*argv: str | Path) -> str:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, check=True).stdout


def _deb(path: Path, depends: str | None, arch: str, member: str, compression: str) -> None:
    dpkg = require_tool("dpkg-deb")
    assert _run(dpkg, "-f", path, "Architecture").strip() == arch
    assert _run(dpkg, "-f", path, "Depends").strip() == (depends or "")
    assert f"./{member}" in _run(dpkg, "-c", path)
    assert f"data.tar.{compression}" in _run("ar", "t", path).split()


@check("deb-package")
def _deb_package(path: Path) -> None:
    _deb(path, "libc6 (>= 2.25)", "amd64", MULTIARCH_LIB, "xz")
    assert "postinst" in _run(require_tool("dpkg-deb"), "-I", path)
    payload = subprocess.run([require_tool("dpkg-deb"), "--fsys-tarfile", str(path)], capture_output=True,
                             check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(payload)) as archive:  # the payload inflates to a tar of the library
        assert archive.getmember(f"./{MULTIARCH_LIB}").size == len(sibling(path, "glibc-new-lib"))


@check("deb-glibc-low")
def _deb_glibc_low(path: Path) -> None:
    _deb(path, "libc6 (>= 2.17)", "amd64", MULTIARCH_LIB, "zst")


@check("deb-arch-mismatch")
def _deb_arch_mismatch(path: Path) -> None:
    _deb(path, None, "arm64", "usr/lib/aarch64-linux-gnu/libclean.so", "gz")


def _rpm(path: Path, requirement: str, member: str) -> None:
    rpm = require_tool("rpm")
    assert requirement in _run(rpm, "-qp", "--requires", path).splitlines()
    assert member in _run(rpm, "-qlp", path).splitlines()
    assert _run(rpm, "-qp", "--qf", "%{ARCH}", path) == "x86_64"


@check("rpm-package")
def _rpm_package(path: Path) -> None:
    _rpm(path, "libc.so.6(GLIBC_2.25)(64bit)", "/usr/lib64/libnew.so.1")
    assert _run(require_tool("rpm"), "-qp", "--qf", "%{PAYLOADCOMPRESSOR}", path) == "zstd"


@check("rpm-glibc-low")
def _rpm_glibc_low(path: Path) -> None:
    _rpm(path, "glibc >= 2.17", "/usr/lib64/libnew.so.1")
    assert not any("GLIBC" in line for line in _run(require_tool("rpm"), "-qp", "--requires", path).splitlines())


def _conda_info(path: Path) -> tuple[dict, dict, set[str]]:
    """index.json, paths.json and the file names."""
    read = _conda_files(path)
    return json.loads(read["info/index.json"]), json.loads(read["info/paths.json"]), set(read)


def _conda_files(path: Path) -> dict[str, bytes]:
    """The files of a conda package, read with zipfile, tarfile and `zstd -dc`."""
    if path.suffix == ".bz2":
        with tarfile.open(path) as archive:
            read = {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}  # type: ignore[union-attr]
    else:
        zstd = require_tool("zstd")
        read = {}
        with zipfile.ZipFile(path) as outer:
            assert outer.namelist()[0] == "metadata.json"
            for name in outer.namelist()[1:]:
                data = subprocess.run([zstd, "-dc"], input=outer.read(name), capture_output=True, check=True).stdout
                with tarfile.open(fileobj=io.BytesIO(data)) as archive:
                    read.update({m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()})  # type: ignore[union-attr]
    return read


def _conda(path: Path, depends: list[str], member: str, fixture: str, sha_right: bool = True) -> None:
    index, paths, names = _conda_info(path)
    assert index["subdir"] == "linux-64" and index["depends"] == depends
    assert member in names
    [entry] = paths["paths"]
    assert entry["_path"] == member and entry["size_in_bytes"] == len(sibling(path, fixture))
    assert (entry["sha256"] == hashlib.sha256(sibling(path, fixture)).hexdigest()) == sha_right


@check("conda-package")
def _conda_package(path: Path) -> None:
    _conda(path, ["__glibc >=2.28,<3.0.a0", "libgcc >=13"], "lib/libnew.so.1", "glibc-new-lib")


@check("conda-default-sysroot")
def _conda_default_sysroot(path: Path) -> None:
    _conda(path, ["libgcc >=13"], "lib/libnew.so.1", "glibc-new-lib")


@check("conda-paths-mismatch")
def _conda_paths_mismatch(path: Path) -> None:
    _conda(path, [], "lib/libclean.so", "clean-lib", sha_right=False)


@check("conda-undeclared-library")
def _conda_undeclared_library(path: Path) -> None:
    index, paths, names = _conda_info(path)
    assert index["depends"] == ["libgcc >=13"] and names == {"lib/libuses.so", "info/index.json", "info/paths.json"}
    with tempfile.TemporaryDirectory() as scratch:
        library = Path(scratch) / "libuses.so"
        library.write_bytes(_conda_files(path)["lib/libuses.so"])
        assert f"(NEEDED)             Shared library: [{DEP_SONAME}]" in _run("readelf", "-d", library)
