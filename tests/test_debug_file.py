"""Separate debug files (binlint/formats/elf/debug_file.py) on real split libraries (gcc -g
-Wl,--build-id, objcopy --only-keep-debug, strip --strip-debug, objcopy --add-gnu-debuglink):
found as GDB finds them, by build ID under --debug-dir and by .gnu_debuglink in each place
GDB looks; refused when the build ID or the CRC-32 does not match, or when a link leads out of
what was given (debug-file-mismatch says so); never a traceback on a broken one; looked up only
for the DWARF rules; the `debug-dir` configuration key; and glibc's own debug file from
Debian's libc6-dbg, held equal to readelf."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from binlint.cli import main
from binlint.facts import FileView
from binlint.formats.members import Limits
from binlint.walk.discover import discover
from fixture_checks.dwarf import build_id, compile_units as readelf_units
from fixtures import Artifacts, require_tool

DEBUG_FACTS = ("elf.debug_file", "elf.debug_files_rejected", "elf.compile_units", "elf.dwarf_error")
UNIT_RULES = {"unit-no-stack-protector", "unit-no-cf-protection", "unit-unoptimized"}


def facts(path: Path, *debug_dirs: Path) -> dict[str, Any]:
    view = FileView.of_file(discover([str(path)])[0], Limits(debug_dirs=tuple(map(str, debug_dirs))))
    try:
        view.open()
        return {name: view.get(name) for name in DEBUG_FACTS}
    finally:
        view.close()


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]]]:
    """`binlint check --extend-select hardening ARGS` in process: exit code and findings."""
    capsys.readouterr()
    code = main(["check", "--no-config", "--extend-select", "hardening", "--format", "json", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, json.loads(out)["findings"]


def unit_names(units: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(unit["name"], unit["producer"]) for unit in units]


def readelf_names(path: Path) -> list[tuple[str, str]]:
    return [(unit.get("DW_AT_name", ""), unit.get("DW_AT_producer", "")) for unit in readelf_units(path)]


def by_build_id(directory: Path, lib: Path) -> Path:
    """Where GDB looks for `lib`'s debug file by its build ID under `directory`."""
    found = build_id(lib)
    assert found is not None
    return directory / ".build-id" / found[:2] / f"{found[2:]}.debug"


def place(source: Path, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, path)
    return path


@pytest.fixture
def split(artifacts: Artifacts, tmp_path: Path) -> tuple[Path, Path]:
    """dwarf-split-lib's stripped library alone in a folder, and its debug file kept aside."""
    fixture = artifacts.path("dwarf-split-lib")
    lib = place(fixture, tmp_path / "lib" / fixture.name)
    debug = place(fixture.parent / ".debug" / f"{fixture.name}.debug", tmp_path / "aside" / "split.debug")
    return lib, debug


@pytest.fixture
def stale(artifacts: Artifacts) -> Path:
    """A debug file of another build: dwarf-hardened-lib's, no build ID, another CRC-32."""
    fixture = artifacts.path("dwarf-stale-debug-lib")
    return fixture.parent / f"{fixture.name}.debug"


def test_found_by_build_id(capsys: pytest.CaptureFixture[str], split: tuple[Path, Path], tmp_path: Path) -> None:
    lib, debug = split
    debug_dir = tmp_path / "debug"
    found = place(debug, by_build_id(debug_dir, lib))
    assert facts(lib) == {"elf.debug_file": None, "elf.debug_files_rejected": [], "elf.compile_units": [],
                          "elf.dwarf_error": None}
    seen = facts(lib, debug_dir)
    assert (seen["elf.debug_file"], seen["elf.debug_files_rejected"], seen["elf.dwarf_error"]) == (
        str(found), [], None)
    assert unit_names(seen["elf.compile_units"]) == readelf_names(found)
    code, findings = check(capsys, "--debug-dir", str(debug_dir), str(lib))
    assert code == 0 and {f["rule"] for f in findings} >= UNIT_RULES
    unit = [f for f in findings if f["rule"] == "unit-no-stack-protector"]
    assert [(f["path"], [e["name"] for e in f["evidence"]]) for f in unit] == [(str(lib), ["./dwarf_plain.c"])]


@pytest.mark.parametrize("where", ["beside", ".debug", "debug-dir", "debug-dir/object-dir"])
def test_found_by_debuglink(split: tuple[Path, Path], tmp_path: Path, where: str) -> None:
    lib, debug = split
    debug_dir = tmp_path / "debug"
    debug_dir.mkdir()
    name = f"{lib.name}.debug"
    path = {"beside": lib.parent / name, ".debug": lib.parent / ".debug" / name, "debug-dir": debug_dir / name,
            "debug-dir/object-dir": Path(f"{debug_dir}{lib.parent}") / name}[where]
    place(debug, path)
    seen = facts(lib, debug_dir)
    assert (seen["elf.debug_file"], seen["elf.debug_files_rejected"]) == (str(path), [])
    assert unit_names(seen["elf.compile_units"]) == readelf_names(path)


def test_build_id_first_then_debuglink(split: tuple[Path, Path], stale: Path, tmp_path: Path) -> None:
    """GDB's order: a build-ID file of another build is refused, and the debug link still finds the right one."""
    lib, debug = split
    refused = place(stale, by_build_id(tmp_path / "debug", lib))
    beside = place(debug, lib.parent / f"{lib.name}.debug")
    seen = facts(lib, tmp_path / "debug")
    assert (seen["elf.debug_file"], seen["elf.debug_files_rejected"]) == (
        str(beside), [{"path": str(refused), "reason": "build-id-mismatch"}])


@pytest.mark.parametrize("reason", ["build-id-mismatch", "crc-mismatch", "unreadable", "outside"])
def test_a_debug_file_that_does_not_match_is_refused(capsys: pytest.CaptureFixture[str], split: tuple[Path, Path],
                                                     stale: Path, tmp_path: Path, reason: str) -> None:
    lib, debug = split
    debug_dir = tmp_path / "debug"
    debug_dir.mkdir()
    path = lib.parent / f"{lib.name}.debug" if reason == "crc-mismatch" else by_build_id(debug_dir, lib)
    path.parent.mkdir(parents=True, exist_ok=True)
    if reason == "unreadable":
        path.write_bytes(debug.read_bytes()[:40])  # cut off in the ELF header
    elif reason == "outside":
        path.symlink_to(debug)  # the right file, but outside the directory given
    else:
        shutil.copy2(stale, path)
    seen = facts(lib, debug_dir)
    assert (seen["elf.debug_file"], seen["elf.debug_files_rejected"], seen["elf.compile_units"]) == (
        None, [{"path": str(path), "reason": reason}], [])
    code, findings = check(capsys, "--debug-dir", str(debug_dir), str(lib))
    assert code == 0 and not {f["rule"] for f in findings} & UNIT_RULES
    [note] = [f for f in findings if f["rule"] == "debug-file-mismatch"]
    assert (note["path"], note["severity"]) == (str(lib), "note")
    assert note["message"] == ("no separate debug file matches this object, so the DWARF rules (unit-*) did not "
                               f"check it; refused: {path} ({reason})")


def test_a_fifo_is_never_opened(split: tuple[Path, Path], tmp_path: Path) -> None:
    """Only regular files are opened: reading a FIFO would wait for ever."""
    lib, _ = split
    fifo = by_build_id(tmp_path / "debug", lib)
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    code = ("import json, sys; from binlint.cli import main; sys.exit(main(sys.argv[1:]))")
    run = subprocess.run([sys.executable, "-c", code, "facts", "--no-config", "--debug-dir", str(tmp_path / "debug"),
                          str(lib)], capture_output=True, text=True, timeout=120)
    [document] = json.loads(run.stdout)["artifacts"]
    assert (document["facts"]["elf.debug_file"], document["facts"]["elf.debug_files_rejected"]) == (None, [])


def _relink(lib: Path, debug_file: Path) -> None:
    """Point `lib`'s .gnu_debuglink at `debug_file`, with its CRC-32, as objcopy does."""
    objcopy = require_tool("objcopy")
    subprocess.run([objcopy, "--remove-section=.gnu_debuglink", str(lib)], check=True, capture_output=True)
    subprocess.run([objcopy, f"--add-gnu-debuglink={debug_file.name}", str(lib)], check=True, capture_output=True,
                   cwd=debug_file.parent)


def _garbled_debug_info(data: bytes, path: Path) -> bytes:
    sections = subprocess.run([require_tool("readelf"), "-SW", str(path)], capture_output=True, text=True,
                              check=True).stdout
    [(offset, size)] = [(int(m[1], 16), int(m[2], 16)) for m in re.finditer(
        r"\.debug_info\s+PROGBITS\s+[0-9a-f]+ ([0-9a-f]+) ([0-9a-f]+)", sections)]
    return data[:offset] + b"\xff" * size + data[offset + size:]


@pytest.mark.parametrize("broken", ["garbage", "cut-in-half", "garbled-debug-info"])
def test_a_broken_debug_file_is_a_fact_not_a_traceback(capsys: pytest.CaptureFixture[str], split: tuple[Path, Path],
                                                       broken: str) -> None:
    """A debug file whose CRC-32 matches (the link was made to it) but that is broken: it is the
    object's debug file, and elf.dwarf_error says why its units cannot be read."""
    lib, debug = split
    data = debug.read_bytes()
    path = lib.parent / f"{lib.name}.debug"
    path.write_bytes({"garbage": b"\x7fELF" + b"\xa5" * 200, "cut-in-half": data[:len(data) // 2],
                      "garbled-debug-info": _garbled_debug_info(data, debug)}[broken])
    _relink(lib, path)
    seen = facts(lib)
    assert seen["elf.debug_file"] == str(path) and seen["elf.dwarf_error"] is not None
    code, findings = check(capsys, str(lib))
    assert code in (0, 1) and "debug-file-mismatch" not in {f["rule"] for f in findings}


def test_a_member_is_looked_up_in_the_debug_dirs_only(split: tuple[Path, Path], tmp_path: Path) -> None:
    """An archive member has no folder of its own: the debug file beside it in the archive is
    not read, the build-ID tree under --debug-dir is."""
    lib, debug = split
    archive = tmp_path / "libs.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.write(lib, lib.name)
        out.write(debug, f".debug/{lib.name}.debug")
    debug_dir = tmp_path / "debug"
    found = place(debug, by_build_id(debug_dir, lib))
    for dirs, expected in (([], None), (["--debug-dir", str(debug_dir)], str(found))):
        run = subprocess.run([sys.executable, "-m", "binlint", "facts", "--no-config", *dirs, str(archive)],
                             capture_output=True, text=True, timeout=120)
        member = {a["path"]: a["facts"] for a in json.loads(run.stdout)["artifacts"]}[f"{archive}!{lib.name}"]
        assert member["elf.debug_file"] == expected


# Prints every file under the debug directory that binlint opens (the `open` audit event of
# os.open and open()), then runs binlint.
AUDITED = ("import sys; from binlint.cli import main\n"
           "root = sys.argv.pop(1)\n"
           "sys.addaudithook(lambda event, args: event == 'open' and isinstance(args[0], str) and "
           "args[0].startswith(root) and print('OPENED', args[0], file=sys.stderr))\n"
           "sys.exit(main(sys.argv[1:]))")


@pytest.mark.parametrize(("options", "opened"), [([], False), (["--extend-select", "hardening"], True)])
def test_only_the_dwarf_rules_look_for_debug_files(split: tuple[Path, Path], tmp_path: Path,
                                                   options: list[str], opened: bool) -> None:
    lib, debug = split
    debug_dir = tmp_path / "debug"
    place(debug, by_build_id(debug_dir, lib))
    run = subprocess.run([sys.executable, "-c", AUDITED, str(debug_dir), "check", "--no-config", *options,
                          "--debug-dir", str(debug_dir), str(lib)], capture_output=True, text=True, timeout=120)
    assert ("OPENED" in run.stderr) == opened, run.stderr


def test_the_configuration_key(capsys: pytest.CaptureFixture[str], split: tuple[Path, Path], tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    """`debug-dir`, relative to the configuration file, as --debug-dir is to the working directory."""
    lib, debug = split
    found = place(debug, by_build_id(tmp_path / "project" / "debug", lib))
    config = tmp_path / "project" / "binlint.toml"
    config.write_text('debug-dir = ["debug"]\n')
    monkeypatch.chdir(lib.parent)
    capsys.readouterr()
    assert main(["facts", "--config", str(config), lib.name]) == 0
    [document] = json.loads(capsys.readouterr().out)["artifacts"]
    assert Path(document["facts"]["elf.debug_file"]).resolve() == found.resolve()


def test_a_debug_dir_that_is_not_a_directory(capsys: pytest.CaptureFixture[str], split: tuple[Path, Path],
                                             tmp_path: Path) -> None:
    lib, _ = split
    capsys.readouterr()
    assert main(["check", "--no-config", "--debug-dir", str(tmp_path / "nowhere"), str(lib)]) == 2
    assert capsys.readouterr().err == f"binlint: error: --debug-dir {tmp_path / 'nowhere'}: not a directory\n"


# -- glibc's debug file, from Debian's libc6-dbg (.ci/run installs it) ----------------------
LIBC = Path("/lib/x86_64-linux-gnu/libc.so.6")
SYSTEM_DEBUG = Path("/usr/lib/debug")
GOOD_CANARY = {"-fstack-protector", "-fstack-protector-strong", "-fstack-protector-all"}


def test_glibc_units_from_libc6_dbg(capsys: pytest.CaptureFixture[str]) -> None:
    if not LIBC.exists() or not by_build_id(SYSTEM_DEBUG, LIBC).exists():
        pytest.skip("needs libc6-dbg (glibc's debug file under /usr/lib/debug/.build-id)")
    debug_file = by_build_id(SYSTEM_DEBUG, LIBC)
    seen = facts(LIBC, SYSTEM_DEBUG)
    assert (seen["elf.debug_file"], seen["elf.debug_files_rejected"], seen["elf.dwarf_error"]) == (
        str(debug_file), [], None)
    expected = readelf_names(debug_file)
    assert unit_names(seen["elf.compile_units"]) == expected and len(expected) > 1000
    # The units readelf shows built without a canary, glibc's start-up code among them (it runs
    # before the canary is set): exactly those unit-no-stack-protector names.
    unguarded = {name for name, producer in expected if producer.startswith("GNU C") and " -" in producer and
                 (re.findall(r"-f(?:no-)?stack-protector[\w-]*", producer) or [""])[-1] not in GOOD_CANARY}
    code, findings = check(capsys, "--debug-dir", str(SYSTEM_DEBUG), str(LIBC))
    [finding] = [f for f in findings if f["rule"] == "unit-no-stack-protector"]
    assert code == 0 and {unit["name"] for unit in finding["evidence"]} == unguarded
    assert "init-first.c" in unguarded and "../sysdeps/x86/abi-note.c" not in unguarded
