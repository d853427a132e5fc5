#!/usr/bin/env python3
"""Whole-process benchmark of binlint against `auditwheel show` on real manylinux wheels.

Not a test: it downloads wheels into bench/cache/wheels/, installs auditwheel into its own
venv bench/cache/venv, then times, per wheel, `auditwheel show WHEEL`, `binlint check WHEEL`,
`binlint check --glibc 2.17 WHEEL` and the inflate floor (a `python -c` that reads every
member with zipfile). Each command runs once to warm caches, then N times; the table gives
the medians, the ratio auditwheel/binlint, the peak RSS (GNU time %M) and binlint's
findings on each wheel.

    python3 bench/wheels.py                       # 3 runs each, binlint = sys.executable -m binlint
    python3 bench/wheels.py -n 5 --markdown /tmp/wheels.md --json /tmp/wheels.json
    python3 bench/wheels.py --binlint "/opt/venv/bin/binlint"
    python3 bench/wheels.py --offline             # only what bench/cache already holds

See bench/README.md for the method and docs/performance.md for the goals.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CACHE = HERE / "cache"
PINS = ("numpy==2.2.6", "scipy==1.16.3", "pyarrow==20.0.0", "opencv-python-headless==5.0.0.93")
PLATFORM = "manylinux2014_x86_64"
PYTHON_VERSION = "3.11"
GOAL_RATIO = 20.0  # auditwheel show / binlint check, every wheel: at least
GOAL_SCIPY = 0.9  # binlint check on the scipy wheel: seconds, at most
FLOOR_CODE = ("import sys, zipfile\n"
              "with zipfile.ZipFile(sys.argv[1]) as z:\n"
              "    for info in z.infolist():\n"
              "        z.read(info)\n")
ELF_FLOOR_CODE = ("import sys, zipfile\n"  # inflate the ELF members whole, only 4 bytes of the others
                  "with zipfile.ZipFile(sys.argv[1]) as z:\n"
                  "    for info in z.infolist():\n"
                  "        with z.open(info) as f:\n"
                  "            if f.read(4) == b'\\x7fELF':\n"
                  "                f.read()\n")
TIME = "/usr/bin/time"  # GNU time


def _load_corpus_bench():
    """bench/run.py, for the machine description shared by both benchmarks."""
    spec = importlib.util.spec_from_file_location("binlint_bench_run", HERE / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


corpus_bench = _load_corpus_bench()


# --- measuring ------------------------------------------------------------------------


@dataclass
class Timing:
    label: str
    argv: list[str]
    walls: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system seconds (GNU time %U + %S)
    error: str | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.walls) if self.walls else None

    @property
    def peak_mib(self) -> float | None:
        return max(self.rss_kib) / 1024 if self.rss_kib else None

    @property
    def cpu_median(self) -> float | None:
        return statistics.median(self.cpu) if self.cpu else None

    def as_dict(self) -> dict:
        return {"label": self.label, "command": shlex.join(self.argv), "walls": self.walls,
                "median": self.median, "peak_rss_kib": max(self.rss_kib) if self.rss_kib else None,
                "cpu_median": self.cpu_median, "error": self.error}


def run_once(argv: list[str], cwd: Path) -> tuple[float, int | None, float | None, int, str]:
    """(wall s, peak RSS KiB, user+sys s, exit status, stderr tail) of one whole-process run."""
    with tempfile.NamedTemporaryFile(prefix="binlint-bench-time-") as time_file, tempfile.TemporaryFile() as err:
        use_time = os.access(TIME, os.X_OK)
        full = [TIME, "-f", "%M %U %S", "-o", time_file.name, *argv] if use_time else argv
        start = time.perf_counter()
        proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, cwd=cwd)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read()[-2000:].decode("utf-8", "replace")
        # Without GNU time, ru_maxrss is an upper bound (Linux charges the forked parent's RSS).
        rss, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
        if use_time:
            # GNU time writes "Command exited with non-zero status N" before the format line.
            fields = Path(time_file.name).read_text().split()
            if len(fields) >= 3 and fields[-3].isdigit():
                rss, cpu = int(fields[-3]), float(fields[-2]) + float(fields[-1])
    return wall, rss, cpu, code, stderr


def measure(timings: list[tuple[Timing, set[int]]], runs: int, cwd: Path) -> None:
    """Warm every command up once, then run them in turn, N rounds: a burst of load from
    elsewhere on the machine then slows all of them, not one, and the ratios hold better."""
    for timing, _ok in timings:
        print(f"  {timing.label}: {shlex.join(timing.argv)}", file=sys.stderr, flush=True)
    for i in range(runs + 1):  # round 0 only warms caches (and writes the .pyc files)
        for timing, ok_codes in timings:
            if timing.error:
                continue
            wall, rss, cpu, code, stderr = run_once(timing.argv, cwd)
            if code not in ok_codes:
                timing.error = f"exit status {code}: {stderr.strip()[-500:]}"
            elif i:
                timing.walls.append(wall)
                timing.rss_kib.append(rss)
                timing.cpu.append(cpu)


# --- getting the wheels and auditwheel ------------------------------------------------


def run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    print(f"$ {shlex.join(argv)}", file=sys.stderr, flush=True)
    return subprocess.run(argv, **kwargs)


def ensure_venv(venv: Path, offline: bool) -> Path:
    """auditwheel in its own venv, made with the running Python's venv module."""
    auditwheel = venv / "bin" / "auditwheel"
    if auditwheel.exists():
        return auditwheel
    if offline:
        raise SystemExit(f"bench/wheels.py: {auditwheel} missing and --offline given")
    if not (venv / "bin" / "python").exists():
        run([sys.executable, "-m", "venv", str(venv)], check=True)
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "auditwheel"], check=True)
    return auditwheel


def wheel_name(path: Path) -> tuple[str, str]:
    """(normalised distribution name, version) from a wheel's file name."""
    name, version = path.name.split("-")[:2]
    return re.sub(r"[-_.]+", "_", name).lower(), version


def cached(dest: Path, name: str, version: str | None) -> Path | None:
    """The newest cached Linux x86-64 wheel of name (of exactly version, if given): the cache
    also holds the Windows wheels bench/windows.py fetches, which auditwheel does not read."""
    found = [p for p in dest.glob("*.whl") if wheel_name(p)[0] == name and (version is None or wheel_name(p)[1] == version)
             and "linux" in p.name and p.name.endswith("x86_64.whl")]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def pip_download(pip_python: Path, requirement: str, dest: Path) -> Path | None:
    before = {p.name for p in dest.glob("*.whl")}
    proc = run([str(pip_python), "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                "--no-deps", "--only-binary=:all:", "--platform", PLATFORM, "--python-version", PYTHON_VERSION,
                "-d", str(dest), requirement])
    if proc.returncode != 0:
        return None
    name = re.sub(r"[-_.]+", "_", re.split(r"[=<>!~ ]", requirement, maxsplit=1)[0]).lower()
    new = [p for p in dest.glob("*.whl") if p.name not in before and wheel_name(p)[0] == name]
    if new:
        return new[0]
    pinned = requirement.split("==", 1)[1] if "==" in requirement else None
    return cached(dest, name, pinned)  # pip found it already downloaded


def ensure_wheels(pins: list[str], dest: Path, pip_python: Path, offline: bool) -> list[tuple[str, Path, str]]:
    """(requirement, wheel, how it was obtained) for every pin; falls back to the newest version."""
    dest.mkdir(parents=True, exist_ok=True)
    got = []
    for pin in pins:
        name, _, version = pin.partition("==")
        name = re.sub(r"[-_.]+", "_", name).lower()
        wheel = cached(dest, name, version or None)
        how = "pinned, cached"
        if wheel is None and not offline:
            wheel, how = pip_download(pip_python, pin, dest), "pinned, downloaded"
            if wheel is None and version:
                print(f"bench/wheels.py: {pin} not available for {PLATFORM} / Python {PYTHON_VERSION}; "
                      f"trying the newest {name}", file=sys.stderr)
                wheel, how = pip_download(pip_python, name, dest), f"newest offered ({pin} unavailable)"
        if wheel is None:
            wheel, how = cached(dest, name, None), f"cached, another version ({pin} not available)"
        if wheel is None:
            raise SystemExit(f"bench/wheels.py: no wheel for {pin}")
        print(f"using {wheel.name} ({how})", file=sys.stderr)
        got.append((pin, wheel, how))
    return got


# --- the wheels -----------------------------------------------------------------------


def wheel_stats(path: Path) -> dict:
    members = elf = elf_bytes = total = 0
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if info.is_dir():
                continue
            members += 1
            total += info.file_size
            with z.open(info) as f:
                if f.read(4) == b"\x7fELF":
                    elf += 1
                    elf_bytes += info.file_size
    return {"size": path.stat().st_size, "members": members, "uncompressed": total,
            "elf_members": elf, "elf_bytes": elf_bytes}


def findings(binlint: list[str], wheel: Path, extra: list[str], cwd: Path) -> dict:
    """binlint's JSON report on wheel: summary and (rule, severity, member, message) of each finding."""
    proc = subprocess.run([*binlint, "check", "--format", "json", *extra, str(wheel)], cwd=cwd,
                          capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        return {"error": f"exit status {proc.returncode}: {proc.stderr.strip()[-500:]}"}
    report = json.loads(proc.stdout)
    return {"options": extra, "exit": proc.returncode, "target": report.get("target"), "summary": report["summary"],
            "findings": [{"rule": f["rule"], "severity": f["severity"], "members": f["members"],
                          "message": f["message"]} for f in report["findings"]]}


def auditwheel_verdict(auditwheel: Path, wheel: Path) -> str:
    """The platform tag `auditwheel show` says the wheel is consistent with, to set beside binlint's findings."""
    proc = subprocess.run([str(auditwheel), "show", str(wheel)], capture_output=True, text=True)
    text = " ".join(proc.stdout.split())
    match = re.search(r'consistent with the following platform tag: "([^"]+)"', text)
    if match:
        return f"consistent with {match[1]}"
    return f"exit status {proc.returncode}: {text[:300] or proc.stderr.strip()[-300:]}"


# --- report ---------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def ratio(a: Timing, b: Timing) -> float | None:
    return a.median / b.median if a.median and b.median else None


def rows_for(results: list[dict]) -> tuple[list[str], list[list[str]], list[str], list[list[str]]]:
    time_header = ["wheel", "size MiB", "members", "ELF members", "auditwheel show s", "binlint s",
                   "auditwheel / binlint", "binlint --glibc 2.17 s", "auditwheel / --glibc", "inflate floor s",
                   "binlint / floor", "ELF floor s", "findings (default, --glibc 2.17)"]
    time_rows = []
    mem_header = ["wheel", "uncompressed MiB", "ELF MiB", "auditwheel RSS MiB", "binlint RSS MiB",
                  "binlint --glibc 2.17 RSS MiB", "floor RSS MiB", "ELF floor RSS MiB", "binlint CPU s",
                  "auditwheel CPU s", "auditwheel / binlint, CPU"]
    mem_rows = []
    for r in results:
        s, t = r["stats"], r["timings"]
        aw, bl, gl, fl, ef = t["auditwheel"], t["binlint"], t["binlint_glibc"], t["floor"], t["elf_floor"]
        counts = ", ".join(str(f["summary"]["findings"]) if "summary" in f else "error"
                           for f in (r["findings"]["default"], r["findings"]["glibc"]))
        time_rows.append([r["wheel"].name, f"{s['size'] / 2**20:.1f}", f"{s['members']:,}", f"{s['elf_members']:,}",
                          fmt(aw.median), fmt(bl.median), fmt(ratio(aw, bl), 1) + "x", fmt(gl.median),
                          fmt(ratio(aw, gl), 1) + "x", fmt(fl.median), fmt(ratio(bl, fl), 2) + "x", fmt(ef.median),
                          counts])
        mem_rows.append([r["wheel"].name, f"{s['uncompressed'] / 2**20:.1f}", f"{s['elf_bytes'] / 2**20:.1f}",
                         fmt(aw.peak_mib, 1), fmt(bl.peak_mib, 1), fmt(gl.peak_mib, 1), fmt(fl.peak_mib, 1),
                         fmt(ef.peak_mib, 1), fmt(bl.cpu_median, 2), fmt(aw.cpu_median, 2),
                         fmt(aw.cpu_median / bl.cpu_median, 1) + "x" if aw.cpu_median and bl.cpu_median else "–"])
    return time_header, time_rows, mem_header, mem_rows


def text_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(row[i].ljust(widths[i]) if i == 0 else row[i].rjust(widths[i])
                               for i in range(len(header))) for row in [header, *rows])


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def verdicts(results: list[dict]) -> list[str]:
    lines = []
    for r in results:
        t = r["timings"]
        for key, label in (("binlint", "binlint check"), ("binlint_glibc", "binlint check --glibc 2.17")):
            q = ratio(t["auditwheel"], t[key])
            if q is None:
                lines.append(f"{r['wheel'].name}: {label}: no ratio (a command failed)")
                continue
            verdict = "meets" if q >= GOAL_RATIO else "misses"
            lines.append(f"{r['wheel'].name}: auditwheel show / {label} = {q:.1f}x "
                         f"({verdict} the goal of >= {GOAL_RATIO:g}x)")
        if r["name"] == "scipy":
            for key, label in (("binlint", "binlint check"), ("binlint_glibc", "binlint check --glibc 2.17")):
                m = t[key].median
                if m is not None:
                    verdict = "meets" if m < GOAL_SCIPY else "misses"
                    lines.append(f"{r['wheel'].name}: {label} {m:.3f} s ({verdict} the goal of < {GOAL_SCIPY:g} s)")
    return lines


def findings_lines(results: list[dict]) -> list[str]:
    lines = []
    for r in results:
        for key in ("default", "glibc", "prefer_tags"):
            f = r["findings"][key]
            opts = " ".join(f.get("options", [])) or "(no options)"
            if "error" in f:
                lines.append(f"{r['wheel'].name} {opts}: error: {f['error']}")
                continue
            s = f["summary"]
            if key == "default":
                lines.append(f"{r['wheel'].name}: auditwheel show: {r['auditwheel_verdict']}")
            lines.append(f"{r['wheel'].name} {opts}: target {json.dumps(f['target'])}: {s['findings']} findings "
                         f"({s['error']} error, {s['warning']} warning, {s['note']} note), {s['files']} files")
            for item in f["findings"]:
                where = "!".join(item["members"]) or "(the wheel)"
                lines.append(f"    {item['severity']} {item['rule']} {where}: {item['message']}")
    return lines


# --- main -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=3, help="timed runs per command, after one warm-up (3)")
    parser.add_argument("--binlint", metavar="CMD",
                        help="how to run binlint, e.g. /opt/venv/bin/binlint (default: sys.executable -m binlint)")
    parser.add_argument("--cache", metavar="DIR", default=str(CACHE),
                        help="where the wheels (DIR/wheels) and the auditwheel venv (DIR/venv) live (bench/cache)")
    parser.add_argument("--offline", action="store_true", help="download nothing; use what the cache holds")
    parser.add_argument("--markdown", metavar="FILE", help="also write the tables and machine as Markdown to FILE")
    parser.add_argument("--json", metavar="FILE", help="also write every measurement and finding as JSON to FILE")
    parser.add_argument("pins", nargs="*", metavar="REQ", default=list(PINS),
                        help=f"wheels to download, as pip requirements ({' '.join(PINS)})")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    binlint = shlex.split(args.binlint) if args.binlint else [sys.executable, "-m", "binlint"]
    cwd = REPO if not args.binlint else Path.cwd()
    cache = Path(args.cache).resolve()
    venv = cache / "venv"
    auditwheel = ensure_venv(venv, args.offline)
    wheels = ensure_wheels(args.pins, cache / "wheels", venv / "bin" / "python", args.offline)

    # Byte code as an installed binlint has it: pip compiles .pyc files at install, while with
    # PYTHONDONTWRITEBYTECODE=1 (set in some CI and agent environments) every module edited since
    # its last .pyc is compiled again on every run (~40 ms for binlint). The warm-up run writes the
    # .pyc files under the cache, never into the source tree.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(cache / "pycache")
    load_before = os.getloadavg()
    info = corpus_bench.machine_info(binlint, None, None)
    if not args.binlint:  # the checkout changes under concurrent work: name the exact sources measured
        digest = hashlib.sha256()
        for source in sorted((REPO / "binlint").rglob("*")):
            if source.suffix in (".py", ".json") and "__pycache__" not in source.parts:
                digest.update(source.relative_to(REPO).as_posix().encode() + b"\0" + source.read_bytes())
        info["binlint sources (sha256 of binlint/*.py, *.json)"] = digest.hexdigest()[:12]
    info["auditwheel"] = " ".join(corpus_bench.tool_version([str(auditwheel), "--version"]).split()[:2])
    info["memory"] = next((f"{int(line.split()[1]) / 2**20:.1f} GiB" for line in
                           Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), "unknown")
    floor = [sys.executable, "-c", FLOOR_CODE]
    startup = Timing("python -c pass (interpreter start-up)", [sys.executable, "-c", "pass"])
    measure([(startup, {0})], args.runs, cwd)

    results = []
    print(f"measuring ({args.runs} runs after a warm-up):", file=sys.stderr, flush=True)
    for pin, wheel, how in wheels:
        print(f"{wheel.name}:", file=sys.stderr, flush=True)
        stats = wheel_stats(wheel)
        found = {"default": findings(binlint, wheel, [], cwd),
                 "glibc": findings(binlint, wheel, ["--glibc", "2.17"], cwd),
                 "prefer_tags": findings(binlint, wheel, ["--glibc", "2.17", "--prefer-wheel-tags"], cwd)}
        timings = {
            "auditwheel": Timing("auditwheel show", [str(auditwheel), "show", str(wheel)]),
            "binlint": Timing("binlint check", [*binlint, "check", str(wheel)]),
            "binlint_glibc": Timing("binlint check --glibc 2.17", [*binlint, "check", "--glibc", "2.17", str(wheel)]),
            "floor": Timing("inflate floor", [*floor, str(wheel)]),
            "elf_floor": Timing("ELF inflate floor", [sys.executable, "-c", ELF_FLOOR_CODE, str(wheel)]),
        }
        ok = {"auditwheel": {0}, "binlint": {0, 1}, "binlint_glibc": {0, 1}}
        measure([(t, ok.get(key, {0})) for key, t in timings.items()], args.runs, cwd)
        results.append({"pin": pin, "wheel": wheel, "how": how, "name": wheel_name(wheel)[0], "stats": stats,
                        "auditwheel_verdict": auditwheel_verdict(auditwheel, wheel), "findings": found, "timings": timings})
    info["load average (1, 5, 15 min)"] = (f"{' '.join(f'{x:.2f}' for x in load_before)} before, "
                                           f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} after")

    time_header, time_rows, mem_header, mem_rows = rows_for(results)
    summary = verdicts(results)
    found_lines = findings_lines(results)
    wheels_used = [f"{r['pin']}: {r['wheel'].name} ({r['how']})" for r in results]
    startup_line = (f"python -c pass: {fmt(startup.median)} s median, {fmt(startup.peak_mib, 1)} MiB "
                    "(interpreter start-up, included in binlint and the floor)")

    print()
    for key, value in info.items():
        print(f"{key}: {value}")
    print(f"runs: {args.runs} timed after 1 warm-up; platform {PLATFORM}, Python {PYTHON_VERSION}")
    print("wheels:", *wheels_used, sep="\n  ")
    print()
    print(text_table(time_header, time_rows))
    print()
    print(text_table(mem_header, mem_rows))
    print()
    print(startup_line)
    print("\n".join(summary))
    print()
    print("binlint findings:")
    print("\n".join(found_lines))
    errors = [(r["wheel"].name, t) for r in results for t in r["timings"].values() if t.error]
    for name, t in errors:
        print(f"error: {name}: {t.label}: {t.error}", file=sys.stderr)

    if args.markdown:
        lines = ["<!-- written by bench/wheels.py -->", "",
                 "| machine | |", "|---|---|", *[f"| {k} | {v} |" for k, v in info.items()],
                 f"| runs | {args.runs} timed, after 1 warm-up (warm page cache) |", "",
                 *[f"- {w}" for w in wheels_used], "",
                 markdown_table(time_header, time_rows), "", markdown_table(mem_header, mem_rows), "",
                 f"- {startup_line}", *[f"- {line}" for line in summary], "",
                 "```", *found_lines, "```", ""]
        Path(args.markdown).write_text("\n".join(lines), encoding="utf-8")
        print(f"\nwrote {args.markdown}", file=sys.stderr)
    if args.json:
        data = {"machine": info, "runs": args.runs, "startup": startup.as_dict(),
                "wheels": [{**{k: v for k, v in r.items() if k not in ("wheel", "timings")},
                            "wheel": r["wheel"].name,
                            "timings": {k: t.as_dict() for k, t in r["timings"].items()}} for r in results]}
        Path(args.json).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
