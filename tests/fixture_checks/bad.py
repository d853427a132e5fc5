"""Checks of the malformed ELF fixtures (kind "bad"): cut where they say, and readelf objects."""
from __future__ import annotations

from pathlib import Path

from fixture_checks.readelf import inspect
from fixture_checks.registry import check
from fixtures import ELF_MAGIC


def _clean_lib_bytes(path: Path) -> bytes:
    # The bad fixtures sit next to clean-lib in the session artifact directory.
    return (path.parent / "clean-lib.so").read_bytes()


@check("truncated-header")
def _check_truncated_header(path: Path) -> None:
    data = path.read_bytes()
    assert len(data) == 20 and data == _clean_lib_bytes(path)[:20]
    assert "Error" in inspect(path).errors


@check("truncated-phdrs")
def _check_truncated_phdrs(path: Path) -> None:
    view = inspect(path)
    phoff = int(view.header["Start of program headers"].split()[0])
    phentsize = int(view.header["Size of program headers"].split()[0])
    phnum = int(view.header["Number of program headers"])
    size = path.stat().st_size
    assert phoff < size < phoff + phentsize * phnum
    assert (size - phoff) % phentsize != 0, "cut should fall inside an entry"
    assert path.read_bytes() == _clean_lib_bytes(path)[:size]
    assert view.segments == []
    assert "Error" in view.errors


@check("truncated-dynamic")
def _check_truncated_dynamic(path: Path) -> None:
    view = inspect(path)
    size = path.stat().st_size
    last_load = [s for s in view.segments if s.type == "LOAD"][-1]
    dynamic = [s for s in view.segments if s.type == "DYNAMIC"][0]
    assert last_load.offset < size <= last_load.offset + 1
    assert dynamic.offset >= size, "PT_DYNAMIC must point past EOF"
    assert path.read_bytes() == _clean_lib_bytes(path)[:size]
    assert "dynamic segment" in view.errors


@check("garbage-elf")
def _check_garbage_elf(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(ELF_MAGIC) and len(data) == 4 + 200
