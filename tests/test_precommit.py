"""The pre-commit hooks of .pre-commit-hooks.yaml, run by the real pre-commit.

`pre-commit try-repo` installs the hook the way a user's `.pre-commit-config.yaml`
would: it clones the hook repository and pip-installs it into a fresh environment (with
its dependencies from PyPI). The hook repository is a snapshot of this checkout, so the
code under test is the work tree, committed or not.
"""
from __future__ import annotations

import shutil
import struct
import zlib
from pathlib import Path

import pytest

from fixtures import Artifacts
from integration_tools import ROOT, env_with_tools, git, run, snapshot_repository, tool

# A pip install of binlint and its dependencies: minutes on a cold cache.
TRY_REPO_TIMEOUT = 900


def png() -> bytes:
    """A real 1x1 PNG: a binary file binlint is given by the hook and must pass over."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0\0\0\0")) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def pre_commit() -> str:
    return tool("pre-commit", "pip install '.[test]'")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot_repository(tmp_path_factory.mktemp("hook-repo") / "binlint")


@pytest.fixture(scope="module")
def hook_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    # Hook environments are cached in PRE_COMMIT_HOME: one install serves every test here.
    return env_with_tools(PRE_COMMIT_HOME=str(tmp_path_factory.mktemp("pre-commit-home")), NO_COLOR="1")


def consumer_repo(path: Path, files: dict[str, tuple[bytes, int]]) -> Path:
    """A git repository with `files` (name: (content, mode)) committed."""
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    for name, (content, mode) in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        target.chmod(mode)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "fixtures")
    return path


def try_repo(pre_commit: str, hook_repo: Path, consumer: Path, env: dict[str, str], *args: str):
    return run([pre_commit, "try-repo", str(hook_repo), *args, "--verbose"], consumer, env=env,
               timeout=TRY_REPO_TIMEOUT)


def test_manifest_is_valid(pre_commit: str) -> None:
    result = run([pre_commit, "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")], ROOT)
    assert result.returncode == 0, result.stdout


def test_hook_fails_on_bad_binaries_and_prints_the_findings(
        pre_commit: str, hook_repo: Path, hook_env: dict[str, str], artifacts: Artifacts, tmp_path: Path) -> None:
    consumer = consumer_repo(tmp_path / "bad", {
        "lib/libbad.so": (artifacts.path("execstack-lib").read_bytes(), 0o644),
        "tools/helper.pyc": (artifacts.path("pyc-exec").read_bytes(), 0o755),
        "docs/logo.png": (png(), 0o644),
        "README.md": (b"# project\n", 0o644),
    })
    result = try_repo(pre_commit, hook_repo, consumer, hook_env, "binlint", "--all-files")
    assert result.returncode == 1, result.stdout
    assert "- hook id: binlint" in result.stdout
    assert "lib/libbad.so: error[executable-stack]" in result.stdout, result.stdout
    assert "tools/helper.pyc: error[non-elf-executable]" in result.stdout, result.stdout
    assert "logo.png" not in result.stdout.split("- hook id: binlint", 1)[1]  # passed to binlint, no finding
    assert "Found 2 problems (2 errors) in 3 files." in result.stdout  # README.md was not passed


def test_hook_passes_a_clean_repository(
        pre_commit: str, hook_repo: Path, hook_env: dict[str, str], artifacts: Artifacts, tmp_path: Path) -> None:
    consumer = consumer_repo(tmp_path / "clean", {
        "lib/libclean.so": (artifacts.path("clean-lib").read_bytes(), 0o644),
        "pkg/module.pyc": (artifacts.path("pyc-noexec").read_bytes(), 0o644),
        "bin/run": (b"#!/bin/sh\nexec true\n", 0o755),
        "docs/logo.png": (png(), 0o644),
    })
    result = try_repo(pre_commit, hook_repo, consumer, hook_env, "binlint", "--all-files")
    assert result.returncode == 0, result.stdout
    assert "binlint" in result.stdout and "Passed" in result.stdout


def test_dist_hook_checks_ignored_build_outputs(
        pre_commit: str, hook_repo: Path, hook_env: dict[str, str], artifacts: Artifacts, tmp_path: Path) -> None:
    consumer = consumer_repo(tmp_path / "dist", {".gitignore": (b"dist/\n", 0o644)})
    wheel = artifacts.path("execstack-wheel")
    (consumer / "dist").mkdir()
    shutil.copyfile(wheel, consumer / "dist" / wheel.name)
    result = try_repo(pre_commit, hook_repo, consumer, hook_env, "binlint-dist", "--hook-stage", "manual")
    assert result.returncode == 1, result.stdout
    assert f"dist/{wheel.name}!pkg/_ext.so: error[executable-stack]" in result.stdout, result.stdout
    # Only in the manual stage: a commit never runs it.
    plain = try_repo(pre_commit, hook_repo, consumer, hook_env, "binlint-dist")
    assert "No hook with id `binlint-dist` in stage `pre-commit`" in plain.stdout, plain.stdout


def test_the_documented_config_works_with_a_commit_as_rev(
        pre_commit: str, hook_repo: Path, hook_env: dict[str, str], artifacts: Artifacts, tmp_path: Path) -> None:
    """The README's block as a user pastes it, with the hook repository's URL pointing at the
    snapshot and COMMIT replaced by its commit: pre-commit clones and installs it itself."""
    import re

    block = re.search(r"<!-- recipe: pre-commit -->\n```yaml\n(.*?)```", (ROOT / "docs/integrations.md").read_text(),
                      re.S)[1]
    assert "rev: COMMIT " in block
    commit = git(hook_repo, "rev-parse", "HEAD").strip()
    config = block.replace("https://github.com/binlint/binlint", str(hook_repo)).replace("rev: COMMIT ",
                                                                                        f"rev: {commit} ")
    consumer = consumer_repo(tmp_path / "user", {
        ".pre-commit-config.yaml": (config.encode(), 0o644),
        "lib/libbad.so": (artifacts.path("execstack-lib").read_bytes(), 0o644),
    })
    result = run([pre_commit, "run", "binlint", "--all-files"], consumer, env=hook_env, timeout=TRY_REPO_TIMEOUT)
    assert result.returncode == 1, result.stdout
    assert "lib/libbad.so: error[executable-stack]" in result.stdout, result.stdout
