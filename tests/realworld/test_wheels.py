"""binlint against the tools packagers trust, wheel by wheel, on real published wheels.

For every wheel of the catalogue (catalogue.py: PyPI wheels pinned by SHA-256, and the test
wheels of auditwheel and delocate committed under tests/data/):

- Linux wheels: `binlint targets` names the manylinux or musllinux policy `auditwheel show`
  names, and lists every manylinux policy auditwheel's analysis accepts; the libraries it says the target lacks are auditwheel's external libraries; the
  symbol versions it reads are the ones auditwheel's symbol policy is computed from; on
  x86_64, the libraries it counts as carried are those glibc's or musl's loader finds inside
  the unpacked wheel (`ld.so --list`).
- macOS wheels: binlint's Mach-O facts (dylib loads, rpaths, minimum macOS per slice) are
  what delocate reads, and its loading rules fire exactly where dyld's rules say they must.
- Pure wheels and macOS wheels satisfy no Linux target (auditwheel: "This does not look like
  a platform wheel").
- Checked against its own tags (no flag), a correct published wheel gets no finding but the
  real faults the catalogue lists.

Where binlint and an oracle disagree today, the case is in known.py's KNOWN_DISAGREEMENTS, the
one table of them, with who is right and the evidence: its cases run as strict xfails, so the
fix makes them pass, and the row is then deleted.
"""

from __future__ import annotations

import collections
import os
import subprocess
import zipfile
from pathlib import Path, PurePosixPath

import pytest
from packaging.version import Version

from conftest import ArchiveEntry, _missing, wheel_bytes
from realworld import oracles
from realworld.catalogue import COMMITTED, DATA, PYPI, WHEELS, Wheel
from pypi import sha256_of
from realworld.conftest import Runs, binlint_json
from realworld.known import KNOWN_DISAGREEMENTS, cases


# --------------------------------------------------------------------------
# The catalogue itself, and the table of known disagreements
# --------------------------------------------------------------------------

def test_every_known_disagreement_names_real_cases() -> None:
    from realworld import test_system_tree
    names = {w.id for w in WHEELS} | {f"system-tree:{rule}" for rule in test_system_tree.RULES}
    tests = {name[len("test_"):] for module in (globals(), vars(test_system_tree)) for name in module
             if name.startswith("test_")}
    for row in KNOWN_DISAGREEMENTS:
        assert set(row.cases) <= names, set(row.cases) - names
        assert set(row.checks) <= tests, set(row.checks) - tests


def test_catalogue_covers_what_it_stands_for() -> None:
    platforms = " ".join(w.tag_platform for w in PYPI)
    assert len(PYPI) >= 40 and len({w.filename for w in WHEELS}) == len(WHEELS)
    assert sum(w.size for w in PYPI) < 400e6
    for needle in ("manylinux_2_5_x86_64", "manylinux_2_12_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64",
                   "manylinux_2_17_aarch64", "musllinux_1_1_x86_64", "musllinux_1_2_x86_64", "musllinux_1_2_aarch64",
                   "macosx_11_0_arm64", "macosx_10_10_x86_64", "universal2"):
        assert needle in platforms, needle
    kinds = " ".join(w.stands_for for w in PYPI)
    for needle in ("Rust", "maturin", "C++", "Fortran", "auditwheel-repaired", "delocate-repaired", "pure"):
        assert needle in kinds, needle
    assert all(len(w.sha256) == 64 for w in WHEELS)


def test_committed_files_are_the_files_recorded() -> None:
    """Every file taken from auditwheel and delocate is recorded with its digest in
    tests/data/README.md; the committed wheels are also pinned in the catalogue."""
    readme = (DATA / "README.md").read_text()
    for folder in ("auditwheel", "delocate"):
        for path in sorted((DATA / folder).rglob("*")):
            if path.is_file() and not path.name.startswith("LICENSE"):
                assert f"`{sha256_of(path)}`" in readme, f"tests/data/README.md does not record {path}"
    for wheel in COMMITTED:
        assert sha256_of(DATA / wheel.filename) == wheel.sha256, wheel.filename


# --------------------------------------------------------------------------
# auditwheel
# --------------------------------------------------------------------------

LINUX = [w for w in WHEELS if w.is_linux]


def verdict(auditwheel: dict, path: str) -> dict:
    """auditwheel's answer on the wheel; the test is skipped where auditwheel itself fails."""
    answer = auditwheel[path]
    if answer.get("crash"):
        pytest.skip(f"auditwheel fails on this wheel ({answer['error']}): no verdict to compare")
    return answer


def _policy_version(name: str) -> tuple[int, int]:
    major, minor = name.split("_")[1:3]
    return int(major), int(minor)


@pytest.mark.parametrize("wheel", cases("policy_agrees_with_auditwheel", WHEELS))
def test_policy_agrees_with_auditwheel(wheel: Wheel, wheel_path, runs: Runs, auditwheel: dict) -> None:
    path = str(wheel_path(wheel))
    ours, theirs = runs.targets[path], verdict(auditwheel, path)
    family = str(theirs.get("sym_tag") or "").split("_")[0]
    if "error" in theirs or family == "android":
        # Not a wheel for any Linux distribution: no policy, no profile.
        assert (ours["manylinux"], ours["musllinux"], ours["satisfied"]) == (None, None, []), theirs
    elif family == "manylinux":
        assert ours["manylinux"] == oracles.auditwheel_policy(theirs, "manylinux"), theirs["overall_tag"]
        if not wheel.committed:  # auditwheel's test modules need no libc at all: either family loads them
            assert ours["musllinux"] is None
    else:
        # auditwheel keeps a single musllinux policy, the newest it knows on a glibc machine: a
        # wheel it accepts satisfies that one or an older one.
        theirs_policy = oracles.auditwheel_policy(theirs, "musllinux")
        if theirs_policy is None:
            assert ours["musllinux"] is None, theirs["overall_tag"]
        else:
            assert ours["musllinux"] is not None and _policy_version(ours["musllinux"]) <= _policy_version(theirs_policy)
        if not wheel.committed:
            assert ours["manylinux"] is None


GLIBC = [w for w in LINUX if not w.is_musl and "musllinux" not in w.filename and "android" not in w.filename]


@pytest.mark.parametrize("wheel", cases("satisfied_policies_agree_with_auditwheel", GLIBC))
def test_satisfied_policies_agree_with_auditwheel(wheel: Wheel, wheel_path, runs: Runs) -> None:
    """binlint's most portable manylinux policy is the oldest auditwheel's analysis accepts
    the wheel for (libraries, blacklist, symbol versions), and every manylinux policy it
    lists as satisfied is one auditwheel accepts."""
    path = wheel_path(wheel)
    theirs = oracles.auditwheel_satisfied(path, wheel.sha256)
    entry = runs.targets[str(path)]
    ours = {name for name in entry["satisfied"] if name.startswith("manylinux_")}
    assert ours <= theirs, ours - theirs
    assert entry["manylinux"] == min(theirs, key=_policy_version, default=None)


@pytest.mark.parametrize("wheel", cases("tag_mode_findings", WHEELS))
def test_tag_mode_findings(wheel: Wheel, wheel_path, runs: Runs, auditwheel: dict) -> None:
    """Checked against its own tags, a wheel gets exactly the findings the catalogue lists:
    none on a correct published wheel, which auditwheel accepts for the tag it carries."""
    path = str(wheel_path(wheel))
    if wheel.is_linux and not wheel.committed and not auditwheel[path].get("crash"):
        assert not auditwheel[path]["overall_tag"].startswith("linux"), "the oracle refuses this wheel"
    found = collections.Counter(f["rule"] for f in runs.findings[path])
    assert dict(found) == wheel.expected, [f"{f['severity']}[{f['rule']}] {f['members']} {f['message'][:200]}"
                                           for f in runs.findings[path]]


ELF_LINUX = [w for w in LINUX if not w.id.endswith("android_24_arm64_v8a")]


@pytest.fixture(scope="module")
def at_auditwheel_floor(wheel_path) -> dict[str, list[dict]]:
    """Findings on the committed linux_* wheels checked against the policy auditwheel's
    external libraries are reported for (its lowest of the architecture)."""
    floors = {"x86_64": "manylinux_2_5", "i686": "manylinux_2_5"}
    groups: dict[str, list[str]] = {}
    for wheel in COMMITTED:
        if wheel.is_linux and wheel.tag_platform.startswith("linux_"):
            arch = wheel.tag_platform[len("linux_"):]
            target = "musllinux_1_2" if "musllinux" in wheel.filename else floors.get(arch, "manylinux_2_17")
            groups.setdefault(target, []).append(str(wheel_path(wheel)))
    findings: dict[str, list[dict]] = {}
    for target, paths in groups.items():
        report = binlint_json("check", "--no-config", "--format", "json", "--target", target, *paths)
        for path in paths:
            findings[path] = [f for f in report["findings"] if f["path"].split("!", 1)[0] == path]
    return findings


@pytest.mark.parametrize("wheel", cases("external_libraries_agree_with_auditwheel", ELF_LINUX))
def test_external_libraries_agree_with_auditwheel(wheel: Wheel, wheel_path, runs: Runs, auditwheel: dict,
                                                  at_auditwheel_floor: dict) -> None:
    path = str(wheel_path(wheel))
    theirs = verdict(auditwheel, path)
    if "error" in theirs:
        pytest.skip("auditwheel has no policy for this architecture")
    findings = at_auditwheel_floor.get(path, runs.findings[path])
    # auditwheel counts a library the wheel carries out of the loader's reach as external too,
    # and an extension module's libpython, which binlint reports as the linkage it is.
    ours = {item["name"] for f in findings if f["rule"] in ("needed-library-not-on-target",
                                                             "carried-library-not-on-search-path")
            for item in f["evidence"]}
    ours |= {name for f in findings if f["rule"] == "python-extension-links-libpython" for name in f["evidence"]}
    assert ours == set(theirs["external_libs"])


def _elf_members(runs: Runs, path: str) -> dict[str, dict]:
    # The wheel's own members (auditwheel reads no archive inside a wheel).
    return {m: f for m, f in runs.facts[path].items() if m and "!" not in m and f.get("file.kind") == "elf"}


@pytest.mark.parametrize("wheel", cases("symbol_versions_agree_with_auditwheel", ELF_LINUX))
def test_symbol_versions_agree_with_auditwheel(wheel: Wheel, wheel_path, runs: Runs, auditwheel: dict) -> None:
    """The symbol versions binlint holds a policy to are those auditwheel's symbol policy
    (sym_tag) is computed from: every version need, less the dynamic loader's own."""
    path = str(wheel_path(wheel))
    theirs = verdict(auditwheel, path)
    if "error" in theirs:
        pytest.skip("auditwheel has no policy for this architecture")
    if any(theirs["external_libs"].values()):
        pytest.skip("auditwheel adds the needs of external libraries it found on this machine")
    ours = {(need["library"], need["version"])
            for facts in _elf_members(runs, path).values() for need in facts["elf.version_needs"]
            if not need["library"].startswith("ld-linux") and need["library"] not in ("ld64.so.1", "ld64.so.2")}
    assert ours == oracles.versioned_symbols(theirs)


# The real loaders of this machine, in trace mode (they map the libraries, run no code).
LOADERS = {"glibc": "/lib64/ld-linux-x86-64.so.2", "musl": "/lib/ld-musl-x86_64.so.1"}
X86_64_LINUX = [w for w in PYPI if w.is_linux and w.tag_platform.split(".")[0].endswith("x86_64")]


def _loader_list(loader: str, path: Path, root: Path) -> tuple[set[str], set[str]]:
    """What `loader --list path` resolves inside `root`, and what it finds nowhere."""
    result = subprocess.run([loader, "--list", str(path)], capture_output=True, text=True, env={}, timeout=120)
    inside, missing = set(), set()
    for line in result.stdout.splitlines():
        name, arrow, where = line.strip().partition(" => ")
        if not arrow:
            continue
        if where.startswith("not found"):
            missing.add(name)
        elif where.startswith(str(root) + "/"):
            inside.add(name)
    return inside, missing


@pytest.mark.parametrize("wheel", cases("carried_libraries_agree_with_the_loader", X86_64_LINUX))
def test_carried_libraries_agree_with_the_loader(wheel: Wheel, wheel_path, runs: Runs, tmp_path: Path) -> None:
    """The wheel unpacked as pip installs it: for each module, the libraries glibc's (or
    musl's) own loader finds inside the wheel are the ones binlint says the wheel carries,
    and none it counts as carried is missing. The libraries of `*.libs/` are loaded through
    the modules, with the modules' search paths, so they are judged through them."""
    loader = LOADERS["musl" if wheel.is_musl else "glibc"]
    if not os.path.exists(loader):
        _missing(f"comparing with the real loader needs {loader} (Debian: {'musl' if wheel.is_musl else 'libc6'})")
    path = str(wheel_path(wheel))
    members = _elf_members(runs, path)
    with zipfile.ZipFile(path) as archive:
        for member in members:
            archive.extract(member, tmp_path)
    for member, facts in sorted(members.items()):
        if any(part.endswith(".libs") for part in PurePosixPath(member).parts[:-1]):
            continue
        inside, missing = _loader_list(loader, tmp_path / member, tmp_path)
        needed = set(facts["elf.needed"])
        carried = needed - set(facts["elf.unresolved_needed"])
        assert (needed & inside, needed & missing & carried) == (carried, set()), member


@pytest.mark.parametrize("wheel", [w for w in COMMITTED if w.asserted], ids=lambda w: w.id)
def test_auditwheel_still_says_what_its_own_tests_assert(wheel: Wheel, wheel_path, auditwheel: dict) -> None:
    """The oracle, on its own test data, gives the verdicts its test suite asserts."""
    theirs = verdict(auditwheel, str(wheel_path(wheel)))
    for key, value in wheel.asserted.items():
        if key == "error":
            assert str(value) in theirs.get("error", ""), theirs
        elif key == "external_libs":
            assert sorted(theirs[key]) == value
        else:
            assert theirs[key] == value, key


@pytest.mark.parametrize("wheel", cases("absolute_rpath_in_a_wheel_is_reported",
                                        [w for w in COMMITTED if w.id.startswith("auditwheel/cffi")]))
def test_absolute_rpath_in_a_wheel_is_reported(wheel: Wheel, wheel_path, runs: Runs) -> None:
    findings = runs.findings[str(wheel_path(wheel))]
    assert [f for f in findings if f["severity"] in ("error", "warning") and "/opt/2.7.11/lib" in f["message"]]


@pytest.mark.parametrize("wheel", cases("compressed_tag_sets_are_expanded",
                                        [w for w in PYPI if w.id.startswith("pydantic_core-2.27.1-manylinux")]))
def test_compressed_tag_sets_are_expanded(wheel: Wheel, wheel_path, runs: Runs) -> None:
    facts = runs.facts[str(wheel_path(wheel))][""]
    assert set(facts["wheel.platforms"]) == {"manylinux_2_17_x86_64", "manylinux2014_x86_64"}


# --------------------------------------------------------------------------
# delocate
# --------------------------------------------------------------------------

MACOS = [w for w in WHEELS if w.is_macos]


def _macho_members(runs: Runs, path: str) -> dict[str, dict]:
    return {m: f for m, f in runs.facts[path].items() if m and "!" not in m and f.get("file.kind") == "macho"}


def _binlint_view(facts: dict) -> dict:
    return {
        "loads": sorted((d["arch"], d["path"], d["kind"]) for d in facts["macho.dylibs"] if d["kind"] != "id"),
        "rpaths": sorted((r["arch"], r["path"]) for r in facts["macho.rpaths"]),
        "min_os": sorted((s["arch"], _short(s["min_os"])) for s in facts["macho.slices"] if s["min_os"]),
    }


def _short(version: str) -> str:
    """A macOS version as delocate prints it (packaging's Version of major.minor)."""
    return str(Version(".".join(version.split(".")[:2])))


@pytest.mark.parametrize("wheel", cases("macho_facts_agree_with_delocate", MACOS))
def test_macho_facts_agree_with_delocate(wheel: Wheel, wheel_path, runs: Runs, delocate: dict) -> None:
    path = str(wheel_path(wheel))
    theirs = delocate[path]
    ours = _macho_members(runs, path)
    assert sorted(ours) == sorted(theirs), "the Mach-O members"
    for member, view in theirs.items():
        view = {key: sorted(tuple(item) for item in items) for key, items in view.items()}
        view["min_os"] = sorted((arch, _short(v)) for arch, v in view["min_os"])
        assert _binlint_view(ours[member]) == view, member


def _tag_minimums(wheel: Wheel) -> dict[str, Version]:
    """The oldest macOS the wheel's tags promise, per architecture (pip installs it there)."""
    floors: dict[str, Version] = {}
    for tag in wheel.tag_platform.split("."):
        _, major, minor, arch = tag.split("_", 3)
        archs = {"universal2": ["x86_64", "arm64"], "intel": ["x86_64", "i386"],
                 "universal": ["x86_64", "i386"]}.get(arch, [arch])
        for one in archs:
            version = Version(f"{major}.{minor}")
            floors[one] = min(floors.get(one, version), version)
    return floors


def _dyld_resolves(load: str, member: str, rpaths: list[str], names: set[str]) -> bool:
    """Whether dyld finds `load` for the wheel member `member` among the wheel's files."""
    here = PurePosixPath(member).parent
    if load.startswith("@loader_path/"):
        return os.path.normpath(str(here / load[len("@loader_path/"):])) in names
    if load.startswith("@rpath/"):
        for rpath in rpaths:
            if rpath.startswith(("/usr/lib", "/System")):
                return True
            if rpath.startswith("@loader_path"):
                candidate = os.path.normpath(str(here / rpath[len("@loader_path"):].lstrip("/") / load[len("@rpath/"):]))
                if candidate in names:
                    return True
        return False
    return load.startswith("/")  # a bare leaf name: dyld looks in the working directory, not here


@pytest.mark.parametrize("wheel", cases("macho_rules_agree_with_dyld", MACOS))
def test_macho_rules_agree_with_dyld(wheel: Wheel, wheel_path, runs: Runs, delocate: dict) -> None:
    """Where dyld would fail, binlint's Mach-O loading rules fire, and nowhere else: loads of
    absolute paths outside the system, relative loads no file of the wheel satisfies, and
    slices whose minimum macOS (delocate's reading) is above what the tags promise."""
    path = str(wheel_path(wheel))
    names = {m for m in runs.facts[path] if m and "!" not in m}
    floors = _tag_minimums(wheel)
    expected = set()
    for member, view in delocate[path].items():
        for arch, load, kind in view["loads"]:
            if kind == "weak":
                continue
            if load.startswith("/") and not load.startswith(("/usr/lib/", "/System/")):
                expected.add((member, "macho-build-machine-dylib"))
            rpaths = [r for a, r in view["rpaths"] if a == arch]
            if not load.startswith("/") and not load.startswith("@executable_path"):
                if not _dyld_resolves(load, member, rpaths, names):
                    expected.add((member, "macho-dylib-not-in-artifact"))
        for arch, minimum in view["min_os"]:
            floor = max(floors.get(arch, Version("0")), Version("11.0") if arch == "arm64" else Version("0"))
            if arch in floors and Version(minimum) > floor:
                expected.add((member, "macho-macos-version-above-target"))
    rules = {"macho-build-machine-dylib", "macho-dylib-not-in-artifact", "macho-macos-version-above-target"}
    found = {(f["members"][0], f["rule"]) for f in runs.findings[path] if f["rule"] in rules}
    assert found == expected


# delocate/tests/data files and what delocate's tests assert of them (test_install_names.py:
# get_install_names; test_delocating.py: _get_macos_min_version).
_SYSTEM = ("/usr/lib/libc++.1.dylib", "/usr/lib/libSystem.B.dylib")
DELOCATE_FILES = {
    "liba.dylib": (_SYSTEM, {"x86_64": "10.9"}),
    "libb.dylib": (("liba.dylib", *_SYSTEM), None),
    "libc.dylib": (("liba.dylib", "libb.dylib", *_SYSTEM), None),
    "test-lib": (("libc.dylib", *_SYSTEM), None),
    "libam1-arch.dylib": (_SYSTEM, None),
    "liba_both.dylib": (None, {"arm64": "11.0", "x86_64": "10.9"}),
    "np-1.6.0_intel_lib__compiled_base.so": (None, {"i386": "10.6", "x86_64": "10.6"}),
    "a.o": ((), {"x86_64": "10.9"}),
}


@pytest.fixture(scope="module")
def delocate_file_facts() -> dict[str, dict]:
    paths = [str(DATA / "delocate" / name) for name in sorted(DELOCATE_FILES)]
    return {Path(a["path"]).name: a["facts"] for a in binlint_json("facts", "--no-config", *paths)["artifacts"]}


@pytest.mark.parametrize("name", sorted(DELOCATE_FILES))
def test_delocate_test_data(name: str, delocate_file_facts: dict[str, dict]) -> None:
    names, minimums = DELOCATE_FILES[name]
    view = _binlint_view(delocate_file_facts[name])
    if names is not None:
        assert {path for _, path, _ in view["loads"]} == set(names)
    if minimums is not None:
        assert dict(view["min_os"]) == minimums
    theirs = oracles.macho_view(str(DATA / "delocate" / name))
    assert view["loads"] == [tuple(load) for load in theirs["loads"]]
    assert view["rpaths"] == [tuple(rpath) for rpath in theirs["rpaths"]]


# delocate-wheel's verdicts (delocate/tests/test_scripts.py, test_delocate_wheel_*): a library
# in a wheel whose tag promises an older macOS than the library needs is refused (or retagged).
DELOCATE_WHEEL_VERDICTS = [
    ("liba_12.dylib", "macosx_10_9_x86_64", True),  # "plat-1.0-...-macosx_12_0_x86_64.whl"
    ("libam1_12.dylib", "macosx_10_9_universal2", True),  # "libam1.dylib has a minimum target of 12.0"
    ("libam1.dylib", "macosx_10_9_universal2", False),  # test_delocate_wheel_verify_name_universal2_ok
    ("np-1.6.0_intel_lib__compiled_base.so", "macosx_10_9_intel", False),  # ..._universal_ok
]


@pytest.fixture(scope="module")
def delocate_wheel_findings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    """Each library of DELOCATE_WHEEL_VERDICTS alone in a wheel with the tag, checked at once."""
    folder = tmp_path_factory.mktemp("delocate-wheels")
    paths = []
    for index, (library, platform, _) in enumerate(DELOCATE_WHEEL_VERDICTS):
        wheel = folder / f"plat{index}-1.0-cp311-cp311-{platform}.whl"
        wheel.write_bytes(wheel_bytes(f"plat{index}", "1.0", f"cp311-cp311-{platform}",
                                      [ArchiveEntry(f"fakepkg1/{library}", (DATA / "delocate" / library).read_bytes(),
                                                    0o755)]))
        paths.append(str(wheel))
    report = binlint_json("check", "--no-config", "--format", "json", "--select", "macho-macos-version-above-target",
                          *paths)
    return {library: [f for f in report["findings"] if f["path"].startswith(path + "!")]
            for (library, _, _), path in zip(DELOCATE_WHEEL_VERDICTS, paths)}


@pytest.mark.parametrize(("library", "platform", "refused"), DELOCATE_WHEEL_VERDICTS)
def test_macos_version_rule_agrees_with_delocate_wheel(library: str, platform: str, refused: bool,
                                                        delocate_wheel_findings: dict) -> None:
    findings = delocate_wheel_findings[library]
    assert bool(findings) == refused, findings
    if refused:
        assert "12.0" in findings[0]["message"]
