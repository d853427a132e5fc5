"""The cache keyed by content (binlint/cache/, docs/cache.md): a warm run reports byte for byte
what a cold one does, on every fixture and on real wheels, for the same rules and for others
(a user rule directory, other targets); entries that are torn, corrupt or unwritable are misses;
two processes write at once safely; the store stays within its bound."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import binlint.cache.run as cache_run
from binlint.cache.record import Recorder
from binlint.cache.store import MAGIC, Store, decode
from binlint.cli import main
from fixtures import Artifacts, fixture_names

# A user rule reading a fact no built-in rule reads: a record made without it lacks the fact.
PIE_RULE = """id: user-class
group: custom
severity: warning
formats: [elf]
summary: A 64-bit ELF file (a user rule)
when:
  fact: elf.class
  equals: 64
message: "ELF class {elf.class}, {elf.pie}"
help: {what: x, error: x, why: x, fix: x}
"""
# A user rule reading facts the built-in rules read: judged from the record alone.
NEEDED_RULE = """id: user-needs-libc
group: custom
severity: note
formats: [elf]
summary: An ELF file that needs libc (a user rule)
when:
  fact: elf.needed
  contains: libc.so.6
message: "needs {elf.needed}"
help: {what: x, error: x, why: x, fix: x}
"""
TARGETS = ["--target", "manylinux_2_17", "--target", "musllinux_1_2"]


def check(paths: list, *options: str, out: Path) -> tuple[int, bytes]:
    if out.exists():
        out.unlink()
    code = main(["check", "--no-config", "--format", "json", "--output", str(out), *options, *map(str, paths)])
    assert code in (0, 1), options
    return code, out.read_bytes()


def rule_dir(tmp_path: Path, text: str) -> str:
    rule_id = text.split("\n", 1)[0].split(": ")[1]
    folder = tmp_path / rule_id
    folder.mkdir(exist_ok=True)
    (folder / f"{rule_id}.yaml").write_text(text)
    return str(folder)


def facts_entries(directory: Path) -> list[Path]:
    return sorted((directory / "v1" / "facts").glob("*/*"))


class Walks:
    """The archives the cache had to read (binlint.cache.run's walk with a Recorder), run by run."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.read: list[str] = []
        real = cache_run.walk

        def walk(artifacts, visitor, *args):  # type: ignore[no-untyped-def]
            if isinstance(visitor, Recorder):
                self.read += [a.path for a in artifacts]
            return real(artifacts, visitor, *args)
        monkeypatch.setattr(cache_run, "walk", walk)

    def take(self) -> list[str]:
        found, self.read = self.read, []
        return found


@pytest.fixture(scope="module")
def fixture_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every fixture the machine can build, in one folder: every format binlint reads."""
    # Each run over them forks a LIEF helper from this process (binlint/formats/macho/isolate.py),
    # which imports LIEF for its first Mach-O file: loaded here once, it costs the 16 runs 0.35 s
    # once instead of each time. The helper is otherwise the one users get.
    import lief  # noqa: F401

    artifacts = Artifacts(tmp_path_factory.mktemp("cache-fixtures"), scratch=tmp_path_factory.mktemp("scratch"))
    for name in fixture_names():
        try:
            artifacts.path(name)
        except pytest.skip.Exception:  # a tool this machine lacks
            continue
    return artifacts.directory


def same_everywhere(paths: list, tmp_path: Path, walks: Walks, more: tuple = ()) -> None:
    """Cold, warm and replayed runs report the same bytes and exit the same way."""
    cache = ["--cache-dir", str(tmp_path / "cache")]
    extra = ["--rules", rule_dir(tmp_path, NEEDED_RULE)]
    pie = ["--rules", rule_dir(tmp_path, PIE_RULE)]
    # The first run records; each later one replays (other rules, targets) or reuses the findings.
    for options in ([], [], TARGETS, pie, *more):
        expected = check(paths, "--no-cache", *options, out=tmp_path / "cold.json")
        assert check(paths, *cache, *options, out=tmp_path / "warm.json") == expected, options
    walks.take()
    # Facts of every archive are there: other rules and targets are judged without reading them.
    for options in (extra, ["--glibc", "2.28", "--kernel", "4.4"] + extra):
        assert check(paths, *cache, *options, out=tmp_path / "replayed.json") == \
            check(paths, "--no-cache", *options, out=tmp_path / "cold.json"), options
        assert walks.take() == [], options


def test_warm_runs_report_what_cold_runs_do_on_every_fixture(fixture_tree: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    walks = Walks(monkeypatch)
    same_everywhere([fixture_tree], tmp_path, walks, (["--glibc", "2.17", "--prefer-wheel-tags"],
                                                      ["--extend-select", "ALL"]))
    assert facts_entries(tmp_path / "cache"), "no archive was cached"


def real_wheels() -> list[Path]:
    """Real published wheels already on this machine (the real-world suite's cache, the
    benchmark's numpy, scipy, pyarrow and opencv): a spread of platforms, none downloaded here."""
    sys.path.insert(0, str(Path(__file__).parent))
    from pypi import wheel_cache
    from realworld.catalogue import WHEELS

    folder = wheel_cache()
    found = sorted({folder / w.filename for w in WHEELS if not w.committed and (folder / w.filename).is_file()})
    bench = Path(__file__).resolve().parent.parent / "bench" / "cache" / "wheels"  # bench/wheels.py fetches them
    return found + sorted(bench.glob("*.whl"))


def test_warm_runs_report_what_cold_runs_do_on_real_wheels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheels = real_wheels()
    if len(wheels) < 4:
        pytest.skip("fewer than 4 real wheels on this machine (run tests/realworld once to fetch them)")
    # Every platform the catalogue has, and the large ones: at most 16 wheels, to keep the test short.
    by_platform: dict[str, Path] = {}
    for wheel in wheels:
        by_platform.setdefault(wheel.name.rsplit("-", 1)[-1].split(".")[0], wheel)
    chosen = sorted(set(by_platform.values()) | {w for w in wheels if w.name.startswith(("numpy-2.2.6-cp311",
                                                                                            "scipy", "pyarrow",
                                                                                            "opencv"))})[:16]
    same_everywhere(chosen, tmp_path, Walks(monkeypatch))


def test_a_rule_reading_a_fact_the_record_lacks_reads_the_artifact_again(fixture_tree: Path, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    walks = Walks(monkeypatch)
    wheels = [fixture_tree / "clean_manylinux-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"]
    cache = ["--cache-dir", str(tmp_path / "cache")]
    check(wheels, *cache, out=tmp_path / "first.json")
    assert walks.take() == [str(w) for w in wheels]
    # elf.class and elf.pie are read by no built-in rule: the record has it not, and the wheels are read again
    pie = ["--rules", rule_dir(tmp_path, PIE_RULE)]
    code, report = check(wheels, *cache, *pie, out=tmp_path / "pie.json")
    assert (code, report) == check(wheels, "--no-cache", *pie, out=tmp_path / "cold.json")
    assert b'"user-class"' in report
    assert walks.take() == [str(w) for w in wheels]
    # ... and recorded with it: now the rule is judged from the record, under other targets too
    assert check(wheels, *cache, *pie, *TARGETS, out=tmp_path / "t.json") == \
        check(wheels, "--no-cache", *pie, *TARGETS, out=tmp_path / "cold.json")
    assert walks.take() == []


def test_the_same_bytes_elsewhere_share_facts_and_name_their_own_path(fixture_tree: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    walks = Walks(monkeypatch)
    wheel = sorted(fixture_tree.glob("*.whl"))[0]
    moved = tmp_path / "elsewhere" / wheel.name
    moved.parent.mkdir()
    shutil.copy2(wheel, moved)
    cache = ["--cache-dir", str(tmp_path / "cache")]
    check([wheel], *cache, out=tmp_path / "a.json")
    assert walks.take() == [str(wheel)]
    code, report = check([moved], *cache, out=tmp_path / "b.json")
    assert walks.take() == []
    assert (code, report) == check([moved], "--no-cache", out=tmp_path / "c.json")
    # The mode is part of the key (file.mode and the rules on it): another mode is read again.
    moved.chmod(0o777)
    assert check([moved], *cache, out=tmp_path / "d.json") == check([moved], "--no-cache", out=tmp_path / "e.json")
    assert walks.take() == [str(moved)]


def test_torn_and_corrupt_entries_are_misses(fixture_tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    archives = sorted(fixture_tree.glob("*.whl")) + sorted(fixture_tree.glob("*.tar.gz"))
    cache = tmp_path / "cache"
    expected = check(archives, "--no-cache", out=tmp_path / "cold.json")
    check(archives, "--cache-dir", str(cache), out=tmp_path / "first.json")
    entries = sorted((cache / "v1").glob("*/*/*"))
    assert entries
    for number, entry in enumerate(entries):
        data = entry.read_bytes()
        damaged = (data[:len(data) // 2], data[:-1] + bytes([data[-1] ^ 1]), b"", MAGIC + b"\0" * 40,
                   b"not a cache entry")[number % 5]
        entry.write_bytes(damaged)
    capsys.readouterr()
    assert check(archives, "--cache-dir", str(cache), out=tmp_path / "damaged.json") == expected
    assert capsys.readouterr().err == ""
    # ... and written again whole
    assert check(archives, "--cache-dir", str(cache), out=tmp_path / "again.json") == expected
    assert all(entry.read_bytes().startswith(MAGIC) for entry in entries)


def test_an_unwritable_cache_dir_costs_a_warning_only(fixture_tree: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    archives = sorted(fixture_tree.glob("*.whl"))[:4]
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    expected = check(archives, "--no-cache", out=tmp_path / "cold.json")
    capsys.readouterr()
    assert check(archives, "--cache-dir", str(blocker / "cache"), out=tmp_path / "out.json") == expected
    err = capsys.readouterr().err
    assert err.startswith(f"binlint: warning: cannot write to the cache {blocker / 'cache'}: ") and err.count("\n") == 1
    assert blocker.read_text() == "not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_cache_still_serves_hits(fixture_tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    archives = sorted(fixture_tree.glob("*.whl"))[:4]
    cache = tmp_path / "cache"
    expected = check(archives, "--cache-dir", str(cache), out=tmp_path / "first.json")
    for folder in [cache, *cache.rglob("*")]:
        if folder.is_dir():
            folder.chmod(0o555)
    try:
        capsys.readouterr()
        assert check(archives, "--cache-dir", str(cache), *TARGETS, out=tmp_path / "t.json") == \
            check(archives, "--no-cache", *TARGETS, out=tmp_path / "c.json")
        assert check(archives, "--cache-dir", str(cache), out=tmp_path / "again.json") == expected
    finally:
        for folder in [cache, *cache.rglob("*")]:
            if folder.is_dir():
                folder.chmod(0o755)


def test_two_processes_writing_at_once(fixture_tree: Path, tmp_path: Path) -> None:
    archives = [str(p) for p in sorted(fixture_tree.glob("*.whl")) + sorted(fixture_tree.glob("*.tar*"))]
    cache = tmp_path / "cache"
    command = [sys.executable, "-m", "binlint", "check", "--no-config", "--format", "json", "--cache-dir", str(cache)]
    expected = subprocess.run([*command[:-2], "--no-cache", *archives], capture_output=True, check=False)
    for _ in range(2):  # the second time, both read what both wrote, and write verdicts at once
        runs = [subprocess.Popen([*command, *archives], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(2)]
        for run in runs:
            out, err = run.communicate(timeout=600)
            assert (run.returncode, out, err) == (expected.returncode, expected.stdout, expected.stderr)
    entries = sorted((cache / "v1").glob("*/*/*"))
    assert entries and not [e for e in entries if e.name.endswith(".tmp")]
    for entry in entries:
        assert decode(entry.read_bytes(), entry.name) is not None, entry


def test_eviction_keeps_the_most_recently_used(tmp_path: Path) -> None:
    store = Store(str(tmp_path), max_bytes=40_000)
    for number in range(10):
        store.put("facts", f"{number:02d}" * 32, os.urandom(8_000).hex()[:8_000])
        path = tmp_path / "v1" / "facts" / f"{number:02d}" / (f"{number:02d}" * 32)
        os.utime(path, (1_000_000 + number, 1_000_000 + number))
    assert store.get("facts", "00" * 32) is not None  # used now: the most recent
    assert store.evict() > 0
    kept = {path.name[:2] for path in (tmp_path / "v1" / "facts").glob("*/*")}
    assert "00" in kept and "01" not in kept and "09" in kept
    assert sum(path.stat().st_size for path in (tmp_path / "v1").glob("*/*/*")) <= 40_000


def test_asked_for_and_the_default_place(fixture_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archives = sorted(fixture_tree.glob("*.whl"))[:2]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    check(archives, out=tmp_path / "plain.json")
    assert not (tmp_path / "xdg").exists()  # only when asked for
    check(archives, "--cache", out=tmp_path / "asked.json")
    assert facts_entries(tmp_path / "xdg" / "binlint")
    # the configuration: a folder relative to it, or no cache even so
    project = tmp_path / "project"
    project.mkdir()
    (project / "binlint.toml").write_text('cache-dir = ".binlint-cache"\n')
    assert main(["check", "--config", str(project / "binlint.toml"), "--output", str(tmp_path / "x"),
                 *map(str, archives)]) in (0, 1)
    assert facts_entries(project / ".binlint-cache")
    (project / "binlint.toml").write_text('cache = false\ncache-dir = "other"\n')
    main(["check", "--config", str(project / "binlint.toml"), "--output", str(tmp_path / "x"), *map(str, archives)])
    assert not (project / "other").exists()


def test_cache_info_and_clear(fixture_tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    cache = tmp_path / "cache"
    check(sorted(fixture_tree.glob("*.whl"))[:2], "--cache-dir", str(cache), out=tmp_path / "a.json")
    capsys.readouterr()
    assert main(["cache", "info", "--no-config", "--cache-dir", str(cache)]) == 0
    info = capsys.readouterr().out
    assert f"directory: {cache}\n" in info and "artifacts with facts: 2 (" in info and "sets of findings: 2 (" in info
    assert main(["cache", "clear", "--no-config", "--cache-dir", str(cache)]) == 0
    assert capsys.readouterr().out.startswith(f"binlint: removed 5 cache entries from {cache}")
    assert not list((cache / "v1").glob("*/*/*"))


def test_records_come_back_from_worker_processes(fixture_tree: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Artifacts split between processes (as a scan of 512 files or more is): what the workers
    record travels back with their findings, and the warm runs report the same bytes."""
    import binlint.walk.split

    monkeypatch.setattr(binlint.walk.split, "PARALLEL_MIN", 2)
    walks = Walks(monkeypatch)
    archives = sorted(fixture_tree.glob("*.whl")) + sorted(fixture_tree.glob("*.tar*"))
    cache = ["--cache-dir", str(tmp_path / "cache"), "--jobs", "2"]
    expected = check(archives, "--no-cache", "--jobs", "2", out=tmp_path / "cold.json")
    assert check(archives, *cache, out=tmp_path / "first.json") == expected
    assert len(walks.take()) == len(archives)
    assert len(facts_entries(tmp_path / "cache")) == len(archives)
    assert check(archives, *cache, *TARGETS, out=tmp_path / "t.json") == \
        check(archives, "--no-cache", *TARGETS, out=tmp_path / "tc.json")
    assert walks.take() == []
