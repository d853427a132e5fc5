"""Hostile input that still hurt (issue 14): each attack shape of fuzz/shapes.py, built at
test time, must cost under 5 s of CPU and 300 MB, end in a finding that names the file and
what was cut off, and give the same report for any number of processes.

The figures these tests measure are in docs/robustness.md ("Budgets").
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from binlint.formats.members import Limits
from binlint.walk.discover import discover
from binlint.engine import Options, check
from binlint.rules import load_rules
from fuzz import shapes
from test_reports import cli_env

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").is_file(),
                                reason="needs Linux's /proc/self/status (VmHWM)")

CPU_SECONDS = 5.0  # each attack, parent and workers together
PEAK_KIB = 300 * 1000  # 300 MB, the largest process
JOBS = (1, 2, 3, 8)

# Runs binlint in a fresh interpreter under a CPU limit (a regression fails, it does not
# hang the suite); reports its exit code, CPU seconds and peak resident set, workers included.
_RUN = """
import resource, sys
resource.setrlimit(resource.RLIMIT_CPU, (60, 60))
from binlint.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:  # a usage error
    code = exit.code
own = resource.getrusage(resource.RUSAGE_SELF)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
with open("/proc/self/status") as status:
    peak = int(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
sys.stderr.write(f"@@ {code} {cpu:.2f} {max(peak, children.ru_maxrss)}\\n")
"""


class Run:
    def __init__(self, args: list[str], cwd: Path) -> None:
        proc = subprocess.run([sys.executable, "-c", _RUN, *args], cwd=cwd, env=cli_env(), capture_output=True,
                              text=True, timeout=300, stdin=subprocess.DEVNULL)
        *errors, last = proc.stderr.strip().splitlines() or [""]
        assert last.startswith("@@ "), proc.stderr
        code, cpu, peak = last.split()[1:]
        self.code, self.cpu, self.peak = int(code), float(cpu), int(peak)
        self.stderr = "\n".join(errors)
        self.stdout = proc.stdout
        assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr + proc.stdout, proc.stderr

    def bounded(self) -> Run:
        assert self.cpu < CPU_SECONDS, f"{self.cpu} s of CPU"
        assert self.peak < PEAK_KIB, f"{self.peak} KiB"
        return self


def report(tmp_path: Path, name: str, *options: str) -> tuple[Run, dict]:
    out = tmp_path / f"{name}.json"
    run = Run(["check", "--format", "json", "-o", str(out), *options, name], tmp_path).bounded()
    return run, json.loads(out.read_text())


def messages(document: dict, rule: str = "unreadable-artifact") -> list[tuple[str, str]]:
    return [(f["path"], f["message"]) for f in document["findings"] if f["rule"] == rule]


# --------------------------------------------------------------------------
# 1. A budget belongs to the file, whatever the number of processes
# --------------------------------------------------------------------------

def test_split_wheel_report_is_the_same_for_any_jobs(tmp_path: Path) -> None:
    # 40 members of 16 MiB each in a 650 KiB wheel: the file may inflate to 256 MiB, so the
    # budget ends on the 17th member. Each process had its own copy of the budget: with 1 CPU
    # 29 findings, with 4 none.
    name = shapes.split_wheel_name()
    (tmp_path / name).write_bytes(shapes.split_wheel(40, 16 << 20))
    reports = {}
    for jobs in JOBS:
        run = Run(["check", "--format", "json", "--jobs", str(jobs), "-o", f"{jobs}.json", name], tmp_path).bounded()
        assert run.code == 1
        reports[jobs] = (tmp_path / f"{jobs}.json").read_text()
    assert len(set(reports.values())) == 1, "the report depends on --jobs"
    document, size = json.loads(reports[1]), (tmp_path / name).stat().st_size
    # The member the budget cannot hold whole is read as far as the loader reads (512 bytes
    # of an ELF header without program headers), not inflated: the budget is spent with it.
    [(path, note)] = messages(document, "elf-sections-unreadable")
    assert path == f"{name}!split/_m016.so"
    assert note.startswith("section headers cannot be read (the member declares 16777216 bytes, over the 8704 "
                           "bytes its archive may still inflate to (see --max-member-size): only its first 512 "
                           "bytes were read")
    assert messages(document) == [
        (f"{name}!split/_m017.so", "a file that cannot be read: not read, nor the 24 members after it: the file "
                                    f"inflates past 268435456 bytes, the most a file of {size} bytes may inflate to: "
                                    "a zip bomb?")]


def nested_split_wheel() -> bytes:
    """Members declared small (8 zips of 40 KiB) that inflate large (4 members of 4 MiB
    each), beside 4 MiB members that make a split pay: the declared sizes fit the budget, so
    the members are split, and the budget ends inside one process's share."""
    inner = shapes.zip_of([(f"lib/_x{j}.so", shapes.ELF_HEAD + bytes((4 << 20) - 7)) for j in range(4)])
    members = [(f"pkg/_big{i}.so", shapes.ELF_HEAD + bytes((4 << 20) - 7)) for i in range(6)]
    members += [(f"pkg/data{i}.zip", inner) for i in range(8)]
    members.append(("pkg/noise.bin", random.Random(14).randbytes(96 << 10)))  # mapped: more than 64 KiB
    return shapes.zip_of(members)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the split needs fork")
def test_budget_spent_inside_one_share_gives_the_same_findings(tmp_path: Path) -> None:
    path = tmp_path / "nested.zip"
    path.write_bytes(nested_split_wheel())
    assert path.stat().st_size > 64 << 10  # mapped, so its members may be split
    rules = load_rules()
    limits = Limits(4, 8 << 20, 96 << 20)  # 96 MiB: the 8 nested zips need 128
    results = {jobs: check(discover([str(path)]), rules, Options(limits=limits, jobs=jobs), jobs=1)
               for jobs in JOBS}
    assert all(found == results[1] for found in results.values())
    cut = [f for f in results[1] if f.rule == "unreadable-artifact"]
    assert cut and "inflates past the archive limit of 100663296 bytes" in cut[0].message, results[1]


def test_jobs_option_and_key(tmp_path: Path) -> None:
    (tmp_path / "binlint.toml").write_text("jobs = 0\n")
    run = Run(["check", "binlint.toml"], tmp_path)
    assert run.code == 2 and "jobs" in run.stderr
    run = Run(["check", "--no-config", "--jobs", "0", "binlint.toml"], tmp_path)
    assert run.code == 2 and "--jobs" in run.stderr and "1 or more" in run.stderr
    (tmp_path / "binlint.toml").write_text("jobs = 3\n")
    assert Run(["check", "binlint.toml"], tmp_path).code == 0


# --------------------------------------------------------------------------
# 2, 3. Compressed tars: skipping costs what it inflates; bombs stop early
# --------------------------------------------------------------------------

@pytest.mark.parametrize("kind, suffix, declared, stop", [
    ("bzip2", "tar.bz2", 10 << 30, "inflates more than 1000 times"),
    ("xz", "tar.xz", 10 << 30, "inflates more than 1000 times"),
    ("gzip", "tar.gz", 1 << 30, "inflates past 268435456 bytes, the most a file of"),
])
def test_compressed_tar_declaring_a_huge_member(tmp_path: Path, kind: str, suffix: str, declared: int,
                                                stop: str) -> None:
    # The first member declares (base-256 size field) and holds `declared` bytes of an ELF
    # file: listing the tar skips it, which took 26 s and 1 GB, then reported nothing.
    name = f"declared.{suffix}"
    (tmp_path / name).write_bytes(shapes.declared_tar(kind, declared))
    run, document = report(tmp_path, name)
    assert run.code == 1
    [(path, message)] = messages(document)
    assert path == f"{name}!lib/libhuge.so"
    assert f"not read, nor anything after it: skipping its {declared} bytes to the next member" in message
    assert stop in message


# --------------------------------------------------------------------------
# 4. Nested fan-out: members bounded per file, one cut-off per archive
# --------------------------------------------------------------------------

@pytest.mark.parametrize("width, depth, leaf", [(32, 5, 64), (16, 5, 4 << 20)], ids=["fan-out", "42.zip"])
def test_nested_zip_fan_out(tmp_path: Path, width: int, depth: int, leaf: int) -> None:
    data = shapes.fan_out_zip(width, depth, shapes.ELF_HEAD + bytes(leaf - 7))
    assert len(data) < 100 << 10
    (tmp_path / "nest.zip").write_bytes(data)
    run, document = report(tmp_path, "nest.zip")
    assert run.code == 1
    assert len(document["findings"]) < 10_000  # 415,902 before
    cut = [m for _, m in messages(document) if m.startswith("a file that cannot be read: not read")]
    assert 1 <= len(cut) <= depth, cut  # once for each archive on the way down, not per member
    assert all("the 4096 members a file of" in m for m in cut), cut


def test_42_zip_with_its_leaves_read(tmp_path: Path) -> None:
    # With --max-depth 5 the 4 MiB leaves are read: the 256 MiB budget ends it.
    (tmp_path / "nest.zip").write_bytes(shapes.fan_out_zip(16, 5, shapes.ELF_HEAD + bytes((4 << 20) - 7)))
    run, document = report(tmp_path, "nest.zip", "--max-depth", "5")
    cut = [m for _, m in messages(document) if "not read" in m]
    assert cut and all("inflates past 268435456 bytes" in m for m in cut), cut
    assert len(cut) <= 5 and len(document["findings"]) < 200


# --------------------------------------------------------------------------
# 8. Chained pax headers
# --------------------------------------------------------------------------

def test_chain_of_pax_headers_is_a_malformed_tar(tmp_path: Path) -> None:
    (tmp_path / "pax.tar").write_bytes(shapes.pax_chain(20_000))
    run, document = report(tmp_path, "pax.tar")
    assert run.code == 1
    assert messages(document) == [("pax.tar", "a tar archive that cannot be read: corrupt tar: extended headers "
                                              "(pax or GNU) chained deeper than any tar writer makes: a malformed tar")]
