"""Messages that say what is wrong in words a user can act on (issue 13, item 10).

Each case is a real file: a program linked by this machine's gcc with packed relative
relocations, a real Mach-O module given a bare-name load by LIEF, and files with the
set-user-ID and set-group-ID bits. What is asserted is the line the user reads.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from binlint.walk.discover import discover
from binlint.engine import Options, check
from binlint.rules import load_rules
from binlint.rules.targets import Target
from fixtures import require_module, require_tool


@pytest.fixture(scope="module")
def rules() -> list:
    return load_rules([])


def messages(path: Path, rules: list, rule: str, target: dict | None = None) -> list[str]:
    options = Options((Target.of(target or {}),))
    return [f.message for f in check(discover([str(path)]), rules, options) if f.rule == rule]


def test_dt_relr_says_what_it_is_and_how_it_was_asked_for(rules: list, tmp_path: Path) -> None:
    source = tmp_path / "main.c"
    source.write_text("int main(void) { return 0; }\n")
    program = tmp_path / "relr"
    subprocess.run([require_tool("gcc"), "-O2", "-Wl,-z,pack-relative-relocs", str(source), "-o", str(program)],
                   check=True, capture_output=True)
    [message] = messages(program, rules, "glibc-version-above-target", {"glibc": "2.17"})
    assert "GLIBC_ABI_DT_RELR (packed relative relocations, -z pack-relative-relocs, glibc 2.36 or later)" in message
    # The help says how to link without them.
    [rule] = [r for r in rules if r.id == "glibc-version-above-target"]
    assert "-Wl,-z,nopack-relative-relocs" in rule.help["fix"]
    assert "GLIBC_ABI_DT_RELR ()" not in message
    # Linked without them, the version is gone: the advice holds.
    subprocess.run([require_tool("gcc"), "-O2", "-Wl,-z,nopack-relative-relocs", str(source), "-o", str(program)],
                   check=True, capture_output=True)
    assert all("GLIBC_ABI_DT_RELR" not in m for m in messages(program, rules, "glibc-version-above-target",
                                                               {"glibc": "2.17"}))


def test_a_bare_dylib_name_is_looked_up_in_the_working_directory(rules: list, tmp_path: Path) -> None:
    require_module("lief", ".")
    from fixtures import macho as macho_fixtures

    module = tmp_path / "pkg" / "_ext.so"
    module.parent.mkdir()
    macho_fixtures._edit(macho_fixtures.X86_64, macho_fixtures.add_dylibs("liba.dylib", "@rpath/libb.dylib"))(module)
    (module.parent / "liba.dylib").write_bytes(b"")  # beside the module: dyld does not look there
    [message] = messages(module, rules, "macho-dylib-not-in-artifact")
    assert message == ("loads dylibs that are not beside it in the artifact: liba.dylib (x86_64, dyld looks in: "
                       "working-directory), @rpath/libb.dylib (x86_64, dyld looks in: rpaths)")


@pytest.mark.parametrize("mode, words", [(0o4755, "is set-user-ID"), (0o2755, "is set-group-ID"),
                                         (0o6755, "is set-user-ID, set-group-ID")])
def test_set_id_bits_are_named_in_english(rules: list, tmp_path: Path, mode: int, words: str) -> None:
    helper = tmp_path / "helper"
    helper.write_bytes(b"#!/bin/sh\necho\n")
    helper.chmod(mode)
    assert messages(helper, rules, "setuid-file") == [
        f"mode {mode:04o} {words}: the program runs with its owner's or group's rights, not its user's"]
