"""Session fixtures of the real-world suite: the catalogue's wheels, downloaded once into a
cache outside the clone, binlint's verdicts on all of them, and the oracles' verdicts.

The cache is ``$BINLINT_TEST_CACHE`` or ``~/.cache/binlint-tests``: ``wheels/`` holds the
wheels (checked against their SHA-256 on every run), ``oracles/`` what auditwheel and
delocate said about a file, keyed by its SHA-256 and the tool's version, so a later run on
the same machine neither downloads nor re-analyses anything. A wheel that cannot be
downloaded is skipped locally and fails the run under CI (``$CI``), as missing compilers do.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

import pypi
from conftest import _missing, require_module
from realworld import oracles
from realworld.catalogue import DATA, WHEELS, Wheel

DOWNLOAD_THREADS = 6  # network-bound: more threads than cores


def _download(wheel: Wheel, folder: Path) -> str | None:
    return pypi.download(folder, wheel.requirement, wheel.platform, wheel.python, wheel.filename, wheel.sha256,
                         wheel.abi)


@pytest.fixture(scope="session")
def wheel_folder() -> dict[str, Path | str]:
    """Every catalogue wheel's path, or why it could not be had (by wheel id); committed
    wheels are read where they lie."""
    folder = pypi.wheel_cache()
    remote = [w for w in WHEELS if not w.committed]
    with ThreadPoolExecutor(DOWNLOAD_THREADS) as pool:
        problems = dict(zip((w.id for w in remote), pool.map(lambda w: _download(w, folder), remote)))
    found: dict[str, Path | str] = {w.id: problems[w.id] or folder / w.filename for w in remote}
    found.update({w.id: DATA / w.filename for w in WHEELS if w.committed})
    return found


@pytest.fixture(scope="session")
def wheel_path(wheel_folder: dict[str, Path | str]) -> Callable[[Wheel], Path]:
    """The path of a catalogue wheel; skips (fails under CI) when it could not be downloaded."""
    def path(wheel: Wheel) -> Path:
        found = wheel_folder[wheel.id]
        if isinstance(found, str):
            _missing(found)
        return found  # type: ignore[return-value]
    return path


# -- binlint, run once over every wheel ---------------------------------------------------

@dataclass
class Runs:
    """binlint's word on each wheel, by its path: the findings of `check` with no flag (the
    wheel's own tags are its target), its `targets` entry, and `facts` by member name."""

    findings: dict[str, list[dict]]
    targets: dict[str, dict]
    facts: dict[str, dict[str, dict]]


def binlint_json(*argv: str) -> dict:
    """One binlint run in its own process, as users run it, its JSON output parsed."""
    result = subprocess.run([sys.executable, "-m", "binlint", *argv], capture_output=True, text=True, timeout=900)
    assert result.returncode in (0, 1), f"binlint {argv[0]} exited {result.returncode}: {result.stderr[-2000:]}"
    return json.loads(result.stdout)


@pytest.fixture(scope="session")
def runs(wheel_folder: dict[str, Path | str]) -> Runs:
    paths = [str(p) for p in wheel_folder.values() if isinstance(p, Path)]
    # Three processes, each over every wheel: binlint spreads a large wheel's members over
    # the cores itself, and one start-up per command is cheaper than one per wheel.
    with ThreadPoolExecutor(3) as pool:
        check = pool.submit(binlint_json, "check", "--no-config", "--no-progress", "--format", "json", *paths)
        targets = pool.submit(binlint_json, "targets", "--format", "json", *paths)
        facts = pool.submit(binlint_json, "facts", "--no-config", *paths)
    findings: dict[str, list[dict]] = {path: [] for path in paths}
    for finding in check.result()["findings"]:
        findings[finding["path"].split("!", 1)[0]].append(finding)
    members: dict[str, dict[str, dict]] = {path: {} for path in paths}
    for artifact in facts.result()["artifacts"]:
        outer, _, member = artifact["path"].partition("!")
        members[outer][member] = artifact["facts"]
    return Runs(findings, {a["path"]: a for a in targets.result()["artifacts"]}, members)


# -- the oracles, once over every wheel -----------------------------------------------------

@pytest.fixture(scope="session")
def auditwheel(wheel_folder: dict[str, Path | str]) -> dict[str, dict]:
    """auditwheel's answer for each wheel, by path (cached across runs: see oracles.py)."""
    require_module("auditwheel", "auditwheel>=6.1")
    wheels = [(w, wheel_folder[w.id]) for w in WHEELS if isinstance(wheel_folder[w.id], Path)]
    with ThreadPoolExecutor(2) as pool:
        answers = pool.map(lambda pair: oracles.auditwheel_show(pair[1], pair[0].sha256), wheels)
        return {str(path): answer for (_, path), answer in zip(wheels, answers)}


@pytest.fixture(scope="session")
def delocate(wheel_folder: dict[str, Path | str]) -> dict[str, dict[str, dict]]:
    """delocate's view of each macOS wheel's Mach-O members, by wheel path."""
    require_module("delocate", "delocate>=0.12")
    wheels = [(w, wheel_folder[w.id]) for w in WHEELS if w.is_macos and isinstance(wheel_folder[w.id], Path)]
    with ThreadPoolExecutor(2) as pool:
        views = pool.map(lambda pair: oracles.delocate_wheel_view(pair[1], pair[0].sha256), wheels)
        return {str(path): view for (_, path), view in zip(wheels, views)}
