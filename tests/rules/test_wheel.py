"""The rules that read a wheel's own facts (`wheel.*`: its tags and where its native code
sits); the rules on a wheel's members read their format's facts with the wheel's tags as
target (test_elf.py, test_macho.py). How to add rows: tests/rules/table.py."""
from __future__ import annotations

from rules.table import Row, row, table_test

TABLE: list[Row] = [
    row("wheel-linux-platform-tag", {}, ["linux-tag-wheel"]),
    # Its arm64 file is built for 11.0: the tag is what pip refuses (a universal2 tag at 10.9 is right).
    row("wheel-macos-arm64-tag-before-11", {}, ["macho-arm64-old-tag-wheel"]),
    row("pure-wheel-with-native-code", {}, ["pure-native-wheel"]),
    # A pure wheel's compiled code is pure-wheel-with-native-code's alone: one fault, one finding.
    row("purelib-wheel-with-native-code", {}, ["purelib-tagged-wheel"]),
    # The wheel metadata rules (WHEEL, RECORD, entry points, SBOMs): their fixtures are a
    # wheel pip and setuptools built and rewrites of it; tests/test_wheel_metadata.py holds
    # what installer, wheel, pip and packaging say of the same wheels.
    # The file name says cp311-cp311-manylinux_2_17_x86_64, WHEEL py3-none-any. meta-py2py3-wheel
    # (py2.py3 in the name, the two tags reordered in WHEEL) and the build tags of every
    # variant stay quiet; so does pydantic_core's compressed Tag line (tests/realworld).
    row("wheel-tags-mismatch", {}, ["meta-renamed-wheel"]),
    # Its expansion is the name's tags: the mismatch rule stays quiet on it.
    row("wheel-tag-line-compressed", {}, ["meta-compressed-tag-wheel"]),
    row("wheel-record-missing", {}, ["meta-no-record-wheel"]),
    row("wheel-record-incomplete", {}, ["meta-unrecorded-wheel"]),
    row("wheel-record-stale-row", {}, ["meta-stale-row-wheel"]),
    row("wheel-record-size-mismatch", {}, ["meta-stale-size-wheel"]),
    # Opt-in; a member of another size is the size rule's alone (one fault, one finding).
    row("wheel-record-hash-mismatch", {}, ["meta-stale-hash-wheel"]),
    row("wheel-entry-points-unparsable", {}, ["meta-duplicate-entry-point-wheel"]),
    row("wheel-script-name-invalid", {}, ["meta-script-name-wheel"]),
    row("wheel-script-entry-point-invalid", {}, ["meta-no-callable-wheel"]),
    # Opt-in: origin-wheel and libpython-wheel carry pkg.libs/, macho-delocated-wheel .dylibs/, and no SBOM;
    # the metasbom wheels carry SBOMs.
    # The Windows wheels with DLLs in <name>.libs/ (delvewheel's layout) too.
    row("wheel-grafted-libraries-without-sbom", {}, ["origin-wheel", "macho-delocated-wheel", "libpython-wheel",
                                                     "pe-delvewheel-wheel", "pe-deps-unpatched-libs-wheel"]),
    # meta-sbom-wheel's SPDX names the library with its hash, and a source file (src/) the
    # wheel has no folder for; its CycloneDX names packages with hashes of source archives.
    row("wheel-sbom-file-mismatch", {}, ["meta-sbom-mismatch-wheel"]),
    # meta-namespace-split-wheel's namespace package may span both folders.
    row("wheel-package-split-across-schemes", {}, ["meta-split-wheel"]),
]

test_rule_table = table_test(TABLE)
