"""ELF members too large to read whole are read as far as the loader reads (issue 14, item 3).

A real library gcc links here, with a large initialised array (.data, after .dynamic) so that
what the loader reads is in its first pages and its section headers at its end, is put in a
wheel and a tar.gz and checked with a member limit (--max-member-size, in MiB) below its
size: the findings on what the loader reads (DT_NEEDED, symbol versions) must be those of a
run that reads it whole, plus one note naming its size, the limit and the bytes read. A
library of 1.5 GiB in a wheel (deflated zeros) is checked at the default limit within the
budgets of tests/test_budgets.py. Figures in docs/robustness.md ("Members over the limit").
"""
from __future__ import annotations

import io
import json
import random
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from binlint.facts.loading import dynamic
from binlint.formats.elf.prefix import read_elf_member
from binlint.formats.elf.reader import ElfFile
from binlint.formats.members import Budget, Limits, Member
from fixtures import EXE_MODE, MANYLINUX_X86_64, ArchiveEntry, require_tool, tar_bytes, wheel_bytes, wheel_filename
from fuzz import shapes
from test_budgets import Run, report
from test_memory import grown_library
from test_reports import cli_env

NOTE = "elf-sections-unreadable"
DATA = 4 << 20  # the library's .data: past a 1 MiB member limit
LIBRARY = """
#include <math.h>
#include <string.h>
int dep(void);
char big[%d] = {1};
double work(double x, char *to, const char *from, unsigned n) {
    memcpy(to, from, n);  /* memcpy@GLIBC_2.14 */
    big[n] = 2;
    return cos(x) + dep();
}
""" % DATA
# memcpy@GLIBC_2.14 is above glibc 2.12; libdep.so is in no archive and not on the target.
TARGET = ("--target", "manylinux_2_12_x86_64")


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    work = tmp_path_factory.mktemp("prefix")
    gcc = require_tool("gcc")
    (work / "dep.c").write_text("int dep(void) { return 1; }\n")
    (work / "lib.c").write_text(LIBRARY)
    subprocess.run([gcc, "-shared", "-fPIC", "-o", str(work / "libdep.so"), str(work / "dep.c")], check=True)
    subprocess.run([gcc, "-O2", "-shared", "-fPIC", "-o", str(work / "libbig.so"), str(work / "lib.c"),
                    f"-L{work}", "-ldep", "-lm"], check=True)
    return (work / "libbig.so").read_bytes()


def archive(kind: str, lib: bytes, directory: Path) -> str:
    if kind == "wheel":
        name = wheel_filename("big", "1.0", MANYLINUX_X86_64)
        data = wheel_bytes("big", "1.0", MANYLINUX_X86_64, [ArchiveEntry("big/_ext.so", lib, EXE_MODE)])
    else:
        name = "big-1.0.tar.gz"
        data = tar_bytes([ArchiveEntry("big-1.0/lib/libbig.so", lib, EXE_MODE)], "gz")
    (directory / name).write_bytes(data)
    return name


def findings(directory: Path, name: str, *options: str) -> tuple[int, list[dict]]:
    command = [sys.executable, "-m", "binlint", "check", "--no-config", "--format", "json", *TARGET, *options, name]
    proc = subprocess.run(command, cwd=directory, env=cli_env(), capture_output=True, text=True, timeout=120)
    assert proc.stderr == "", proc.stderr
    return proc.returncode, json.loads(proc.stdout)["findings"]


@pytest.mark.parametrize("kind", ["wheel", "tar.gz"])
def test_loader_findings_are_those_of_the_whole_member(library: bytes, tmp_path: Path, kind: str) -> None:
    assert len(library) > DATA
    name = archive(kind, library, tmp_path)
    whole_code, whole = findings(tmp_path, name, "--select", "ALL")
    code, part = findings(tmp_path, name, "--select", "ALL", "--max-member-size", "1")
    [note] = [f for f in part if f["rule"] == NOTE]
    member = note["path"]
    assert member.startswith(f"{name}!") and member.endswith(".so")
    message = note["message"]
    prefix = (f"section headers cannot be read (the member declares {len(library)} bytes, over the member limit of "
              "1048576 bytes (see --max-member-size): only its first ")
    assert message.startswith(prefix) and note["severity"] == "note"
    read = int(message[len(prefix):].split(" ", 1)[0])
    assert read < 128 << 10, message  # the loader's bytes, not the 4 MiB of .data
    assert "the headers and what the loader reads, and none of its sections" in message
    # What the loader reads gives the same findings; the rules that needed sections are named.
    loader = {"glibc-version-above-target", "needed-library-not-on-target"}
    assert loader <= {f["rule"] for f in whole if f["path"] == member}
    assert not loader & set(note["evidence"])
    expected = [f for f in whole if f["rule"] not in note["evidence"]]
    assert [f for f in part if f["rule"] != NOTE] == expected
    assert code == whole_code == 1


def test_same_report_for_any_jobs(library: bytes, tmp_path: Path) -> None:
    name = archive("wheel", library, tmp_path)
    reports = {jobs: findings(tmp_path, name, "--max-member-size", "1", "--jobs", str(jobs)) for jobs in (1, 2, 8)}
    assert reports[1] == reports[2] == reports[8]
    assert NOTE in {f["rule"] for f in reports[1][1]}


def test_the_member_limit_spends_no_budget(library: bytes, tmp_path: Path) -> None:
    # Cut by the member limit, not by the file's budget: the members after it are read.
    name = wheel_filename("two", "1.0", MANYLINUX_X86_64)
    (tmp_path / name).write_bytes(wheel_bytes("two", "1.0", MANYLINUX_X86_64, [
        ArchiveEntry("two/_big.so", library, EXE_MODE), ArchiveEntry("two/_again.so", library, EXE_MODE)]))
    _, found = findings(tmp_path, name, "--max-member-size", "1")
    assert sorted(f["path"] for f in found if f["rule"] == NOTE) == [f"{name}!two/_again.so", f"{name}!two/_big.so"]
    assert "unreadable-artifact" not in {f["rule"] for f in found}


def test_loader_bytes_past_the_limit_are_named_not_read(library: bytes, tmp_path: Path) -> None:
    # PT_DYNAMIC moved 3 MiB in (into .data), past a 1 MiB limit: the bytes before it are not
    # read for it, and the note names the rules that read the dynamic section.
    patched = bytearray(library)
    (phoff,), (phentsize, phnum) = struct.unpack_from("<Q", patched, 0x20), struct.unpack_from("<HH", patched, 0x36)
    headers = [phoff + i * phentsize for i in range(phnum)]
    [dynamic] = [at for at in headers if struct.unpack_from("<I", patched, at)[0] == 2]  # PT_DYNAMIC
    filesz = struct.unpack_from("<Q", patched, dynamic + 32)[0]
    struct.pack_into("<Q", patched, dynamic + 8, 3 << 20)  # p_offset
    name = archive("wheel", bytes(patched), tmp_path)
    code, found = findings(tmp_path, name, "--max-member-size", "1")
    [note] = [f for f in found if f["rule"] == NOTE]
    assert f"though the loader reads on past the limit, to byte {(3 << 20) + filesz} at least" in note["message"]
    read = int(note["message"].split("only its first ", 1)[1].split(" ", 1)[0])
    assert read < 128 << 10, note["message"]
    assert {"glibc-version-above-target", "needed-library-not-on-target"} <= set(note["evidence"])
    assert "unreadable-artifact" not in {f["rule"] for f in found}


def test_a_sibling_read_by_the_loader_model_is_read_in_part(library: bytes) -> None:
    # binlint.facts.loading reads a sibling library from its first 4 bytes on: the header is
    # read before anything else is asked of it.
    stream = io.BytesIO(library)
    head = stream.read(4)
    member = Member("lib/libbig.so", None, len(library), None)
    data, prefix = read_elf_member(Budget(Limits(4, 1 << 20, 8 << 30)), member, stream, head)
    assert prefix is not None and len(data) < 128 << 10 and prefix.size == len(library)
    assert dynamic(ElfFile(data, prefix)).needed == ("libdep.so", "libm.so.6", "libc.so.6")


# --------------------------------------------------------------------------
# Gibibytes: an honest large library, and a declared bomb
# --------------------------------------------------------------------------

def deflated(parts: list[tuple[bytes, int]]) -> tuple[bytes, int, int]:
    """(raw deflate stream, CRC-32, size) of each `bytes` repeated `count` times, in order.
    Each part is compressed once and ends with a full flush, which resets the compressor:
    its repeats are the same compressed bytes, so gibibytes deflate in a second."""
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    stream, crc, size = [], 0, 0
    for data, count in parts:
        once = deflate.compress(data) + deflate.flush(zlib.Z_FULL_FLUSH)
        stream.append(once * count)
        for _ in range(count):
            crc = zlib.crc32(data, crc)
        size += len(data) * count
    stream.append(deflate.flush())
    return b"".join(stream), crc, size


HUGE = 3 << 29  # 1.5 GiB: past the default member limit of 1 GiB
NOISE = 8 << 20  # incompressible bytes at the start of the hole: an honest ratio


def huge_wheel(library: bytes, directory: Path, noise: int) -> tuple[str, int]:
    """A wheel whose extension module is the library grown by a 1.5 GiB section: `noise`
    random bytes, then zeros. Without noise it deflates 1,000 times: past what a wheel of its
    size may inflate to (256 times), so the file's budget cuts the member, not the member limit."""
    before, hole, after = grown_library(library, HUGE)
    filler = [(random.Random(14).randbytes(noise), 1)] if noise else []
    stream, crc, size = deflated([(before, 1), *filler, (bytes(1 << 20), (hole - noise) >> 20), (after, 1)])
    name = shapes.split_wheel_name(f"huge{noise}")
    (directory / name).write_bytes(shapes.deflated_wheel("huge", [("huge/_ext.so", stream, crc, size)]))
    return name, size


@pytest.mark.parametrize("noise, limit", [
    (NOISE, "the member limit of 1073741824 bytes"),
    (0, "the 409"),  # what the budget has left: 256 times the file's size, less what was inflated
], ids=["honest", "bomb"])
def test_a_gibibyte_library_in_a_wheel_is_read_in_part(library: bytes, tmp_path: Path, noise: int,
                                                       limit: str) -> None:
    name, size = huge_wheel(library, tmp_path, noise)
    assert size > 1 << 30
    reports = {}
    for jobs in (1, 2, 8):
        run, document = report(tmp_path, name, *TARGET, "--jobs", str(jobs))  # within 5 s of CPU and 300 MB
        reports[jobs] = document
        assert run.code == 1
    assert reports[1] == reports[2] == reports[8]
    found = reports[1]["findings"]
    [note] = [f["message"] for f in found if f["rule"] == NOTE]
    assert f"(the member declares {size} bytes, over {limit}" in note and "(see --max-member-size)" in note
    assert {"glibc-version-above-target", "needed-library-not-on-target"} <= {f["rule"] for f in found}
    cut = [f["message"] for f in found if f["rule"] == "unreadable-artifact"]
    if noise:
        assert cut == []
    else:  # the budget is spent with the member: the wheel's metadata after it is not read
        assert len(cut) == 1 and "may inflate to: a zip bomb?" in cut[0], cut


def test_compressed_tar_declaring_a_10_gib_library(library: bytes, tmp_path: Path) -> None:
    # The library heads a member that declares and holds 10 GiB: listing the tar skips the
    # member by inflating it, which the stream's ratio stops; the finding names the member.
    data = shapes.declared_tar("gzip", 10 << 30, elf=library)
    (tmp_path / "bomb.tar.gz").write_bytes(data)
    run, document = report(tmp_path, "bomb.tar.gz")
    assert run.code == 1
    [cut] = [(f["path"], f["message"]) for f in document["findings"] if f["rule"] == "unreadable-artifact"]
    assert cut[0] == "bomb.tar.gz!lib/libhuge.so"
    assert "not read, nor anything after it: skipping its 10737418240 bytes to the next member" in cut[1]
