"""`binlint check --dask`: the same findings as one process, on a LocalCluster of 2 worker
processes, with a worker killed mid-run; partitioned JSON Lines and Parquet; and a
`binlint` that stays light without them."""
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures import fixture_names

distributed = pytest.importorskip("distributed")

DATA = Path(__file__).resolve().parent / "data"
PUBLISHED = sorted([*DATA.glob("*.whl"), *DATA.glob("auditwheel/*.whl"), *DATA.glob("delocate/*.whl")])
HEAVY = ("dask", "distributed", "fsspec", "s3fs", "pyarrow", "cloudpickle", "tornado", "aiohttp", "botocore")


@pytest.fixture(scope="module")
def folder(artifacts, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every archive, ELF, file and broken fixture, and the published wheels of tests/data:
    findings of most rules, unreadable files among them."""
    folder = tmp_path_factory.mktemp("many")
    for name in [n for kind in ("archive", "elf", "file", "bad") for n in fixture_names(kind)]:
        try:
            path = artifacts.path(name)
        except pytest.skip.Exception:  # a cross toolchain this machine lacks
            continue
        target = folder / name / path.name
        target.parent.mkdir()
        shutil.copy2(path, target)
    for path in PUBLISHED:
        shutil.copy(path, folder / path.name)
    return folder


def binlint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "binlint", *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "NO_COLOR": "1"})


def lines(folder: Path) -> list[str]:
    return sorted(line for part in folder.glob("part-*.jsonl") for line in part.read_text().splitlines())


def test_two_workers_give_the_findings_of_one_process(folder: Path, tmp_path: Path) -> None:
    one = binlint("check", "--no-config", str(folder), "--format", "jsonl", "--output", str(tmp_path / "one"))
    two = binlint("check", "--no-config", str(folder), "--format", "jsonl", "--output", str(tmp_path / "two"),
                  "--dask", "--jobs", "2")
    assert one.returncode == two.returncode == 1, two.stderr
    assert lines(tmp_path / "one") == lines(tmp_path / "two")
    assert len(lines(tmp_path / "one")) > 100
    # The partitions themselves are the same bytes: written in report order, not as batches came.
    assert (tmp_path / "one" / "part-00000.jsonl").read_bytes() == (tmp_path / "two" / "part-00000.jsonl").read_bytes()
    assert two.stderr.endswith(f"in 1 partition in {tmp_path / 'two'}\n"), two.stderr
    rules = {json.loads(line)["rule"] for line in lines(tmp_path / "two")}
    assert {"executable-stack", "unreadable-artifact", "wheel-linux-platform-tag"} <= rules


def test_a_worker_killed_mid_run_loses_nothing(folder: Path) -> None:
    from binlint.distributed import close, connect, scan
    from binlint.engine import Options, check
    from binlint.rules import load_rules
    from binlint.walk.discover import discover

    artifacts, rules = discover([str(folder)]), load_rules([])
    expected = check(artifacts, rules, Options(), jobs=1)
    client = connect(None, 2)  # as --dask starts it; the nanny starts a killed worker again
    try:
        pids = sorted(client.run(os.getpid).values())
        seen: list[tuple[int, int]] = []

        def kill_one_worker(done: int, findings: int, seconds: float) -> None:
            if not seen:
                os.kill(pids[0], signal.SIGKILL)
            seen.append((done, findings))

        found = scan(client, artifacts, rules, Options(), kill_one_worker)
        assert pids[0] not in client.run(os.getpid).values()  # it was killed, and the nanny started another
        # The run's rules left the workers with it, the restarted one included.
        assert list(client.run(installed_rules).values()) == [[], []]
    finally:
        close(client)
    assert seen[0][0] < len(artifacts)  # killed with work left
    assert seen[-1] == (len(artifacts), len(expected))  # each artifact done once, each finding once
    assert found == expected


def installed_rules() -> list[str]:
    from binlint.distributed.plugin import _INSTALLED

    return list(_INSTALLED)


def test_local_workers_keep_glibc_s_memory_defaults() -> None:
    """Dask's default MALLOC_TRIM_THRESHOLD_ made every member inflated cost fresh pages from
    the kernel (a worker 35% slower than one process): binlint's local workers go without it."""
    from binlint.distributed import close, connect

    client = connect(None, 2)
    try:
        assert list(client.run(os.environ.get, "MALLOC_TRIM_THRESHOLD_").values()) == [None, None]
    finally:
        close(client)


def test_batches_are_balanced_by_size_and_largest_first(tmp_path: Path) -> None:
    from binlint.distributed import BATCH_MAX, batches
    from binlint.walk.split import ARTIFACT_COST
    from binlint.walk.discover import discover

    sizes = [4 << 20, 3 << 20, *[200 << 10] * 20, *[1 << 10] * 100]
    for index, size in enumerate(sizes):
        (tmp_path / f"f{index:03}.whl").write_bytes(b"\0" * size)
    artifacts = discover([str(tmp_path)])
    parts = batches(artifacts, 2)
    assert sorted(a.path for part in parts for a in part) == sorted(a.path for a in artifacts)  # each once
    assert [len(part) for part in parts[:2]] == [1, 1]  # the two large files: a batch each, first
    size = [Path(a.fs_path).stat().st_size for part in parts for a in part]
    assert size == sorted(size, reverse=True)  # largest first
    budget = sum(Path(a.fs_path).stat().st_size + ARTIFACT_COST for a in artifacts) / (2 * 8)
    for part in parts[:-1]:  # each full: its share of the bytes, or BATCH_MAX artifacts
        assert sum(Path(a.fs_path).stat().st_size + ARTIFACT_COST for a in part) >= budget or len(part) == BATCH_MAX
    assert 8 <= len(parts) <= 24  # about 8 a worker


def test_parquet_holds_the_rows_of_json_lines(folder: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    wheels = [str(folder / p.name) for p in PUBLISHED]
    for fmt in ("jsonl", "parquet"):
        result = binlint("check", "--no-config", *wheels, "--format", fmt, "--output", str(tmp_path / fmt))
        assert result.returncode == 1, result.stderr
    table = pq.read_table(tmp_path / "parquet" / "part-00000.parquet").to_pylist()
    for row in table:
        row["evidence"] = json.loads(row["evidence"])
    assert table == [json.loads(line) for line in (tmp_path / "jsonl" / "part-00000.jsonl").read_text().splitlines()]
    assert table and set(table[0]) == {"rule", "severity", "path", "location", "members", "message", "evidence",
                                       "target", "fingerprint"}


def test_an_earlier_run_s_partitions_are_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "part-00007.jsonl").write_text("stale\n")
    (out / "notes.txt").write_text("kept\n")
    result = binlint("check", "--no-config", str(PUBLISHED[0]), "--format", "jsonl", "--output", str(out))
    assert result.returncode in (0, 1), result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "part-00000.jsonl"]


def test_folder_formats_need_an_output_folder() -> None:
    result = binlint("check", "--no-config", str(PUBLISHED[0]), "--format", "jsonl")
    assert result.returncode == 2
    assert result.stderr == ("binlint: error: --format jsonl writes a folder of partitions: give it with "
                             "--output DIR\n")


def test_an_unreachable_scheduler_is_one_line() -> None:
    result = binlint("check", "--no-config", str(PUBLISHED[0]), "--scheduler", "tcp://127.0.0.1:9")
    assert result.returncode == 2
    assert result.stderr.startswith("binlint: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert result.stderr.count("\n") == 1, result.stderr


def test_the_progress_line_shows_findings_and_throughput() -> None:
    from binlint.cli.progress import Progress

    stream = io.StringIO()
    line = Progress(200, stream, delay=0)
    line.update(50, ", 12 findings, 25.0 files/s")
    assert stream.getvalue().endswith("binlint: checked 50/200 files (25%), 12 findings, 25.0 files/s")


@pytest.mark.parametrize("command", [["-c", "import binlint, binlint.cli, sys; binlint.cli.build_parser(); "
                                            "print(' '.join(sorted(sys.modules)))"],
                                     ["-X", "importtime", "-m", "binlint", "--version"]])
def test_binlint_stays_light_without_the_extras(command: list[str]) -> None:
    """`import binlint` and `binlint --version` import neither Dask nor fsspec nor pyarrow,
    though they are installed here."""
    result = subprocess.run([sys.executable, *command], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    imported = result.stdout + result.stderr  # -X importtime writes its table to stderr
    assert "binlint" in imported
    for heavy in HEAVY:
        assert f" {heavy}" not in imported and f"|{heavy}" not in imported.replace(" ", ""), heavy
