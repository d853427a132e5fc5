"""The newer platform tags on real files: Android (PEP 738).

The API level binlint reads (elf.android_api_level) is held equal to what `readelf -n` prints of
the NDK's note, on auditwheel's NDK-built test wheel (tests/data/auditwheel/android/, API level
21, tagged android_24) and on the cross-built fixture module; that wheel stays quiet under its
own tag and is reported when retagged below its level or for another ABI."""
from __future__ import annotations

from pathlib import Path

import pytest

from binlint.wheeltags import target_from_platforms
from fixture_checks.platform_tags import readelf_android_api_level
from fixture_checks.readelf import inspect
import pypi
from fixtures import Artifacts
from test_elf_facts_real import ANDROID, auditwheel_wheel, facts, findings, module_of, retagged


def test_android_api_level_is_what_readelf_shows(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 artifacts: Artifacts) -> None:
    name, data = module_of(auditwheel_wheel(ANDROID))
    module = tmp_path / Path(name).name
    module.write_bytes(data)
    built = artifacts.path("android-arm64-lib")
    for path, level in ((module, 21), (built, 24)):
        assert readelf_android_api_level(path) == level
        [fact] = [f["elf.android_api_level"] for f in facts(capsys, path).values()]
        assert fact == level


def test_a_file_without_the_note_has_level_zero(capsys: pytest.CaptureFixture[str], artifacts: Artifacts) -> None:
    path = artifacts.path("clean-lib")
    assert readelf_android_api_level(path) is None
    [fact] = [f["elf.android_api_level"] for f in facts(capsys, path).values()]
    assert fact == 0


def test_the_ndk_wheel_is_quiet_under_its_own_tag(capsys: pytest.CaptureFixture[str]) -> None:
    assert findings(capsys, auditwheel_wheel(ANDROID)) == (0, [])


@pytest.mark.parametrize("platform, rule, evidence", [
    ("android_19_arm64_v8a", "android-api-level-above-target", "compiled for Android API level 21, but the "
     "wheel's tag promises API level 19"),
    ("android_24_x86_64", "wheel-arch-mismatch", "aarch64 code, but the wheel's tags or the target name x86_64"),
    ("manylinux_2_17_aarch64", "wheel-libc-mismatch", "linked against bionic, but the wheel's tags or the "
     "target use glibc"),
])
def test_the_ndk_module_under_a_wrong_tag(capsys: pytest.CaptureFixture[str], tmp_path: Path, platform: str,
                                          rule: str, evidence: str) -> None:
    code, found = findings(capsys, retagged(tmp_path, auditwheel_wheel(ANDROID), platform))
    [finding] = [f for f in found if f["rule"] == rule]
    assert code == 1 and finding["message"] == evidence
    assert finding["path"].endswith("!spam.cpython-313-aarch64-linux-android.so")


def test_the_ndk_module_at_or_above_its_level_is_quiet(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for platform in ("android_21_arm64_v8a", "android_35_arm64_v8a"):
        assert findings(capsys, retagged(tmp_path, auditwheel_wheel(ANDROID), platform)) == (0, [])


def test_android_tags_promise_bionic_an_api_level_and_the_abi_machines() -> None:
    assert target_from_platforms(["android_24_arm64_v8a", "android_21_arm64_v8a"]) == {
        "android_api": 21, "arch": ["aarch64"], "libc": "bionic", "loadable_formats": ["elf"]}
    assert target_from_platforms(["android_24_x86"])["arch"] == ["i686"]
    # armeabi-v7a code is EABI5 soft-float (softfp): elf.compatible_archs names Android's ABI itself.
    assert target_from_platforms(["android_24_armeabi_v7a"])["arch"] == ["armeabi_v7a"]


# Published Android and iOS wheels (cibuildwheel-built, pinned by version and sha256): quiet
# under their own tags. pybase64's iOS modules are unsigned on the device (Xcode signs them in
# the app), link @rpath/Python.framework/Python (the app's), and its arm64 simulator module is
# built for 14.0 in an ios_13_0 wheel (the arm64 simulator's first iOS).
PYBASE64 = [
    ("android_24_arm64_v8a", "65422982bdd4b217dfbf7567224bc2e72cfe6bf91cdb59a977eff96e96117a6e"),
    ("android_24_x86_64", "10860fb11cf7512796e027e6fb55304401ef97c7401d584da54dc57ca17d51ad"),
    ("ios_13_0_arm64_iphoneos", "8115c2179efac6b841eee707c65887fd27228c8c3d42ff70871c905f7d24f4f4"),
    ("ios_13_0_arm64_iphonesimulator", "a3bbce49971581d519aa1a0aa834b81dc07142fe6bce8c304f707d50f5cb6427"),
    ("ios_13_0_x86_64_iphonesimulator", "108a071febb914a3db7899d7e085723cb318745faffbcb4f282d6ec7dbc00d80"),
]


@pytest.mark.parametrize("platform, sha256", PYBASE64, ids=[p for p, _ in PYBASE64])
def test_published_mobile_wheels_are_quiet(capsys: pytest.CaptureFixture[str], platform: str, sha256: str) -> None:
    wheel = pypi.wheel("pybase64==1.5.1", platform, "3.13", f"pybase64-1.5.1-cp313-cp313-{platform}.whl", sha256)
    assert findings(capsys, wheel) == (0, [])


def test_published_ios_wheel_facts(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    platform, sha256 = PYBASE64[3]
    wheel = pypi.wheel("pybase64==1.5.1", platform, "3.13", f"pybase64-1.5.1-cp313-cp313-{platform}.whl", sha256)
    [module] = [f for m, f in facts(capsys, wheel).items() if m.endswith(".so")]
    assert [(s["arch"], s["platform"], s["min_os"]) for s in module["macho.slices"]] == [
        ("arm64", "iossimulator", "14.0")]
    # Moved to the device's SDK tag, the same file is reported for its platform.
    code, found = findings(capsys, retagged(tmp_path, wheel, "ios_13_0_arm64_iphoneos"))
    assert code == 1 and [f["rule"] for f in found] == ["macho-ios-platform-mismatch"]


# WebAssembly (PEP 783): the custom section names of a whole module; a module a runtime would
# refuse to decode is reported unreadable, never clean.
def test_wasm_custom_sections(capsys: pytest.CaptureFixture[str], artifacts: Artifacts) -> None:
    side = artifacts.path("wasm-side-module")
    [module] = facts(capsys, side).values()
    assert (module["file.kind"], module["wasm.version"], module["wasm.custom_sections"], module["file.error"]) == (
        "wasm", 1, ["dylink.0"], None)


def _unreadable(capsys: pytest.CaptureFixture[str], path: Path) -> str:
    """The message of the one finding on `path`, which must be unreadable-artifact."""
    code, found = findings(capsys, path)
    assert code == 1 and [(f["rule"], f["path"], f["severity"]) for f in found] == [
        ("unreadable-artifact", str(path), "error")]
    return found[0]["message"]


WASM_HEADER = b"\0asm" + (1).to_bytes(4, "little")


@pytest.mark.parametrize(("cut", "error"), [
    # inside the dylink.0 section, whose size says 15 bytes
    (12, "section 0 at offset 0x8 (15 bytes) runs past the end of the file (12 bytes)"),
    (6, "cut off in the header: 6 bytes, where the magic and the version take 8"),
    (9, "malformed or cut-off number at offset 0x9"),  # the section's size
])
def test_a_cut_off_wasm_module_is_unreadable(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                             artifacts: Artifacts, cut: int, error: str) -> None:
    path = tmp_path / "_cut.so"
    path.write_bytes(artifacts.path("wasm-side-module").read_bytes()[:cut])
    assert _unreadable(capsys, path) == f"a WebAssembly module that cannot be read: {error}"


@pytest.mark.parametrize(("data", "error"), [
    (b"\0asm" + (2).to_bytes(4, "little") + b"\x01\x04\x01\x60\x00\x00",
     "unknown binary version 0x2 (modules are version 1)"),
    # a type section that says 200 bytes and holds 4
    (WASM_HEADER + b"\x01\xc8\x01\x01\x60\x00\x00", "section 1 at offset 0x8 (200 bytes) runs past the end "
     "of the file (15 bytes)"),
    # a custom section of 3 bytes whose name says 5
    (WASM_HEADER + b"\x00\x03\x05ab", "custom section name at offset 0xb runs past the end of its section"),
])
def test_a_malformed_wasm_module_is_unreadable(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                               data: bytes, error: str) -> None:
    path = tmp_path / "_bad.so"
    path.write_bytes(data)
    assert _unreadable(capsys, path) == f"a WebAssembly module that cannot be read: {error}"


def test_a_broken_wasm_member_of_a_wheel_is_unreadable(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                       artifacts: Artifacts) -> None:
    """Inside a wheel too: the finding names the member, and the wheel is not reported clean."""
    import zipfile

    wheel = tmp_path / artifacts.path("emscripten-wheel").name
    with zipfile.ZipFile(artifacts.path("emscripten-wheel")) as source, zipfile.ZipFile(wheel, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            out.writestr(info, data[:12] if info.filename.endswith(".so") else data)
    code, found = findings(capsys, wheel)
    unreadable = [f for f in found if f["rule"] == "unreadable-artifact"]
    assert code == 1 and [(f["path"], f["message"]) for f in unreadable] == [
        (f"{wheel}!pkg/_ext.cpython-312-wasm32-emscripten.so", "a WebAssembly module that cannot be read: section 0 "
         "at offset 0x8 (15 bytes) runs past the end of the file (12 bytes)")]


@pytest.mark.parametrize("data", [
    # unknown custom sections, and an empty one, decode
    WASM_HEADER + b"\x00\x06\x05xyzzy" + b"\x00\x01\x00" + b"\x01\x04\x01\x60\x00\x00",
    # a component (component model: version 0xd, layer 1) is not a module, but no decoder refuses its header
    b"\0asm" + bytes([0x0D, 0, 1, 0]),
])
def test_well_formed_wasm_is_not_unreadable(capsys: pytest.CaptureFixture[str], tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "_ok.wasm"
    path.write_bytes(data)
    assert findings(capsys, path) == (0, [])


def test_an_elf_in_an_emscripten_wheel_is_reported(capsys: pytest.CaptureFixture[str], artifacts: Artifacts) -> None:
    code, found = findings(capsys, artifacts.path("emscripten-elf-wheel"))
    assert code == 1 and [(f["rule"], f["message"]) for f in found] == [
        ("wheel-arch-mismatch", "x86_64 code, but the wheel's tags or the target name wasm32"),
        ("wheel-binary-format-mismatch",
         "an ELF file in a wheel for systems that load wasm files: no loader there reads it")]


# (fixture, readelf's Flags, elf.arm_eabi, elf.arm_float_abi, elf.compatible_archs)
ARM_FACTS = [
    ("android-armv7-lib", "0x5000200, Version5 EABI, soft-float ABI", "EABI5", "soft", ["armeabi_v7a"]),
    ("arm-softfp-lib", "0x5000200, Version5 EABI, soft-float ABI", "EABI5", "soft", ["armeabi_v7a"]),
    ("armhf-lib", "0x5000400, Version5 EABI, hard-float ABI", "EABI5", "hard", ["armv7l", "armv8l"]),
]


@pytest.mark.parametrize("name, flags, eabi, float_abi, compatible", ARM_FACTS, ids=[c[0] for c in ARM_FACTS])
def test_arm_abi_facts_are_what_readelf_shows(capsys: pytest.CaptureFixture[str], artifacts: Artifacts, name: str,
                                              flags: str, eabi: str, float_abi: str, compatible: list[str]) -> None:
    """ARMv7 code: soft-float EABI5 loads on no armhf system, only as Android's armeabi_v7a."""
    path = artifacts.path(name)
    assert inspect(path).header["Flags"] == flags
    [found] = facts(capsys, path).values()
    assert (found["elf.arm_eabi"], found["elf.arm_float_abi"], found["elf.arm_cpu_arch"], found["elf.compatible_archs"]) \
        == (eabi, float_abi, "v7", compatible)
