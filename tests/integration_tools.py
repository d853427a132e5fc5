"""Shared by the integration tests (pre-commit, the Action, build systems): find the
tools the `test` extra installs, put this checkout's binlint on PATH, and copy this
repository's current content into a fresh git repository for tools that clone it."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from fixtures import missing

ROOT = Path(__file__).resolve().parent.parent


def tool(name: str, hint: str) -> str:
    """The executable `name`: beside the running Python first (the venv the test extra
    installed into, which need not be on PATH), then on PATH. Skips locally, fails
    under CI, when it is missing; `hint` says how to get it."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(name)
    if found:
        return found
    missing(f"{name} is not installed ({hint})")
    raise AssertionError("unreachable")


def env_with_tools(**extra: str) -> dict[str, str]:
    """The environment with the running Python's bin directory first on PATH, so that the
    tools the test extra installed are found, and without PYTHONPATH, so that what pip,
    pre-commit or a build frontend installs is what runs, not this checkout."""
    env = {**os.environ, "LC_ALL": "C", **extra}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.pop("PYTHONPATH", None)
    return env


def env_with_binlint(bin_dir: Path, **extra: str) -> dict[str, str]:
    """env_with_tools, plus a `binlint` command in `bin_dir`, first on PATH, that runs
    this checkout's binlint (installed or not) with the running Python."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / "binlint"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m binlint "$@"\n')
    shim.chmod(0o755)
    env = env_with_tools(**extra)
    env["PYTHONPATH"] = str(ROOT)  # binlint need not be installed
    env["PATH"] = os.pathsep.join([str(bin_dir), env["PATH"]])
    return env


def run(argv: list[str], cwd: Path, *, env: dict[str, str] | None = None, timeout: float = 600,
        check: bool = False) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in argv], cwd=cwd, env=env or env_with_tools(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, argv))} exited {result.returncode}:\n{result.stdout}")
    return result


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "binlint tests", "GIT_AUTHOR_EMAIL": "tests@binlint.invalid",
           "GIT_COMMITTER_NAME": "binlint tests", "GIT_COMMITTER_EMAIL": "tests@binlint.invalid",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, text=True,
                          capture_output=True).stdout


def snapshot_repository(dest: Path) -> Path:
    """A git repository at `dest` whose one commit holds this checkout's files as they are
    now (tracked and untracked, less what .gitignore excludes): what pre-commit and pip
    clone is then exactly the code under test, committed or not."""
    tool("git", "apt-get install git")
    try:
        listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    except subprocess.CalledProcessError:
        missing(f"{ROOT} is not a git checkout, which this test copies")
    dest.mkdir(parents=True)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if not source.is_file():  # deleted in the work tree but still in the index
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "snapshot for the integration tests")
    return dest
