"""ELF facts read right on real files, and the verdicts that hang on them.

* Weak undefined symbols: Rust's std refers to `__cxa_thread_atexit_impl` weakly (`WEAK UND`),
  which the manylinux_2_17 policy blacklists. A weak reference cannot fail a load and auditwheel
  skips it, so published wheels (cryptography, tokenizers; pinned by version and sha256,
  downloaded once into the pytest cache) must come out clean at manylinux_2_17, while the same
  symbol imported strongly (a gcc-built library) is reported.
* Architectures and C libraries: auditwheel's own test wheels (tests/data/auditwheel/, see
  tests/data/README.md): ARMv5TE soft-float, ARMv6KZ and ARMv7 hard-float, little-endian
  MIPS64, Android (Bionic), and a module importing PyFPE_jbuf.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from elftools.elf.elffile import ELFFile

from binlint.cli import main
import pypi
from fixtures import ArchiveEntry, wheel_bytes

AUDITWHEEL = Path(__file__).resolve().parent / "data" / "auditwheel"
AUDITWHEEL_SHA256 = {
    "glibc/testsimple-0.0.1-cp313-cp313-linux_armv5l.whl":
        "6c69e3c4718604f18c30a2d547a987c6bdffb1a2bdedce6d4c810d645ef972a3",
    "glibc/testsimple-0.0.1-cp313-cp313-linux_armv7l.whl":
        "741ab6ae0f389a314033278f9ba4e0d2d1e8c04a19443494307e0b5f6c0a9376",
    "glibc/testsimple-0.0.1-cp313-cp313-linux_mips64.whl":
        "8bdf0c0025d6243e8dabf71d88439807a4558c59cde8f6acd7218be554425618",
    "musllinux_1_2/testsimple-0.0.1-cp312-cp312-linux_armv6l.whl":
        "a95d87309602a865e19e8fce0e82a081ebe92a0ac1bae979d1868642d29a2f5b",
    "musllinux_1_2/testsimple-0.0.1-cp312-cp312-linux_armv7l.whl":
        "3225dbf03e1a7c2fcdb6b8288ae10d084c38eb79cd6bb794a2c6c0b3f31bcde5",
    "android/spam-0.1.0-cp313-cp313-android_24_arm64_v8a.whl":
        "c382649b8f86a517cdf199ebd5649f6e83300a314b55787bbc0514cb6ca7d304",
    "fpewheel-0.0.0-cp35-cp35m-linux_x86_64.whl":
        "65991e961eebfefad1688420c7b19fb3280be7c95f5b85f4115526724e919bdd",
}
ARMV5L = "glibc/testsimple-0.0.1-cp313-cp313-linux_armv5l.whl"
ARMV6L = "musllinux_1_2/testsimple-0.0.1-cp312-cp312-linux_armv6l.whl"
ARMV7L = "glibc/testsimple-0.0.1-cp313-cp313-linux_armv7l.whl"
MIPS64 = "glibc/testsimple-0.0.1-cp313-cp313-linux_mips64.whl"
ANDROID = "android/spam-0.1.0-cp313-cp313-android_24_arm64_v8a.whl"
FPE = "fpewheel-0.0.0-cp35-cp35m-linux_x86_64.whl"

# (requirement, platform, python, file name, sha256, the extension module that refers weakly to
# __cxa_thread_atexit_impl)
PYPI_WEAK_WHEELS = [
    ("cryptography==50.0.2", "manylinux2014_aarch64", "3.11",
     "cryptography-50.0.2-cp311-abi3-manylinux2014_aarch64.manylinux_2_17_aarch64.whl",
     "79def8d059362e7831389ed3be0ecdf58a89386e1271e35dd9f5af84e81bffd0",
     "cryptography/hazmat/bindings/_rust.abi3.so"),
    ("cryptography==51.0.1", "manylinux2014_x86_64", "3.11",
     "cryptography-51.0.1-cp311-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
     "aed7bd2c5880af4e8dca50e56433c2f796a024fd6320f6eec904e228fccecae9",
     "cryptography/hazmat/bindings/_rust.abi3.so"),
    ("tokenizers==0.23.3", "manylinux2014_x86_64", "3.11",
     "tokenizers-0.23.3-cp310-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
     "376851d22bcf9d650a5c3090bb83e6cf9e895fbf0595369fa4cd43c1f69b5f87",
     "tokenizers/tokenizers.abi3.so"),
]
WEAK = "__cxa_thread_atexit_impl"
MANYLINUX_2_17_X86_64 = "cp311-cp311-manylinux_2_17_x86_64"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    """`binlint ARGS --format json` in process: (exit code, the JSON document)."""
    capsys.readouterr()
    code = main([*args, "--format", "json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err
    return code, json.loads(out)


def facts(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, dict[str, Any]]:
    """Member path (after the `!`) -> facts, as `binlint facts` prints them."""
    capsys.readouterr()
    assert main(["facts", str(path)]) == 0
    document = json.loads(capsys.readouterr().out)
    return {a["path"].split("!", 1)[-1]: a["facts"] for a in document["artifacts"]}


def findings(capsys: pytest.CaptureFixture[str], path: Path, *args: str) -> tuple[int, list[dict]]:
    code, document = run(capsys, "check", str(path), *args)
    return code, [f for f in document["findings"] if f["rule"] != "wheel-linux-platform-tag"]


def targets(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, Any]:
    _, document = run(capsys, "targets", str(path))
    [artifact] = document["artifacts"]
    return artifact


def auditwheel_wheel(name: str) -> Path:
    path = AUDITWHEEL / name
    assert hashlib.sha256(path.read_bytes()).hexdigest() == AUDITWHEEL_SHA256[name], "tests/data/README.md"
    return path


def module_of(wheel: Path) -> tuple[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".so")]
        return name, archive.read(name)


def retagged(tmp_path: Path, wheel: Path, platform: str) -> Path:
    """A wheel holding `wheel`'s module under another platform tag."""
    name, data = module_of(wheel)
    tag = f"cp313-cp313-{platform}"
    out = tmp_path / f"pkg-1.0-{tag}.whl"
    out.write_bytes(wheel_bytes("pkg", "1.0", tag, [ArchiveEntry(name, data, 0o755)]))
    return out


# --------------------------------------------------------------------------------------
# Weak undefined symbols
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pypi_weak_wheels() -> list[Path]:
    """The wheels, downloaded once into the cache outside the clone (tests/pypi.py)."""
    return [pypi.wheel(requirement, platform, python, filename, digest)
            for requirement, platform, python, filename, digest, _ in PYPI_WEAK_WHEELS]


def _pyelftools_undefined(data: bytes, weak: bool) -> set[str]:
    import io

    dynsym = ELFFile(io.BytesIO(data)).get_section_by_name(".dynsym")
    return {s.name for s in dynsym.iter_symbols()
            if s["st_shndx"] == "SHN_UNDEF" and s.name and (s["st_info"]["bind"] == "STB_WEAK") == weak}


@pytest.mark.parametrize("index", range(len(PYPI_WEAK_WHEELS)), ids=[w[0] for w in PYPI_WEAK_WHEELS])
def test_rust_wheels_weak_reference_is_not_an_import(pypi_weak_wheels: list[Path], index: int,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    wheel, member = pypi_weak_wheels[index], PYPI_WEAK_WHEELS[index][5]
    with zipfile.ZipFile(wheel) as archive:
        data = archive.read(member)
    module = facts(capsys, wheel)[member]
    assert WEAK in module["elf.weak_imports"] and WEAK not in module["elf.imports"]
    assert set(module["elf.weak_imports"]) == _pyelftools_undefined(data, weak=True)
    assert set(module["elf.imports"]) == _pyelftools_undefined(data, weak=False)
    # Checked against its own tags (manylinux2014: the blacklist has __cxa_thread_atexit_impl).
    code, found = findings(capsys, wheel)
    assert (code, found) == (0, [])
    # auditwheel show says manylinux_2_17 for each.
    assert targets(capsys, wheel)["manylinux"] == "manylinux_2_17"


def _wheel_of(tmp_path: Path, library: Path) -> Path:
    wheel = tmp_path / f"pkg-1.0-{MANYLINUX_2_17_X86_64}.whl"
    wheel.write_bytes(wheel_bytes("pkg", "1.0", MANYLINUX_2_17_X86_64,
                                  [ArchiveEntry("pkg/_ext.so", library.read_bytes(), 0o755)]))
    return wheel


def test_blacklist_reports_a_strong_import_and_not_a_weak_one(elf_facts_fixtures, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    strong_dir, weak_dir = tmp_path / "strong", tmp_path / "weak"
    strong_dir.mkdir(), weak_dir.mkdir()
    strong = _wheel_of(strong_dir, elf_facts_fixtures.path("strong-atexit-lib.so"))
    weak = _wheel_of(weak_dir, elf_facts_fixtures.path("weak-atexit-lib.so"))

    code, found = findings(capsys, strong)
    blacklisted = [f for f in found if f["rule"] == "blacklisted-symbol"]
    assert code == 1 and len(blacklisted) == 1
    assert blacklisted[0]["path"] == f"{strong}!pkg/_ext.so"
    assert blacklisted[0]["message"].endswith(f": {WEAK}")

    module = facts(capsys, weak)["pkg/_ext.so"]
    assert (WEAK in module["elf.weak_imports"], WEAK in module["elf.imports"]) == (True, False)
    # No version need either: gcc leaves a weak reference unversioned, as Rust's std has it.
    assert not any(WEAK in need["symbols"] for need in module["elf.version_needs"])
    code, found = findings(capsys, weak)
    assert (code, found) == (0, [])
    # auditwheel show agrees: the strong import keeps the wheel from the policies that blacklist
    # it (up to manylinux_2_17), the weak one does not (it needs nothing above glibc 2.2.5).
    assert targets(capsys, strong)["manylinux"] == "manylinux_2_24"
    assert targets(capsys, weak)["manylinux"] == "manylinux_2_5"
    if importlib.util.find_spec("auditwheel") is not None:
        for wheel in (strong, weak):
            result = subprocess.run([sys.executable, "-m", "auditwheel", "show", "--json", str(wheel)],
                                    capture_output=True, text=True, timeout=300)
            assert json.loads(result.stdout)["overall_tag"].removesuffix("_x86_64") == \
                targets(capsys, wheel)["manylinux"]


# --------------------------------------------------------------------------------------
# Architectures: auditwheel's test wheels
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, arch, description, compatible", [
    # EABI5 soft-float code: the armel machines, and Android's armeabi_v7a (PEP 738).
    (ARMV5L, "armv5l", "armv5l (ARMv5TE, soft-float)", ["armv5l", "armv5tel", "armv5tejl", "armeabi_v7a"]),
    (ARMV6L, "armv6l", "armv6l (ARMv6KZ, hard-float)", ["armv6l", "armv7l", "armv8l"]),
    (ARMV7L, "armv7l", "armv7l (ARMv7, hard-float)", ["armv7l", "armv8l"]),
    (MIPS64, "mips64el", "mips64el", ["mips64el", "mips64"]),
])
def test_arch_facts_of_auditwheels_modules(capsys: pytest.CaptureFixture[str], name: str, arch: str,
                                          description: str, compatible: list[str]) -> None:
    [module] = [f for m, f in facts(capsys, auditwheel_wheel(name)).items() if m.endswith(".so")]
    assert (module["elf.arch"], module["elf.arch_description"], module["elf.compatible_archs"]) == \
        (arch, description, compatible)


@pytest.mark.parametrize("name", [ARMV5L, ARMV6L, ARMV7L, MIPS64])
def test_each_module_fits_its_own_wheels_tag(capsys: pytest.CaptureFixture[str], name: str) -> None:
    _, found = findings(capsys, auditwheel_wheel(name))
    assert "wheel-arch-mismatch" not in {f["rule"] for f in found}


def test_code_for_an_older_arm_loads_on_a_newer_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # ARMv6 hard-float code in an armv7l wheel: Raspberry Pi OS builds run on every later Pi.
    _, found = findings(capsys, retagged(tmp_path, auditwheel_wheel(ARMV6L), "linux_armv7l"))
    assert "wheel-arch-mismatch" not in {f["rule"] for f in found}


@pytest.mark.parametrize("name, platform, message", [
    # An armhf loader refuses soft-float code; ARMv7 code faults on an ARMv6 CPU.
    (ARMV5L, "linux_armv7l", "armv5l (ARMv5TE, soft-float) code, but the wheel's tags or the target name armv7l"),
    (ARMV7L, "linux_armv6l", "armv7l (ARMv7, hard-float) code, but the wheel's tags or the target name armv6l"),
    (ARMV7L, "linux_armv5l", "armv7l (ARMv7, hard-float) code, but the wheel's tags or the target name armv5l"),
    (MIPS64, "linux_aarch64", "mips64el code, but the wheel's tags or the target name aarch64"),
    # Android's 32-bit Arm ABI calls with the soft-float convention: hard-float code is not it.
    (ARMV7L, "android_21_armeabi_v7a",
     "armv7l (ARMv7, hard-float) code, but the wheel's tags or the target name armeabi_v7a"),
    (MIPS64, "android_21_armeabi_v7a", "mips64el code, but the wheel's tags or the target name armeabi_v7a"),
])
def test_code_the_tags_machines_cannot_load(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                                            platform: str, message: str) -> None:
    wheel = retagged(tmp_path, auditwheel_wheel(name), platform)
    code, found = findings(capsys, wheel)
    [finding] = [f for f in found if f["rule"] == "wheel-arch-mismatch"]
    assert code == 1 and finding["path"] == f"{wheel}!{module_of(wheel)[0]}"
    assert finding["message"] == message


def test_soft_float_arm_code_fits_android_armeabi_v7a(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # EABI5 soft-float code (e_flags 0x5000200) is what the NDK builds for armeabi-v7a.
    _, found = findings(capsys, retagged(tmp_path, auditwheel_wheel(ARMV5L), "android_21_armeabi_v7a"))
    assert "wheel-arch-mismatch" not in {f["rule"] for f in found}


def test_a_soft_float_wheel_satisfies_no_armv7l_policy(capsys: pytest.CaptureFixture[str]) -> None:
    # auditwheel: "armv7l shall use hard-float"; the manylinux and musllinux armv7l policies are armhf.
    assert targets(capsys, auditwheel_wheel(ARMV5L)) == {
        "path": str(auditwheel_wheel(ARMV5L)), "manylinux": None, "musllinux": None, "satisfied": [],
        "not_linux": None}
    hard = targets(capsys, auditwheel_wheel(ARMV7L))
    assert (hard["manylinux"], hard["musllinux"]) == ("manylinux_2_17", "musllinux_1_2")
    older = targets(capsys, auditwheel_wheel(ARMV6L))
    assert (older["manylinux"], older["musllinux"]) == ("manylinux_2_17", "musllinux_1_2")


# --------------------------------------------------------------------------------------
# C libraries: Android's Bionic is not musl
# --------------------------------------------------------------------------------------


def test_android_module_is_bionic_and_satisfies_no_linux_target(capsys: pytest.CaptureFixture[str]) -> None:
    wheel = auditwheel_wheel(ANDROID)
    [module] = [f for m, f in facts(capsys, wheel).items() if m.endswith(".so")]
    assert module["elf.libc"] == "bionic"
    assert "libc.so" in module["elf.needed"] and "LIBC" in module["elf.version_names"]
    assert targets(capsys, wheel) == {"path": str(wheel), "manylinux": None, "musllinux": None, "satisfied": [],
                                      "not_linux": "a wheel for android_24_arm64_v8a, not for a Linux distribution"}
    code, found = findings(capsys, wheel, "--target", "alpine-3.21")
    [finding] = [f for f in found if f["rule"] == "wheel-libc-mismatch"]
    assert code == 1
    assert finding["message"].startswith("linked against bionic, but the wheel's tags or the target use musl")


def test_an_android_loader_means_bionic(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # An executable whose PT_INTERP is Android's loader (linked here with gcc, the loader named).
    source = tmp_path / "main.c"
    source.write_text("int main(void) { return 0; }\n")
    out = tmp_path / "android-exe"
    subprocess.run(["gcc", "-Wl,--dynamic-linker=/system/bin/linker64", str(source), "-o", str(out)], check=True,
                   capture_output=True)
    [module] = facts(capsys, out).values()
    assert (module["elf.interpreter"], module["elf.libc"]) == ("/system/bin/linker64", "bionic")


def test_musl_modules_stay_musl(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # musl built outside Alpine is also `libc.so`, without symbol versions.
    source = tmp_path / "m.c"
    source.write_text("#include <string.h>\nsize_t f(const char *s) { return strlen(s); }\n")
    out = tmp_path / "libm_musl.so"
    gcc = next((c for c in ("musl-gcc", "x86_64-linux-musl-gcc") if __import__("shutil").which(c)), None)
    if gcc is None:
        pytest.skip("no musl-gcc")
    subprocess.run([gcc, "-shared", "-fPIC", str(source), "-o", str(out)], check=True, capture_output=True)
    [module] = facts(capsys, out).values()
    assert module["elf.libc"] == "musl"


# --------------------------------------------------------------------------------------
# PyFPE_jbuf
# --------------------------------------------------------------------------------------


def test_pyfpe_wheel_is_reported_as_auditwheel_refuses_it(capsys: pytest.CaptureFixture[str]) -> None:
    wheel = auditwheel_wheel(FPE)
    code, found = findings(capsys, wheel)
    [finding] = found
    assert (code, finding["rule"], finding["severity"]) == (1, "python-fpe-symbol", "error")
    assert finding["path"] == f"{wheel}!fpewheel.cpython-35m-x86_64-linux-gnu.so"
    assert finding["message"].endswith(": PyFPE_jbuf, PyFPE_counter")


def test_pyfpe_strong_reference_is_reported_and_a_weak_one_not(elf_facts_fixtures, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    def in_wheel(name: str) -> Path:
        wheel = tmp_path / f"{name}-1.0-cp27-cp27mu-manylinux1_x86_64.whl"
        wheel.write_bytes(wheel_bytes(name, "1.0", "cp27-cp27mu-manylinux1_x86_64", [
            ArchiveEntry("fpe.so", elf_facts_fixtures.path(f"{name}-lib.so").read_bytes(), 0o755)]))
        return wheel

    code, found = findings(capsys, in_wheel("fpe"))
    assert code == 1 and [f["rule"] for f in found] == ["python-fpe-symbol"]
    assert found[0]["message"].endswith(": PyFPE_jbuf, PyFPE_counter") or \
        found[0]["message"].endswith(": PyFPE_counter, PyFPE_jbuf")
    code, found = findings(capsys, in_wheel("weak-fpe"))
    assert (code, found) == (0, [])
    # Outside a wheel the rule does not run: auditwheel's check, where wheels are made.
    assert findings(capsys, elf_facts_fixtures.path("fpe-lib.so")) == (0, [])


# --------------------------------------------------------------------------------------
# Hostile attributes: a value or an ArtifactError, never a crash or a read out of bounds
# --------------------------------------------------------------------------------------

ARM_FACTS = ("elf.arch", "elf.compatible_archs", "elf.arch_description", "elf.arm_cpu_arch", "elf.arm_float_abi")


def test_damaged_arm_attributes_never_crash() -> None:
    import io
    import struct

    from binlint.errors import ArtifactError
    from binlint.formats.elf.facts import FACTS
    from binlint.formats.elf.reader import ElfFile

    _, data = module_of(auditwheel_wheel(ARMV5L))
    section = next(s for s in ELFFile(io.BytesIO(data)).iter_sections() if s["sh_type"] == "SHT_ARM_ATTRIBUTES")
    start, size = section["sh_offset"], section["sh_size"]
    variants = []
    for at in range(start, start + size):  # every byte of the section set to 0xff, and to 0
        for value in (0xFF, 0x00):
            changed = bytearray(data)
            changed[at] = value
            variants.append(bytes(changed))
    for length in (0, 1, 3, 0xFFFFFFFF):  # the subsection's length field
        changed = bytearray(data)
        struct.pack_into("<I", changed, start + 1, length)
        variants.append(bytes(changed))
    errors = 0
    for variant in variants:
        elf = ElfFile(variant)
        for name in ARM_FACTS:
            try:
                value = FACTS[name].compute(elf)
            except ArtifactError:
                errors += 1
                continue
            assert value is None or isinstance(value, (str, list)), (name, value)
    assert errors, "some damage must be reported as such"
