"""The rules that read Mach-O facts (`macho.*`), on real MarkupSafe modules and variants derived
with LIEF (tests/fixtures/macho.py); tests/test_macho.py checks what a user reads. How to add
rows: tests/rules/table.py.

The arm64 slices at 11.0 (macho-arm64-lib, the universal2 files) never count as above a 10.x
target: 11.0 is the first macOS on Apple silicon. Editing a signed arm64 file
(macho-arm64-new-minos-lib) breaks its signature, as it does on a Mac.
"""
from __future__ import annotations

from fixtures import Artifacts
from rules.table import Row, message_test, only, row, table_findings, table_test

TABLE: list[Row] = [
    row("macho-macos-version-above-target", {}, ["macho-new-minos-wheel"]),  # macosx_10_9 tag, 10.15 inside
    row("macho-macos-version-above-target", {"macos": "10.9"},
        ["macho-new-minos-lib", "macho-arm64-new-minos-lib", "macho-new-minos-wheel"]),
    row("macho-macos-version-above-target", {"macos": "11.0"}, ["macho-arm64-new-minos-lib"]),
    row("macho-executable-stack", {}, ["macho-execstack-exe"]),
    row("macho-non-pie-executable", {}, ["macho-nopie-exe"]),
    row("macho-executable-heap", {}, ["macho-intel-exe"]),  # its i386 slice; x86_64 heaps are never executable
    row("macho-arm64-unsigned", {}, ["macho-unsigned-arm64-lib"]),  # the x86_64 files are unsigned too: fine
    row("macho-signature-mismatch", {}, ["macho-arm64-new-minos-lib", "macho-edited-arm64-lib"]),
    row("macho-build-machine-dylib", {}, ["macho-homebrew-lib"]),
    row("macho-build-machine-rpath", {}, ["macho-rpath-lib"]),
    # macho-delocated-wheel ships pkg/.dylibs/ beside the module; alone, the module finds nothing.
    row("macho-dylib-not-in-artifact", {}, ["macho-rpath-lib", "macho-delocated-lib", "macho-undelocated-wheel",
                                            "macho-ios-arm64-missing-dylib-lib"]),
    row("macho-wheel-arch-missing", {}, ["macho-thin-universal2-wheel"]),  # universal2 tag, x86_64 only
    # Programs signed in tests/fixtures/macho.py. Quiet: the same libraries with
    # disable-library-validation, an ad hoc program (no team to differ from), a bare program.
    row("macho-library-validation-team-mismatch", {}, ["macho-pyi-team-mismatch-exe"]),
    # cffi without entitlements; quiet with allow-unsigned-executable-memory, and with allow-jit alone
    # (the next rule's finding).
    row("macho-hardened-runtime-ffi-closures", {}, ["macho-pyi-cffi-exe"]),
    row("macho-hardened-runtime-jit-only", {}, ["macho-pyi-cffi-jit-exe"]),
]
# iOS tags (PEP 730): the SDK names the platform, the version the minimum. macho-ios-arm64-lib
# is unsigned iOS code, as published iOS wheels are: macho-arm64-unsigned stays quiet on it.
TABLE += [
    row("macho-ios-platform-mismatch", {}, ["macho-ios-in-simulator-wheel", "macho-macos-in-ios-wheel"]),
    row("macho-ios-version-above-target", {}, ["macho-ios-new-minos-wheel"]),
]
# On iOS the app provides @rpath/Python.framework/Python: only libfoo.dylib is missing.
IOS_DYLIB_EVIDENCE = [("macho-dylib-not-in-artifact", "macho-ios-arm64-missing-dylib-lib", {},
                      ["@rpath/libfoo.dylib (arm64, dyld looks in: rpaths)"])]
test_ios_dylib_evidence = message_test(IOS_DYLIB_EVIDENCE)


def test_ios_python_framework_is_not_reported(artifacts: Artifacts) -> None:
    path = artifacts.path("macho-ios-arm64-missing-dylib-lib")
    finding = only(table_findings(path, {}), "macho-dylib-not-in-artifact")
    assert "Python.framework" not in finding.message

test_rule_table = table_test(TABLE)
