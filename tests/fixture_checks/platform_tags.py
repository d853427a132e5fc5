"""Checks of the Android module and wheels (fixtures/platform_tags.py), read with readelf and
zipfile: the API level is what `readelf -n` shows of the note, independently of binlint."""
from __future__ import annotations

import re
from pathlib import Path

from fixture_checks.archives import _ext_wheel
from fixture_checks.readelf import inspect, readelf
from fixture_checks.registry import check
from fixtures.platform_tags import ANDROID_API, ANDROID_WHEELS, WASM_FILES, WASM_WHEELS

# `readelf -n`: the note's owner, size and type, then its data as hexadecimal bytes.
_ANDROID_NOTE = re.compile(r"Android\s+0x[0-9a-f]+\s+NT_VERSION.*\n\s+description data: ((?:[0-9a-f]{2} ?)+)")


def readelf_android_api_level(path: Path) -> int | None:
    """The first word (little-endian) of the "Android" note as readelf prints it."""
    match = _ANDROID_NOTE.search(readelf(path, "-n").stdout)
    return int.from_bytes(bytes.fromhex(match[1].replace(" ", ""))[:4], "little") if match else None


@check("android-arm64-lib")
def _check_android_module(path: Path) -> None:
    view = inspect(path)
    assert view.header["Machine"] == "AArch64" and view.header["Type"].startswith("DYN")
    assert view.dyn_values("NEEDED") == ["libc.so"]
    assert "NOTE" in view.segment_types()
    assert readelf_android_api_level(path) == ANDROID_API


for _name, (_dist, _tag, _member, _module, _description) in ANDROID_WHEELS.items():
    check(_name)(_ext_wheel(_module, _member, _tag))


def _check_wasm(name: str):  # noqa: ANN202 - a Check
    def check_module(path: Path) -> None:
        data = path.read_bytes()
        assert data == WASM_FILES[name][0] and data[:8] == b"\0asm\x01\0\0\0"
        # The side module's first section is the custom one named dylink.0; the other has none.
        assert (data[8] == 0 and data[10:19] == b"\x08dylink.0") == (name == "wasm-side-module")
        assert (b"dylink" in data) == (name == "wasm-side-module")
    return check_module


for _name in WASM_FILES:
    check(_name)(_check_wasm(_name))
for _name, (_dist, _tag, _member, _module, _description) in WASM_WHEELS.items():
    check(_name)(_ext_wheel(_module, _member, _tag))
