"""Checks of the wheel metadata fixtures (a wheel pip and setuptools built, and rewrites of
it): RECORD, WHEEL and entry_points.txt read with zipfile alone."""
from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

from fixture_checks.registry import check
from fixtures.registry import META_WHEELS, SPECS

def _record_faults(path: Path) -> dict[str, list[str]]:
    """What RECORD gets wrong about the wheel, by kind; an empty list where it is right."""
    with zipfile.ZipFile(path) as wheel:
        assert wheel.testzip() is None
        [record_name] = [n for n in wheel.namelist() if n.endswith(".dist-info/RECORD")] or [None]
        if record_name is None:
            return {"no-record": [path.name]}
        rows = {row[0]: row[1:] for row in (line.split(",") for line in wheel.read(record_name).decode().splitlines())}
        names = [n for n in wheel.namelist() if not n.endswith("/")]
        faults: dict[str, list[str]] = {"unrecorded": [n for n in names if n not in rows],
                                        "gone": [n for n in rows if n not in names], "size": [], "hash": []}
        for name in names:
            digest, size = rows.get(name, ["", ""])
            if name == record_name or not digest:
                continue
            data = wheel.read(name)
            if int(size) != len(data):
                faults["size"].append(name)
            elif digest != "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode():
                faults["hash"].append(name)
    return {kind: found for kind, found in faults.items() if found}


def _dist_info_text(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as wheel:
        [dist_info] = {n.split("/", 1)[0] for n in wheel.namelist() if ".dist-info/" in n}
        return wheel.read(f"{dist_info}/{name}").decode()


META_RECORD_FAULTS = {
    "meta-clean-wheel": {}, "meta-renamed-wheel": {}, "meta-py2py3-wheel": {},
    "meta-stale-hash-wheel": {"hash": ["metapkg/cli.py"]}, "meta-stale-size-wheel": {"size": ["metapkg/cli.py"]},
    "meta-unrecorded-wheel": {"unrecorded": ["metapkg/extra.py"]}, "meta-stale-row-wheel": {"gone": ["metapkg/cli.py"]},
    "meta-no-record-wheel": {"no-record": ["metapkg-1.0-7-py3-none-any.whl"]},
    "meta-duplicate-entry-point-wheel": {}, "meta-script-name-wheel": {}, "meta-no-callable-wheel": {},
    "meta-sbom-wheel": {}, "meta-sbom-mismatch-wheel": {}, "meta-split-wheel": {}, "meta-namespace-split-wheel": {},
    "meta-compressed-tag-wheel": {},
}
# The console_scripts section of the variants that change it; the others keep the clean one's.
META_SCRIPTS = dict([
    ("meta-duplicate-entry-point-wheel", "meta-tool = metapkg.cli:main\nmeta-tool = metapkg.cli:other"),
    ("meta-script-name-wheel", "../meta tool = metapkg.cli:main"),
    ("meta-no-callable-wheel", "meta-tool = metapkg.cli\n"),
])


def _check_meta_wheel(path: Path) -> None:
    name = next(n for n, spec in FIXTURES_BY_FILE.items() if spec == path.name)
    assert _record_faults(path) == META_RECORD_FAULTS[name]
    tags = [line.split(": ", 1)[1] for line in _dist_info_text(path, "WHEEL").splitlines() if line.startswith("Tag:")]
    if name.startswith("meta-sbom"):
        assert tags == ["cp311-cp311-manylinux_2_17_x86_64"]
        sboms = [n for n in zipfile.ZipFile(path).namelist() if "/sboms/" in n]
        assert len(sboms) == 2 and zipfile.ZipFile(path).getinfo("metasbom.libs/libclean.so").file_size > 0
        return
    assert tags == {"meta-py2py3-wheel": ["py3-none-any", "py2-none-any"],
                    "meta-compressed-tag-wheel": ["py2.py3-none-any"]}.get(name, ["py3-none-any"])
    assert "Generator: binlint-tests" not in _dist_info_text(path, "WHEEL")  # built by the real backend
    assert META_SCRIPTS.get(name, "meta-tool = metapkg.cli:main") in _dist_info_text(path, "entry_points.txt")
    platlib = [n for n in zipfile.ZipFile(path).namelist() if n.startswith("metapkg-1.0.data/platlib/")]
    assert platlib == {"meta-split-wheel": ["metapkg-1.0.data/platlib/metapkg/cli.py"],
                       "meta-namespace-split-wheel": ["metapkg-1.0.data/platlib/metaplugins/second.py"]}.get(name, [])


FIXTURES_BY_FILE = {name: SPECS[name].filename for name, *_ in META_WHEELS}
check(*FIXTURES_BY_FILE)(_check_meta_wheel)
