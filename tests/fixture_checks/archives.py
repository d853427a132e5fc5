"""Checks of the archives (kind "archive"): wheels, sdists, tarballs, static libraries and
hostile zips, read with zipfile, tarfile and ar, never binlint."""
from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.util
import io
import re
import stat
import subprocess
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest

from fixture_checks.readelf import inspect
from fixture_checks.registry import Check, check, sibling
from fixtures import (
    DATA_SCRIPT_MEMBER, DEP_SONAME, ENCRYPTED_FLAG, MANYLINUX_X86_64, PERMS_TAR_MEMBERS, RELATIVE_SCRIPT_MEMBER,
    TARBALLS, WHEEL_SCRIPT, ZIP_BOMB_SIZE, ZIP_UNIX, deep_nesting_chain, require_tool,
)


def _zip_mode(info: zipfile.ZipInfo) -> int:
    assert info.create_system == ZIP_UNIX, f"{info.filename}: create_system {info.create_system}"
    return stat.S_IMODE(info.external_attr >> 16)


def _record_hash(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _assert_wheel(path: Path, *, tag: str, purelib: bool, members: dict[str, tuple[bytes, int]]) -> None:
    """A wheel as the binary distribution format specifies: its name's tag in WHEEL, a
    RECORD line with the right hash and size for every file, the members and modes given."""
    dist, version, *tag_parts = path.name[:-len(".whl")].split("-")
    assert "-".join(tag_parts) == tag, path.name
    info_dir = f"{dist}-{version}.dist-info"
    with zipfile.ZipFile(path) as wheel:
        assert wheel.testzip() is None
        fields: dict[str, list[str]] = {}
        for line in wheel.read(f"{info_dir}/WHEEL").decode().splitlines():
            key, _, value = line.partition(": ")
            fields.setdefault(key, []).append(value)
        assert fields["Wheel-Version"] == ["1.0"]
        assert fields["Root-Is-Purelib"] == ["true" if purelib else "false"]
        assert fields["Tag"] == [tag]
        metadata = wheel.read(f"{info_dir}/METADATA").decode()
        assert f"Name: {dist}\n" in metadata and f"Version: {version}\n" in metadata
        record = dict(line.split(",", 1) for line in wheel.read(f"{info_dir}/RECORD").decode().splitlines())
        names = [info.filename for info in wheel.infolist()]
        assert sorted(record) == sorted(names) and record.pop(f"{info_dir}/RECORD") == ","
        for name, line in record.items():
            data = wheel.read(name)
            assert line == f"sha256={_record_hash(data)},{len(data)}", name
        for name, (data, mode) in members.items():
            assert wheel.read(name) == data, name
            assert _zip_mode(wheel.getinfo(name)) == mode, name


def _ext_wheel(fixture: str, member: str, tag: str, purelib: bool = False) -> Check:
    def check_wheel(path: Path) -> None:
        _assert_wheel(path, tag=tag, purelib=purelib,
                      members={"pkg/__init__.py": (b"", 0o644), member: (sibling(path, fixture), 0o755)})
    return check_wheel


def _glibc_needs(data_path: Path) -> set[tuple[int, ...]]:
    return {tuple(map(int, v.split("_", 1)[1].split("."))) for v in inspect(data_path).version_needs
            if re.fullmatch(r"GLIBC_[0-9.]+", v)}


@check("clean-manylinux-wheel")
def _check_clean_manylinux_wheel(path: Path) -> None:
    _ext_wheel("clean-lib", "pkg/_clean.so", MANYLINUX_X86_64)(path)
    # The tag must cover what clean-lib needs as this host's gcc built it.
    assert all(version <= (2, 17) for version in _glibc_needs(path.parent / "clean-lib.so"))


@check("old-tag-wheel")
def _check_old_tag_wheel(path: Path) -> None:
    _ext_wheel("glibc-new-lib", "pkg/_new.so", MANYLINUX_X86_64)(path)
    assert (2, 25) in _glibc_needs(path.parent / "glibc-new-lib.so")


check("aarch64-tag-wheel")(_ext_wheel("clean-lib", "pkg/_clean.so", "cp311-cp311-manylinux_2_17_aarch64"))
check("linux-tag-wheel")(_ext_wheel("clean-lib", "pkg/_clean.so", "cp311-cp311-linux_x86_64"))
check("pure-native-wheel")(_ext_wheel("clean-lib", "pkg/_clean.so", "py3-none-any", purelib=True))
check("purelib-tagged-wheel")(_ext_wheel("clean-lib", "pkg/_clean.so", MANYLINUX_X86_64, purelib=True))
check("execstack-wheel")(_ext_wheel("execstack-lib", "pkg/_ext.so", MANYLINUX_X86_64))


@check("musllinux-wheel")
def _check_musllinux_wheel(path: Path) -> None:
    _ext_wheel("glibc-new-lib", "pkg/_new.so", "cp311-cp311-musllinux_1_2_x86_64")(path)
    assert "libc.so.6" in inspect(path.parent / "glibc-new-lib.so").dyn_values("NEEDED")


@check("pyc-exec-wheel")
def _check_pyc_exec_wheel(path: Path) -> None:
    pyc = sibling(path, "pyc-exec.pyc")
    _assert_wheel(path, tag="py3-none-any", purelib=True,
                  members={"pkg/hello.pyc": (pyc, 0o755), "pkg/quiet.pyc": (pyc, 0o644)})
    assert pyc[:4] == importlib.util.MAGIC_NUMBER


def _tar_members(path: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(path, "r:*") as archive:
        return {info.name: info for info in archive.getmembers()}


def _tar_read(path: Path, name: str) -> bytes:
    with tarfile.open(path, "r:*") as archive:
        stream = archive.extractfile(name)
        assert stream is not None, name
        return stream.read()


@check("sdist-with-wheel")
def _check_sdist_with_wheel(path: Path) -> None:
    assert path.name == "pkg-1.0.tar.gz" and path.read_bytes()[:2] == b"\x1f\x8b"
    wheel = path.parent / f"pkg-1.0-{MANYLINUX_X86_64}.whl"
    assert set(_tar_members(path)) == {"pkg-1.0/PKG-INFO", "pkg-1.0/pyproject.toml", f"pkg-1.0/dist/{wheel.name}"}
    assert _tar_read(path, f"pkg-1.0/dist/{wheel.name}") == wheel.read_bytes()


TARBALL_MAGIC = {".tar": None, ".tar.gz": b"\x1f\x8b", ".tgz": b"\x1f\x8b", ".tar.bz2": b"BZh", ".tar.xz": b"\xfd7zXZ\x00"}


@check(*TARBALLS)
def _check_tarball(path: Path) -> None:
    suffix = next(s for s in sorted(TARBALL_MAGIC, key=len, reverse=True) if path.name.endswith(s))
    magic = TARBALL_MAGIC[suffix]
    data = path.read_bytes()
    assert data[257:262] == b"ustar" if magic is None else data.startswith(magic)
    members = _tar_members(path)
    assert set(members) == {"release-1.0/README", "release-1.0/lib/libexecstack.so"}
    assert members["release-1.0/lib/libexecstack.so"].mode == 0o755
    assert _tar_read(path, "release-1.0/lib/libexecstack.so") == sibling(path, "execstack-lib")


@check("static-lib")
def _check_static_lib(path: Path) -> None:
    ar = require_tool("ar")
    listing = subprocess.run([ar, "t", str(path)], capture_output=True, text=True, check=True).stdout.split()
    assert listing == ["clean-obj.o", "asm-nonote-obj.o"]
    data = path.read_bytes()
    assert data.startswith(b"!<arch>\n")
    assert b"//" + b" " * 14 in data, "asm-nonote-obj.o (16 characters) needs GNU ar's long-name table"
    for name in listing:
        member = subprocess.run([ar, "p", str(path), name], capture_output=True, check=True).stdout
        assert member == sibling(path, name[:-2]), name


@check("static-lib-modes")
def _check_static_lib_modes(path: Path) -> None:
    listing = subprocess.run([require_tool("ar"), "tv", str(path)], capture_output=True, text=True, check=True).stdout
    modes = {line.split()[-1]: line.split()[0] for line in listing.splitlines()}
    assert modes == {"world.o": "rw-rw-rw-", "setid.o": "rwsr-xr-x"}, listing


@check("unsafe-tar")
def _check_unsafe_tar(path: Path) -> None:
    members = _tar_members(path)
    assert list(members) == ["pkg/_clean.so", "../evil", "/abs", "pkg/passwd"]
    assert members["pkg/passwd"].issym() and members["pkg/passwd"].linkname == "/etc/passwd"


@check("duplicate-zip")
def _check_duplicate_zip(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["pkg/_ext.so", "pkg/_ext.so"]
        assert [archive.open(i).read() for i in infos] == [sibling(path, "clean-lib"), sibling(path, "execstack-lib")]


@check("zip-bomb")
def _check_zip_bomb(path: Path) -> None:
    assert path.stat().st_size < 64 << 10
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert [(i.filename, i.file_size) for i in archive.infolist()] == [
            ("bomb/zeros.bin", ZIP_BOMB_SIZE), ("bomb/_bomb.so", ZIP_BOMB_SIZE)]
        assert archive.read("bomb/_bomb.so").startswith(sibling(path, "clean-lib"))


@check("encrypted-zip")
def _check_encrypted_zip(path: Path) -> None:
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        flags = {i.filename: (i.flag_bits, i.header_offset) for i in archive.infolist()}
        assert flags["pkg/__init__.py"][0] & ENCRYPTED_FLAG == 0
        central, local = flags["pkg/_ext.so"]
        assert central & ENCRYPTED_FLAG
        assert data[local:local + 4] == b"PK\x03\x04" and data[local + 6] & ENCRYPTED_FLAG
        with pytest.raises(RuntimeError, match="encrypted"):
            archive.read("pkg/_ext.so")


@check("truncated-zip")
def _check_truncated_zip(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(b"PK\x03\x04") and b"PK\x01\x02" in data and b"PK\x05\x06" not in data
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(path)


@check("corrupt-tar-gz")
def _check_corrupt_tar_gz(path: Path) -> None:
    assert path.read_bytes()[:3] == b"\x1f\x8b\x08"
    with pytest.raises((OSError, EOFError, zlib.error)):
        gzip.decompress(path.read_bytes())


@check("gzip-docker-image")
def _check_gzip_docker_image(path: Path) -> None:
    with tarfile.open(path, "r:gz") as archive:
        assert archive.getnames() == ["config.json", "0/layer.tar", "manifest.json"]
        layer = tarfile.open(fileobj=archive.extractfile("0/layer.tar"))
        assert layer.getnames() == ["usr/lib/libx.so"]


@check("deep-nesting")
def _check_deep_nesting(path: Path) -> None:
    data = path.read_bytes()
    for name in deep_nesting_chain():
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.namelist() == [name]
            data = archive.read(name)
    assert data == sibling(path, "execstack-lib")


# --- scripts and file modes inside archives


@check("data-scripts-wheel")
def _check_data_scripts_wheel(path: Path) -> None:
    _assert_wheel(path, tag="py3-none-any", purelib=True,
                  members={"pkg/__init__.py": (b"", 0o644), DATA_SCRIPT_MEMBER: (WHEEL_SCRIPT, 0o755)})
    assert path.name == "pkg-1.0-py3-none-any.whl" and DATA_SCRIPT_MEMBER.startswith("pkg-1.0.data/scripts/")


@check("relative-script-wheel")
def _check_relative_script_wheel(path: Path) -> None:
    with zipfile.ZipFile(path) as wheel:
        assert wheel.read(RELATIVE_SCRIPT_MEMBER).startswith(b"#!python3\n")
        assert _zip_mode(wheel.getinfo(RELATIVE_SCRIPT_MEMBER)) == 0o755
        assert not [n for n in wheel.namelist() if ".data/" in n]


@check("perms-tar")
def _check_perms_tar(path: Path) -> None:
    members = _tar_members(path)
    assert {name: info.mode for name, info in members.items()} == PERMS_TAR_MEMBERS
    assert members["app-1.0/bin/helper"].mode & stat.S_ISUID
    assert members["app-1.0/share/notes.txt"].mode & stat.S_IWOTH
    assert _tar_read(path, "app-1.0/lib/app.jar") == (path.parent / "jar-exec.jar").read_bytes()


@check("origin-wheel", "unbundled-wheel")
def _check_dep_wheels(path: Path) -> None:
    with zipfile.ZipFile(path) as wheel:
        names = wheel.namelist()
        ext = wheel.read("pkg/_ext.so")
    assert (f"pkg.libs/{DEP_SONAME}" in names) is path.name.startswith("origin-")
    assert DEP_SONAME.encode() in ext and b"$ORIGIN/../pkg.libs" in ext
