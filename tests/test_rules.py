"""The rule table: which built-in rule fires on which test artifact, under which target.

``TABLE`` is the one place that says what every built-in rule does; test_rules_meta.py
makes sure it names every rule. The explicit tests below it check what a user reads in a
finding: the rule id, the path, the severity and the evidence in the message.

The table runs each fixture once per target (findings are cached across rows): the
PyInstaller bundles cost about 0.15 s a check, inflating libpython.
"""
from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import sysconfig
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from binlint.walk.discover import discover
from binlint.engine import Options, check
from binlint.report.finding import Finding
from binlint.rules import SEVERITIES, Rule, load_rules, select_rules
from binlint.rules import targets
from binlint.rules.targets import TARGETS, abi, for_arch
from fixtures import macho as macho_fixtures
from fixtures import (
    FIXTURE_KINDS,
    PYI_EXECSTACK_LIB,
    PYI_ONEFILE,
    TARBALLS,
    Artifacts,
    deep_nesting_chain,
    fixture_names,
    require_tool,
)
from fixtures.toolchain import NEEDS

ROOT = Path(__file__).resolve().parent.parent
Target = dict[str, str]
Row = tuple[str, Target, list[str], list[str]]

BAD = fixture_names("bad")  # the malformed ELF files
# Hostile archives with a member (encrypted-zip) or the whole archive (truncated-zip,
# corrupt-tar-gz) that cannot be read; the ELF files inside them are not checked.
UNREADABLE_ARCHIVES = ["encrypted-zip", "truncated-zip", "corrupt-tar-gz"]
UNREADABLE = [*BAD, *UNREADABLE_ARCHIVES, *macho_fixtures.MALFORMED]


def others(*fires_on: str) -> list[str]:
    """Every fixture except `fires_on`: a rule row is checked against all of them."""
    unknown = set(fires_on) - set(FIXTURE_KINDS)
    assert not unknown, f"not fixtures: {sorted(unknown)}"
    return [name for name in fixture_names() if name not in fires_on]


def row(rule_id: str, target: Target, fires_on: list[str]) -> Row:
    return (rule_id, target, fires_on, others(*fires_on))


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

BUNDLES = fixture_names("bundle")
ONEFILE_BUNDLES = [name for name in BUNDLES if PYI_ONEFILE[name]]
TMPDIR_UNEXPANDED = ["pyi-onefile-relative-tmpdir", "pyi-onefile-var-tmpdir"]


def glibc_needed(path: Path) -> tuple[int, ...]:
    """The highest GLIBC_x.y symbol version `path` needs, read with pyelftools (not binlint);
    () when it needs none or is not there."""
    from elftools.elf.elffile import ELFFile
    from elftools.elf.gnuversions import GNUVerNeedSection

    if not path.is_file():
        return ()
    with open(path, "rb") as stream:
        names = [aux.name for section in ELFFile(stream).iter_sections() if isinstance(section, GNUVerNeedSection)
                 for _, auxiliaries in section.iter_versions() for aux in auxiliaries]
    return max((tuple(map(int, m[1].split("."))) for n in names if (m := re.fullmatch(r"GLIBC_([0-9.]+)", n))),
               default=())


def _bundle_glibc_needs() -> dict[str, tuple[int, ...]]:
    """What each bundle needs from glibc: PyInstaller's prebuilt bootloader (the executable
    itself), and for a onefile bundle also this interpreter's libpython as this machine built
    it (the member that needs the most: GLIBC_2.35 for hypot on Debian 12)."""
    spec = importlib.util.find_spec("PyInstaller")
    loaders = sorted(Path(spec.submodule_search_locations[0]).glob("bootloader/Linux-*/run")) if spec else []
    bootloader = max((glibc_needed(loader) for loader in loaders), default=())
    libpython = glibc_needed(Path(sysconfig.get_config_var("LIBDIR") or "/nonexistent",
                                  sysconfig.get_config_var("INSTSONAME") or "libpython"))
    return {name: max(bootloader, libpython) if PYI_ONEFILE[name] else bootloader for name in BUNDLES}


BUNDLE_GLIBC = _bundle_glibc_needs()


def bundles_above(glibc: str) -> list[str]:
    """The bundles whose executable or members need a glibc newer than `glibc`."""
    target = tuple(map(int, glibc.split(".")))
    return [name for name, needed in BUNDLE_GLIBC.items() if needed > target]


# Archives holding execstack-lib where binlint reads it: in a wheel, in that wheel in an
# sdist, in a tarball of each compression, as the second of two same-named zip members, and
# in a PyInstaller bundle (pyi-onefile-bad-binary!libbinlint_execstack.so).
# Not deep-nesting: its copy is 6 archives deep, past the default --max-depth of 4.
EXECSTACK_ARCHIVES = ["execstack-wheel", "sdist-with-wheel", *TARBALLS, "duplicate-zip", "pyi-onefile-bad-binary"]
EXECSTACK = ["execstack-exe", "execstack-lib", "asm-nonote-lib", "i686-execstack-lib", *EXECSTACK_ARCHIVES]

# A fixture fires a rule when any finding for it, or for any member in it, has that rule.
# (rule id, target, fixtures it fires on, fixtures it stays quiet on)
TABLE: list[Row] = [
    # A shared object or executable whose PT_GNU_STACK asks for RWX; objects are another rule.
    row("executable-stack", {}, EXECSTACK),
    row("executable-stack", {"glibc": "2.17"}, EXECSTACK),
    # No fixture imports GLIBC_PRIVATE; test_glibc_private_symbol builds ones that do.
    row("glibc-private-symbol", {}, []),
    # A link is no fixture file: tests/test_walk.py makes loops and dangling links in a folder.
    row("broken-symbolic-link", {}, []),
    # Never runs without a target: binlint takes no baseline from the machine it runs on.
    # A manylinux tag is a target for the wheel's members: old-tag-wheel promises glibc 2.17
    # and holds glibc-new-lib (getrandom@GLIBC_2.25).
    row("glibc-version-above-target", {}, ["old-tag-wheel"]),
    # An explicit --glibc wins over the tag (musllinux-wheel's glibc-new-lib is then checked too).
    # The onefile bundles carry this machine's libpython, which needs this machine's glibc.
    row("glibc-version-above-target", {"glibc": "2.17"},
        ["glibc-new-lib", *GLIBC_234_EXES, *GLIBC_NEW_WHEELS, *bundles_above("2.17")]),
    row("glibc-version-above-target", {"glibc": "2.24"},
        ["glibc-new-lib", *GLIBC_234_EXES, *GLIBC_NEW_WHEELS, *bundles_above("2.24")]),
    # Equal is not above; old-tag-wheel is checked against 2.25 too, not its tag's 2.17.
    row("glibc-version-above-target", {"glibc": "2.25"}, [*GLIBC_234_EXES, *bundles_above("2.25")]),
    row("glibc-version-above-target", {"glibc": "2.33"}, [*GLIBC_234_EXES, *bundles_above("2.33")]),
    row("glibc-version-above-target", {"glibc": "2.34"}, bundles_above("2.34")),
    row("glibc-version-above-target", {"glibc": "2.40"}, bundles_above("2.40")),
    # Versions compare as numbers: 2.14 and 2.25 are above 2.9 (PyInstaller's bootloader
    # needs GLIBC_2.14 for memcpy, so pyi-onedir too).
    row("glibc-version-above-target", {"glibc": "2.9"},
        ["glibc-new-lib", *GLIBC_234_EXES, *GLIBC_NEW_WHEELS, *bundles_above("2.9")]),
    # Only where the architecture's default is an executable stack (not aarch64).
    row("missing-gnu-stack", {}, ["nostack-exe", "nostack-lib"]),
    # The mode of a member is its zip's external attributes: pkg/hello.pyc is 0755.
    # perms-tar: app-1.0/lib/app.jar, jar-exec as a 0755 member.
    row("non-elf-executable", {}, ["pyc-exec", "text-exec", "pe-exec", "jar-exec", "pyc-exec-wheel", "perms-tar"]),
    # No note on x86-64, or a note with SHF_EXECINSTR; aarch64 defaults to a non-exec stack.
    # libx.a holds asm-nonote-obj.o.
    row("object-executable-stack", {}, ["asm-nonote-obj", "asm-execnote-obj", "static-lib"]),
    row("unreadable-artifact", {}, UNREADABLE),
    row("unreadable-artifact", {"glibc": "2.17"}, UNREADABLE),
    # No fixture has unreadable section headers and readable program headers: the truncated
    # ones are unreadable as a whole. tests/test_sections.py cuts programs at test time.
    row("elf-sections-unreadable", {}, []),
    # No fixture is named .whl without being a zip, or is zstd: tests/test_archives.py makes them.
    row("wheel-not-a-zip", {}, []),
    row("zstd-not-checked", {}, []),
    # Every bundle fixture is whole: tests/test_pyinstaller.py damages copies.
    row("pyinstaller-archive-damaged", {}, []),
    # The wheel rules: a wheel's platform tags are the target of its members.
    row("wheel-arch-mismatch", {}, ["aarch64-tag-wheel"]),
    row("wheel-arch-mismatch", {"glibc": "2.17"}, ["aarch64-tag-wheel"]),  # --glibc leaves the tag's arch
    row("wheel-libc-mismatch", {}, ["musllinux-wheel"]),
    row("wheel-libc-mismatch", {"glibc": "2.17"}, ["musllinux-wheel"]),
    row("wheel-linux-platform-tag", {}, ["linux-tag-wheel"]),
    row("pure-wheel-with-native-code", {}, ["pure-native-wheel"]),
    # A pure wheel's compiled code is pure-wheel-with-native-code's alone: one fault, one finding.
    row("purelib-wheel-with-native-code", {}, ["purelib-tagged-wheel"]),
    # ../evil, /abs and a symbolic link to /etc/passwd.
    row("unsafe-archive-member", {}, ["unsafe-tar"]),
    row("duplicate-archive-member", {}, ["duplicate-zip"]),
    # The PyInstaller rules: onefile without --runtime-tmpdir (the bad-binary one too), and a
    # --runtime-tmpdir that the bootloader takes literally. One-folder builds extract nothing.
    row("pyinstaller-onefile-tmpdir", {}, ["pyi-onefile", "pyi-onefile-bad-binary"]),
    row("pyinstaller-onefile-tmpdir", {"glibc": "2.17"}, ["pyi-onefile", "pyi-onefile-bad-binary"]),
    row("pyinstaller-runtime-tmpdir-unexpanded", {}, TMPDIR_UNEXPANDED),
    # A diagnostic note: deep-nesting.zip's nested-5.zip sits at the default --max-depth of 4.
    row("archive-too-deep", {}, ["deep-nesting"]),
]

# --- Scripts and exec bits: #! lines the kernel cannot run, set-user-ID and world-writable
# files. Without --kernel the #! limit is 127 bytes (every kernel); from 5.1 it is 255.
TABLE += [
    row("shebang-crlf", {}, ["crlf-script"]),
    # #!python3 in a file and in a wheel's package; #!python in .data/scripts/ is the wheel
    # specification's placeholder (data-scripts-wheel stays quiet).
    row("shebang-relative-interpreter", {}, ["relative-interp-script", "relative-script-wheel"]),
    row("shebang-too-long", {}, ["long-shebang-script", "very-long-shebang-script"]),
    row("shebang-too-long", {"kernel": "5.0"}, ["long-shebang-script", "very-long-shebang-script"]),
    row("shebang-too-long", {"kernel": "5.4"}, ["very-long-shebang-script"]),
    row("shebang-too-long", {"kernel": "6.1"}, ["very-long-shebang-script"]),
    row("shebang-env-arguments", {}, ["env-args-script"]),  # env-s-script has -S: quiet
    row("shebang-bom", {}, ["bom-script"]),
    row("setuid-file", {}, ["perms-tar"]),  # app-1.0/bin/helper, 4755
    row("world-writable-file", {}, ["perms-tar"]),  # app-1.0/share/notes.txt, 0666
]

# --- Hardening (group hardening). The opt-in rules are rows too: table_findings() runs every
# built-in rule, selected by default or not. Text relocations and RWX segments come only from
# the fixtures made for them, so their rows cover every fixture. The opt-in rules judge
# compiler defaults (canary, fortify, RELRO, CET, BTI) that differ between distributions,
# so their rows cover only the fixtures whose build gives every hardening flag explicitly,
# and those no hardening rule can fire on (objects, non-ELF files, malformed ELF).
from fixtures import HARDENING_FIXTURES  # noqa: E402


def _bootloader_is_non_pie() -> bool:
    """Whether PyInstaller's prebuilt bootloader (the bundles' executable) is an ET_EXEC with
    an interpreter, read with pyelftools (PyInstaller 6's Linux bootloader is)."""
    from elftools.elf.elffile import ELFFile

    spec = importlib.util.find_spec("PyInstaller")
    loaders = sorted(Path(spec.submodule_search_locations[0]).glob("bootloader/Linux-*/run")) if spec else []
    for loader in loaders:
        with open(loader, "rb") as stream:
            elf = ELFFile(stream)
            if elf.header["e_type"] == "ET_EXEC" and any(s["p_type"] == "PT_INTERP" for s in elf.iter_segments()):
                return True
    return False


NON_PIE_BUNDLES = BUNDLES if _bootloader_is_non_pie() else []
HARDENED_FAMILY = ["hardened-exe", "hardened-lib", "nocanary-exe", "nofortify-exe", "norelro-exe", "lazy-exe",
                   "nocet-exe", "go-note-exe"]
AARCH64_BTI_PAIR = ["aarch64-bti-exe", "aarch64-nobti-exe"]
assert set(HARDENED_FAMILY + AARCH64_BTI_PAIR + ["textrel-lib", "rwx-lib"]) == set(HARDENING_FIXTURES)
NO_HARDENING_FINDINGS = ["clean-obj", "asm-nonote-obj", "asm-execnote-obj", "many-sections-obj",
                         "aarch64-nonote-obj", *fixture_names("file"), *BAD]


def pinned_row(rule_id: str, fires_on: list[str], *also: str) -> Row:
    """A row over the fixtures with pinned hardening flags (and `also`) only. The aarch64
    pair pins branch protection only: it is in the CET and BTI rows."""
    pinned = [*HARDENED_FAMILY, *NO_HARDENING_FINDINGS, *also]
    unknown = set(pinned) - set(FIXTURE_KINDS)
    assert not unknown, f"not fixtures: {sorted(unknown)}"
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
]

# --- Mach-O (tests/macho_fixtures.py): real MarkupSafe modules and variants derived with LIEF.
# The arm64 slices at 11.0 (macho-arm64-lib, the universal2 files) never count as above a
# 10.x target: 11.0 is the first macOS on Apple silicon. Editing a signed arm64 file
# (macho-arm64-new-minos-lib) breaks its signature, as it does on a Mac.
TABLE += [
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
    row("macho-dylib-not-in-artifact", {}, ["macho-rpath-lib", "macho-delocated-lib", "macho-undelocated-wheel"]),
    row("macho-wheel-arch-missing", {}, ["macho-thin-universal2-wheel"]),  # universal2 tag, x86_64 only
]

# Every target binlint knows, for the runs that must exercise every rule.
ALL_TARGETS: dict[str, object] = {"glibc": "2.17", "musl": "1.2", "macos": "11.0", "arch": ["x86_64"],
                                  "libc": "glibc", "kernel": "5.4", "shebang_limit": 255}


# --- Portability (target profiles). profile() is a --target profile's values; wheels with a
# manylinux tag are checked against their policy without one.
class NamedTarget(dict):  # type: ignore[type-arg]
    """A profile's target values, shown by name in test ids."""

    def __init__(self, name: str, values: dict[str, object]) -> None:
        super().__init__(values)
        self.name = name

    def __repr__(self) -> str:
        return f"profile:{self.name}"


def profile(name: str) -> NamedTarget:
    from binlint.rules import profiles

    return NamedTarget(name, profiles.builtin()[name].target.plain())


# The manylinux2014 policy's libraries, symbol versions and blacklist; glibc >= 2.41's dlopen.
# And the ABI's tables every target has (loader paths, macOS floors), per architecture.
ALL_TARGETS = {**for_arch(dict(profile("manylinux_2_17")), ["x86_64"]), **ALL_TARGETS,
               "dlopen_refuses_stack": ["X", "RX", "WX", "RWX"], **abi().plain()}


def _libpython_in_build_dir() -> bool:
    """Whether this machine's libpython, which the onefile bundles carry, has a search path
    into a build or home directory (pyenv's does: /root/.pyenv/versions/X/lib)."""
    from elftools.elf.elffile import ELFFile

    pattern = yaml.safe_load((ROOT / "rules" / "rpath-build-directory.yaml").read_text())
    regex = re.compile(pattern["when"]["any"][0]["where"]["matches"])
    path = Path(sysconfig.get_config_var("LIBDIR") or "/nonexistent", sysconfig.get_config_var("INSTSONAME") or "-")
    if not path.is_file():
        return False
    with path.open("rb") as f:
        dynamic = ELFFile(f).get_section_by_name(".dynamic")
        entries = [p for tag in (dynamic.iter_tags() if dynamic else ()) if tag.entry.d_tag in ("DT_RPATH", "DT_RUNPATH")
                   for p in (tag.rpath if tag.entry.d_tag == "DT_RPATH" else tag.runpath).split(":")]
    return any(regex.search(entry) for entry in entries)


LIBPYTHON_BUILD_DIR = ONEFILE_BUNDLES if _libpython_in_build_dir() else []
# Fixtures whose DT_NEEDED the artifact does not carry and manylinux2014 does not allow:
# runpath-lib needs libclean.so.1 from $ORIGIN/../lib, which is not there; musllinux-wheel's
# member needs glibc's libc.so.6 (under its own musllinux policy).
UNCARRIED = ["runpath-lib"]
TABLE += [
    row("symbol-version-above-target", {}, []),
    row("symbol-version-above-target", profile("manylinux_2_17"), ["cxx-new-lib"]),
    row("symbol-version-above-target", profile("centos-7"), ["cxx-new-lib"]),
    row("symbol-version-above-target", profile("debian-11"), ["cxx-new-lib"]),
    row("symbol-version-above-target", profile("debian-12"), []),  # GCC 12: GLIBCXX_3.4.30
    # Wheels are checked against their tag's policy: origin-wheel carries its library.
    row("needed-library-not-on-target", {}, ["unbundled-wheel", "musllinux-wheel"]),
    # manylinux2014 allows libc.so.6: it is the target for musllinux-wheel too.
    row("needed-library-not-on-target", profile("manylinux_2_17"), [*UNCARRIED, "unbundled-wheel"]),
    # debian-12 lists no libraries: only the wheels' own policies do.
    row("needed-library-not-on-target", profile("debian-12"), ["unbundled-wheel", "musllinux-wheel"]),
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


def _row_id(r: Row) -> str:
    rule_id, target, _, _ = r
    if isinstance(target, NamedTarget):
        return f"{rule_id}[{target!r}]"
    return rule_id + "".join(f"[{k}={v}]" for k, v in target.items())


@pytest.fixture(scope="module")
def rules() -> list[Rule]:
    # What `binlint check` runs: the default set. The opt-in rules (`default: false`, such as
    # the hardening group's) run in the table, which loads every built-in rule.
    return select_rules(load_rules(), [], [], [])


def run(path: Path, rules: list[Rule], target: Target) -> list[Finding]:
    return check(discover([str(path)]), rules, Options((targets.Target.of(target),)))


_builtin_rules = lru_cache(maxsize=None)(load_rules)


@lru_cache(maxsize=None)
def _cached_findings(path: str, target: str) -> tuple[Finding, ...]:
    return tuple(check(discover([path]), _builtin_rules(), Options((targets.Target.of(json.loads(target)),))))


def table_findings(path: Path, target: Target) -> list[Finding]:
    """The findings of the built-in rules on a session fixture, computed once per target: the
    table and the message checks of test_rules_meta.py ask for the same ones many times."""
    return list(_cached_findings(str(path), json.dumps(target, sort_keys=True)))


def build(artifacts: Artifacts, names: list[str]) -> tuple[dict[str, Path], list[str]]:
    """Paths of the fixtures that can be built here, and what could not (missing tools).

    Under CI (strict mode) a missing tool fails instead of skipping, so nothing is left out there.
    """
    paths: dict[str, Path] = {}
    missing: set[str] = set()
    for name in names:
        try:
            paths[name] = artifacts.path(name)
        except pytest.skip.Exception as skipped:
            missing.add(skipped.msg.removeprefix(NEEDS))
    return paths, sorted(missing)


def only(findings: list[Finding], rule_id: str) -> Finding:
    hits = [f for f in findings if f.rule == rule_id]
    assert len(hits) == 1, f"expected one {rule_id} finding, got {findings}"
    return hits[0]


# --------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------


@pytest.mark.parametrize("rule_id, target, fires_on, quiet_on", TABLE, ids=[_row_id(r) for r in TABLE])
def test_rule_table(artifacts: Artifacts, rule_id: str, target: Target,
                    fires_on: list[str], quiet_on: list[str]) -> None:
    assert not set(fires_on) & set(quiet_on), "a fixture cannot both fire and stay quiet"
    paths, missing = build(artifacts, [*fires_on, *quiet_on])
    fired = {(f.rule, name) for name, path in paths.items() for f in table_findings(path, target)}
    expected = {(rule_id, name) for name in fires_on if name in paths}
    quiet = {(rule_id, name) for name in quiet_on if name in paths}
    assert {pair for pair in fired if pair[0] == rule_id} == expected
    assert not fired & quiet
    if missing:
        pytest.skip(f"checked the others; {NEEDS}{', '.join(missing)}")


# --------------------------------------------------------------------------
# What a user reads: rule, path, severity
# --------------------------------------------------------------------------

# (rule, fixture, target, severity)
SEVERITY_CASES = [
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
    ("non-elf-executable", "pyc-exec", {}, "error"),
    *[("unreadable-artifact", name, {}, "error") for name in BAD],
    # Users can still start a bundle with TMPDIR pointing elsewhere: warnings.
    ("pyinstaller-onefile-tmpdir", "pyi-onefile", {}, "warning"),
    ("pyinstaller-runtime-tmpdir-unexpanded", "pyi-onefile-relative-tmpdir", {}, "warning"),
    ("pyinstaller-runtime-tmpdir-unexpanded", "pyi-onefile-var-tmpdir", {}, "warning"),
]


@pytest.mark.parametrize("rule_id, name, target, severity", SEVERITY_CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in SEVERITY_CASES])
def test_finding_rule_path_severity(artifacts: Artifacts, rule_id: str, name: str,
                                    target: Target, severity: str) -> None:
    path = artifacts.path(name)
    finding = only(table_findings(path, target), rule_id)
    assert (finding.rule, finding.path, finding.severity) == (rule_id, str(path), severity)


# (rule, fixture, the member chain inside it, severity): findings on members name the chain.
MEMBER_CASES = [
    # The shared library PyInstaller carries, by its name in the bundle's table of contents.
    ("executable-stack", "pyi-onefile-bad-binary", [PYI_EXECSTACK_LIB], "error"),
    # A diagnostic: nested-5.zip is at depth 4, the default --max-depth; nothing in it was read.
    ("archive-too-deep", "deep-nesting", deep_nesting_chain()[:4], "note"),
]


@pytest.mark.parametrize("rule_id, name, members, severity", MEMBER_CASES, ids=[f"{c[0]}-{c[1]}" for c in MEMBER_CASES])
def test_finding_on_a_member_names_the_chain(artifacts: Artifacts, rule_id: str, name: str, members: list[str],
                                             severity: str) -> None:
    path = artifacts.path(name)
    finding = only(table_findings(path, {}), rule_id)
    assert (finding.path, finding.location, list(finding.members), finding.severity) == (
        "!".join([str(path), *members]), str(path), members, severity)


# (rule, fixture that must NOT produce it): the cases a careless rule gets wrong.
QUIET_CASES = [
    ("missing-gnu-stack", "nostack-lib-as-aarch64"),  # aarch64: no header means a non-exec stack
    ("missing-gnu-stack", "aarch64-nostack-exe"),
    ("missing-gnu-stack", "static-exe"),
    ("object-executable-stack", "clean-obj"),
    ("object-executable-stack", "aarch64-nonote-obj"),
    ("executable-stack", "asm-execnote-obj"),  # objects are object-executable-stack's
    ("executable-stack", "clean-lib"),
    ("non-elf-executable", "pyc-noexec"),
    ("non-elf-executable", "script-exec"),
    ("non-elf-executable", "data-noexec"),
    ("non-elf-executable", "garbage-elf"),  # executable, but ELF: unreadable-artifact's
    ("pyinstaller-onefile-tmpdir", "pyi-onedir"),  # runs in place: nothing to extract
    ("pyinstaller-onefile-tmpdir", "pyi-onefile-tmpdir"),
    ("pyinstaller-runtime-tmpdir-unexpanded", "pyi-onefile-tmpdir"),  # absolute: nothing to expand
    ("executable-stack", "pyi-onefile"),  # the bootloader and libpython are fine
    ("archive-too-deep", "sdist-with-wheel"),  # a wheel in an sdist: 2 deep
]


@pytest.mark.parametrize("rule_id, name", QUIET_CASES, ids=[f"{r}-{n}" for r, n in QUIET_CASES])
def test_rule_stays_quiet(artifacts: Artifacts, rule_id: str, name: str) -> None:
    findings = table_findings(artifacts.path(name), ALL_TARGETS)
    assert rule_id not in {f.rule for f in findings}


# --------------------------------------------------------------------------
# Evidence in the message
# --------------------------------------------------------------------------

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"

# (rule, fixture, target, substrings the message must contain)
MESSAGE_CASES = [
    ("glibc-version-above-target", "glibc-new-lib", {"glibc": "2.17"}, ["2.17", "GLIBC_2.25", "getrandom"]),
    ("glibc-version-above-target", "clean-exe", {"glibc": "2.17"}, ["GLIBC_2.34", "__libc_start_main"]),
    ("non-elf-executable", "pyc-exec", {}, [f"Python {PYTHON}", "0755"]),
    ("non-elf-executable", "pe-exec", {}, ["PE", "0755"]),
    ("non-elf-executable", "jar-exec", {}, ["zip", "0755"]),
    ("non-elf-executable", "text-exec", {}, ["#!", "0755"]),
    ("executable-stack", "execstack-lib", {}, ["RWX"]),
    ("executable-stack", "i686-execstack-lib", {}, ["RWX"]),
    ("missing-gnu-stack", "nostack-lib", {}, ["x86_64", "PT_GNU_STACK"]),
    ("object-executable-stack", "asm-nonote-obj", {}, [".note.GNU-stack"]),
    ("object-executable-stack", "asm-execnote-obj", {}, ["exec", ".note.GNU-stack"]),
    ("unreadable-artifact", "truncated-header", {}, ["truncated", "header"]),
    ("unreadable-artifact", "truncated-phdrs", {}, ["truncated", "program header"]),
    ("unreadable-artifact", "truncated-dynamic", {}, ["truncated", "dynamic"]),
    ("unreadable-artifact", "garbage-elf", {}, ["ELF class"]),
    ("pyinstaller-onefile-tmpdir", "pyi-onefile", {}, [f"Python {PYTHON}", "--runtime-tmpdir", "noexec"]),
    ("pyinstaller-runtime-tmpdir-unexpanded", "pyi-onefile-relative-tmpdir", {}, ["relative/dir"]),
    ("pyinstaller-runtime-tmpdir-unexpanded", "pyi-onefile-var-tmpdir", {}, ["$HOME/tmp"]),
    ("executable-stack", "pyi-onefile-bad-binary", {}, ["RWX"]),
    ("archive-too-deep", "deep-nesting", {}, ["zip", "--max-depth"]),
]


@pytest.mark.parametrize("rule_id, name, target, expected", MESSAGE_CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in MESSAGE_CASES])
def test_message_evidence(artifacts: Artifacts, rule_id: str, name: str,
                          target: Target, expected: list[str]) -> None:
    message = only(table_findings(artifacts.path(name), target), rule_id).message
    assert {s for s in expected if s not in message} == set(), message


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


def test_a_bad_file_does_not_stop_the_run(artifacts: Artifacts, rules: list[Rule]) -> None:
    # Broken files in a directory get their finding; the good file next to them is still checked.
    names = [*BAD, "execstack-lib"]
    paths = {artifacts.path(name).name: name for name in names}
    directory = artifacts.path("execstack-lib").parent
    options = Options((targets.Target.of(ALL_TARGETS),))
    fired = {(f.rule, paths[Path(f.path).name]) for f in check(discover([str(directory)]), rules, options)
             if Path(f.path).name in paths}
    assert fired == {*(("unreadable-artifact", name) for name in BAD), ("executable-stack", "execstack-lib")}


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
    from binlint.formats.members import Limits
    from binlint.facts import FileView

    view = FileView.of_file(discover([str(build_private_symbol_lib(tmp_path, "libpriv.so.1"))])[0], Limits())
    view.open()
    names, needs = view.get("elf.version_names"), view.get("elf.version_needs")
    assert "GLIBC_PRIVATE" in names and any(n.startswith("GLIBC_2.") for n in names)
    assert sorted(names) == sorted({n["version"] for n in needs}) and len(names) == len(set(names))
    view.close()


# --------------------------------------------------------------------------
# Every rule over every fixture
# --------------------------------------------------------------------------


def test_all_targets_cover_every_target_binlint_knows() -> None:
    assert set(ALL_TARGETS) == set(TARGETS)


@pytest.mark.parametrize("name", fixture_names())
def test_every_rule_over_every_fixture(artifacts: Artifacts, rules: list[Rule], name: str) -> None:
    assert all(r.targets <= ALL_TARGETS.keys() for r in _builtin_rules()), "some rule would not run"
    path = artifacts.path(name)
    for target in ({}, ALL_TARGETS, {"glibc": "2.40"}, {"glibc": "1.0"}):
        findings = table_findings(path, target)  # must not raise
        # The file itself, or its members: `path!member!member...`.
        assert {f.location for f in findings} <= {str(path)}
        assert all(f.path == "!".join([str(path), *f.members]) for f in findings), findings
        assert {f.severity for f in findings} <= set(SEVERITIES)
        fired = {f.rule for f in findings}
        if name in BAD:
            assert fired == {"unreadable-artifact"}, target
        elif name in UNREADABLE:
            assert "unreadable-artifact" in fired, (target, findings)
        else:
            assert "unreadable-artifact" not in fired, (target, findings)
