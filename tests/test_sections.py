"""ELF files whose section headers cannot be read but whose program headers can.

The loader reads only program headers, so such a file runs (the test runs it): binlint
must check what the loader reads and say, once, which rules needed sections, instead of
calling the whole file unreadable (before: an error) or saying nothing (ET_NONE). Files
are made at test time from a program gcc links here: cut inside its section header table
(a download cut short), or with e_shoff pointing past the end.
"""
from __future__ import annotations

import json
import struct
import subprocess
from pathlib import Path

import pytest

from binlint.cli import main
from fixtures import require_tool

SOURCE = '#include <stdio.h>\nint main(void) { puts("cut"); return 0; }\n'
NOTE = "elf-sections-unreadable"


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    work = tmp_path_factory.mktemp("sections")
    (work / "main.c").write_text(SOURCE)
    subprocess.run([require_tool("gcc"), "-O2", "-o", str(work / "main"), str(work / "main.c")], check=True,
                   capture_output=True)
    return (work / "main").read_bytes()


def _shoff(data: bytes) -> int:
    assert data[4] == 2 and data[5] == 1, "an ELF64 little-endian program"
    return struct.unpack_from("<Q", data, 0x28)[0]


def cut(data: bytes) -> bytes:
    """The program cut 100 bytes into its section header table (the last thing in the file)."""
    return data[:_shoff(data) + 100]


def far_shoff(data: bytes, e_type: int | None = None) -> bytes:
    patched = bytearray(data)
    struct.pack_into("<Q", patched, 0x28, 0x7FFFFFFF0000)
    if e_type is not None:
        struct.pack_into("<H", patched, 16, e_type)
    return bytes(patched)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    path.chmod(0o755)
    return path


def report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict]]:
    code = main(["check", "--no-config", "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)["findings"]


def test_a_cut_program_still_runs(program: bytes, tmp_path: Path) -> None:
    path = write(tmp_path, "cut", cut(program))
    assert subprocess.run([str(path)], capture_output=True, text=True, timeout=30).stdout == "cut\n"


@pytest.mark.parametrize("make", [cut, far_shoff], ids=["cut", "far-shoff"])
def test_loader_rules_run_and_one_note_names_what_did_not(program: bytes, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str], make) -> None:
    path = write(tmp_path, "app", make(program))
    code, findings = report(capsys, "--glibc", "2.17", "--extend-select", "hardening", str(path))
    rules = [f["rule"] for f in findings]
    assert "unreadable-artifact" not in rules
    # glibc-version-above-target reads DT_VERNEED and the dynamic symbols, as the loader does.
    assert "glibc-version-above-target" in rules and code == 1
    [note] = [f for f in findings if f["rule"] == NOTE]
    assert note["severity"] == "note" and note["path"] == str(path)
    assert note["message"].startswith("section headers cannot be read (truncated: section header table (")
    # The rules that needed sections are named once, in the note, and nowhere else.
    assert note["evidence"] and note["message"].endswith("not checked: " + ", ".join(note["evidence"]))
    assert not set(note["evidence"]) & set(rules)


def test_et_none_is_no_longer_silent(program: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "none", far_shoff(program, e_type=0))
    code, findings = report(capsys, str(path))
    assert [f["rule"] for f in findings] == [NOTE] and code == 0


def test_the_intact_program_has_no_note(program: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "intact", program)
    assert NOTE not in {f["rule"] for f in report(capsys, "--extend-select", "hardening", str(path))[1]}


def test_a_file_the_loader_cannot_read_stays_unreadable(program: bytes, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    # Cut inside the program headers: the loader fails too ("file too short").
    path = write(tmp_path, "short", program[:100])
    code, findings = report(capsys, str(path))
    assert [f["rule"] for f in findings] == ["unreadable-artifact"] and code == 1


def test_facts_show_what_was_read(program: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "app", cut(program))
    assert main(["facts", str(path)]) == 0
    [document] = json.loads(capsys.readouterr().out)["artifacts"]
    facts = document["facts"]
    assert facts["file.error"] is None and facts["elf.section_error"].startswith("truncated: section header table")
    assert facts["elf.interpreter"] == "/lib64/ld-linux-x86-64.so.2" and "libc.so.6" in facts["elf.needed"]
    assert any(n["version"] == "GLIBC_2.34" for n in facts["elf.version_needs"])
