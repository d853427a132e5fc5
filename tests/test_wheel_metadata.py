"""The wheel metadata rules (WHEEL's tags, RECORD, entry_points.txt, PEP 770 SBOMs), beyond their
rows in tests/rules/test_wheel.py: what a finding says, and what the tools
that read the same files say of the same wheels: `installer` and `wheel unpack` verify RECORD,
pip refuses a script without a callable, `packaging` parses the tags of the name and of WHEEL.

The wheels are one built by pip and setuptools (tests/fixtures/src/metapkg) and rewrites of
it, as a careless post-build step leaves them (tests/fixtures/packaging.py).
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from binlint.engine import check
from binlint.facts import wheel_metadata, wheel_sboms
from binlint.rules import load_rules, select_rules
from binlint.rules.evaluate import Evaluation
from binlint.walk.discover import discover
from fixtures import Artifacts, require_module
from fixtures.registry import META_WHEELS
from rules.table import only, table_findings

META_RULES = ["wheel-tags-mismatch", "wheel-tag-line-compressed", "wheel-record-missing", "wheel-record-incomplete", "wheel-record-stale-row",
              "wheel-record-size-mismatch", "wheel-record-hash-mismatch", "wheel-entry-points-unparsable",
              "wheel-script-name-invalid", "wheel-script-entry-point-invalid",
              "wheel-grafted-libraries-without-sbom", "wheel-sbom-file-mismatch", "wheel-package-split-across-schemes"]
META_FIXTURES = [name for name, *_ in META_WHEELS]


def test_the_wheel_table_covers_the_rules() -> None:
    from rules.test_wheel import TABLE

    assert set(META_RULES) <= {r[0] for r in TABLE}


# (rule, fixture, member the finding names, substrings of the message)
MESSAGE_CASES = [
    ("wheel-tags-mismatch", "meta-renamed-wheel",
     ["cp311-cp311-manylinux_2_17_x86_64 (file name only)", "py3-none-any (WHEEL only)"]),
    ("wheel-tag-line-compressed", "meta-compressed-tag-wheel", ["py2.py3-none-any"]),
    ("wheel-record-incomplete", "meta-unrecorded-wheel", ["metapkg/extra.py (not listed)"]),
    ("wheel-record-stale-row", "meta-stale-row-wheel", ["metapkg/cli.py"]),
    ("wheel-record-size-mismatch", "meta-stale-size-wheel", ["metapkg/cli.py", "RECORD: "]),
    ("wheel-record-hash-mismatch", "meta-stale-hash-wheel", ["metapkg/cli.py", "sha256="]),
    ("wheel-entry-points-unparsable", "meta-duplicate-entry-point-wheel", ["meta-tool", "already exists"]),
    ("wheel-script-name-invalid", "meta-script-name-wheel", ["../meta tool"]),
    ("wheel-script-entry-point-invalid", "meta-no-callable-wheel", ["meta-tool = metapkg.cli"]),
    ("wheel-grafted-libraries-without-sbom", "origin-wheel", ["pkg.libs/"]),
    ("wheel-package-split-across-schemes", "meta-split-wheel",
     ["metapkg (metapkg-1.0.data/platlib/metapkg/cli.py in platlib, metapkg/__init__.py in purelib)"]),
    ("wheel-sbom-file-mismatch", "meta-sbom-mismatch-wheel",
     ["metasbom.libs/libclean.so in metasbom-1.0.dist-info/sboms/metasbom.cdx.json: sha256 ",
      "metasbom.libs/libgone.so in metasbom-1.0.dist-info/sboms/metasbom.spdx.json: not in the wheel"]),
]


@pytest.mark.parametrize("rule_id, name, expected", MESSAGE_CASES, ids=[f"{c[0]}-{c[1]}" for c in MESSAGE_CASES])
def test_finding_names_the_wheel_and_the_evidence(artifacts: Artifacts, rule_id: str, name: str,
                                                   expected: list[str]) -> None:
    path = artifacts.path(name)
    finding = only(table_findings(path, {}), rule_id)
    assert (finding.path, list(finding.members)) == (str(path), [])
    assert {s for s in expected if s not in finding.message} == set(), finding.message


def test_the_hash_of_the_size_rule_is_left_to_it(artifacts: Artifacts) -> None:
    rules = {f.rule for f in table_findings(artifacts.path("meta-stale-size-wheel"), {})}
    assert "wheel-record-size-mismatch" in rules and "wheel-record-hash-mismatch" not in rules


# --------------------------------------------------------------------------
# The walk hashes a wheel's members only for the rules that read the hashes
# --------------------------------------------------------------------------

def test_members_are_hashed_only_for_a_rule_that_reads_the_hashes() -> None:
    rules = load_rules()
    default = select_rules(rules, [], [], [])
    assert not Evaluation(default, {}).hashes_wheel_members
    assert Evaluation(select_rules(rules, [], ["wheel-record-hash-mismatch"], []), {}).hashes_wheel_members


def test_the_opt_in_hash_rule_fires_when_selected(artifacts: Artifacts) -> None:
    path = str(artifacts.path("meta-stale-hash-wheel"))
    rules = load_rules()
    assert not [f for f in check(discover([path]), select_rules(rules, [], [], []))
                if f.rule.startswith("wheel-record")]
    selected = select_rules(rules, [], ["wheel-record-hash-mismatch"], [])
    assert [f.rule for f in check(discover([path]), selected) if f.rule.startswith("wheel-")] == [
        "wheel-record-hash-mismatch"]


# --------------------------------------------------------------------------
# The oracles
# --------------------------------------------------------------------------

RECORD_RULES = {"wheel-record-missing", "wheel-record-incomplete", "wheel-record-size-mismatch",
                "wheel-record-hash-mismatch"}


def installer_issues(path: Path) -> list[str]:
    """What `installer` finds wrong with the wheel's RECORD (names, hashes and sizes)."""
    require_module("installer", "installer>=0.7")
    from installer.sources import WheelFile

    with WheelFile.open(path) as source:
        try:
            source.validate_record(validate_contents=True)
        except Exception as err:  # installer's _WheelFileValidationError is private
            return getattr(err, "issues", [str(err)])
    return []


@pytest.mark.parametrize("name", [n for n in META_FIXTURES if n.startswith("meta-")])
def test_record_rules_agree_with_installer(artifacts: Artifacts, name: str) -> None:
    path = artifacts.path(name)
    fired = {f.rule for f in table_findings(path, {})} & RECORD_RULES
    issues = installer_issues(path)
    assert bool(fired) == bool(issues), (fired, issues)


@pytest.mark.parametrize("name, issue", [
    ("meta-stale-hash-wheel", "hash / size of metapkg/cli.py didn't match RECORD"),
    ("meta-stale-size-wheel", "hash / size of metapkg/cli.py didn't match RECORD"),
    ("meta-unrecorded-wheel", "metapkg/extra.py is not mentioned in RECORD"),
])
def test_installer_says_what_the_help_quotes(artifacts: Artifacts, name: str, issue: str) -> None:
    assert any(issue in text for text in installer_issues(artifacts.path(name)))


# (command before the wheel, its module for require_module, the wheel it refuses, what it says)
REFUSALS = [
    (["-m", "wheel", "unpack", "-d"], "wheel", "meta-stale-hash-wheel", "Hash mismatch for file 'metapkg/cli.py'"),
    (["-m", "pip", "install", "--no-index", "--no-deps", "--no-compile", "--disable-pip-version-check", "--target"],
     "pip", "meta-no-callable-wheel", "A callable suffix is required"),
]


@pytest.mark.parametrize("command, module, name, says", REFUSALS, ids=[r[1] for r in REFUSALS])
def test_the_tool_refuses_the_wheel_the_rule_reports(artifacts: Artifacts, tmp_path: Path, command: list[str],
                                                    module: str, name: str, says: str) -> None:
    require_module(module, module)

    def run(wheel: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *command, str(tmp_path / wheel), str(artifacts.path(wheel))],
                              capture_output=True, text=True, timeout=300)

    assert run("meta-clean-wheel").returncode == 0
    refused = run(name)
    assert refused.returncode != 0 and says in refused.stderr, refused.stderr


def packaging_tags_differ(path: Path) -> bool:
    """Whether the tags `packaging` parses from the file name differ from WHEEL's Tag lines."""
    from packaging.tags import parse_tag
    from packaging.utils import parse_wheel_filename

    named = set(parse_wheel_filename(path.name)[3])
    with zipfile.ZipFile(path) as archive:
        [wheel] = [n for n in archive.namelist() if n.count("/") == 1 and n.endswith(".dist-info/WHEEL")]
        lines = archive.read(wheel).decode().splitlines()
    listed = {tag for line in lines if line.startswith("Tag:") for tag in parse_tag(line.partition(":")[2].strip())}
    return named != listed


@pytest.mark.parametrize("name", META_FIXTURES)
def test_tag_rule_agrees_with_packaging(artifacts: Artifacts, name: str) -> None:
    path = artifacts.path(name)
    fired = "wheel-tags-mismatch" in {f.rule for f in table_findings(path, {})}
    assert fired == packaging_tags_differ(path)


# --------------------------------------------------------------------------
# The facts, as `binlint facts` shows them
# --------------------------------------------------------------------------

def wheel_facts(path: Path) -> dict[str, object]:
    result = subprocess.run([sys.executable, "-m", "binlint", "facts", "--no-config", str(path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    [document] = [a for a in json.loads(result.stdout)["artifacts"] if a["path"] == str(path)]
    return {k: v for k, v in document["facts"].items() if k in {**wheel_metadata.FACTS, **wheel_sboms.FACTS}}


def test_facts_of_the_clean_wheel(artifacts: Artifacts) -> None:
    assert wheel_facts(artifacts.path("meta-clean-wheel")) == {
        "wheel.filename_tags": ["py3-none-any"], "wheel.tag_differences": [], "wheel.compressed_tag_lines": [],
        "wheel.record_found": True,
        "wheel.unrecorded_members": [], "wheel.record_stale_rows": [], "wheel.record_size_mismatches": [],
        "wheel.record_hash_mismatches": [], "wheel.split_packages": [], "wheel.entry_points_error": None,
        "wheel.script_names": ["meta-tool"], "wheel.script_entry_points": ["meta-tool = metapkg.cli:main"],
        "wheel.sboms": [], "wheel.grafted_libraries": [], "wheel.sbom_mismatches": []}


def test_facts_of_the_sbom_wheels(artifacts: Artifacts) -> None:
    """The library's hash agrees; the source file the SPDX document also names is no claim
    about the wheel (it has no src/ folder)."""
    clean = wheel_facts(artifacts.path("meta-sbom-wheel"))
    stale = wheel_facts(artifacts.path("meta-sbom-mismatch-wheel"))
    assert clean["wheel.grafted_libraries"] == stale["wheel.grafted_libraries"] == ["metasbom.libs/libclean.so"]
    assert clean["wheel.sbom_mismatches"] == []
    library = hashlib.sha256(artifacts.path("clean-lib").read_bytes()).hexdigest()
    older = hashlib.sha256(b"an older build").hexdigest()
    assert stale["wheel.sbom_mismatches"] == [
        f"metasbom.libs/libclean.so in metasbom-1.0.dist-info/sboms/metasbom.cdx.json: sha256 {older} in the SBOM, "
        f"{library} in the wheel",
        "metasbom.libs/libgone.so in metasbom-1.0.dist-info/sboms/metasbom.spdx.json: not in the wheel"]


def test_hashes_are_compared_in_a_wheel_inside_an_sdist(artifacts: Artifacts, tmp_path: Path) -> None:
    """The walk hashes the members of a wheel at any depth: here one held in a tar.gz."""
    from fixtures import ArchiveEntry, tar_bytes

    stale = artifacts.path("meta-stale-hash-wheel")
    sdist = tmp_path / "metapkg-1.0.tar.gz"
    sdist.write_bytes(tar_bytes([ArchiveEntry(f"metapkg-1.0/dist/{stale.name}", stale.read_bytes())], "gz"))
    selected = select_rules(load_rules(), [], ["wheel-record-hash-mismatch"], [])
    [finding] = [f for f in check(discover([str(sdist)]), selected) if f.rule.startswith("wheel-")]
    assert (finding.rule, list(finding.members)) == ("wheel-record-hash-mismatch", [f"metapkg-1.0/dist/{stale.name}"])


def install_split(path: Path, folder: Path) -> dict[str, str]:
    """Install the wheel with installer into a scheme whose purelib and platlib differ (as
    Fedora's system Python's do); the scheme's folders by name."""
    require_module("installer", "installer>=0.7")
    from installer import install
    from installer.destinations import SchemeDictionaryDestination
    from installer.sources import WheelFile

    scheme = {key: str(folder / key) for key in ("purelib", "platlib", "headers", "scripts", "data")}
    destination = SchemeDictionaryDestination(scheme, interpreter=sys.executable, script_kind="posix")
    with WheelFile.open(path) as source:
        install(source, destination, additional_metadata={})
    return scheme


@pytest.mark.parametrize("name, module, found", [
    ("meta-clean-wheel", "metapkg.cli", True),
    ("meta-split-wheel", "metapkg.cli", False),
    ("meta-namespace-split-wheel", "metaplugins.second", True),
])
def test_python_imports_what_the_split_rule_says(artifacts: Artifacts, tmp_path: Path, name: str, module: str,
                                                 found: bool) -> None:
    path = artifacts.path(name)
    scheme = install_split(path, tmp_path)
    # Root-Is-Purelib: true, so purelib comes first, as a system Python orders the two.
    code = f"import sys; sys.path[:0] = {[scheme['purelib'], scheme['platlib']]!r}; import {module}"
    imported = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60)
    assert (imported.returncode == 0) == found, imported.stderr
    fired = "wheel-package-split-across-schemes" in {f.rule for f in table_findings(path, {})}
    assert fired == (not found)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the split needs fork")
def test_hashes_are_the_same_when_the_members_are_split_between_processes(tmp_path: Path) -> None:
    """A wheel large enough to have its members walked by several processes: each hashes
    its share, and the wheel's facts see every digest."""
    from binlint.engine import Options
    from fixtures import ArchiveEntry, wheel_bytes
    from fixtures.packaging import rewrite_wheel

    libraries = [ArchiveEntry(f"big/_m{i}.so", b"\x7fELF" + bytes([i]) * (6 << 20)) for i in range(6)]
    noise = ArchiveEntry("big/noise.bin", random.Random(16).randbytes(96 << 10))  # mapped: more than 64 KiB
    built = wheel_bytes("big", "1.0", "py3-none-any", [ArchiveEntry("big/cli.py", b"NAME = 'big'\n"), *libraries, noise])
    path = tmp_path / "big-1.0-py3-none-any.whl"
    path.write_bytes(rewrite_wheel(built, {"big/cli.py": b"NAME = 'BIG'\n", "big/_m3.so": b"\x7fELF" + bytes(6 << 20)},
                                   record=False))
    assert path.stat().st_size > 64 << 10  # read from a map of the file, so its members may be split
    selected = select_rules(load_rules(), ["wheel-record-hash-mismatch"], [], [])
    found = {jobs: [f.message for f in check(discover([str(path)]), selected,
                                             Options(jobs=jobs), jobs=1)
                    if f.rule == "wheel-record-hash-mismatch"]
             for jobs in (1, 2)}
    assert found[1] == found[2]
    [message] = found[1]
    assert "big/_m3.so (RECORD: sha256=" in message and "big/cli.py (RECORD: sha256=" in message


def test_auditwheel_accepts_compiled_code_in_a_purelib_root(artifacts: Artifacts) -> None:
    """purelib-wheel-with-native-code is a warning: auditwheel refuses compiled files under
    `.data/purelib/` only, and shows the Root-Is-Purelib wheel as any other."""
    require_module("auditwheel", "auditwheel>=6.1")
    path = artifacts.path("purelib-tagged-wheel")
    shown = subprocess.run([sys.executable, "-m", "auditwheel", "show", str(path)], capture_output=True, text=True)
    assert shown.returncode == 0 and "purelib folder" not in shown.stderr, shown.stderr
    assert only(table_findings(path, {}), "purelib-wheel-with-native-code").severity == "warning"


# -- entry_points.txt and RECORD are read as configparser and csv read them -------------------

# Lines that configparser reads its own way (a section header with text after it, a value's
# continuation, DEFAULT, names twice, a missing header or delimiter, a BOM), beside plain ones.
INI_CASES = [
    "[console_scripts]\nf2py = numpy.f2py.f2py2e:main\n\n[array_api]\nnumpy = numpy\n",
    "# comment\n; another\n[a]\nx=y\n  # indented comment\ny =  spaced value  \r\nz = a = b\n",
    "[a]\nx = 1\n  continued\n", "[a]\nx = 1\n\n  continued after a blank\n", "[a] trailing = text\nx = 1\n",
    "[a]b]\nx = 1\n", "[]\nx = 1\n", "[DEFAULT]\nx = 1\n[a]\ny = 2\n", "[a]\nx = 1\n[a]\ny = 2\n",
    "[a]\nx = 1\nx = 2\n", "x = 1\n[a]\n", "[a]\nnot an option\n", "[a]\n = no name\n", "\ufeff[a]\nx = 1\n",
    "[a]\nX = 1\nx = 2\n", "[a]\nx = 1\ry = 2\n", "[a]\n\tx = 1\n", "", "\n\n", "[a]\nx =\n",
    "[a]\nx = 1\n[b]\n[A]\nx = 2\n", "[ spaced ]\nname:with:colons = v:1\n",
]


def _configparser_view(text: str) -> dict[str, dict[str, str]] | str:
    import configparser

    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text)
    except configparser.Error as err:
        return type(err).__name__
    return {name: dict(parser[name]) for name in parser.sections()}


def _installed_entry_points() -> list[str]:
    """entry_points.txt of every distribution installed beside the tests: real files nobody here wrote."""
    import importlib.metadata

    found = {dist.read_text("entry_points.txt") for dist in importlib.metadata.distributions()}
    return sorted(text for text in found if text)


def test_entry_points_are_read_as_configparser_reads_them() -> None:
    installed = _installed_entry_points()
    assert len(installed) >= 10
    for text in INI_CASES + installed:
        simple = wheel_metadata._simple_ini(text)
        expected = _configparser_view(text)
        if simple is not None:  # read without configparser: exactly what it reads
            assert simple == expected, text
        read = wheel_metadata._configparser_ini(text)
        assert (read if isinstance(expected, dict) else type(read)) == (expected if isinstance(expected, dict) else str)
    assert sum(wheel_metadata._simple_ini(text) is not None for text in installed) >= len(installed) * 3 // 4


def test_record_rows_are_read_as_csv_reads_them() -> None:
    import csv
    import importlib.metadata

    records = [dist.read_text("RECORD") or "" for dist in importlib.metadata.distributions()]
    crafted = ['a,"b,c",3\n', 'x,sha256=abc,"12"\r\n', "a,,\n\nb\n", "a\x0bb,c\n", 'p"q,r\n', "lone\rcr,x\n", ""]
    for text in records + crafted:
        assert wheel_metadata._csv_rows(text) == list(csv.reader(text.splitlines())), text[:200]
    assert sum('"' not in text for text in records) >= len(records) // 2  # most take the split
