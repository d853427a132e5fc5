"""Published wheels the tests read, downloaded once from PyPI into a cache outside the clone
(``$BINLINT_TEST_CACHE`` or ``~/.cache/binlint-tests``, ``wheels/``) and checked against the
SHA-256 they are pinned by on every run. A wheel that cannot be had skips its test locally
and fails it under CI, as a missing compiler does."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from fixtures import missing
from fixtures.cache import cache_root, locked

DOWNLOAD_TIMEOUT = 600


def wheel_cache() -> Path:
    folder = cache_root() / "wheels"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(folder: Path, requirement: str, platform: str, python: str, filename: str,
             sha256: str | None, abi: str = "") -> str | None:
    """Put `filename` into `folder` unless it is there (with its digest, when pinned); the
    reason when it cannot be had. `abi`: pip's `--abi`, for a wheel its Python version does
    not choose by default (`cp313t`, free-threaded)."""
    path = folder / filename
    # Locked: two pytest-xdist workers asking for one wheel download it once.
    with locked(path):
        if path.is_file() and (sha256 is None or sha256_of(path) == sha256):
            return None
        return _download(path, requirement, platform, python, filename, sha256, abi)


def _download(path: Path, requirement: str, platform: str, python: str, filename: str,
              sha256: str | None, abi: str = "") -> str | None:
    folder = path.parent
    # pip writes into a private folder first, so a half-written file never looks cached.
    with tempfile.TemporaryDirectory(dir=folder, prefix=".download-") as scratch:
        platforms = [] if platform == "any" else ["--platform", platform]
        abis = ["--abi", abi] if abi else []
        try:
            result = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                 *platforms, *abis, "--python-version", python, "--dest", scratch, requirement],
                capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT)
        except subprocess.TimeoutExpired:
            return f"pip download {requirement} took more than {DOWNLOAD_TIMEOUT} s"
        got = Path(scratch) / filename
        if not got.is_file():
            names = ", ".join(p.name for p in Path(scratch).iterdir()) or "nothing"
            return (f"pip download {requirement} --platform {platform} gave {names}, "
                    f"not {filename}: {result.stderr.strip()[-300:]}")
        digest = sha256_of(got)
        if sha256 is not None and digest != sha256:
            return f"{filename} has SHA-256 {digest}, the test pins {sha256}"
        os.replace(got, path)
    return None


def wheel(requirement: str, platform: str, python: str, filename: str, sha256: str | None = None) -> Path:
    """The wheel's path in the cache, downloaded first if need be; skips (fails under CI)
    when it cannot be had."""
    folder = wheel_cache()
    problem = download(folder, requirement, platform, python, filename, sha256)
    if problem is not None:
        missing(problem)
    return folder / filename
