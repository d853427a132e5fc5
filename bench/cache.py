#!/usr/bin/env python3
"""Whole-process benchmark of the cache (docs/cache.md) on 40+ real wheels.

Rows, each a `binlint check` of every wheel at once, output to /dev/null:

- floor: a Python that imports binlint's command line and hashes every wheel (SHA-256): the
  least a cache keyed by content can cost;
- cold, no cache (`--no-cache`); cold, filling an empty cache (what the cache adds);
- warm: the same command again (the findings of the same rules, reused);
- warm, one more user rule directory (the recorded facts judged by one more rule);
- warm, other targets (`--target manylinux_2_28 --target musllinux_1_2`).

Goals (docs/performance.md): warm at most 1.5x the floor; warm with one more rule directory
at least 5x faster than cold.

    python3 bench/cache.py                  # the wheels of tests/realworld's cache and bench/cache/wheels
    python3 bench/cache.py -n 5 --wheels DIR --markdown /tmp/cache.md
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_FOLDERS = (Path(os.environ.get("BINLINT_TEST_CACHE", Path.home() / ".cache" / "binlint-tests")) / "wheels",
                   HERE / "cache" / "wheels")
FLOOR = ("import hashlib, sys\nimport binlint.cli\n"
         "for path in sys.argv[1:]:\n"
         "    with open(path, 'rb') as f:\n"
         "        hashlib.file_digest(f, 'sha256')\n")
RULE = """id: bench-needs-libm
group: custom
severity: note
formats: [elf]
summary: An ELF file that needs libm (a user rule for the benchmark)
when:
  fact: elf.needed
  contains: libm.so.6
message: "needs {elf.needed}"
help: {what: x, error: x, why: x, fix: x}
"""


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (children included) of one run."""
    before = os.times()
    start = time.perf_counter()
    proc = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=REPO, check=False)
    wall = time.perf_counter() - start
    after = os.times()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{command[:4]}... failed ({proc.returncode}): {proc.stderr.decode()[-400:]}")
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=3, help="rounds (3)")
    parser.add_argument("--wheels", action="append", type=Path, help="folders of wheels (repeatable)")
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    args = parser.parse_args()
    wheels = sorted({p.name: p for folder in (args.wheels or DEFAULT_FOLDERS) if folder.is_dir()
                     for p in folder.glob("*.whl")}.values())
    if len(wheels) < 40:
        print(f"only {len(wheels)} wheels found: run tests/realworld once, and bench/wheels.py", file=sys.stderr)
    size = sum(p.stat().st_size for p in wheels)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "CI")}
    env["PYTHONPYCACHEPREFIX"] = str(HERE / "cache" / "pycache")
    work = Path(tempfile.mkdtemp(prefix="binlint-bench-cache-"))
    (work / "rules").mkdir()
    (work / "rules" / "bench-needs-libm.yaml").write_text(RULE)
    cache = work / "cache"
    binlint = [sys.executable, "-m", "binlint", "check", "--no-config", "--no-progress"]
    paths = [str(p) for p in wheels]
    rows = {
        "floor: start-up + SHA-256 of the wheels": lambda: [sys.executable, "-c", FLOOR, *paths],
        "cold, --no-cache": lambda: [*binlint, "--no-cache", *paths],
        "cold, filling an empty cache": lambda: [*binlint, "--cache-dir", str(cache), *paths],
        "warm, same rules": lambda: [*binlint, "--cache-dir", str(cache), *paths],
        "warm, one more --rules DIR": lambda: [*binlint, "--cache-dir", str(cache), "--rules", str(work / "rules"),
                                               *paths],
        "warm, --target manylinux_2_28 --target musllinux_1_2": lambda: [
            *binlint, "--cache-dir", str(cache), "--target", "manylinux_2_28", "--target", "musllinux_1_2", *paths],
    }
    times: dict[str, list[tuple[float, float]]] = {row: [] for row in rows}
    try:
        timed(rows["cold, --no-cache"](), env)  # page cache and byte code
        for _ in range(args.n):
            shutil.rmtree(cache, ignore_errors=True)
            for row, command in rows.items():
                if row.startswith("warm, one more") or row.startswith("warm, --target"):
                    # judged from the facts, not from the findings of the run before
                    shutil.rmtree(cache / "v1" / "verdicts", ignore_errors=True)
                times[row].append(timed(command(), env))
        entries = sum(f.stat().st_size for f in cache.rglob("*") if f.is_file())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()[0]
    lines = [f"{len(wheels)} wheels, {size / 1e6:.0f} MB; {os.cpu_count()} CPUs, load average {load:.1f}; "
             f"cache after a run: {entries / 1e6:.1f} MB; median of {args.n}", "",
             "| run | wall s | CPU s |", "|---|---:|---:|"]
    medians = {}
    for row, runs in times.items():
        wall, cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
        medians[row] = (wall, cpu)
        lines.append(f"| {row} | {wall:.2f} | {cpu:.2f} |")
    floor, cold = medians["floor: start-up + SHA-256 of the wheels"], medians["cold, --no-cache"]
    warm, rule = medians["warm, same rules"], medians["warm, one more --rules DIR"]
    filling = medians["cold, filling an empty cache"]
    lines += ["",
              f"- warm / floor: {warm[0] / floor[0]:.2f}x wall, {warm[1] / floor[1]:.2f}x CPU (goal: at most 1.5x)",
              f"- cold / warm with one more rule directory: {cold[0] / rule[0]:.1f}x wall, {cold[1] / rule[1]:.1f}x CPU "
              "(goal: at least 5x)",
              f"- filling the cache costs a cold run {100 * (filling[1] / cold[1] - 1):+.0f}% CPU "
              f"({100 * (filling[0] / cold[0] - 1):+.0f}% wall)"]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
