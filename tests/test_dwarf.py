"""elf.compile_units (binlint/formats/elf/dwarf.py) held equal to `readelf --debug-dump=info`,
on the -g fixtures and on this machine's files that carry DWARF; what it parses from real
producer strings; its bounds on hostile DWARF; and that runs without the DWARF rules never
import pyelftools."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from binlint.facts import FileView
from binlint.formats.elf import dwarf
from binlint.formats.elf.dwarf import switches
from binlint.formats.members import Limits
from binlint.walk.discover import discover
from fixture_checks.dwarf import compile_units as readelf_units
from fixtures import Artifacts
from fixtures.dwarf import LIBRARIES

DWARF_FIXTURES = [name for name in LIBRARIES if name != "dwarf-stripped-lib"]
# gcc's own objects that carry DWARF (libgcc's crt*.o, the sanitizers' preinit objects) and
# the first separate debug files of /usr/lib/debug (libc6-dbg), where installed.
GCC_DIR = Path("/usr/lib/gcc/x86_64-linux-gnu")
SYSTEM_FILES = sorted(GCC_DIR.glob("*/crtfastmath.o")) + sorted(GCC_DIR.glob("*/lib?san_preinit.o")) + \
    sorted(Path("/usr/lib/debug/.build-id").glob("*/*.debug"))[:12]


def facts(path: Path, *names: str) -> list:
    view = FileView.of_file(discover([str(path)])[0], Limits())
    try:
        return [view.get(name) for name in names]
    finally:
        view.close()


def assert_agrees_with_readelf(path: Path) -> None:
    [units] = facts(path, "elf.compile_units")
    expected = [(unit.get("DW_AT_name", ""), unit.get("DW_AT_producer", "")) for unit in readelf_units(path)]
    assert [(unit["name"], unit["producer"]) for unit in units] == expected


@pytest.mark.parametrize("name", DWARF_FIXTURES)
def test_fixture_units_agree_with_readelf(artifacts: Artifacts, name: str) -> None:
    assert_agrees_with_readelf(artifacts.path(name))


@pytest.mark.parametrize("path", SYSTEM_FILES, ids=str)
def test_system_units_agree_with_readelf(path: Path) -> None:
    assert_agrees_with_readelf(path)


def test_units_of_the_mixed_library(artifacts: Artifacts) -> None:
    units, error = facts(artifacts.path("dwarf-mixed-lib"), "elf.compile_units", "elf.dwarf_error")
    by_name = {unit["name"]: unit for unit in units}
    assert error is None and set(by_name) == {"./dwarf_guarded.c", "./dwarf_plain.c", "./dwarf_asm_x86_64.s"}
    assert {key: by_name["./dwarf_guarded.c"][key] for key in ("language", "stack_protector", "cf_protection",
                                                              "optimization", "pic", "fortify_source")} == {
        "language": "C", "stack_protector": "-fstack-protector-strong", "cf_protection": "full",
        "optimization": "2", "pic": "-fPIC", "fortify_source": None}  # GCC leaves -D out of the producer
    assert (by_name["./dwarf_plain.c"]["stack_protector"], by_name["./dwarf_plain.c"]["optimization"],
            by_name["./dwarf_plain.c"]["cf_protection"]) == ("-fno-stack-protector", "0", "none")
    assert (by_name["./dwarf_asm_x86_64.s"]["language"], by_name["./dwarf_asm_x86_64.s"]["switches_recorded"]) == (
        "Assembler", False)


def test_stripped_library_has_no_units(artifacts: Artifacts) -> None:
    assert facts(artifacts.path("dwarf-stripped-lib"), "elf.compile_units", "elf.dwarf_error") == [[], None]


@pytest.mark.parametrize(("producer", "expected"), [
    # libgcc's crtfastmath.o: options repeated, the last of each kind wins
    ("GNU C17 12.2.0 -mshstk -g -g -O2 -O2 -fcf-protection=full -fno-stack-protector -fpic",
     {"stack_protector": "-fno-stack-protector", "cf_protection": "full", "optimization": "2", "pic": "-fpic"}),
    # glibc's ld.so units: the project's -fstack-protector-strong, then the loader's own -fno-
    ("GNU C11 12.2.0 -g -O2 -fstack-protector-strong -fPIC -fno-stack-protector",
     {"stack_protector": "-fno-stack-protector", "optimization": "2", "pic": "-fPIC"}),
    # gcc with no -O records none: -O0; plain -fcf-protection is =full; -O is -O1
    ("GNU C17 12.2.0 -mtune=generic -march=x86-64 -g -fcf-protection", {"optimization": "0", "cf_protection": "full"}),
    ("GNU C17 12.2.0 -g -O -fno-cf-protection", {"optimization": "1", "cf_protection": "none"}),
    # Clang's -grecord-command-line keeps -D, its macro as a word of its own (clang 14 here)
    ("Debian clang version 14.0.6 /usr/lib/llvm-14/bin/clang -g -grecord-command-line -O2 -D _FORTIFY_SOURCE=2 "
     "-fstack-protector-strong -c fo.c -o fo.o",
     {"fortify_source": "2", "stack_protector": "-fstack-protector-strong", "optimization": "2",
      "defines_recorded": True}),
    ("clang version 17.0.6 /usr/bin/clang -O2 -D_FORTIFY_SOURCE=3 -U _FORTIFY_SOURCE -c a.c",
     {"fortify_source": None, "optimization": "2", "defines_recorded": True}),
])
def test_switches_of_real_producers(producer: str, expected: dict) -> None:
    parsed = switches(producer)
    assert parsed["switches_recorded"] and {key: parsed[key] for key in expected} == expected
    assert parsed["defines_recorded"] == producer.startswith(("clang", "Debian clang"))


@pytest.mark.parametrize("producer", ["GNU AS 2.40", "clang version 17.0.6", ""])
def test_producers_without_switches(producer: str) -> None:
    assert switches(producer) == {"switches_recorded": False, "defines_recorded": False, "stack_protector": None,
                                  "fortify_source": None, "cf_protection": None, "optimization": None, "pic": None}


def test_clang_units_record_fortify_source(artifacts: Artifacts) -> None:
    units, error = facts(artifacts.path("dwarf-clang-lib"), "elf.compile_units", "elf.dwarf_error")
    by_name = {unit["name"]: unit for unit in units}
    assert error is None and {name: (unit["defines_recorded"], unit["fortify_source"], unit["optimization"])
                              for name, unit in by_name.items()} == {
        "dwarf_guarded.c": (True, "2", "2"), "dwarf_small.c": (True, None, "2")}


def test_unit_cap(artifacts: Artifacts, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dwarf, "MAX_UNITS", 2)
    units, error = facts(artifacts.path("dwarf-mixed-lib"), "elf.compile_units", "elf.dwarf_error")
    assert len(units) == 2 and error == "over 2 compile units: the first 2 were read"


def _section(path: Path, name: str) -> tuple[int, int]:
    table = subprocess.run(["readelf", "-SW", str(path)], capture_output=True, text=True, check=True).stdout
    for line in table.splitlines():
        words = line.replace("[ ", "[").split()
        if len(words) > 5 and words[1] == name:
            return int(words[4], 16), int(words[5], 16)
    raise AssertionError(f"{name} not in {path}")


@pytest.mark.parametrize("section", [".debug_info", ".debug_abbrev", ".debug_str"])
def test_garbage_dwarf_is_a_fact_not_a_traceback(artifacts: Artifacts, tmp_path: Path, section: str) -> None:
    source = artifacts.path("dwarf-mixed-lib")
    offset, size = _section(source, section)
    data = bytearray(source.read_bytes())
    data[offset:offset + size] = b"\xff" * size
    broken = tmp_path / "broken.so"
    broken.write_bytes(bytes(data))
    units, error = facts(broken, "elf.compile_units", "elf.dwarf_error")
    assert error is not None or all(isinstance(unit["producer"], str) for unit in units)
    run = subprocess.run([sys.executable, "-m", "binlint", "check", "--extend-select", "hardening", str(broken)],
                         capture_output=True, text=True, timeout=120)
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, run.stderr
    assert run.returncode in (0, 1), run.stderr


@pytest.mark.parametrize(("options", "imported"), [([], "False"), (["--extend-select", "hardening"], "True")])
def test_only_the_dwarf_rules_import_pyelftools(artifacts: Artifacts, options: list[str], imported: str) -> None:
    """The DWARF facts are read only for the opt-in rules: a default run on a -g library
    never imports pyelftools (its import alone costs more than checking a small file)."""
    code = "import sys; from binlint.cli import main; main(); print('elftools' in sys.modules)"
    argv = [sys.executable, "-c", code, "check", *options, str(artifacts.path("dwarf-mixed-lib"))]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert run.stdout.splitlines()[-1] == imported, run.stdout + run.stderr
