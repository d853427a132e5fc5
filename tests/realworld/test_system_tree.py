"""binlint with its default rules and `--glibc 2.17` over a real system tree, rule by rule.

The tree is what a few Debian packages of this machine install (`dpkg -L`), chosen because
every machine that runs the suite has them, and their files are the README's quick start in
small (`binlint check /usr/lib /usr/bin --glibc 2.17`): glibc itself, the C compiler and
binutils, the Python interpreter, and, where they are installed, the packages that showed
binlint's noise on the whole tree (glibc's separate debug files, musl's static libc, jars).

Each rule's expected count is computed from the host by a reader independent of binlint
(pyelftools and the file system), with one sentence on why each finding it keeps is right;
the counts this image gives are pinned as well, and held to when its packages are the ones
pinned. Nothing is expected from the host silently: the packages read and their versions are
in the assertion messages.
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import _missing
from realworld.conftest import binlint_json
from realworld.known import cases

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
RULES = sorted(path.stem for path in RULES_DIR.glob("*.yaml"))
GLIBC_TARGET = (2, 17)

# Why each finding binlint keeps on the tree is right (rules not named here must stay silent).
WHY = {
    "glibc-version-above-target":
        "Debian 12 links its programs against glibc 2.36, so every file binding a GLIBC_x.y version "
        "above 2.17 (e.g. __libc_start_main@GLIBC_2.34), or packed relative relocations "
        "(GLIBC_ABI_DT_RELR, 2.36), fails on a glibc 2.17 system with \"version `GLIBC_2.34' not "
        "found\": exactly what --glibc 2.17 asks about.",
}

# Rules whose noise only shows where a package is installed: without it the rule is not
# exercised here (its known disagreement would pass by accident), so its case is skipped.
WITNESSES = {"duplicate-archive-member": "musl-dev", "nonstandard-interpreter": "libc6-dbg",
             "world-writable-file": "google-cloud-cli-app-engine-java"}

# The counts on the machine image the suite was written on (Debian 12.11), held to only when
# the host has exactly these package versions: any update moves them, and the oracle counts
# below still hold.
PINNED_IMAGE = {
    "packages": {"libc6": "2.36-9+deb12u14", "gcc-12": "12.2.0-14+deb12u1", "python3.11-minimal": "3.11.2-6+deb12u6",
                 "openjdk-17-jre-headless": "17.0.15+6-1~deb12u1"},
    "counts": {"glibc-version-above-target": 350},
}


def _package_of(path: str) -> str | None:
    """The Debian package that installed `path` or, for a link, the file it leads to."""
    for name in (os.path.realpath(path), path):
        result = subprocess.run(["dpkg", "-S", name], capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout.split(":", 1)[0]
    return None


def _installed(package: str) -> str | None:
    result = subprocess.run(["dpkg-query", "-W", "-f=${Status}|${Version}|${source:Package}", package],
                            capture_output=True, text=True)
    status, _, rest = result.stdout.partition("|")
    return rest if result.returncode == 0 and status.endswith(" installed") else None


@dataclass
class Tree:
    packages: dict[str, str]  # package -> version
    files: list[str]
    glibc_files: set[str]  # installed by packages built from glibc's source
    findings: dict[str, list[dict]]  # rule -> findings


def _package_files(package: str) -> list[str]:
    listing = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, check=True).stdout
    return [p for p in listing.splitlines() if os.path.isfile(p) and not os.path.islink(p)]


@pytest.fixture(scope="module")
def tree() -> Tree:
    if not shutil.which("dpkg"):
        pytest.skip("the system tree is read from Debian's package lists (dpkg)")
    # The packages of the C library, the compiler and Python, found from the files this
    # machine runs; then the witnesses of past noise, when installed.
    anchors = [path for path in ("/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
                                 shutil.which("gcc") or "", "/usr/bin/python3", shutil.which("java") or "")
               if path and os.path.exists(path)]
    core = {_package_of(path) for path in anchors} - {None}
    if not {"libc6"} & {p.split(":")[0] for p in core}:
        _missing("the system tree needs Debian's libc6")
    wanted = set(core) | {"libc-bin", "libc6-dev", "libstdc++6", "libgcc-s1", "binutils-x86-64-linux-gnu",
                          "libbinutils"}
    compiler = next((p for p in core if p.startswith("gcc-")), None)
    if compiler:
        wanted.add("cpp-" + compiler[len("gcc-"):])
    python = next((p for p in core if p.startswith("python3.") and p.endswith("-minimal")), None)
    if python:
        version = python[len("python"):-len("-minimal")]
        wanted |= {f"libpython{version}-minimal", f"libpython{version}-stdlib"}
    wanted |= {"libc6-dbg", "musl", "musl-dev", "google-cloud-cli-app-engine-java"}
    packages, files, glibc_files = {}, set(), set()
    for package in sorted(wanted):
        info = _installed(package)
        if info is None:
            continue
        version, _, source = info.partition("|")
        packages[package.split(":")[0]] = version
        these = _package_files(package)
        files.update(these)
        if source.split(" ")[0] == "glibc" or (not source and package.startswith("libc")):
            glibc_files.update(these)
    ordered = sorted(files)
    report = binlint_json("check", "--no-config", "--no-progress", "--format", "json",
                          "--glibc", "%d.%d" % GLIBC_TARGET, *ordered)
    findings: dict[str, list[dict]] = collections.defaultdict(list)
    for finding in report["findings"]:
        findings[finding["rule"]].append(finding)
    return Tree(packages, ordered, glibc_files, findings)


# --------------------------------------------------------------------------
# The oracle: what the files are, read with pyelftools and the file system
# --------------------------------------------------------------------------

# Version names glibc defines as markers rather than releases, with the release that added
# them: a library linked with -z pack-relative-relocs needs GLIBC_ABI_DT_RELR (2.36).
GLIBC_MARKERS = {"GLIBC_ABI_DT_RELR": (2, 36)}


def _glibc_version(name: str) -> tuple[int, ...] | None:
    if name in GLIBC_MARKERS:
        return GLIBC_MARKERS[name]
    match = re.fullmatch(r"GLIBC_(\d+(?:\.\d+)+)", name)
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


def _version_needs(path: str) -> set[str] | None:
    """The version names the ELF file at `path` needs (.gnu.version_r); None if not ELF."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
    from elftools.elf.gnuversions import GNUVerNeedSection

    with open(path, "rb") as f:
        if f.read(4) != b"\x7fELF":
            return None
        f.seek(0)
        try:
            elf = ELFFile(f)
            names = set()
            for section in elf.iter_sections():
                if isinstance(section, GNUVerNeedSection):
                    for _, auxiliaries in section.iter_versions():
                        names.update(aux.name for aux in auxiliaries)
            return names
        except (ELFError, ValueError, KeyError):
            return set()


@pytest.fixture(scope="module")
def oracle(tree: Tree) -> dict[str, set[str]]:
    """For each rule with findings the tree must give, the files that must carry one."""
    above, private = set(), set()
    for path in tree.files:
        needs = _version_needs(path)
        if not needs:
            continue
        if any((v := _glibc_version(name)) and v > GLIBC_TARGET for name in needs):
            above.add(path)
        # glibc's own programs and modules ship with the very glibc whose private interface
        # they use: only a file of another package can meet a glibc without it.
        if "GLIBC_PRIVATE" in needs and path not in tree.glibc_files:
            private.add(path)
    writable = {p for p in tree.files if os.stat(p).st_mode & stat.S_IWOTH}
    setuid = {p for p in tree.files if os.stat(p).st_mode & (stat.S_ISUID | stat.S_ISGID)}
    return {"glibc-version-above-target": above, "glibc-private-symbol": private,
            "world-writable-file": writable, "setuid-file": setuid}


@pytest.mark.parametrize("rule", cases("system_tree_rule_count", RULES, case=lambda rule: f"system-tree:{rule}"))
def test_system_tree_rule_count(rule: str, tree: Tree, oracle: dict[str, set[str]]) -> None:
    if rule in WITNESSES and WITNESSES[rule] not in tree.packages:
        pytest.skip(f"{WITNESSES[rule]} is not installed: nothing in the tree exercises {rule}")
    found = sorted({f["path"] for f in tree.findings.get(rule, [])})
    expected = sorted(oracle.get(rule, set()))
    context = f"packages read: {tree.packages}"
    assert found == expected, f"{rule}: {len(found)} files, expected {len(expected)}; {context}"
    if expected:
        assert rule in WHY, f"say in WHY why {rule}'s findings on a system tree are right"
    if all(tree.packages.get(p) == v for p, v in PINNED_IMAGE["packages"].items()):
        assert len(found) == PINNED_IMAGE["counts"].get(rule, 0), context


def test_system_tree_is_what_it_stands_for(tree: Tree) -> None:
    """Enough of a tree to mean something: glibc with its gconv modules and programs, a
    compiler, Python's standard library."""
    assert len(tree.files) > 1000, tree.packages
    assert any("/gconv/" in p for p in tree.glibc_files)
    assert any(p.endswith("/libc.so.6") for p in tree.glibc_files)
