"""Checks of the files that are not ELF (kind "file"): bytecode, text, PE, jar, data and #!
scripts, by their bytes."""
from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

from fixture_checks.registry import Check, check
from fixtures import ELF_MAGIC, LONG_INTERPRETER, SCRIPTS, VERY_LONG_INTERPRETER


def _assert_pyc(path: Path) -> None:
    assert path.suffix == ".pyc"
    assert path.read_bytes()[:4] == importlib.util.MAGIC_NUMBER


@check("pyc-exec", "pyc-noexec")
def _check_pyc(path: Path) -> None:
    _assert_pyc(path)


@check("script-exec")
def _check_script_exec(path: Path) -> None:
    assert path.read_bytes().startswith(b"#!/bin/sh\n")


def _is_text(data: bytes) -> bool:
    return all(32 <= byte < 127 or byte in b"\t\n\r" for byte in data)


@check("text-exec")
def _check_text_exec(path: Path) -> None:
    data = path.read_bytes()
    assert not data.startswith(b"#!")
    assert _is_text(data)


@check("pe-exec")
def _check_pe_exec(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(b"MZ")
    e_lfanew = int.from_bytes(data[0x3C:0x40], "little")
    assert data[e_lfanew:e_lfanew + 4] == b"PE\0\0"


@check("jar-exec")
def _check_jar_exec(path: Path) -> None:
    assert path.suffix == ".jar"
    with zipfile.ZipFile(path) as jar:
        assert jar.testzip() is None
        assert b"Manifest-Version" in jar.read("META-INF/MANIFEST.MF")


@check("data-noexec")
def _check_data_noexec(path: Path) -> None:
    data = path.read_bytes()
    assert not _is_text(data)
    magics = (ELF_MAGIC, b"#!", b"MZ", b"PK", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe",
              importlib.util.MAGIC_NUMBER)
    for magic in magics:
        assert not data.startswith(magic)


# name -> what the first line must be (bytes before b"\n"), and what must not be in the file
SCRIPT_FIRST_LINES = {
    "crlf-script": b"#!/usr/bin/env python3\r",
    "relative-interp-script": b"#!python3",
    "long-shebang-script": b"#!" + LONG_INTERPRETER.encode(),
    "very-long-shebang-script": b"#!" + VERY_LONG_INTERPRETER.encode(),
    "env-args-script": b"#!/usr/bin/env python3 -u",
    "env-s-script": b"#!/usr/bin/env -S python3 -u",
    "bom-script": b"\xef\xbb\xbf#!/bin/sh",
    "clean-script": b"#!/usr/bin/env python3",
}


def _check_script(name: str) -> Check:
    def check_script(path: Path) -> None:
        data = path.read_bytes()
        first = data.split(b"\n", 1)[0]
        assert first == SCRIPT_FIRST_LINES[name]
        assert data.count(b"\r") == (data.count(b"\n") if name == "crlf-script" else 0)
        assert len(first) == {"long-shebang-script": 202, "very-long-shebang-script": 302}.get(name, len(first))
        assert data.startswith(b"#!") != (name == "bom-script")
    return check_script


for _name in SCRIPTS:
    check(_name)(_check_script(_name))
