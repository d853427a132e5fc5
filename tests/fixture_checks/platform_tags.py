"""Checks of the Android module and wheels (fixtures/platform_tags.py), read with readelf and
zipfile: the API level is what `readelf -n` shows of the note, independently of binlint."""
from __future__ import annotations

import re
from pathlib import Path

from fixture_checks.archives import _ext_wheel
from fixture_checks.readelf import inspect, readelf
from fixture_checks.registry import Check, check
from fixtures.platform_tags import ANDROID_MODULES, ANDROID_WHEELS, ARM_LINUX_MODULES, WASM_FILES, WASM_WHEELS

# `readelf -n`: the note's owner, size and type, then its data as hexadecimal bytes.
_ANDROID_NOTE = re.compile(r"Android\s+0x[0-9a-f]+\s+NT_VERSION.*\n\s+description data: ((?:[0-9a-f]{2} ?)+)")


def readelf_android_api_level(path: Path) -> int | None:
    """The first word (little-endian) of the "Android" note as readelf prints it."""
    match = _ANDROID_NOTE.search(readelf(path, "-n").stdout)
    return int.from_bytes(bytes.fromhex(match[1].replace(" ", ""))[:4], "little") if match else None


# readelf's Machine and Flags of each module (Flags: the Arm EABI version and float ABI).
ANDROID_MACHINES = {"android-arm64-lib": ("AArch64", "0x0"),
                    "android-armv7-lib": ("ARM", "0x5000200, Version5 EABI, soft-float ABI"),
                    "android-x86_64-lib": ("Advanced Micro Devices X86-64", "0x0")}
ARM_LINUX_FLAGS = {"armhf-lib": "0x5000400, Version5 EABI, hard-float ABI",
                   "arm-softfp-lib": "0x5000200, Version5 EABI, soft-float ABI"}


def _check_android_module(name: str) -> Check:
    def check_module(path: Path) -> None:
        view = inspect(path)
        assert (view.header["Machine"], view.header["Flags"]) == ANDROID_MACHINES[name]
        assert view.header["Type"].startswith("DYN") and view.dyn_values("NEEDED") == ["libc.so"]
        assert "NOTE" in view.segment_types()
        assert readelf_android_api_level(path) == ANDROID_MODULES[name][3]
    return check_module


def _check_arm_linux_module(name: str) -> Check:
    def check_module(path: Path) -> None:
        view = inspect(path)
        assert (view.header["Machine"], view.header["Flags"]) == ("ARM", ARM_LINUX_FLAGS[name])
        assert view.dyn_values("NEEDED") == []
        assert "Tag_CPU_arch: v7" in readelf(path, "-A").stdout
    return check_module


for _name in ANDROID_MODULES:
    check(_name)(_check_android_module(_name))
for _name in ARM_LINUX_MODULES:
    check(_name)(_check_arm_linux_module(_name))


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
