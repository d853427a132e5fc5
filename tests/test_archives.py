"""Archives as a user checks them: wheels, sdists, tarballs, static libraries and hostile zips.

What a user reads is checked here, through the command line: the member chain in the
text and JSON `path` (`pkg-1.0.tar.gz!pkg-1.0/dist/pkg-1.0-...whl!pkg/_ext.so`), JSON's
`location` and `members`, SARIF's nested run.artifacts and logicalLocations, the glibc
baseline a wheel's tag promises and how `--glibc` and `--prefer-wheel-tags` change it,
mode bits from zip and tar, a diagnostic (never a traceback) for every hostile archive,
the limits (`--max-member-size`, `--max-depth`), that nothing is ever written, stable
fingerprints across releases, `binlint facts` on a wheel, and a real wheel from PyPI.

The archives are fixtures of kind "archive" (tests/fixtures/archives.py); the variants some tests need are
built here with the same helpers.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import struct
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest

from binlint.walk.discover import discover
from binlint.engine import Options, check
from binlint.facts import wheel_metadata, wheel_sboms
from binlint.rules import load_rules, select_rules
from binlint.rules.targets import Target
from fixtures import (
    EXE_MODE,
    LIB_MODE,
    MANYLINUX_X86_64,
    TARBALLS,
    ArchiveEntry,
    Artifacts,
    deep_nesting_chain,
    execstack_wheel,
    fixture_names,
    sdist_with_wheel,
    tar_bytes,
    wheel_filename,
    zip_bomb_bytes,
    zip_bytes,
)
from test_reports import cli_env, report_validator, sarif_validator, schema_errors

DATA = Path(__file__).resolve().parent / "data"
MARKUPSAFE = DATA / "MarkupSafe-2.1.5-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
MARKUPSAFE_SHA256 = "b91c037585eba9095565a3556f611e3cbfaa42ca1e865f7b8015fe5c7336d5a5"
SPEEDUPS = "markupsafe/_speedups.cpython-311-x86_64-linux-gnu.so"

WHEEL = wheel_filename("pkg", "1.0", MANYLINUX_X86_64)  # execstack-wheel
SDIST = "pkg-1.0.tar.gz"  # sdist-with-wheel
SDIST_CHAIN = [f"pkg-1.0/dist/{WHEEL}", "pkg/_ext.so"]
OLD_TAG_WHEEL = wheel_filename("old_tag", "1.0", MANYLINUX_X86_64)
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
RWX_MESSAGE = "the last PT_GNU_STACK header is RWX: the loader makes the whole process stack executable"


# --------------------------------------------------------------------------
# Running binlint as a user does
# --------------------------------------------------------------------------


# The PyInstaller bundles carry this machine's libpython and extension modules; a Python
# installed under a home directory (pyenv: /root/.pyenv/versions/X/lib) gives them a RUNPATH
# there, which rpath-build-directory rightly reports on every one of them. The bundle tests
# are about the bundles, so they leave that rule out on such machines.
LIBPYTHON_IN_BUILD_DIR = "/.pyenv/" in (sysconfig.get_config_var("LIBDIR") or "") or \
    (sysconfig.get_config_var("LIBDIR") or "").startswith(("/home/", "/root/", "/tmp/"))


def binlint(args: list[str], cwd: Path, *, env: dict[str, str] | None = None,
            stderr_ok: bool = False) -> subprocess.CompletedProcess[str]:
    """`python -m binlint ARGS` in `cwd`; never a traceback, and nothing on stderr unless allowed."""
    if args[:1] == ["check"] and LIBPYTHON_IN_BUILD_DIR:  # see rules.host.LIBPYTHON_BUILD_DIR
        args = ["check", "--ignore", "rpath-build-directory", *args[1:]]
    proc = subprocess.run([sys.executable, "-m", "binlint", *args], cwd=cwd, env=env or cli_env(),
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    if not stderr_ok:
        assert proc.stderr == "", f"binlint {' '.join(args)} wrote to stderr: {proc.stderr}"
    return proc


def check_json(args: list[str], cwd: Path, expect: int | None = None) -> dict:
    proc = binlint(["check", "--format", "json", *args], cwd)
    if expect is not None:
        assert proc.returncode == expect, (proc.returncode, proc.stdout)
    document = json.loads(proc.stdout)
    assert schema_errors(report_validator(), document) == []
    return document


def place(artifacts: Artifacts, directory: Path, *names: str) -> list[str]:
    """Copy fixtures into `directory` (a run's working directory); their file names."""
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for name in names:
        source = artifacts.path(name)
        target = directory / source.name
        if not target.exists():
            target.write_bytes(source.read_bytes())
            os.chmod(target, stat.S_IMODE(source.stat().st_mode))
        files.append(source.name)
    return files


def findings_of(document: dict, rule: str) -> list[dict]:
    return [f for f in document["findings"] if f["rule"] == rule]


def only(document: dict, rule: str) -> dict:
    hits = findings_of(document, rule)
    assert len(hits) == 1, f"expected one {rule} finding, got {document['findings']}"
    return hits[0]


# --------------------------------------------------------------------------
# The member chain: text and JSON path, JSON location and members
# --------------------------------------------------------------------------


def test_sdist_holding_a_wheel_names_the_whole_chain(artifacts: Artifacts, tmp_path: Path) -> None:
    [name] = place(artifacts, tmp_path, "sdist-with-wheel")
    assert name == SDIST
    path = "!".join([SDIST, *SDIST_CHAIN])
    assert path == "pkg-1.0.tar.gz!pkg-1.0/dist/pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.whl!pkg/_ext.so"

    text = binlint(["check", SDIST], tmp_path)
    assert text.returncode == 1
    assert text.stdout.splitlines() == [f"{path}: error[executable-stack] {RWX_MESSAGE}",
                                        "Found 1 problem (1 error) in 1 file."]

    finding = only(check_json([SDIST], tmp_path, expect=1), "executable-stack")
    assert finding["path"] == path
    assert finding["location"] == SDIST
    assert finding["members"] == SDIST_CHAIN
    assert finding["message"] == RWX_MESSAGE


# (fixture, extra options, rule, member chain inside the fixture's file)
CHAINS = [
    ("execstack-wheel", [], "executable-stack", ["pkg/_ext.so"]),
    ("old-tag-wheel", [], "glibc-version-above-target", ["pkg/_new.so"]),
    ("aarch64-tag-wheel", [], "wheel-arch-mismatch", ["pkg/_clean.so"]),
    ("musllinux-wheel", [], "wheel-libc-mismatch", ["pkg/_new.so"]),
    ("pyc-exec-wheel", [], "non-elf-executable", ["pkg/hello.pyc"]),
    # A GNU ar long name (16 characters) is resolved from the `//` table.
    ("static-lib", [], "object-executable-stack", ["asm-nonote-obj.o"]),
    ("duplicate-zip", [], "executable-stack", ["pkg/_ext.so"]),
    ("deep-nesting", ["--max-depth", "6"], "executable-stack", deep_nesting_chain()),
    *[(name, [], "executable-stack", ["release-1.0/lib/libexecstack.so"]) for name in TARBALLS],
]


@pytest.mark.parametrize("name, options, rule, chain", CHAINS, ids=[c[0] for c in CHAINS])
def test_member_chain(artifacts: Artifacts, tmp_path: Path, name: str, options: list[str], rule: str,
                      chain: list[str]) -> None:
    [file] = place(artifacts, tmp_path, name)
    document = check_json([*options, file], tmp_path, expect=1)
    finding = only(document, rule)
    assert (finding["path"], finding["location"], finding["members"]) == ("!".join([file, *chain]), file, chain)
    text = binlint(["check", *options, file], tmp_path).stdout
    assert f"{finding['path']}: {finding['severity']}[{rule}] {finding['message']}" in text.splitlines()


def test_static_library_names_only_the_object_without_the_note(artifacts: Artifacts, tmp_path: Path) -> None:
    [file] = place(artifacts, tmp_path, "static-lib")
    assert file == "libx.a"
    document = check_json([file], tmp_path, expect=1)
    assert [(f["rule"], f["path"]) for f in document["findings"]] == [
        ("object-executable-stack", "libx.a!asm-nonote-obj.o")]
    assert ".note.GNU-stack section missing on x86_64" in document["findings"][0]["message"]


def test_tarballs_of_every_compression_give_the_same_finding(artifacts: Artifacts, tmp_path: Path) -> None:
    files = place(artifacts, tmp_path, *TARBALLS)
    assert sorted(Path(f).suffix for f in files) == [".bz2", ".gz", ".tar", ".tgz", ".xz"]
    document = check_json(files, tmp_path, expect=1)
    assert document["summary"]["files"] == len(files)
    assert sorted((f["location"], f["members"][0], f["message"]) for f in document["findings"]) == sorted(
        (file, "release-1.0/lib/libexecstack.so", RWX_MESSAGE) for file in files)


# --------------------------------------------------------------------------
# A wheel's tags are the target of its members
# --------------------------------------------------------------------------

GETRANDOM = {"library": "libc.so.6", "version": "GLIBC_2.25", "namespace": "GLIBC", "release": "2.25",
             "weak": False, "symbols": ["getrandom"], "needed_for": ["getrandom"]}


def test_manylinux_tag_is_the_glibc_baseline_with_its_evidence(artifacts: Artifacts, tmp_path: Path) -> None:
    [file] = place(artifacts, tmp_path, "old-tag-wheel")
    document = check_json([file], tmp_path, expect=1)
    assert document["target"] == {}, "the report's target is what the user gave"
    finding = only(document, "glibc-version-above-target")
    assert finding["path"] == f"{OLD_TAG_WHEEL}!pkg/_new.so"
    assert finding["message"] == "needs symbol versions newer than glibc 2.17: GLIBC_2.25 (getrandom)"
    # memcpy@GLIBC_2.14 is within manylinux_2_17: only getrandom is evidence.
    assert finding["evidence"] == [GETRANDOM]
    assert [f["rule"] for f in document["findings"]] == ["glibc-version-above-target"]


def test_wheel_tag_applies_inside_an_sdist(artifacts: Artifacts, tmp_path: Path) -> None:
    wheel = artifacts.path("old-tag-wheel").read_bytes()
    (tmp_path / "old_tag-1.0.tar.gz").write_bytes(tar_bytes([ArchiveEntry(f"old_tag-1.0/dist/{OLD_TAG_WHEEL}", wheel)], "gz"))
    finding = only(check_json(["old_tag-1.0.tar.gz"], tmp_path, expect=1), "glibc-version-above-target")
    assert finding["members"] == [f"old_tag-1.0/dist/{OLD_TAG_WHEEL}", "pkg/_new.so"]
    assert finding["evidence"] == [GETRANDOM] and "glibc 2.17" in finding["message"]


# (options, exit code, the glibc the message names or None for no finding, versions named)
GLIBC_OPTIONS = [
    ([], 1, "2.17", ["GLIBC_2.25"]),
    (["--glibc", "2.40"], 0, None, []),  # explicit --glibc wins over the tag's 2.17
    (["--glibc", "2.40", "--prefer-wheel-tags"], 1, "2.17", ["GLIBC_2.25"]),  # unless the tag is preferred
    (["--glibc", "2.5"], 1, "2.5", ["GLIBC_2.25", "GLIBC_2.14"]),
    (["--glibc", "2.5", "--prefer-wheel-tags"], 1, "2.17", ["GLIBC_2.25"]),
]


@pytest.mark.parametrize("options, code, glibc, versions", GLIBC_OPTIONS, ids=[" ".join(o[0]) or "none" for o in GLIBC_OPTIONS])
def test_glibc_option_against_the_wheel_tag(artifacts: Artifacts, tmp_path: Path, options: list[str], code: int,
                                           glibc: str | None, versions: list[str]) -> None:
    [file] = place(artifacts, tmp_path, "old-tag-wheel")
    document = check_json([*options, file], tmp_path, expect=code)
    found = findings_of(document, "glibc-version-above-target")
    if glibc is None:
        assert document["findings"] == []
        return
    [finding] = found
    assert finding["message"].startswith(f"needs symbol versions newer than glibc {glibc}: "), finding["message"]
    assert [e["version"] for e in finding["evidence"]] == versions
    assert "getrandom" in finding["message"]


def test_prefer_wheel_tags_leaves_files_outside_wheels_alone(artifacts: Artifacts, tmp_path: Path) -> None:
    files = place(artifacts, tmp_path, "glibc-new-lib", "old-tag-wheel")
    document = check_json(["--glibc", "2.5", "--prefer-wheel-tags", *files], tmp_path, expect=1)
    by_path = {f["path"]: f["message"] for f in document["findings"]}
    assert by_path == {
        "glibc-new-lib.so": "needs symbol versions newer than glibc 2.5: GLIBC_2.25 (getrandom), GLIBC_2.14 (memcpy)",
        f"{OLD_TAG_WHEEL}!pkg/_new.so": "needs symbol versions newer than glibc 2.17: GLIBC_2.25 (getrandom)",
    }


def test_explicit_arch_wins_over_the_tag_unless_tags_are_preferred(artifacts: Artifacts) -> None:
    rules = select_rules(load_rules(), [], [], [])  # the default set: not the opt-in hardening rules
    path = str(artifacts.path("aarch64-tag-wheel"))
    promised = check(discover([path]), rules, Options())
    assert [(f.rule, f.members) for f in promised] == [("wheel-arch-mismatch", ("pkg/_clean.so",))]
    assert promised[0].message == "x86_64 code, but the wheel's tags or the target name aarch64"
    assert check(discover([path]), rules, Options((Target.of({"arch": ["x86_64"]}),))) == []
    preferred = check(discover([path]), rules, Options((Target.of({"arch": ["x86_64"]}),), prefer_tags=True))
    assert [f.rule for f in preferred] == ["wheel-arch-mismatch"]


# --------------------------------------------------------------------------
# Mode bits of members
# --------------------------------------------------------------------------


def test_zip_mode_bits_make_an_executable_pyc_member_fire(artifacts: Artifacts, tmp_path: Path) -> None:
    [file] = place(artifacts, tmp_path, "pyc-exec-wheel")
    document = check_json([file], tmp_path, expect=1)
    assert [(f["rule"], f["members"]) for f in document["findings"]] == [("non-elf-executable", ["pkg/hello.pyc"])]
    message = document["findings"][0]["message"]
    assert message.startswith(f"mode 0755 marks it executable, but it is Python {PYTHON} bytecode"), message


def test_tar_mode_bits_make_an_executable_pyc_member_fire(artifacts: Artifacts, tmp_path: Path) -> None:
    pyc = artifacts.path("pyc-exec").read_bytes()
    (tmp_path / "app.tar.xz").write_bytes(tar_bytes([ArchiveEntry("app/run.pyc", pyc, EXE_MODE),
                                                     ArchiveEntry("app/lib.pyc", pyc, LIB_MODE)], "xz"))
    document = check_json(["app.tar.xz"], tmp_path, expect=1)
    assert [(f["rule"], f["path"]) for f in document["findings"]] == [("non-elf-executable", "app.tar.xz!app/run.pyc")]
    assert "mode 0755" in document["findings"][0]["message"]


def test_zip_without_unix_modes_has_no_executable_members(artifacts: Artifacts, tmp_path: Path) -> None:
    pyc = artifacts.path("pyc-exec").read_bytes()
    with zipfile.ZipFile(tmp_path / "dos.zip", "w") as archive:
        info = zipfile.ZipInfo("app/run.pyc", date_time=(1980, 1, 1, 0, 0, 0))
        info.create_system, info.external_attr = 0, 0x20  # MS-DOS, FILE_ATTRIBUTE_ARCHIVE
        archive.writestr(info, pyc)
    assert check_json(["dos.zip"], tmp_path, expect=0)["findings"] == []


# --------------------------------------------------------------------------
# Hostile archives: a diagnostic, exit 1, no traceback
# --------------------------------------------------------------------------

# (fixture, options, rule, members of the finding, substrings of its message)
HOSTILE = [
    ("encrypted-zip", [], "unreadable-artifact", ["pkg/_ext.so"], ["encrypted zip member"]),
    ("truncated-zip", [], "unreadable-artifact", [], ["corrupt zip"]),
    # A gzip stream that is not gzip: the archive cannot be read, and must not pass as clean.
    ("corrupt-tar-gz", [], "unreadable-artifact", [], []),
    ("unsafe-tar", [], "unsafe-archive-member", [], ["../evil", "/abs", "pkg/passwd -> /etc/passwd"]),
    ("duplicate-zip", [], "duplicate-archive-member", [], ["stored more than once: pkg/_ext.so"]),
]


@pytest.mark.parametrize("name, options, rule, members, expected", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_archive_is_a_finding(artifacts: Artifacts, tmp_path: Path, name: str, options: list[str], rule: str,
                                      members: list[str], expected: list[str]) -> None:
    [file] = place(artifacts, tmp_path, name)
    document = check_json(["--fail-on", "warning", *options, file], tmp_path, expect=1)
    hits = [f for f in findings_of(document, rule) if f["members"] == members]
    assert len(hits) == 1, document["findings"]
    assert hits[0]["path"] == "!".join([file, *members])
    assert {s for s in expected if s not in hits[0]["message"]} == set(), hits[0]["message"]
    assert "internal error" not in json.dumps(document)
    text = binlint(["check", "--fail-on", "warning", *options, file], tmp_path)
    assert text.returncode == 1 and f"{hits[0]['path']}: {hits[0]['severity']}[{rule}]" in text.stdout


def test_encrypted_member_is_not_read_and_the_others_are(artifacts: Artifacts, tmp_path: Path) -> None:
    # encrypted-zip's pkg/_ext.so is execstack-lib stored in the clear: reading it anyway would fire.
    [file] = place(artifacts, tmp_path, "encrypted-zip")
    document = check_json([file], tmp_path, expect=1)
    assert [(f["rule"], f["path"]) for f in document["findings"]] == [
        ("unreadable-artifact", f"{file}!pkg/_ext.so")]


def _zip_member_data_offset(data: bytes, name: str) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local = archive.getinfo(name).header_offset
    name_length, extra_length = struct.unpack_from("<HH", data, local + 26)
    return local + 30 + name_length + extra_length


def _hostile_variants(artifacts: Artifacts) -> dict[str, tuple[bytes, list[str], str]]:
    """Broken archives beyond the fixtures: file name -> (bytes, members of the
    unreadable-artifact finding, a substring of its message)."""
    lib = artifacts.path("execstack-lib").read_bytes()
    entries = [ArchiveEntry("lib/libexecstack.so", lib, EXE_MODE)]
    tgz = tar_bytes(entries, "gz")
    stored = bytearray(zip_bytes(entries, zipfile.ZIP_STORED))
    stored[_zip_member_data_offset(bytes(stored), "lib/libexecstack.so") + 2000] ^= 0xFF
    deflated = bytearray(zip_bytes(entries))
    deflated[_zip_member_data_offset(bytes(deflated), "lib/libexecstack.so")] = 0xFF  # deflate block type 3: invalid
    static = artifacts.path("static-lib").read_bytes()
    return {
        "cut.tar.gz": (tgz[:len(tgz) // 2], [], "corrupt tar"),
        "cut.tar": (tar_bytes(entries)[:1024], [], "corrupt tar"),
        "bad-crc.zip": (bytes(stored), ["lib/libexecstack.so"], "CRC"),
        "bad-deflate.zip": (bytes(deflated), ["lib/libexecstack.so"], "corrupt zip member"),
        "cut.a": (static[:-100], [], "truncated"),
        "garbage.tar.bz2": (b"BZh9" + bytes(range(256)) * 4, [], ""),
        "garbage.tar.xz": (b"\xfd7zXZ\x00" + bytes(range(256)) * 4, [], ""),
    }


HOSTILE_VARIANTS = ["cut.tar.gz", "cut.tar", "bad-crc.zip", "bad-deflate.zip", "cut.a", "garbage.tar.bz2",
                    "garbage.tar.xz"]


@pytest.mark.parametrize("file", HOSTILE_VARIANTS)
def test_broken_archive_variants_are_unreadable_artifacts(artifacts: Artifacts, tmp_path: Path, file: str) -> None:
    data, members, expected = _hostile_variants(artifacts)[file]
    (tmp_path / file).write_bytes(data)
    document = check_json([file], tmp_path, expect=1)
    assert "internal error" not in json.dumps(document), document["findings"]
    hits = [f for f in findings_of(document, "unreadable-artifact") if f["members"] == members]
    assert len(hits) == 1, document["findings"]
    assert expected in hits[0]["message"]
    # The broken member is not read as an ELF file: no executable-stack from a damaged copy.
    assert findings_of(document, "executable-stack") == []


def test_a_broken_archive_does_not_stop_the_run(artifacts: Artifacts, tmp_path: Path) -> None:
    files = place(artifacts, tmp_path, "truncated-zip", "corrupt-tar-gz", "encrypted-zip", "execstack-wheel")
    document = check_json(files, tmp_path, expect=1)
    assert [f["path"] for f in findings_of(document, "executable-stack")] == [f"{WHEEL}!pkg/_ext.so"]
    assert document["summary"]["files"] == 4


def _gzip_tar(blocks: bytes) -> bytes:
    import gzip
    return gzip.compress(blocks, mtime=0)


def test_compressed_files_that_are_no_tar_files_are_told_apart_without_tarfile(artifacts: Artifacts,
                                                                                tmp_path: Path) -> None:
    """A wheel's .gz data file is no archive, decided from its first block: tarfile (9 ms of
    imports) is not even imported. A compressed tar file is still opened."""
    import gzip
    import tarfile

    (tmp_path / "data.gz").write_bytes(gzip.compress(b"a line of data\n" * 100, mtime=0))
    (tmp_path / "tiny.gz").write_bytes(gzip.compress(b"x", mtime=0))
    (tmp_path / "zeros.gz").write_bytes(gzip.compress(bytes(4096), mtime=0))
    program = ("import sys\nfrom binlint.cli import main\ncode = main(sys.argv[1:])\n"
               "print(code, 'tarfile' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", program, "check", "-o", "out.txt", "data.gz", "tiny.gz", "zeros.gz"],
                          cwd=tmp_path, env=cli_env(), capture_output=True, text=True, timeout=60)
    assert (proc.stdout, proc.stderr) == ("0 False\n", "")

    with tarfile.open(tmp_path / "lib.tar.gz", "w:gz") as tar:
        tar.add(artifacts.path("execstack-lib"), arcname="lib.so")
    document = check_json(["lib.tar.gz"], tmp_path, expect=1)
    assert [f["path"] for f in findings_of(document, "executable-stack")] == ["lib.tar.gz!lib.so"]


def test_the_first_block_test_never_refuses_what_tarfile_opens(artifacts: Artifacts) -> None:
    """Mutated first headers of a real tar file: where binlint's test says no tar file, tarfile
    refuses it too (binlint may say yes to more: tarfile decides those)."""
    import random
    import tarfile

    from binlint.formats.compressed import holds_tar

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        # The member's first 512 bytes: its header is what is mutated, and each of the 3,000
        # candidates is gzipped whole (the whole library made this test take 10 s).
        info = tar.gettarinfo(artifacts.path("clean-lib"), arcname="pkg/clean-lib.so")
        info.size = 512
        with open(artifacts.path("clean-lib"), "rb") as f:
            tar.addfile(info, f)
    data = buffer.getvalue()
    rng = random.Random(5)
    refused = 0
    for _ in range(1500):
        block = bytearray(data[:512])
        for _ in range(rng.randint(1, 3)):
            block[rng.choice([rng.randrange(512), rng.randrange(148, 156)])] = rng.choice([0, 0x20, 0x37, 0xFF,
                                                                                       rng.randrange(256)])
        candidate = bytes(block) + data[512:]
        if holds_tar("gzip", io.BytesIO(_gzip_tar(candidate))):
            continue
        refused += 1
        with pytest.raises(tarfile.ReadError):
            tarfile.open(fileobj=io.BytesIO(_gzip_tar(candidate)), mode="r:*")
    assert refused > 500
    assert holds_tar("gzip", io.BytesIO(_gzip_tar(data)))


def test_the_first_block_of_a_gzip_stream_is_what_gzip_reads(artifacts: Artifacts) -> None:
    """binlint inflates a .gz file's first block with zlib (no gzip import): the same bytes as
    gzip.GzipFile for real streams (a file name in the header, several members, zero padding
    between them), and the same refusal of a stream cut or broken before that block ends."""
    import gzip
    import tarfile
    import zlib

    from binlint.errors import ArtifactError
    from binlint.formats.compressed import holds_tar

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(artifacts.path("clean-lib"), arcname="lib.so")
    named = io.BytesIO()
    with gzip.GzipFile(filename="lib.tar", fileobj=named, mode="wb", mtime=0) as stream:
        stream.write(buffer.getvalue())
    tar_data = buffer.getvalue()
    streams = [named.getvalue(), gzip.compress(b"short"), gzip.compress(b"x" * 100) + gzip.compress(tar_data),
               gzip.compress(b"a" * 10) + bytes(7) + gzip.compress(tar_data[:600]) + bytes(3),
               gzip.compress(tar_data[:200]) + gzip.compress(tar_data[200:])]
    for data in streams:
        expected = gzip.GzipFile(fileobj=io.BytesIO(data)).read(512)
        assert holds_tar("gzip", io.BytesIO(data)) == (expected == tar_data[:512])
    assert [holds_tar("gzip", io.BytesIO(d)) for d in streams] == [True, False, False, False, True]
    for broken in (gzip.compress(tar_data)[:40], b"\x1f\x8b\x08\x00" + bytes(6) + b"\xff" * 64):
        with pytest.raises((EOFError, OSError, zlib.error)):
            gzip.GzipFile(fileobj=io.BytesIO(broken)).read(512)
        with pytest.raises(ArtifactError, match="^corrupt gzip data: "):
            holds_tar("gzip", io.BytesIO(broken))


# --------------------------------------------------------------------------
# Limits: --max-member-size and --max-depth
# --------------------------------------------------------------------------

BOMB_SIZE = 128 << 20  # inflates from ~128 KiB
# The peak resident set of this process: VmHWM, not getrusage's ru_maxrss, which Linux
# carries over from the parent (pytest) through fork and exec.
PEAK_RSS = """
import sys
from binlint.cli import main
code = main(sys.argv[1:])
with open("/proc/self/status") as status:
    peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
print(code, peak)
"""


def _peak_rss_kib(args: list[str], cwd: Path) -> tuple[int, int]:
    """(exit code, peak RSS in KiB) of `binlint ARGS` in a fresh interpreter."""
    proc = subprocess.run([sys.executable, "-c", PEAK_RSS, *args], cwd=cwd, env=cli_env(), capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert proc.stderr == "", proc.stderr
    code, peak = proc.stdout.split()
    return int(code), int(peak)


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux's /proc/self/status (VmHWM)")
def test_zip_bomb_is_never_read_past_the_limit(artifacts: Artifacts, tmp_path: Path) -> None:
    lib = artifacts.path("clean-lib").read_bytes()
    (tmp_path / "bomb.zip").write_bytes(zip_bomb_bytes(lib, BOMB_SIZE))
    (tmp_path / "clean-lib.so").write_bytes(lib)
    assert (tmp_path / "bomb.zip").stat().st_size < BOMB_SIZE // 256
    _, baseline = _peak_rss_kib(["check", "-o", "base.txt", "clean-lib.so"], tmp_path)
    code, limited = _peak_rss_kib(["check", "--max-member-size", "1", "-o", "limited.txt", "bomb.zip"], tmp_path)
    # Over the limit, the ELF member is read as far as the loader reads (binlint.formats.elf.prefix).
    assert code == 0
    assert "bomb.zip!bomb/_bomb.so: note[elf-sections-unreadable]" in (tmp_path / "limited.txt").read_text()
    assert (f"the member declares {BOMB_SIZE} bytes, over the member limit of 1048576 bytes (see --max-member-size): "
            "only its first") in (tmp_path / "limited.txt").read_text()
    # The measure sees a member read whole: without the limit the 128 MiB are in memory.
    code, unlimited = _peak_rss_kib(["check", "--max-member-size", "1024", "-o", "unlimited.txt", "bomb.zip"], tmp_path)
    assert code == 0, (tmp_path / "unlimited.txt").read_text()
    assert unlimited - baseline > (BOMB_SIZE >> 10) // 2, (baseline, unlimited)
    # With the limit, a few MiB at most over checking one small library (1 MiB read, zlib's window).
    assert limited - baseline < 16 << 10, (baseline, limited)


def test_data_members_are_read_only_as_far_as_their_kind(artifacts: Artifacts, tmp_path: Path) -> None:
    # bomb/zeros.bin is data: its first bytes say so, and no rule reads further, whatever its size.
    [file] = place(artifacts, tmp_path, "zip-bomb")
    document = check_json(["--max-member-size", "1", file], tmp_path)
    assert [(f["rule"], f["members"]) for f in document["findings"]] == [("elf-sections-unreadable", ["bomb/_bomb.so"])]


# (options, findings expected on deep-nesting.zip)
DEPTHS = [([], False), (["--max-depth", "5"], False), (["--max-depth", "6"], True), (["--max-depth", "7"], True)]


@pytest.mark.parametrize("options, fires", DEPTHS, ids=[" ".join(d[0]) or "default" for d in DEPTHS])
def test_max_depth_stops_nesting(artifacts: Artifacts, tmp_path: Path, options: list[str], fires: bool) -> None:
    [file] = place(artifacts, tmp_path, "deep-nesting")
    document = check_json([*options, file], tmp_path, expect=1 if fires else 0)
    expected = [("executable-stack", "!".join([file, *deep_nesting_chain()]))] if fires else []
    assert [(f["rule"], f["path"]) for f in document["findings"] if f["rule"] != "archive-too-deep"] == expected
    # Where the limit stops the search, a note says so instead of a silent clean report.
    assert any(f["rule"] == "archive-too-deep" for f in document["findings"]) is not fires


def test_max_depth_counts_archives_from_the_file_on_disk(artifacts: Artifacts, tmp_path: Path) -> None:
    files = place(artifacts, tmp_path, "sdist-with-wheel", "execstack-wheel", "linux-tag-wheel")
    # 0: no member is read, but an archive's own facts still are.
    document = check_json(["--max-depth", "0", *files], tmp_path)
    assert [(f["rule"], f["path"]) for f in document["findings"] if f["rule"] != "archive-too-deep"] == [
        ("wheel-linux-platform-tag", files[2])]
    assert sorted(f["path"] for f in findings_of(document, "archive-too-deep")) == sorted(files)
    # 1: the sdist's wheel is read as a file, not opened; the wheel on disk is opened.
    document = check_json(["--max-depth", "1", *files], tmp_path, expect=1)
    assert [f["path"] for f in findings_of(document, "executable-stack")] == [f"{WHEEL}!pkg/_ext.so"]
    document = check_json(["--max-depth", "2", *files], tmp_path, expect=1)
    assert sorted(f["path"] for f in findings_of(document, "executable-stack")) == sorted(
        ["!".join([SDIST, *SDIST_CHAIN]), f"{WHEEL}!pkg/_ext.so"])


def test_facts_follow_max_depth(artifacts: Artifacts, tmp_path: Path) -> None:
    [file] = place(artifacts, tmp_path, "sdist-with-wheel")
    paths = [a["path"] for a in json.loads(binlint(["facts", "--max-depth", "1", file], tmp_path).stdout)["artifacts"]]
    assert paths == [file, *(f"{file}!pkg-1.0/{m}" for m in ("PKG-INFO", "pyproject.toml", f"dist/{WHEEL}"))]


@pytest.mark.parametrize("options", [["--max-depth", "-1"], ["--max-member-size", "0"]])
def test_bad_limits_are_a_usage_error(artifacts: Artifacts, tmp_path: Path, options: list[str]) -> None:
    [file] = place(artifacts, tmp_path, "execstack-wheel")
    proc = binlint(["check", *options, file], tmp_path, stderr_ok=True)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("binlint: error: ") and proc.stderr.count("\n") == 1, proc.stderr


# --------------------------------------------------------------------------
# Nothing is written: members are read in memory
# --------------------------------------------------------------------------


def _snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    found = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(directory, name)
            st = path.lstat()
            found[str(path.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return found


def test_nothing_is_written_anywhere(artifacts: Artifacts, tmp_path: Path) -> None:
    work, tmp = tmp_path / "work", tmp_path / "tmp"
    tmp.mkdir()
    files = place(artifacts, work, *fixture_names("archive"))
    before, existed = _snapshot(tmp_path), {p: Path(p).exists() for p in ("/abs", "/evil")}
    env = {**cli_env(), "TMPDIR": str(tmp), "TMP": str(tmp), "TEMP": str(tmp)}
    for args in (["check", "--format", "text"], ["check", "--format", "json"], ["check", "--format", "sarif"],
                 ["check", "--max-depth", "6", "--max-member-size", "1"], ["check", "--prefer-wheel-tags"],
                 ["facts"]):
        proc = binlint([*args, *files], work, env=env)
        assert proc.returncode in (0, 1), proc
    binlint(["check", "."], work, env=env)
    assert _snapshot(tmp_path) == before, "binlint wrote, moved or touched files"
    assert {p: Path(p).exists() for p in existed} == existed


# --------------------------------------------------------------------------
# SARIF: members as nested artifacts
# --------------------------------------------------------------------------

SARIF_SET = ["sdist-with-wheel", "old-tag-wheel", "static-lib", "deep-nesting", "execstack-tar-gz", "unsafe-tar",
             "encrypted-zip", "pure-native-wheel"]


@pytest.fixture(scope="module")
def sarif_run(artifacts: Artifacts, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    directory = tmp_path_factory.mktemp("sarif-archives")
    files = place(artifacts, directory, *SARIF_SET)
    sarif = json.loads(binlint(["check", "--format", "sarif", "--max-depth", "6", *files], directory).stdout)
    document = check_json(["--max-depth", "6", *files], directory, expect=1)
    return sarif, document


def test_sarif_with_members_validates_against_the_schema(sarif_run: tuple[dict, dict]) -> None:
    sarif, _ = sarif_run
    assert schema_errors(sarif_validator(), sarif) == []


def _artifact_chain(artifacts: list[dict], index: int) -> list[str]:
    """The uris from the file on disk down to artifact `index`, following parentIndex."""
    chain, seen = [], set()
    while True:
        assert index not in seen, "a parentIndex cycle"
        seen.add(index)
        entry = artifacts[index]
        chain.append(entry["location"]["uri"])
        if "parentIndex" not in entry:
            assert entry["location"]["uriBaseId"] == "%SRCROOT%"
            return chain[::-1]
        assert entry["parentIndex"] < index, "a parent comes before its children"
        assert "uriBaseId" not in entry["location"], "a member's uri is relative to its parent"
        index = entry["parentIndex"]


def test_sarif_results_name_the_file_on_disk_and_the_member(sarif_run: tuple[dict, dict]) -> None:
    sarif, document = sarif_run
    run = sarif["runs"][0]
    results, artifacts = run["results"], run["artifacts"]
    assert len(results) == len(document["findings"])
    chains = {tuple(_artifact_chain(artifacts, i)): i for i in range(len(artifacts))}
    assert len(chains) == len(artifacts), "each file and member is one artifact"
    expected_chains = set()
    for result, finding in zip(results, document["findings"]):
        location = result["locations"][0]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uri"] == quote(finding["location"]) and artifact["uriBaseId"] == "%SRCROOT%"
        assert artifacts[artifact["index"]] == {"location": {"uri": artifact["uri"], "uriBaseId": "%SRCROOT%"}}
        assert result["partialFingerprints"]["primaryLocationLineHash"] == finding["fingerprint"]
        members = finding["members"]
        chain = (quote(finding["location"]), *(quote(m, safe="/") for m in members))
        for depth in range(1, len(chain) + 1):
            expected_chains.add(chain[:depth])
        if not members:
            assert "logicalLocations" not in location
            assert result["message"]["text"] == finding["message"]
            continue
        full = "!".join(members)
        assert result["message"]["text"] == f"{full}: {finding['message']}"
        assert location["logicalLocations"] == [
            {"name": members[-1].rsplit("/", 1)[-1], "fullyQualifiedName": full, "kind": "module"}]
    assert set(chains) == expected_chains, "run.artifacts holds exactly the files and members leading to results"


def test_sarif_nests_the_sdist_wheel_member(sarif_run: tuple[dict, dict]) -> None:
    sarif, _ = sarif_run
    artifacts = sarif["runs"][0]["artifacts"]
    chains = [_artifact_chain(artifacts, i) for i in range(len(artifacts))]
    assert [SDIST, *SDIST_CHAIN] in chains
    deep = ["deep-nesting.zip", *deep_nesting_chain()]
    assert deep in chains and all(deep[:n] in chains for n in range(1, len(deep)))
    [result] = [r for r in sarif["runs"][0]["results"]
                if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == SDIST]
    assert result["message"]["text"] == f"{'!'.join(SDIST_CHAIN)}: {RWX_MESSAGE}"
    assert result["locations"][0]["logicalLocations"][0]["name"] == "_ext.so"


# --------------------------------------------------------------------------
# Fingerprints survive a release
# --------------------------------------------------------------------------


def _release(artifacts: Artifacts, directory: Path, version: str) -> list[str]:
    directory.mkdir()
    sdist_name, sdist = sdist_with_wheel(artifacts, version)
    wheel_name, wheel = execstack_wheel(artifacts, version)
    (directory / sdist_name).write_bytes(sdist)
    (directory / wheel_name).write_bytes(wheel)
    return [sdist_name, wheel_name]


def test_fingerprints_ignore_the_version_in_wheel_and_sdist_names(artifacts: Artifacts, tmp_path: Path) -> None:
    old = _release(artifacts, tmp_path / "old", "1.0")
    new = _release(artifacts, tmp_path / "new", "1.1")
    assert old == [SDIST, WHEEL] and new == ["pkg-1.1.tar.gz", wheel_filename("pkg", "1.1", MANYLINUX_X86_64)]
    before = check_json(old, tmp_path / "old", expect=1)["findings"]
    after = check_json(new, tmp_path / "new", expect=1)["findings"]
    assert [f["path"] for f in after] == [
        "pkg-1.1-cp311-cp311-manylinux_2_17_x86_64.whl!pkg/_ext.so",
        "pkg-1.1.tar.gz!pkg-1.1/dist/pkg-1.1-cp311-cp311-manylinux_2_17_x86_64.whl!pkg/_ext.so"]
    assert [f["fingerprint"] for f in after] == [f["fingerprint"] for f in before]
    # The wheel on disk and the copy in the sdist are two artifacts: two fingerprints.
    assert len({f["fingerprint"] for f in after}) == 2

    def sarif_fingerprints(files: list[str], cwd: Path) -> list[str]:
        results = json.loads(binlint(["check", "--format", "sarif", *files], cwd).stdout)["runs"][0]["results"]
        return [r["partialFingerprints"]["primaryLocationLineHash"] for r in results]
    assert sarif_fingerprints(new, tmp_path / "new") == sarif_fingerprints(old, tmp_path / "old")


def test_fingerprints_tell_apart_copies_in_different_folders(artifacts: Artifacts, tmp_path: Path) -> None:
    # The same wheel in dist/ and in wheelhouse/ of one sdist: two findings GitHub must keep apart.
    _, wheel = execstack_wheel(artifacts)
    (tmp_path / SDIST).write_bytes(tar_bytes([ArchiveEntry(f"pkg-1.0/dist/{WHEEL}", wheel),
                                              ArchiveEntry(f"pkg-1.0/wheelhouse/{WHEEL}", wheel)], "gz"))
    findings = check_json([SDIST], tmp_path, expect=1)["findings"]
    assert [f["members"][0] for f in findings] == [f"pkg-1.0/dist/{WHEEL}", f"pkg-1.0/wheelhouse/{WHEEL}"]
    assert findings[0]["fingerprint"] != findings[1]["fingerprint"], findings


# --------------------------------------------------------------------------
# binlint facts on a wheel
# --------------------------------------------------------------------------


def test_facts_of_a_wheel_and_its_members(artifacts: Artifacts, tmp_path: Path) -> None:
    [file] = place(artifacts, tmp_path, "execstack-wheel")
    proc = binlint(["facts", file], tmp_path)
    assert proc.returncode == 0
    documents = {a["path"]: a["facts"] for a in json.loads(proc.stdout)["artifacts"]}
    info = "pkg-1.0.dist-info"
    members = ["pkg/__init__.py", "pkg/_ext.so", f"{info}/METADATA", f"{info}/WHEEL", f"{info}/RECORD"]
    assert list(documents) == [file, *(f"{file}!{m}" for m in members)]
    wheel = documents[file]
    assert wheel["file.kind"] == "zip"
    assert wheel["archive.members"] == members
    # (The facts of .dist-info's files: tests/test_wheel_metadata.py.)
    dist_info_facts = {**wheel_metadata.FACTS, **wheel_sboms.FACTS}
    assert {k: v for k, v in wheel.items() if k.startswith("wheel.") and k not in dist_info_facts} == {
        "wheel.is_wheel": True,
        "wheel.tags": [MANYLINUX_X86_64],
        "wheel.platforms": ["manylinux_2_17_x86_64"],
        "wheel.pure": False,
        "wheel.root_is_purelib": False,
        "wheel.native_members": ["pkg/_ext.so"],
    }
    ext = documents[f"{file}!pkg/_ext.so"]
    assert (ext["file.kind"], ext["file.mode"], ext["elf.arch"], ext["elf.stack_flags"]) == ("elf", "0755", "x86_64", "RWX")
    assert documents[f"{file}!{info}/WHEEL"]["file.kind"] == "text"
    assert not any(k.startswith("elf.") for k in documents[f"{file}!pkg/__init__.py"])


def test_facts_of_a_pure_wheel(artifacts: Artifacts, tmp_path: Path) -> None:
    [file] = place(artifacts, tmp_path, "pure-native-wheel")
    facts = json.loads(binlint(["facts", file], tmp_path).stdout)["artifacts"][0]["facts"]
    assert (facts["wheel.tags"], facts["wheel.platforms"], facts["wheel.pure"], facts["wheel.root_is_purelib"],
            facts["wheel.native_members"]) == (["py3-none-any"], ["any"], True, True, ["pkg/_clean.so"])


def test_wheel_tags_from_the_file_name_when_wheel_has_none(artifacts: Artifacts, tmp_path: Path) -> None:
    # A WHEEL without Tag lines: the file name's (compressed) tag set is expanded instead.
    name = "pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    (tmp_path / name).write_bytes(zip_bytes([
        ArchiveEntry("pkg/_new.so", artifacts.path("glibc-new-lib").read_bytes(), EXE_MODE),
        ArchiveEntry("pkg-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n"),
        ArchiveEntry("pkg-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\nRoot-Is-Purelib: false\n"),
    ]))
    facts = json.loads(binlint(["facts", name], tmp_path).stdout)["artifacts"][0]["facts"]
    assert facts["wheel.is_wheel"] is True
    assert sorted(facts["wheel.tags"]) == ["cp311-cp311-manylinux2014_x86_64", "cp311-cp311-manylinux_2_17_x86_64"]
    finding = only(check_json([name], tmp_path, expect=1), "glibc-version-above-target")
    assert "glibc 2.17" in finding["message"]


# --------------------------------------------------------------------------
# A real manylinux wheel from PyPI (tests/data/README.md)
# --------------------------------------------------------------------------


@pytest.fixture
def markupsafe(tmp_path: Path) -> str:
    assert hashlib.sha256(MARKUPSAFE.read_bytes()).hexdigest() == MARKUPSAFE_SHA256, "tests/data/README.md"
    (tmp_path / MARKUPSAFE.name).write_bytes(MARKUPSAFE.read_bytes())
    return MARKUPSAFE.name


def test_real_manylinux_wheel_is_clean_against_its_own_tags(tmp_path: Path, markupsafe: str) -> None:
    proc = binlint(["check", markupsafe], tmp_path)
    assert (proc.returncode, proc.stdout) == (0, "No problems found in 1 file.\n")
    assert check_json([markupsafe], tmp_path, expect=0)["findings"] == []
    assert check_json(["--glibc", "2.5", "--prefer-wheel-tags", markupsafe], tmp_path, expect=0)["findings"] == []


def test_real_manylinux_wheel_members_are_read(tmp_path: Path, markupsafe: str) -> None:
    # Below its tags' glibc 2.17 the extension module's memcpy@GLIBC_2.14 is too new.
    proc = binlint(["check", "--glibc", "2.5", markupsafe], tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"{markupsafe}!{SPEEDUPS}: error[glibc-version-above-target] "
        "needs symbol versions newer than glibc 2.5: GLIBC_2.14 (memcpy)",
        "Found 1 problem (1 error) in 1 file."]
    finding = only(check_json(["--glibc", "2.5", markupsafe], tmp_path, expect=1), "glibc-version-above-target")
    assert (finding["location"], finding["members"]) == (markupsafe, [SPEEDUPS])
    assert [(e["version"], e["symbols"]) for e in finding["evidence"]] == [("GLIBC_2.14", ["memcpy"])]


def test_real_manylinux_wheel_facts(tmp_path: Path, markupsafe: str) -> None:
    documents = {a["path"]: a["facts"] for a in json.loads(binlint(["facts", markupsafe], tmp_path).stdout)["artifacts"]}
    wheel = documents[markupsafe]
    assert wheel["wheel.tags"] == ["cp311-cp311-manylinux2014_x86_64", "cp311-cp311-manylinux_2_17_x86_64"]
    assert wheel["wheel.platforms"] == ["manylinux2014_x86_64", "manylinux_2_17_x86_64"]
    assert wheel["wheel.native_members"] == [SPEEDUPS]
    ext = documents[f"{markupsafe}!{SPEEDUPS}"]
    assert (ext["elf.arch"], ext["elf.libc"], ext["elf.stack_flags"]) == ("x86_64", "glibc", "RW")


# --------------------------------------------------------------------------
# Inputs that were skipped in silence: a .whl that is no zip; zstd data, now read
# --------------------------------------------------------------------------


def zstd_frame(data: bytes) -> bytes:
    """`data` as a valid zstd frame of raw (stored) blocks, as RFC 8878 section 3.1.1 lays
    it out: no zstd library or program is needed to make one, and `zstd -t` accepts it."""
    frame = bytearray(b"\x28\xb5\x2f\xfd")  # magic
    frame += b"\x00\x58"  # frame header: no content size, no checksum; window 2 MiB
    chunks = [data[i:i + (128 << 10)] for i in range(0, len(data), 128 << 10)] or [b""]
    for number, chunk in enumerate(chunks):
        last = number == len(chunks) - 1
        frame += (len(chunk) << 3 | 0 << 1 | last).to_bytes(3, "little")  # Raw_Block
        frame += chunk
    return bytes(frame)


def tar_of(files: dict[str, bytes]) -> bytes:
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(content), 0o755
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def test_zstd_frames_are_valid(artifacts: Artifacts, tmp_path: Path) -> None:
    import shutil

    data = tar_of({"bin/app": artifacts.path("execstack-exe").read_bytes()})
    frame = tmp_path / "pkg.tar.zst"
    frame.write_bytes(zstd_frame(data))
    if shutil.which("zstd") is None:
        pytest.skip("zstd is not installed (the frame layout is checked where it is)")
    out = subprocess.run(["zstd", "-dc", str(frame)], capture_output=True, check=True).stdout
    assert out == data


def test_zstd_tars_are_walked(artifacts: Artifacts, tmp_path: Path) -> None:
    # A .tar.zst is a tar like the others: what it holds is linted.
    (tmp_path / "loose.tar.zst").write_bytes(zstd_frame(tar_of({"bin/app": artifacts.path("execstack-exe").read_bytes()})))
    document = check_json(["loose.tar.zst"], tmp_path, expect=0)
    assert [f["path"] for f in findings_of(document, "executable-stack")] == ["loose.tar.zst!bin/app"]


@pytest.mark.parametrize("content, described", [
    (b"<html><body>404 Not Found</body></html>\n", "text without a #! line"),
    (b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"0" * 64 + b"\nsize 1234\n",
     "text without a #! line"),
    (b"", "an empty file"),
])
def test_a_wheel_that_is_not_a_zip_is_an_error(tmp_path: Path, content: bytes, described: str) -> None:
    name = "pkg-1.0-py3-none-any.whl"
    (tmp_path / name).write_bytes(content)
    document = check_json([name], tmp_path, expect=1)
    assert [(f["path"], f["message"]) for f in findings_of(document, "wheel-not-a-zip")] == [
        (name, f"named as a wheel but {described}, not a zip archive: pip refuses to install it")]
    # What pip says about it, quoted by the rule's help.
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--dry-run",
                           str(tmp_path / name)], capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert f"ERROR: Wheel 'pkg' located at {tmp_path / name} is invalid." in proc.stdout + proc.stderr


def test_a_real_wheel_is_not_called_not_a_zip(artifacts: Artifacts, tmp_path: Path) -> None:
    [wheel] = place(artifacts, tmp_path, "clean-manylinux-wheel")
    assert findings_of(check_json([wheel], tmp_path), "wheel-not-a-zip") == []
