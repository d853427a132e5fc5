"""The wheel metadata rules (WHEEL's tags, RECORD, entry points, SBOMs) on every wheel of the
catalogue, the opt-in ones included: a published wheel that PyPI accepted and pip installs
gets none of them, but the faults the catalogue lists with their evidence. The tools that
read the same files agree, wheel by wheel: `installer` verifies RECORD (names, sizes and
SHA-256 of every member), `packaging` parses the tags of the file name and of WHEEL, and the
zip's listing says which wheels carry copied-in libraries (`*.libs/`, `.dylibs/`) without an
SBOM: the one rule that fires, opt-in because most wheels published before PEP 770 (2025)
have none."""

from __future__ import annotations

import collections
import zipfile
from pathlib import Path

import pytest

from realworld.catalogue import WHEELS, Wheel
from realworld.conftest import binlint_json
from test_wheel_metadata import META_RULES, RECORD_RULES, installer_issues, packaging_tags_differ

SBOM_NOTE = "wheel-grafted-libraries-without-sbom"
NATIVE_MAGIC = (b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe")


@pytest.fixture(scope="module")
def metadata_findings(wheel_folder: dict[str, Path | str]) -> dict[str, list[dict]]:
    """The findings of the wheel metadata rules on every catalogue wheel, by wheel path."""
    paths = [str(p) for p in wheel_folder.values() if isinstance(p, Path)]
    report = binlint_json("check", "--no-config", "--no-progress", "--format", "json",
                          "--select", ",".join(META_RULES), *paths)
    found: dict[str, list[dict]] = {path: [] for path in paths}
    for finding in report["findings"]:
        found[finding["path"].split("!", 1)[0]].append(finding)
    return found


def grafted_without_sbom(path: Path) -> bool:
    """Compiled files (by their magic) in a top-level `*.libs/` or a `.dylibs/` folder, and no
    file in `.dist-info/sboms/`: read with zipfile alone."""
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        if any(".dist-info/sboms/" in n for n in names):
            return False
        grafted = [n for n in names if n.split("/", 1)[0].endswith(".libs") or "/.dylibs/" in f"/{n}"]
        return any(archive.open(n).read(4) in NATIVE_MAGIC for n in grafted)


@pytest.mark.parametrize("wheel", WHEELS, ids=[w.id for w in WHEELS])
def test_published_wheels_get_no_wheel_metadata_finding(wheel: Wheel, wheel_path, metadata_findings: dict) -> None:
    path = wheel_path(wheel)
    findings = metadata_findings[str(path)]
    assert [f"{f['rule']}: {f['message'][:200]}" for f in findings
            if f["rule"] != SBOM_NOTE and f["rule"] not in wheel.expected] == []
    assert collections.Counter(f["rule"] for f in findings if f["rule"] in wheel.expected) == {
        rule: count for rule, count in wheel.expected.items() if rule in META_RULES}
    assert (SBOM_NOTE in {f["rule"] for f in findings}) == grafted_without_sbom(path)


@pytest.mark.parametrize("wheel", WHEELS, ids=[w.id for w in WHEELS])
def test_published_wheels_agree_with_installer_and_packaging(wheel: Wheel, wheel_path,
                                                             metadata_findings: dict) -> None:
    path = wheel_path(wheel)
    fired = {f["rule"] for f in metadata_findings[str(path)]}
    assert installer_issues(path) == [] and not fired & RECORD_RULES
    assert packaging_tags_differ(path) == ("wheel-tags-mismatch" in fired)
