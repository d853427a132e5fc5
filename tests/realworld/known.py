"""The one table of known disagreements between binlint and the oracles of the real-world suite.

One row per fault: the checks (test names without "test_") and cases (a catalogue wheel's id,
or `system-tree:RULE`) it shows on, what binlint says, who is right with the evidence, and the
fix that removes it. Every case a row names runs as a strict xfail: when the fix lands the case
passes, pytest reports XPASS(strict) as a failure, and the row is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from realworld.catalogue import PYPI, WHEELS


@dataclass(frozen=True)
class Disagreement:
    checks: tuple[str, ...]
    cases: tuple[str, ...]
    binlint: str  # what binlint says
    right: str  # who is right, and the evidence
    fix: str  # the fix that makes the cases pass (then delete the row)


# --------------------------------------------------------------------------

# Every musllinux wheel from PyPI but one whose modules name musl's own soname, libc.so.
_MUSL_PYPI = tuple(w.id for w in PYPI if w.is_musl and w.id != "orjson-3.11.5-musllinux_1_2_armv7l")
_MACOS = tuple(w.id for w in WHEELS if w.is_macos)
_PURE = tuple(w.id for w in WHEELS if w.is_pure)
_WEAK_TLS = ("cryptography-50.0.2-manylinux2014_aarch64", "cryptography-51.0.1-manylinux2014_x86_64",
             "tokenizers-0.23.3-manylinux_2_17_aarch64", "tokenizers-0.23.3-manylinux_2_17_x86_64")
_GLIBC_TESTSIMPLE = "auditwheel/glibc/testsimple-0.0.1-cp313-cp313-linux_"

KNOWN_DISAGREEMENTS: list[Disagreement] = [
    Disagreement(
        ("policy_agrees_with_auditwheel", "tag_mode_findings", "external_libraries_agree_with_auditwheel"),
        _MUSL_PYPI,
        "needed-library-not-on-target: libc.musl-x86_64.so.1 (and -aarch64); targets: musllinux none",
        "auditwheel: musllinux_1_2, no external library. libc.musl-<arch>.so.1 is musl's libc itself "
        "(auditwheel's policy maps libc.so to it per architecture: _fixup_musl_libc_soname; musl's own "
        "loader resolves it to itself: '/lib/ld-musl-x86_64.so.1 --list' prints 'libc.musl-x86_64.so.1 => "
        "/lib/ld-musl-x86_64.so.1')",
        "integrator: musl libc in the musllinux profiles (issue 13 point 1)"),
    Disagreement(
        ("policy_agrees_with_auditwheel", "satisfied_policies_agree_with_auditwheel"),
        _WEAK_TLS + ("pydantic_core-2.27.1-manylinux_2_17_x86_64",),
        "targets: manylinux_2_24 (for __cxa_thread_atexit_impl on the blacklist)",
        "auditwheel: manylinux_2_17; readelf --dyn-syms: 'WEAK DEFAULT UND __cxa_thread_atexit_impl' (Rust's "
        "std): a weak undefined symbol cannot fail to load (auditwheel test_weak_symbols_not_blacklisted)",
        "elffacts: weak undefined symbols are not imports (issue 13 point 2)"),
    Disagreement(
        ("tag_mode_findings",), _WEAK_TLS,
        "error[blacklisted-symbol] ... __cxa_thread_atexit_impl", "as above: the symbol is WEAK UND",
        "elffacts: weak undefined symbols are not imports (issue 13 point 2)"),
    Disagreement(
        ("compressed_tag_sets_are_expanded",), ("pydantic_core-2.27.1-manylinux_2_17_x86_64",),
        "wheel.platforms: ['manylinux_2_17_x86_64.manylinux2014_x86_64']: no policy, so with no flag no "
        "target-dependent rule runs (check says 'No problems found'; --target manylinux_2_17 finds one)",
        "maturin writes the compressed tag set on one WHEEL 'Tag:' line; packaging.tags.parse_tag and pip "
        "expand it; the file name says the same",
        "integrator (wheel tags): expand compressed tag sets; if this lands before the weak-symbol fix, "
        "pydantic-core's tag_mode_findings case meets the blacklisted-symbol error: add it to that row"),
    Disagreement(
        ("policy_agrees_with_auditwheel",), _MACOS + _PURE,
        "targets: manylinux_2_5, musllinux_1_1 and every distribution",
        "auditwheel show: 'This does not look like a platform wheel' (exit 1): no ELF, no Linux target",
        "integrator: targets on non-Linux wheels (issue 13 point 3)"),
    Disagreement(
        ("tag_mode_findings",), ("pip-24.3.1-any", "setuptools-75.6.0-any"),
        "error[pure-wheel-with-native-code] and error[purelib-wheel-with-native-code] on "
        "pip/_vendor/distlib/t32.exe ... (setuptools/cli-32.exe ...)",
        "the PE launchers are data pip and setuptools copy out when they install Windows scripts; the "
        "most installed correct wheel there is; one fault would be one finding anyway",
        "integrator: noise rules (issue 13 point 6)"),
    Disagreement(
        ("tag_mode_findings",), ("llvmlite-0.47.0-macosx_11_0_arm64",),
        "warning[macho-build-machine-rpath] ... /usr/lib (arm64) on llvmlite/binding/libllvmlite.dylib",
        "/usr/lib is macOS's own library directory (the dyld shared cache), not the build machine's",
        "integrator: noise rules (issue 13 point 6)"),
    Disagreement(
        ("policy_agrees_with_auditwheel", "satisfied_policies_agree_with_auditwheel"), (_GLIBC_TESTSIMPLE + "armv5l",),
        "targets: manylinux_2_17 (an ARMv5TE soft-float module)",
        "auditwheel: no policy ('unknown architecture'); armhf loaders refuse soft-float objects "
        "(Tag_CPU_arch v5TE, EF_ARM_ABI_FLOAT_SOFT)",
        "elffacts: ARM architecture and float ABI (issue 13 point 7)"),
    Disagreement(
        ("tag_mode_findings",),
        (_GLIBC_TESTSIMPLE + "armv5l", _GLIBC_TESTSIMPLE + "mips64",
         "auditwheel/musllinux_1_2/testsimple-0.0.1-cp312-cp312-linux_armv6l"),
        "error[wheel-arch-mismatch] armv7l code ... armv5l / armv7l code ... armv6l / mips64el code ... mips64",
        "the modules are ARMv5TE soft-float, ARMv6 hard-float and little-endian MIPS64, which is what "
        "linux_armv5l, linux_armv6l and linux_mips64 (kernel and CPython: both byte orders) say",
        "elffacts: ARM/MIPS architecture names (issue 13 point 7)"),
    Disagreement(
        ("policy_agrees_with_auditwheel",), ("auditwheel/android/spam-0.1.0-cp313-cp313-android_24_arm64_v8a",),
        "targets: alpine-3.18, alpine-3.20, alpine-3.21 (Bionic taken for musl)",
        "auditwheel: android_24_arm64_v8a symbol policy; libc.so with LIBC versions is Android's Bionic, "
        "which runs on no Linux distribution",
        "elffacts: Android's libc (issue 13 point 7)"),
    Disagreement(
        ("policy_agrees_with_auditwheel", "satisfied_policies_agree_with_auditwheel"),
        ("auditwheel/fpewheel-0.0.0-cp35-cp35m-linux_x86_64",),
        "targets: manylinux_2_5",
        "auditwheel: linux_x86_64 ('This wheel uses the PyFPE_jbuf function'), which only some "
        "Python 2-era interpreters export: the import fails elsewhere",
        "unassigned: PyFPE_jbuf (issue 13 point 7)"),
    Disagreement(
        ("absolute_rpath_in_a_wheel_is_reported",), ("auditwheel/cffi-1.5.0-cp27-none-linux_x86_64",),
        "only note[rpath-not-runpath] names DT_RPATH /opt/2.7.11/lib",
        "an absolute search path in a wheel is the build machine's (issue 13 point 5)",
        "loader: absolute rpath in wheels (issue 13 point 5)"),
    # The system tree (test_system_tree.py): noise of the README's quick start.
    Disagreement(
        ("system_tree_rule_count",), ("system-tree:glibc-private-symbol",),
        "error[glibc-private-symbol] on 243 files: glibc's 240 gconv modules and /usr/bin/getent, iconv, pldd",
        "they ship in libc6 and libc-bin with the very glibc whose GLIBC_PRIVATE they use; only a file of "
        "another package can meet a glibc without it",
        "integrator: noise rules (issue 13 point 6)"),
    Disagreement(
        ("system_tree_rule_count",), ("system-tree:nonstandard-interpreter",),
        "error[nonstandard-interpreter] the program's loader is , ... on "
        "/usr/lib/debug/.build-id/93/ac61ec5a8eb1396f9fbd350e3169a558528a40.debug (libc6-dbg)",
        "a separate debug file: .interp is NOBITS, PT_INTERP has no bytes, and nothing loads it",
        "integrator: noise rules (issue 13 point 6)"),
    Disagreement(
        ("system_tree_rule_count",), ("system-tree:duplicate-archive-member",),
        "warning[duplicate-archive-member] stored more than once: clone.lo, free.lo, realloc.lo "
        "(/usr/lib/x86_64-linux-musl/libc.a)",
        "ar archives hold one member per object file and the linker takes each; musl's own libc.a is built so",
        "integrator: noise rules (issue 13 point 6)"),
    Disagreement(
        ("system_tree_rule_count",), ("system-tree:world-writable-file",),
        "warning[world-writable-file] on 2,673 members of three org.eclipse.jdt.ecj-3.38.0.jar "
        "(google-cloud-cli-app-engine-java)",
        "no installer or zip extractor a user runs applies a zip member's 0666; the files on disk are 0644",
        "integrator: noise rules (issue 13 point 6)"),
]


def cases(check: str, items: list, case=lambda wheel: wheel.id) -> list:
    """`items` as parameters of the test `check`, each a strict xfail where a row names its case."""
    params = []
    for item in items:
        rows = [row for row in KNOWN_DISAGREEMENTS if check in row.checks and case(item) in row.cases]
        marks = [pytest.mark.xfail(strict=True, reason=f"known disagreement, fixed by {row.fix}") for row in rows]
        params.append(pytest.param(item, id=case(item), marks=marks))
    return params
