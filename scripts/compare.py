#!/usr/bin/env python3
"""Compare what two versions of binlint print on a corpus, byte for byte.

    python3 scripts/compare.py OLD_REF NEW_REF [--corpus PATH ...] [--allow-version] [-j N]
    python3 scripts/compare.py main WORKTREE          # the working tree against main

OLD_REF and NEW_REF are git refs or commits of this repository; NEW_REF may be WORKTREE, the
files of the working tree (tracked and untracked, minus what git ignores). Each side is
installed as users install it (`pip install SRC`, not editable) into its own venv under
$BINLINT_COMPARE_CACHE (default ~/.cache/binlint-compare): one per commit, kept and reused;
WORKTREE has one venv whose binlint is reinstalled (without its dependencies) when the files
change. The dependency versions of the first venv made are pinned for every later one
(constraints.txt in the cache), so the two sides read with the same lief.

The corpus (`--corpus`, repeatable; default: each of these that exists):
  /usr/lib/x86_64-linux-gnu (else /usr/lib) and /usr/bin, each scanned as one tree;
  every wheel in bench/cache/ (of this checkout or the main worktree) and in the real-world
  test cache ($BINLINT_TEST_CACHE/wheels, default ~/.cache/binlint-tests/wheels);
  `fixtures`: the test corpus, i.e. every fixture the tests register (tests/fixtures: FIXTURES,
  built by its Artifacts factory into a cache directory keyed by a hash of the test helpers
  and fixture sources, by the Python of .venv/ so the test tools are there; a fixture whose
  tool is missing is left out and named) and tests/data/. Building the fixtures from the
  factory, rather than keeping a test session's tmp directory, needs no change to the suite
  and gives the same files the tests read.
A --corpus PATH that is a .whl is a wheel, a directory a tree, anything else one file.

Each entry is checked with several invocations (INVOCATIONS, plus `facts` on the entry, or on
a sample of the ELF files of a tree outside the test corpus); old and new run with the same
environment and the same empty working directory, and their stdout, stderr and exit status
must be equal.
Nothing is normalised. A difference that disappears when the old version string is replaced
by the new one (SARIF's and JSON's tool version) is reported as version-only, and counts as
the same with --allow-version. Exit 0: all the same; 1: a difference; 2: could not compare.
"""
from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("BINLINT_COMPARE_CACHE", Path.home() / ".cache" / "binlint-compare"))
WORKTREE = "WORKTREE"
DIFF_LINES = 40
WIDTH = 160  # characters of a diff line shown
TIMEOUT = 1800  # seconds for one binlint command
CHECKS = (["--format", "json"], ["--format", "sarif"], [], ["--glibc", "2.17"],
          ["--target", "manylinux2014", "--target", "musllinux_1_2"])
INVOCATIONS = tuple(["check", *options] for options in CHECKS) + (["targets"], ["targets", "--format", "json"])
ELF_MAGIC = b"\x7fELF"


class CompareError(Exception):
    """A one-line reason the comparison cannot be made."""


@dataclass(frozen=True)
class Run:
    stdout: bytes
    stderr: bytes
    code: int


@dataclass(frozen=True)
class Outcome:
    status: str  # "same", "same (version only)" or "DIFFERENT" / "DIFFERENT (version only)"
    diff: list[str]

    @property
    def different(self) -> bool:
        return self.status.startswith("DIFFERENT")


def _clip(line: str, at: int) -> str:
    """`line` cut to WIDTH characters around column `at`: a JSON string can be a whole page."""
    if len(line) <= WIDTH:
        return line
    start = max(1, min(at - WIDTH // 3, len(line) - WIDTH))
    return line[0] + ("..." if start > 1 else "") + line[start:start + WIDTH] + (
        "..." if start + WIDTH < len(line) else "")


def _clipped(lines: list[str]) -> list[str]:
    """Unified diff lines, each long removed line and the added line paired with it cut
    around the first column where the two differ."""
    result = list(lines)
    index = 0
    while index < len(lines):
        removed = index
        while removed < len(lines) and lines[removed].startswith("-") and not lines[removed].startswith("---"):
            removed += 1
        added = removed
        while added < len(lines) and lines[added].startswith("+") and not lines[added].startswith("+++"):
            added += 1
        for offset in range(max(removed - index, added - removed)):
            minus = index + offset if offset < removed - index else None
            plus = removed + offset if offset < added - removed else None
            pair = [lines[i][1:] for i in (minus, plus) if i is not None]
            at = len(os.path.commonprefix(pair)) + 1 if len(pair) == 2 else 0
            for i in (minus, plus):
                if i is not None:
                    result[i] = _clip(lines[i], at)
        index = max(added, index + 1)
    return [_clip(line, 0) for line in result]


def _diff(old: Run, new: Run) -> list[str]:
    lines: list[str] = []
    if old.code != new.code:
        lines.append(f"exit status: {old.code} -> {new.code}")
    for stream in ("stdout", "stderr"):
        before, after = getattr(old, stream), getattr(new, stream)
        if before != after:
            lines += _clipped(list(difflib.unified_diff(
                before.decode(errors="backslashreplace").splitlines(),
                after.decode(errors="backslashreplace").splitlines(), f"old {stream}", f"new {stream}",
                lineterm="", n=1)))
    return lines


def compare_runs(old: Run, new: Run, versions: tuple[str, str] = ("", ""), allow_version: bool = False) -> Outcome:
    """Compare two runs byte for byte; `versions` (old, new) tells a version-only difference."""
    if old == new:
        return Outcome("same", [])
    diff = _diff(old, new)
    old_version, new_version = versions
    if old_version and old_version != new_version:
        renamed = Run(old.stdout.replace(old_version.encode(), new_version.encode()),
                      old.stderr.replace(old_version.encode(), new_version.encode()), old.code)
        if renamed == new:
            return Outcome("same (version only)" if allow_version else "DIFFERENT (version only)", diff)
    return Outcome("DIFFERENT", diff)


# --------------------------------------------------------------------------
# Installing a version
# --------------------------------------------------------------------------

def _run(argv: list[str], **options: object) -> str:
    try:
        return subprocess.run(argv, check=True, capture_output=True, text=True, **options).stdout  # type: ignore
    except subprocess.CalledProcessError as error:
        tail = (error.stderr or error.stdout or "").strip().splitlines()[-3:]
        raise CompareError(f"{' '.join(argv[:4])} ... failed: {' | '.join(tail)}") from None


def _git(*args: str) -> str:
    return _run(["git", "-C", str(REPO), *args]).strip()


def _tree_hash(root: Path, names: list[str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(names):
        path = root / name
        digest.update(name.encode() + b"\0")
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _pip_install(venv: Path, *args: str) -> None:
    constraints = CACHE / "constraints.txt"
    pinned = ["-c", str(constraints)] if constraints.exists() else []
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", *pinned, *args])
    if not pinned:
        frozen = _run([str(venv / "bin" / "python"), "-m", "pip", "freeze", "--exclude", "binlint"])
        constraints.write_text(frozen)


def _make_venv(home: Path, src: Path) -> Path:
    venv = home / "venv"
    shutil.rmtree(venv, ignore_errors=True)
    _run([sys.executable, "-m", "venv", str(venv)])
    _pip_install(venv, str(src))
    return venv


def install(ref: str) -> tuple[str, Path]:
    """(label, binlint executable) of `ref` installed in its cached venv."""
    if ref == WORKTREE:
        return WORKTREE, _install_worktree()
    try:
        sha = _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except CompareError:
        raise CompareError(f"{ref!r} is no commit of {REPO}") from None
    home = CACHE / sha
    binlint = home / "venv" / "bin" / "binlint"
    if (home / "installed").exists() and binlint.exists():
        return f"{ref} ({sha[:10]})", binlint
    shutil.rmtree(home, ignore_errors=True)
    (home / "src").mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", sha], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(home / "src")], input=archive, check=True)
    _make_venv(home, home / "src")
    (home / "installed").write_text(sha + "\n")
    return f"{ref} ({sha[:10]})", binlint


def _install_worktree() -> Path:
    names = [name for name in _git("ls-files", "-z", "-c", "-o", "--exclude-standard").split("\0")
             if name and (REPO / name).is_file()]
    content, project = _tree_hash(REPO, names), _tree_hash(REPO, ["pyproject.toml"])
    home = CACHE / f"worktree-{hashlib.sha256(str(REPO).encode()).hexdigest()[:12]}"  # one per checkout
    marker = home / "installed"
    state = json.loads(marker.read_text()) if marker.exists() else {}
    binlint = home / "venv" / "bin" / "binlint"
    if state.get("content") == content and binlint.exists():
        return binlint
    src = home / "src"
    shutil.rmtree(src, ignore_errors=True)
    for name in names:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, src / name)
    if state.get("project") == project and binlint.exists():
        _pip_install(home / "venv", "--no-deps", "--force-reinstall", str(src))
    else:
        _make_venv(home, src)
    marker.write_text(json.dumps({"content": content, "project": project}))
    return binlint


# --------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    path: Path
    kind: str  # "tree", "wheel" or "file"


def build_fixtures(directory: Path) -> None:
    """Build every fixture the tests register (tests/fixtures) into directory/artifacts (run by
    .venv's Python)."""
    import pytest  # noqa: PLC0415 - only that Python has the test tools

    sys.path.insert(0, str(REPO / "tests"))
    import fixtures  # noqa: PLC0415
    from fixtures.artifacts import ELF_FACTS_BUILDS  # noqa: PLC0415

    artifacts = directory / "artifacts"
    registry = fixtures.Artifacts(artifacts, scratch=directory / "scratch")
    builders = dict.fromkeys(fixtures.FIXTURES, registry.path)
    # The ELF facts tests build a few more files outside the registry.
    (artifacts / "elf-facts").mkdir()
    elf_facts = fixtures.ElfFactsFixtures(artifacts / "elf-facts")
    builders.update(dict.fromkeys(ELF_FACTS_BUILDS, elf_facts.path))
    missing = {}
    for name, build in builders.items():
        try:
            build(name)
        except (Exception, pytest.skip.Exception, pytest.fail.Exception) as error:  # skip and fail are no Exception
            missing[name] = (str(error).strip() or type(error).__name__).splitlines()[0]
    (directory / "missing.json").write_text(json.dumps(missing, indent=1))


def fixture_corpus(python: Path) -> tuple[list[Entry], dict[str, str]]:
    """The built fixtures and tests/data, and the fixtures left out (name -> why)."""
    tests = REPO / "tests"
    helpers = [str(p.relative_to(tests)) for p in tests.rglob("*") if p.is_file() and "__pycache__" not in p.parts
               and (p.suffix == ".py" and not p.name.startswith("test_") or "fixtures" in p.relative_to(tests).parts)]
    directory = CACHE / f"fixtures-{_tree_hash(tests, helpers)[:16]}"
    if not (directory / "missing.json").exists():
        if not python.exists():
            raise CompareError(f"no {python} to build the test fixtures: give --fixtures-python, "
                               "or leave `fixtures` out of --corpus")
        # Built aside and renamed, so that a run started meanwhile never sees half the fixtures.
        building = Path(tempfile.mkdtemp(prefix=f"{directory.name}.", dir=CACHE))
        code = f"import sys; sys.path.insert(0, {str(REPO / 'scripts')!r}); import compare; " \
               f"compare.build_fixtures(compare.Path({str(building)!r}))"
        try:
            _run([str(python), "-c", code], cwd=str(REPO))
        except CompareError:
            shutil.rmtree(building, ignore_errors=True)
            raise
        try:
            building.rename(directory)
        except OSError:  # another run finished first: its fixtures are the same
            shutil.rmtree(building, ignore_errors=True)
    missing = json.loads((directory / "missing.json").read_text())
    return [Entry(directory / "artifacts", "tree"), Entry(tests / "data", "tree")], missing


def default_corpus() -> list[str]:
    system = [p for p in ("/usr/lib/x86_64-linux-gnu", "/usr/bin") if Path(p).is_dir()] or ["/usr/lib", "/usr/bin"]
    main = Path(_git("rev-parse", "--path-format=absolute", "--git-common-dir")).parent
    tests = Path(os.environ.get("BINLINT_TEST_CACHE", Path.home() / ".cache" / "binlint-tests"))
    caches = [REPO / "bench" / "cache", main / "bench" / "cache", tests / "wheels"]
    wheels = {wheel.name: wheel for cache in caches for wheel in sorted(cache.glob("**/*.whl"))}
    return [*system, *map(str, sorted(wheels.values(), key=lambda w: w.name)), "fixtures"]


def entry_of(path: str) -> Entry:
    resolved = Path(path).resolve()
    if not resolved.exists():
        raise CompareError(f"--corpus {path}: no such file or directory")
    kind = "tree" if resolved.is_dir() else "wheel" if resolved.suffix == ".whl" else "file"
    return Entry(resolved, kind)


def facts_sample(tree: Path, count: int) -> list[Path]:
    """`count` ELF files spread evenly over the sorted regular files of `tree`."""
    elves = []
    for root, dirs, files in os.walk(tree):
        dirs.sort()
        for name in sorted(files):
            path = Path(root, name)
            try:
                if path.is_file() and not path.is_symlink():
                    with open(path, "rb") as file:
                        if file.read(4) == ELF_MAGIC:
                            elves.append(path)
            except OSError:
                continue
    step = max(1, len(elves) // max(count, 1))
    return elves[::step][:count]


def commands(entries: list[Entry], sample: int, sampled: set[Path]) -> list[list[str]]:
    result = []
    for entry in entries:
        result += [[*invocation, str(entry.path)] for invocation in INVOCATIONS]
        facts = facts_sample(entry.path, sample) if entry.path in sampled else [entry.path]
        result += [["facts", str(path)] for path in facts]
    return result


# --------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------

def run(binlint: Path, args: list[str], cwd: str, env: dict[str, str]) -> Run:
    try:
        done = subprocess.run([str(binlint), *args], cwd=cwd, env=env, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return Run(b"", f"compare.py: timed out after {TIMEOUT} s\n".encode(), -1)
    return Run(done.stdout, done.stderr, done.returncode)


def version_of(binlint: Path) -> str:
    return _run([str(binlint), "--version"]).split()[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("old")
    parser.add_argument("new", help=f"a ref, or {WORKTREE} for the working tree")
    parser.add_argument("--corpus", action="append", metavar="PATH",
                        help="a tree, wheel or file to compare on, or `fixtures` (repeatable; default: see --help)")
    parser.add_argument("--allow-version", action="store_true", help="count a version-only difference as the same")
    parser.add_argument("--facts-sample", type=int, default=20, metavar="N",
                        help="`facts` on N ELF files of each tree outside the test corpus (20)")
    parser.add_argument("--fixtures-python", type=Path, default=REPO / ".venv" / "bin" / "python",
                        help="Python that builds the test fixtures (.venv/bin/python: it has the test tools)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="comparisons run at once (2)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        CACHE.mkdir(parents=True, exist_ok=True)
        (old_label, old), (new_label, new) = install(args.old), install(args.new)
        installed = time.perf_counter()
        corpus = args.corpus or default_corpus()
        entries = [entry_of(path) for path in corpus if path != "fixtures"]
        sampled = {entry.path for entry in entries if entry.kind == "tree"}  # the test corpus: facts of all
        if "fixtures" in corpus:
            fixtures, missing = fixture_corpus(args.fixtures_python)
            entries += fixtures
            for name, why in missing.items():
                print(f"fixture left out: {name}: {why}")
        built = time.perf_counter()
        versions = (version_of(old), version_of(new))
    except CompareError as error:
        print(f"compare.py: {error}", file=sys.stderr)
        return 2
    print(f"old: {old_label}, binlint {versions[0]}\nnew: {new_label}, binlint {versions[1]}")
    print(f"corpus: {len(entries)} entries ({sum(e.kind == 'wheel' for e in entries)} wheels)")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    with tempfile.TemporaryDirectory(prefix="binlint-compare-") as cwd:
        def compare(args_: list[str]) -> Outcome:
            return compare_runs(run(old, args_, cwd, env), run(new, args_, cwd, env), versions, args.allow_version)

        todo = commands(entries, args.facts_sample, sampled)
        counts: dict[str, int] = {}
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for command, outcome in zip(todo, pool.map(compare, todo)):
                counts[outcome.status] = counts.get(outcome.status, 0) + 1
                print(f"{outcome.status:<9} binlint {' '.join(command)}", flush=True)
                for line in outcome.diff[:DIFF_LINES]:
                    print(f"    {line}")
                if len(outcome.diff) > DIFF_LINES:
                    print(f"    ... {len(outcome.diff) - DIFF_LINES} more diff lines")
    finished = time.perf_counter()
    print(f"{len(todo)} comparisons: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    print(f"time: install {installed - started:.1f} s, fixtures {built - installed:.1f} s, "
          f"comparisons {finished - built:.1f} s, total {finished - started:.1f} s")
    return 1 if any(status.startswith("DIFFERENT") for status in counts) else 0


if __name__ == "__main__":
    sys.exit(main())
