#!/usr/bin/env python3
"""Whole-process benchmark of binlint against scanelf (and checksec, if installed).

Not a test: it measures, prints a table and optionally writes it as Markdown
(docs/performance.md is made from its output). Every command is run once to warm the
page cache, then N times; the table gives the median, min and max wall time, the peak
RSS of the process (ru_maxrss from wait4, i.e. what `/usr/bin/time -f %M` reports) and
the number of ELF files the command visits.
(RSS via /usr/bin/time -f %M when present; see run_once.)

    python3 bench/run.py                       # 5 runs each, binlint = sys.executable -m binlint
    python3 bench/run.py -n 10 --markdown out.md
    python3 bench/run.py --binlint "/opt/venv/bin/binlint"

See bench/README.md for the method and docs/performance.md for the goals.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import shlex
import shutil
import stat
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CORPUS = ("/usr/lib/x86_64-linux-gnu", "/usr/bin")
SMALL_FILE = "/usr/bin/true"
CHECKSEC_FILES = 100
GOAL_RATIO = 4.0  # binlint on the corpus: at most 4x scanelf's wall time
GOAL_SMALL = 0.15  # binlint on one small file (pre-commit), cold process: seconds
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    label: str
    argv: list[str]
    elf_files: int | None
    walls: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    returncodes: set[int] = field(default_factory=set)
    skipped: str | None = None
    error: str | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    @property
    def command(self) -> str:
        return shlex.join(self.argv)


TIME = "/usr/bin/time"  # GNU time, for a peak RSS not inflated by this Python process


def run_once(argv: list[str], cwd: Path) -> tuple[float, int, int, str]:
    """(wall seconds, peak RSS KiB, exit status, stderr tail) of one whole-process run.

    The peak RSS comes from GNU time's %M when /usr/bin/time exists. Without it, it is
    ru_maxrss from wait4, which Linux also charges with the RSS of this (Python) parent
    that the child was forked from, so it is then an upper bound.
    """
    with tempfile.NamedTemporaryFile(prefix="binlint-bench-rss-") as rss_file, tempfile.TemporaryFile() as err:
        use_time = os.access(TIME, os.X_OK)
        full = [TIME, "-f", "%M", "-o", rss_file.name, *argv] if use_time else argv
        start = time.perf_counter()
        proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, cwd=cwd)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)  # keep Popen from waiting again
        err.seek(0)
        stderr = err.read()[-2000:].decode("utf-8", "replace")
        rss = usage.ru_maxrss  # KiB on Linux
        if use_time:
            lines = Path(rss_file.name).read_text().split()
            # GNU time writes "Command exited with non-zero status N" before %M.
            rss = int(lines[-1]) if lines and lines[-1].isdigit() else rss
    return wall, rss, code, stderr


def measure(result: Result, runs: int, ok_codes: set[int], cwd: Path) -> Result:
    print(f"  {result.label}: {result.command}", file=sys.stderr, flush=True)
    for i in range(runs + 1):  # the first run only warms caches
        wall, rss, code, stderr = run_once(result.argv, cwd)
        if code not in ok_codes:
            result.error = f"exit status {code}: {stderr.strip()}"
            return result
        if i:
            result.walls.append(wall)
            result.rss_kib.append(rss)
            result.returncodes.add(code)
    return result


# --- counting the ELF files each tool visits ------------------------------------------


def is_elf(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def binlint_elf_files(paths: tuple[str, ...]) -> list[str]:
    """ELF files as binlint's discovery finds them: symlinks skipped, hard links once."""
    found, seen = [], set()
    for top in paths:
        for root, dirs, files in os.walk(top):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(root, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                if stat.S_ISREG(st.st_mode) and (st.st_dev, st.st_ino) not in seen:
                    seen.add((st.st_dev, st.st_ino))
                    if is_elf(path):
                        found.append(path)
    return found


def scanelf_elf_files(scanelf: str, paths: tuple[str, ...]) -> int | None:
    """scanelf's own count: it also follows symlinks to files (e.g. in /usr/bin)."""
    out = subprocess.run([scanelf, "-R", "-F", "%F", *paths], capture_output=True, text=True)
    return len(out.stdout.splitlines()) if out.returncode == 0 else None


# --- the machine ----------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def tool_version(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else "unknown"


def machine_info(binlint: list[str], scanelf: str | None, checksec: str | None) -> dict[str, str]:
    info = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu_model(),
        "kernel": platform.release(),
        "python": f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        "binlint": tool_version([*binlint, "--version"]),
        "binlint source": tool_version(["git", "-C", str(REPO), "describe", "--always", "--dirty"]),
    }
    if scanelf:
        info["scanelf"] = tool_version([scanelf, "--version"])
    if checksec:
        info["checksec"] = tool_version([checksec, "--version"])
    return info


# --- report ---------------------------------------------------------------------------


def table_rows(results: list[Result]) -> list[list[str]]:
    rows = []
    for r in results:
        if r.skipped or r.error:
            rows.append([r.label, "skipped" if r.skipped else "error", "", "", "", _count(r), r.skipped or r.error])
            continue
        rows.append([r.label, f"{r.median:.3f}", f"{min(r.walls):.3f}", f"{max(r.walls):.3f}",
                     f"{max(r.rss_kib) / 1024:.1f}", _count(r), r.command])
    return rows


def _count(r: Result) -> str:
    return "" if r.elf_files is None else f"{r.elf_files:,}"


HEADER = ["what", "median wall s", "min s", "max s", "peak RSS MiB", "ELF files", "command"]


def text_table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [HEADER, *rows]) for i in range(len(HEADER) - 1)]
    lines = []
    for row in [HEADER, *rows]:
        cells = [row[i].ljust(widths[i]) if i == 0 else row[i].rjust(widths[i]) for i in range(len(widths))]
        lines.append("  ".join(cells) + "  " + row[-1])
    return "\n".join(lines)


def markdown_table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "|".join(["---"] + ["---:"] * 5 + ["---"]) + "|"]
    for row in rows:
        command = row[-1].replace("|", "\\|")
        lines.append("| " + " | ".join(row[:-1]) + f" | `{command}` |" if row[1] not in ("skipped", "error")
                     else "| " + " | ".join(row[:-1]) + f" | {command} |")
    return "\n".join(lines)


def verdicts(by_label: dict[str, Result]) -> list[str]:
    lines = []
    scan = by_label.get("scanelf, corpus")
    for label in ("binlint check --max-depth 0, corpus", "binlint check, corpus", "binlint check --glibc 2.17, corpus"):
        r = by_label.get(label)
        if scan and r and scan.walls and r.walls:
            ratio = r.median / scan.median
            verdict = "meets" if ratio <= GOAL_RATIO else "misses"
            lines.append(f"{label} / scanelf = {ratio:.1f}x ({verdict} the goal of <= {GOAL_RATIO:g}x)")
    small = by_label.get("binlint check, one small file")
    if small and small.walls:
        verdict = "meets" if small.median <= GOAL_SMALL else "misses"
        lines.append(f"binlint check on one small file: {small.median:.3f} s median "
                     f"({verdict} the goal of < {GOAL_SMALL:g} s)")
    return lines


# --- main -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=5, help="timed runs per command, after one warm-up (5)")
    parser.add_argument("--binlint", metavar="CMD",
                        help="how to run binlint, e.g. /opt/venv/bin/binlint (default: sys.executable -m binlint)")
    parser.add_argument("--markdown", metavar="FILE", help="also write the table and machine as Markdown to FILE")
    parser.add_argument("--no-checksec", action="store_true", help="do not run checksec even if installed")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    binlint = shlex.split(args.binlint) if args.binlint else [sys.executable, "-m", "binlint"]
    # With `-m binlint` run from the repository, so its own binlint is the one measured.
    cwd = REPO if not args.binlint else Path.cwd()
    corpus = tuple(p for p in CORPUS if os.path.isdir(p))
    scanelf = shutil.which("scanelf")
    checksec = None if args.no_checksec else shutil.which("checksec")

    # Byte code as an installed binlint has it (pip compiles .pyc files at install): without this,
    # PYTHONDONTWRITEBYTECODE=1 in the environment makes every module edited since its last .pyc
    # compile again on each run. The warm-up run writes the .pyc files under bench/cache/.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(REPO / "bench" / "cache" / "pycache")
    load_before = os.getloadavg()
    print("counting ELF files ...", file=sys.stderr, flush=True)
    elf_files = binlint_elf_files(corpus)
    ok_binlint = {0, 1}  # 1: findings

    results: list[Result] = []
    print(f"measuring ({args.runs} runs after a warm-up):", file=sys.stderr, flush=True)
    if scanelf:
        results.append(measure(Result("scanelf, corpus", [scanelf, "-qR", "-e", "-r", "-n", *corpus],
                                      scanelf_elf_files(scanelf, corpus)), args.runs, {0}, cwd))
    else:
        results.append(Result("scanelf, corpus", [], None,
                              skipped="scanelf not found (Debian package pax-utils)"))
    # Like for like with scanelf, which does not open archives: the files only.
    results.append(measure(Result("binlint check --max-depth 0, corpus",
                                  [*binlint, "check", "--max-depth", "0", *corpus], len(elf_files)),
                           args.runs, ok_binlint, cwd))
    # Everything binlint does by default, including the objects inside static libraries.
    results.append(measure(Result("binlint check, corpus", [*binlint, "check", *corpus], len(elf_files)),
                           args.runs, ok_binlint, cwd))
    results.append(measure(Result("binlint check --glibc 2.17, corpus",
                                  [*binlint, "check", "--glibc", "2.17", *corpus], len(elf_files)),
                           args.runs, ok_binlint, cwd))
    results.append(measure(Result("binlint check, one small file", [*binlint, "check", SMALL_FILE], 1),
                           args.runs, ok_binlint, cwd))

    listfile = None
    if checksec:
        listfile = tempfile.NamedTemporaryFile("w", prefix="binlint-bench-", suffix=".txt", delete=False)
        subset = elf_files[:CHECKSEC_FILES]
        listfile.write("\n".join(subset) + "\n")
        listfile.close()
        results.append(measure(Result(f"checksec --listfile, {len(subset)}-file subset",
                                      [checksec, f"--listfile={listfile.name}"], len(subset)),
                               args.runs, {0, 1}, cwd))
    else:
        results.append(Result(f"checksec --listfile, {CHECKSEC_FILES}-file subset", [], None,
                              skipped="checksec not installed (Debian package checksec); not measured"
                              if not args.no_checksec else "--no-checksec"))
    if listfile is not None:
        os.unlink(listfile.name)

    info = machine_info(binlint, scanelf, checksec)
    # Other work on the machine skews the figures; the 1-minute load average shows it.
    info["load average (1, 5, 15 min)"] = (f"{' '.join(f'{x:.2f}' for x in load_before)} before, "
                                           f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} after")
    rows = table_rows(results)
    by_label = {r.label: r for r in results}
    summary = verdicts(by_label)

    print()
    for key, value in info.items():
        print(f"{key}: {value}")
    print(f"runs: {args.runs} timed after 1 warm-up; corpus: {' '.join(corpus)}")
    print()
    print(text_table(rows))
    print()
    print("\n".join(summary))
    for r in results:
        if r.error:
            print(f"error: {r.label}: {r.error}", file=sys.stderr)

    if args.markdown:
        lines = ["<!-- written by bench/run.py -->", "",
                 "| machine | |", "|---|---|", *[f"| {k} | {v} |" for k, v in info.items()],
                 f"| runs | {args.runs} timed, after 1 warm-up (warm page cache) |", "",
                 markdown_table(rows), "", *[f"- {line}" for line in summary], ""]
        Path(args.markdown).write_text("\n".join(lines), encoding="utf-8")
        print(f"\nwrote {args.markdown}", file=sys.stderr)
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
