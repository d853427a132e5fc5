"""The rules that read ELF facts (`elf.*`): loading, glibc versions, portability under target
profiles, hardening. How to add rows: tests/rules/table.py."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from binlint.rules import Rule
from binlint.walk.discover import discover
from fixtures import HARDENING_FIXTURES, PYI_EXECSTACK_LIB, TARBALLS, Artifacts, fixture_names, require_tool
from fixture_checks.dwarf import compile_units as readelf_units
from fixtures.platform_tags import ANDROID_MODULES
from rules.host import (
    BUNDLES, LIBPYTHON, LIBPYTHON_BUILD_DIR, NON_PIE_BUNDLES, ONEFILE_BUNDLES, bootloaders, bundles_above,
    static_interpreter_above,
)
from rules.table import (
    ALL_TARGETS, Row, known, member_test, message_test, only, profile, quiet_test, row, run, severity_test, table_test,
)

# Executables linked against glibc >= 2.34 need __libc_start_main@GLIBC_2.34.
GLIBC_234_EXES = ["clean-exe", "execstack-exe", "nostack-exe", "nopie-exe",
                  "aarch64-exe", "aarch64-nostack-exe", "i686-exe"]
# (hardening) The executables among HARDENING_FIXTURES.
GLIBC_234_EXES += ["hardened-exe", "nocanary-exe", "nofortify-exe", "norelro-exe", "lazy-exe", "nocet-exe",
                   "go-note-exe", "aarch64-bti-exe", "aarch64-nobti-exe"]
# (portability) Executables made from clean-exe with patchelf or a byte patch.
GLIBC_234_EXES += ["nix-interp-exe", "new-kernel-exe"]
# Wheels holding glibc-new-lib (GLIBC_2.25).
GLIBC_NEW_WHEELS = ["old-tag-wheel", "musllinux-wheel"]
# Distribution packages holding it (tests/fixtures/packages.py).
GLIBC_NEW_PACKAGES = ["deb-package", "deb-glibc-low", "rpm-package", "rpm-glibc-low", "conda-package",
                      "conda-default-sysroot"]
GLIBC_NEW_WHEELS += GLIBC_NEW_PACKAGES

# Archives holding execstack-lib where binlint reads it: in a wheel, in that wheel in an
# sdist, in a tarball of each compression, as the second of two same-named zip members, and
# in a PyInstaller bundle (pyi-onefile-bad-binary!libbinlint_execstack.so).
# Not deep-nesting: its copy is 6 archives deep, past the default --max-depth of 4.
EXECSTACK_ARCHIVES = ["execstack-wheel", "sdist-with-wheel", *TARBALLS, "duplicate-zip", "pyi-onefile-bad-binary",
                      "gzip-docker-image"]
EXECSTACK = ["execstack-exe", "execstack-lib", "asm-nonote-lib", "i686-execstack-lib", *EXECSTACK_ARCHIVES]

# The -g libraries with a unit built -O0 -fno-stack-protector -fcf-protection=none (dwarf-split-lib:
# stripped, read from the debug file in its .debug/ folder that its .gnu_debuglink names).
DWARF_UNHARDENED = ["dwarf-mixed-lib", "dwarf-compressed-lib", "dwarf-debug-file", "dwarf-split-lib"]


def host_units_lack(option: str, good: set[str]) -> list[str]:
    """The bundles whose host files (this Python's libpython, PyInstaller's bootloader) have a GCC
    C/C++ unit whose DW_AT_producer, as readelf shows it, records switches whose last `option`
    (a pattern) is none of `good`: the DWARF unit rules fire on those bundles."""
    def lacks(path: Path) -> bool:
        producers = [unit.get("DW_AT_producer", "") for unit in readelf_units(path)] if path.is_file() else []
        return any((re.findall(option, p) or [""])[-1] not in good for p in producers
                   if p.startswith("GNU C") and " -" in p)
    if any(lacks(loader) for loader in bootloaders()):
        return BUNDLES
    return ONEFILE_BUNDLES if lacks(LIBPYTHON) else []


HOST_NO_CANARY = host_units_lack(r"-f(?:no-)?stack-protector[\w-]*",
                                 {"-fstack-protector", "-fstack-protector-strong", "-fstack-protector-all"})
HOST_NO_CF = host_units_lack(r"-f(?:no-)?cf-protection[=\w]*", {"-fcf-protection", "-fcf-protection=full"})

# A fixture fires a rule when any finding for it, or for any member in it, has that rule.
TABLE: list[Row] = [
    # A shared object or executable whose PT_GNU_STACK asks for RWX; objects are another rule.
    row("executable-stack", {}, EXECSTACK),
    row("executable-stack", {"glibc": "2.17"}, EXECSTACK),
    # No fixture imports GLIBC_PRIVATE; test_glibc_private_symbol (below) builds ones that do.
    row("glibc-private-symbol", {}, []),
    # Never runs without a target: binlint takes no baseline from the machine it runs on.
    # A manylinux tag is a target for the wheel's members: old-tag-wheel promises glibc 2.17
    # and holds glibc-new-lib (getrandom@GLIBC_2.25).
    row("glibc-version-above-target", {}, ["old-tag-wheel"]),
    # An explicit --glibc wins over the tag (musllinux-wheel's glibc-new-lib is then checked too).
    # The onefile bundles carry this machine's libpython, which needs this machine's glibc.
    # So does the extension module that carries a static copy of this interpreter.
    row("glibc-version-above-target", {"glibc": "2.17"},
        ["glibc-new-lib", *GLIBC_234_EXES, *GLIBC_NEW_WHEELS, *bundles_above("2.17"), *static_interpreter_above("2.17")]),
    row("glibc-version-above-target", {"glibc": "2.24"},
        ["glibc-new-lib", *GLIBC_234_EXES, *GLIBC_NEW_WHEELS, *bundles_above("2.24"), *static_interpreter_above("2.24")]),
    # Equal is not above; old-tag-wheel is checked against 2.25 too, not its tag's 2.17.
    row("glibc-version-above-target", {"glibc": "2.25"},
        [*GLIBC_234_EXES, *bundles_above("2.25"), *static_interpreter_above("2.25")]),
    row("glibc-version-above-target", {"glibc": "2.33"},
        [*GLIBC_234_EXES, *bundles_above("2.33"), *static_interpreter_above("2.33")]),
    row("glibc-version-above-target", {"glibc": "2.34"}, [*bundles_above("2.34"), *static_interpreter_above("2.34")]),
    row("glibc-version-above-target", {"glibc": "2.40"}, [*bundles_above("2.40"), *static_interpreter_above("2.40")]),
    # Versions compare as numbers: 2.14 and 2.25 are above 2.9 (PyInstaller's bootloader
    # needs GLIBC_2.14 for memcpy, so pyi-onedir too).
    row("glibc-version-above-target", {"glibc": "2.9"},
        ["glibc-new-lib", *GLIBC_234_EXES, *GLIBC_NEW_WHEELS, *bundles_above("2.9"), *static_interpreter_above("2.9")]),
    # A package's members against what its dependencies accept (libc6 (>= 2.17), rpm's
    # Requires: glibc >= 2.17 without AutoReq, a conda package without __glibc: 2.17), with
    # or without --glibc; deb-package, rpm-package and conda-package promise 2.25 or more.
    row("package-glibc-above-dependencies", {}, ["deb-glibc-low", "rpm-glibc-low", "conda-default-sysroot"]),
    row("package-glibc-above-dependencies", {"glibc": "2.17"}, ["deb-glibc-low", "rpm-glibc-low", "conda-default-sysroot"]),
    # An arm64 .deb holding x86-64 code; the amd64 and x86_64 packages stay quiet.
    row("package-arch-mismatch", {}, ["deb-arch-mismatch"]),
    # A conda package's library needs libdep, which it does not carry and no dependency
    # (libgcc) is named to ship; glibc's libraries are the system's.
    row("conda-library-not-in-dependencies", {}, ["conda-undeclared-library"]),
    # Only where the architecture's default is an executable stack (not aarch64).
    row("missing-gnu-stack", {}, ["nostack-exe", "nostack-lib"]),
    # No note on x86-64, or a note with SHF_EXECINSTR; aarch64 defaults to a non-exec stack.
    # libx.a holds asm-nonote-obj.o.
    row("object-executable-stack", {}, ["asm-nonote-obj", "asm-execnote-obj", "static-lib"]),
    # No fixture has unreadable section headers and readable program headers: the truncated
    # ones are unreadable as a whole. tests/test_sections.py cuts programs at test time.
    row("elf-sections-unreadable", {}, []),
    # A wheel's platform tags are the target of its members.
    # x86_64 code in an armeabi_v7a wheel, soft-float code in an armv7l one; quiet: EABI5
    # soft-float ARMv7 under armeabi_v7a (android-armv7-wheel), hard-float under armv7l.
    row("wheel-arch-mismatch", {}, ["aarch64-tag-wheel", "android-arch-mismatch-wheel", "emscripten-elf-wheel",
                                    "android-armv7-x86_64-wheel", "armv7l-softfp-wheel", "elf-in-windows-wheel"]),
    row("wheel-arch-mismatch", {"glibc": "2.17"},  # --glibc leaves the tag's arch
        ["aarch64-tag-wheel", "android-arch-mismatch-wheel", "emscripten-elf-wheel", "android-armv7-x86_64-wheel",
         "armv7l-softfp-wheel", "elf-in-windows-wheel"]),
    row("wheel-libc-mismatch", {}, ["musllinux-wheel", "android-glibc-wheel", "android-in-manylinux-wheel"]),
    row("wheel-libc-mismatch", {"glibc": "2.17"},
        ["musllinux-wheel", "android-glibc-wheel", "android-in-manylinux-wheel"]),
    # An android tag's API level is the target's (PEP 738); the module was built for 24.
    row("android-api-level-above-target", {}, ["android-api-above-wheel"]),
]

# --- Portability (target profiles): profile() is a --target profile's values; wheels with a
# manylinux tag are checked against their policy without one.
# Fixtures whose DT_NEEDED the artifact does not carry and manylinux2014 does not allow:
# runpath-lib needs libclean.so.1 from $ORIGIN/../lib, which is not there; musllinux-wheel's
# member needs glibc's libc.so.6 (under its own musllinux policy).
UNCARRIED = ["runpath-lib", "conda-undeclared-library"]  # the conda package's library needs libdep
ANDROID_BIONIC_WHEELS = ["android-wheel", "android-api-above-wheel", "android-arch-mismatch-wheel",
                         "android-armv7-wheel", "android-armv7-x86_64-wheel",
                         "android-in-manylinux-wheel"]
TABLE += [
    row("symbol-version-above-target", {}, []),
    row("symbol-version-above-target", profile("manylinux_2_17"), ["cxx-new-lib"]),
    row("symbol-version-above-target", profile("centos-7"), ["cxx-new-lib"]),
    row("symbol-version-above-target", profile("debian-11"), ["cxx-new-lib"]),
    row("symbol-version-above-target", profile("debian-12"), []),  # GCC 12: GLIBCXX_3.4.30
    # Wheels are checked against their tag's policy: origin-wheel carries its library.
    row("needed-library-not-on-target", {}, ["unbundled-wheel", "musllinux-wheel", "android-in-manylinux-wheel"]),
    # manylinux2014 allows libc.so.6: it is the target for musllinux-wheel too.
    # Android code needs Bionic's libc.so, which no manylinux policy allows.
    row("needed-library-not-on-target", profile("manylinux_2_17"),
        [*UNCARRIED, "unbundled-wheel", *ANDROID_MODULES, *ANDROID_BIONIC_WHEELS]),
    # debian-12 lists no libraries: only the wheels' own policies do.
    row("needed-library-not-on-target", profile("debian-12"),
        ["unbundled-wheel", "musllinux-wheel", "android-in-manylinux-wheel"]),
    # No fixture carries a library out of the loader's reach: tests/test_loader.py builds them.
    row("carried-library-not-on-search-path", {}, []),
    row("carried-library-not-on-search-path", profile("manylinux_2_17"), []),
    # The module needs libpython3.12.so.1.0, carried or not: needed-library-not-on-target is
    # quiet on both, this rule says what is wrong with libpython-missing-wheel.
    row("python-extension-links-libpython", {}, ["libpython-wheel", "libpython-missing-wheel"]),
    # /home/build/lib and /build/ppc64/lib; not /opt/vendor/lib or /usr/local/lib (runpath-multi-lib).
    row("rpath-build-directory", {}, ["rpath-lib", "ppc64-be-lib", *LIBPYTHON_BUILD_DIR]),
    row("rpath-relative-entry", {}, ["relative-rpath-lib"]),
    row("rpath-empty-entry", {}, ["relative-rpath-lib"]),
    row("rpath-not-runpath", {}, ["rpath-lib", "ppc64-be-lib"]),
    row("nonstandard-interpreter", {}, ["nix-interp-exe"]),
    row("kernel-above-target", {}, []),
    row("kernel-above-target", {"kernel": "5.4"}, ["new-kernel-exe"]),
    row("kernel-above-target", profile("rhel-9"), ["new-kernel-exe"]),
    row("kernel-above-target", {"kernel": "6.9"}, []),
    row("blacklisted-symbol", {}, []),
    row("blacklisted-symbol", profile("manylinux_2_17"), ["blacklisted-import-lib"]),
    row("blacklisted-symbol", profile("musllinux_1_2"), ["blacklisted-import-lib"]),
    # No fixture imports PyFPE_jbuf; test_elf_facts_real builds one that does, and reads auditwheel's.
    row("python-fpe-symbol", {}, []),
]

# --- Hardening (group hardening). The opt-in rules are rows too: the tables run every
# built-in rule, selected by default or not. Text relocations and RWX segments come only from
# the fixtures made for them, so their rows cover every fixture. The opt-in rules judge
# compiler defaults (canary, fortify, RELRO, CET, BTI) that differ between distributions,
# so their rows cover only the fixtures whose build gives every hardening flag explicitly,
# and those no hardening rule can fire on (objects, non-ELF files, malformed ELF).
HARDENED_FAMILY = ["hardened-exe", "hardened-lib", "nocanary-exe", "nofortify-exe", "norelro-exe", "lazy-exe",
                   "nocet-exe", "go-note-exe"]
AARCH64_BTI_PAIR = ["aarch64-bti-exe", "aarch64-nobti-exe"]
assert set(HARDENED_FAMILY + AARCH64_BTI_PAIR + ["textrel-lib", "rwx-lib"]) == set(HARDENING_FIXTURES)
NO_HARDENING_FINDINGS = ["clean-obj", "asm-nonote-obj", "asm-execnote-obj", "many-sections-obj",
                         "aarch64-nonote-obj", *fixture_names("file"), *fixture_names("bad")]


def pinned_row(rule_id: str, fires_on: list[str], *also: str) -> Row:
    """A row over the fixtures with pinned hardening flags (and `also`) only. The aarch64
    pair pins branch protection only: it is in the CET and BTI rows."""
    pinned = known([*HARDENED_FAMILY, *NO_HARDENING_FINDINGS, *also])
    return (rule_id, {}, fires_on, [name for name in pinned if name not in fires_on])


TABLE += [
    # On by default: both fail to load under SELinux.
    row("text-relocations", {}, ["textrel-lib"]),
    row("rwx-segment", {}, ["rwx-lib"]),
    # ET_EXEC with an interpreter: never a shared library, never a static executable.
    row("non-pie-executable", {}, ["nopie-exe", *NON_PIE_BUNDLES]),
    # static-exe has no loader: no RELRO, bind-now, canary or fortify rule applies.
    pinned_row("no-relro", ["norelro-exe"], "static-exe"),
    pinned_row("no-bind-now", ["lazy-exe"], "static-exe"),  # norelro-exe still binds now
    # go-note-exe has neither canary nor fortify, but Go (and Rust) are exempt.
    pinned_row("no-stack-protector", ["nocanary-exe"], "static-exe"),
    pinned_row("no-fortify", ["nofortify-exe"], "static-exe"),
    pinned_row("no-cet", ["nocet-exe"], *AARCH64_BTI_PAIR),  # x86-64 only: the aarch64 pair stays quiet
    pinned_row("no-bti", ["aarch64-nobti-exe"], *AARCH64_BTI_PAIR),  # aarch64 only
    # DWARF (dwarf-debug-file: a separate debug file, given directly): of the -g libraries' units only dwarf_plain.c (-O0 -fno-stack-protector
    # -fcf-protection=none) lacks the flags; the assembly units and dwarf-stripped-lib are quiet,
    # and so is dwarf-small-lib, built with the flag but importing no __stack_chk_fail.
    row("unit-no-stack-protector", {}, DWARF_UNHARDENED + HOST_NO_CANARY),
    row("unit-no-cf-protection", {}, DWARF_UNHARDENED + HOST_NO_CF),
    row("unit-unoptimized", {}, DWARF_UNHARDENED),
    # Only Clang's record holds -D options: dwarf_small.c of dwarf-clang-lib lacks
    # -D_FORTIFY_SOURCE; GCC's units (every other DWARF fixture) are not judged.
    row("unit-no-fortify-source", {}, ["dwarf-clang-lib"]),
    # The debug file beside dwarf-stale-debug-lib is another build's (its CRC-32 differs): refused,
    # and said, where the unit rules stay quiet. tests/test_debug_file.py has the build-ID cases.
    row("debug-file-mismatch", {}, ["dwarf-stale-debug-lib"]),
]

test_rule_table = table_test(TABLE)

# --------------------------------------------------------------------------
# What a user reads: rule, path, severity, evidence
# --------------------------------------------------------------------------

test_finding_rule_path_severity = severity_test([
    # glibc 2.41 refuses to dlopen a library with an executable stack: an error.
    ("executable-stack", "execstack-lib", {}, "error"),
    ("executable-stack", "i686-execstack-lib", {}, "error"),
    ("executable-stack", "asm-nonote-lib", {}, "error"),
    # An executable still starts: a warning.
    ("executable-stack", "execstack-exe", {}, "warning"),
    ("missing-gnu-stack", "nostack-lib", {}, "error"),
    ("missing-gnu-stack", "nostack-exe", {}, "warning"),
    ("object-executable-stack", "asm-nonote-obj", {}, "error"),
    ("object-executable-stack", "asm-execnote-obj", {}, "error"),
    ("glibc-version-above-target", "glibc-new-lib", {"glibc": "2.17"}, "error"),
    ("glibc-version-above-target", "clean-exe", {"glibc": "2.17"}, "error"),
    # The opt-in DWARF rules are notes.
    ("unit-no-fortify-source", "dwarf-clang-lib", {}, "note"),
])

# The shared library PyInstaller carries, by its name in the bundle's table of contents.
test_finding_on_a_member_names_the_chain = member_test([
    ("executable-stack", "pyi-onefile-bad-binary", [PYI_EXECSTACK_LIB], "error"),
])

test_rule_stays_quiet = quiet_test([
    ("missing-gnu-stack", "nostack-lib-as-aarch64"),  # aarch64: no header means a non-exec stack
    ("missing-gnu-stack", "aarch64-nostack-exe"),
    ("missing-gnu-stack", "static-exe"),
    ("object-executable-stack", "clean-obj"),
    ("object-executable-stack", "aarch64-nonote-obj"),
    ("executable-stack", "asm-execnote-obj"),  # objects are object-executable-stack's
    ("executable-stack", "clean-lib"),
    ("executable-stack", "pyi-onefile"),  # the bootloader and libpython are fine
    # built with -fstack-protector-strong, yet no function needs a canary: no-stack-protector fires
    ("unit-no-stack-protector", "dwarf-small-lib"),
])

test_message_evidence = message_test([
    ("glibc-version-above-target", "glibc-new-lib", {"glibc": "2.17"}, ["2.17", "GLIBC_2.25", "getrandom"]),
    ("glibc-version-above-target", "clean-exe", {"glibc": "2.17"}, ["GLIBC_2.34", "__libc_start_main"]),
    ("executable-stack", "execstack-lib", {}, ["RWX"]),
    ("executable-stack", "i686-execstack-lib", {}, ["RWX"]),
    ("missing-gnu-stack", "nostack-lib", {}, ["x86_64", "PT_GNU_STACK"]),
    ("object-executable-stack", "asm-nonote-obj", {}, [".note.GNU-stack"]),
    ("object-executable-stack", "asm-execnote-obj", {}, ["exec", ".note.GNU-stack"]),
    ("executable-stack", "pyi-onefile-bad-binary", {}, ["RWX"]),
    ("unit-no-stack-protector", "dwarf-mixed-lib", {}, ["./dwarf_plain.c"]),
    ("unit-no-cf-protection", "dwarf-compressed-lib", {}, ["./dwarf_plain.c"]),
    ("unit-unoptimized", "dwarf-mixed-lib", {}, ["./dwarf_plain.c"]),
    ("unit-no-fortify-source", "dwarf-clang-lib", {}, ["dwarf_small.c"]),
    ("unit-unoptimized", "dwarf-split-lib", {}, ["./dwarf_plain.c"]),
    ("debug-file-mismatch", "dwarf-stale-debug-lib", {}, ["dwarf-stale-debug-lib/libdwarfsplit.so.debug (crc-mismatch)"]),
])


def test_glibc_message_leaves_out_versions_the_target_has(artifacts: Artifacts, rules: list[Rule]) -> None:
    finding = only(run(artifacts.path("glibc-new-lib"), rules, {"glibc": "2.17"}), "glibc-version-above-target")
    assert "GLIBC_2.14" not in finding.message and "memcpy" not in finding.message
    assert [item["version"] for item in finding.evidence] == ["GLIBC_2.25"]


def test_glibc_message_names_the_highest_version_first(artifacts: Artifacts, rules: list[Rule]) -> None:
    finding = only(run(artifacts.path("glibc-new-lib"), rules, {"glibc": "2.2"}), "glibc-version-above-target")
    versions = ["GLIBC_2.25", "GLIBC_2.14", "GLIBC_2.2.5"]
    assert [item["version"] for item in finding.evidence] == versions
    positions = [finding.message.find(v) for v in versions]
    assert -1 not in positions and positions == sorted(positions), finding.message
    # each version is followed by the symbols bound to it
    for version, symbol in zip(versions, ["getrandom", "memcpy", "__cxa_finalize"]):
        assert f"{version} ({symbol}" in finding.message


# --------------------------------------------------------------------------
# glibc-private-symbol: no registered fixture imports GLIBC_PRIVATE, so build some here
# --------------------------------------------------------------------------

PRIVATE_SYMBOL = "__res_iclose"  # libc.so.6, version GLIBC_PRIVATE


def build_private_symbol_lib(directory: Path, soname: str | None) -> Path:
    """A shared library calling a GLIBC_PRIVATE function of libc, with the given soname."""
    directory.mkdir(parents=True, exist_ok=True)
    source = directory / "private.c"
    source.write_text(f"extern void {PRIVATE_SYMBOL}(void *, int);\n"
                      f"void binlint_private(void) {{ {PRIVATE_SYMBOL}(0, 0); }}\n")
    out = directory / f"{soname or 'nosoname'}.bin"
    soname_flag = [f"-Wl,-soname,{soname}"] if soname else []
    # --no-undefined: fail here, rather than build a file without the private version.
    subprocess.run([require_tool("gcc"), "-shared", "-fPIC", "-Wl,-z,noexecstack", "-Wl,--no-undefined",
                    *soname_flag, str(source), "-o", str(out)], check=True, capture_output=True, text=True)
    assert b"GLIBC_PRIVATE" in out.read_bytes(), f"{PRIVATE_SYMBOL} did not bind to GLIBC_PRIVATE"
    return out


# (soname, fires): glibc's own libraries may use GLIBC_PRIVATE, nobody else may.
PRIVATE_CASES = [
    ("libpriv.so.1", True),
    (None, True),
    ("libcrypto.so.3", True),  # not libcrypt
    ("libcfoo.so.1", True),  # not libc
    ("libc.so.6", False),
    ("libresolv.so.2", False),
    ("libnss_files.so.2", False),
    ("ld-linux-x86-64.so.2", False),
]


@pytest.mark.parametrize("soname, fires", PRIVATE_CASES, ids=[str(s) for s, _ in PRIVATE_CASES])
def test_glibc_private_symbol(tmp_path: Path, rules: list[Rule], soname: str | None, fires: bool) -> None:
    path = build_private_symbol_lib(tmp_path, soname)
    findings = run(path, rules, ALL_TARGETS)
    assert {f.rule for f in findings} == ({"glibc-private-symbol"} if fires else set())
    if fires:
        finding = only(findings, "glibc-private-symbol")
        assert (finding.path, finding.severity) == (str(path), "error")
        assert "libc.so.6" in finding.message and PRIVATE_SYMBOL in finding.message


def test_version_names_are_the_needed_versions_once_each(tmp_path: Path) -> None:
    """elf.version_names, which glibc-private-symbol tests before the costlier version_needs."""
    from binlint.facts import FileView
    from binlint.formats.members import Limits

    view = FileView.of_file(discover([str(build_private_symbol_lib(tmp_path, "libpriv.so.1"))])[0], Limits())
    view.open()
    names, needs = view.get("elf.version_names"), view.get("elf.version_needs")
    assert "GLIBC_PRIVATE" in names and any(n.startswith("GLIBC_2.") for n in names)
    assert sorted(names) == sorted({n["version"] for n in needs}) and len(names) == len(set(names))
    view.close()
