"""The Windows wheels of bench/interleaved.py's `numpy-win` and `scipy-win` cases, and
delvewheel, the tool they are timed against (issue 18: binlint at least 3x faster than
`delvewheel show` on the numpy win_amd64 wheel).

The wheels are pinned by version, file name and SHA-256, downloaded once into
bench/cache/wheels with `pip download --platform win_amd64 --python-version 3.11` and checked
against the digest; delvewheel goes into the benchmarks' own venv, bench/cache/venv (beside
auditwheel, see bench/wheels.py), at the version pinned here so that the figures compare.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, "cache")
DELVEWHEEL = "delvewheel==1.13.2"
# case -> (requirement, file name, SHA-256). Both are delvewheel-repaired (numpy.libs/, scipy.libs/).
PINS = {
    "numpy-win": ("numpy==2.2.6", "numpy-2.2.6-cp311-cp311-win_amd64.whl",
                  "e8213002e427c69c45a52bbd94163084025f533a55a59d6f9c5b820774ef3303"),
    "scipy-win": ("scipy==1.16.3", "scipy-1.16.3-cp311-cp311-win_amd64.whl",
                  "53c3844d527213631e886621df5695d35e4f6a75f620dca412bcd292f6b87d78"),
}


def _sha256(path: str) -> str:
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()  # Python 3.11


def wheel(case: str, offline: bool = False) -> str | None:
    """The pinned wheel of `case`, downloaded when missing; None when it cannot be had."""
    requirement, filename, sha256 = PINS[case]
    folder = os.path.join(CACHE, "wheels")
    path = os.path.join(folder, filename)
    if not os.path.exists(path) and not offline:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                        "--no-deps", "--only-binary=:all:", "--platform", "win_amd64", "--python-version", "3.11",
                        "-d", folder, requirement], check=False)
    if not os.path.exists(path):
        return None
    if _sha256(path) != sha256:
        raise SystemExit(f"bench/windows.py: {path} is not the pinned file (SHA-256 {sha256})")
    return path


def delvewheel(offline: bool = False) -> str | None:
    """bench/cache/venv/bin/delvewheel, installed at the pinned version when missing."""
    venv = os.path.join(CACHE, "venv")
    command = os.path.join(venv, "bin", "delvewheel")
    if not os.path.exists(command) and not offline:
        if not os.path.exists(os.path.join(venv, "bin", "python")):
            subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([os.path.join(venv, "bin", "python"), "-m", "pip", "install", "--quiet", DELVEWHEEL],
                       check=True)
    return command if os.path.exists(command) else None
