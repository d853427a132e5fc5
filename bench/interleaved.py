#!/usr/bin/env python3
"""Time two or more installed binlints against each other, interleaved: each round runs every
case with every binlint in turn, so load from elsewhere on the machine slows all of them.

    python3 bench/interleaved.py -n 11 --binlint old=/tmp/old/bin/binlint --binlint new=.venv/bin/binlint
    python3 bench/interleaved.py -n 9 tree one numpy --binlint a=... --binlint b=...

Cases (default: all): tree (`/usr/lib/x86_64-linux-gnu /usr/bin`, default rules), tree0 (the
same with `--max-depth 0`), one (`/usr/bin/true`), the numpy, scipy, pyarrow and opencv
manylinux wheels of bench/cache/wheels (see bench/wheels.py; this checkout's, else the main
worktree's), dist (those four at once, as `binlint check dist/` meets them), and numpy-win
and scipy-win, the win_amd64 wheels pinned in bench/windows.py
(downloaded when missing). On those two, `delvewheel show WHEEL` runs in the same rounds
(bench/cache/venv's, installed when missing; `--delvewheel CMD` for another, `--delvewheel none`
for none), and the line ends with delvewheel's median over each binlint's.
Prints, per case and binlint, the median wall time of N rounds after one warm-up round, with
the fastest and slowest, the median CPU time (user and system, its child processes included:
waiting for a busy core does not count), and the load average before and after.
"""
from __future__ import annotations

import argparse
import glob
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import windows  # noqa: E402  (bench/windows.py, beside this script)

TREE = ["/usr/lib/x86_64-linux-gnu", "/usr/bin"]
WHEELS = ("numpy", "scipy", "pyarrow", "opencv")


def cases() -> dict[str, list[str]]:
    found = {"tree": TREE, "tree0": ["--max-depth", "0", *TREE], "one": ["/usr/bin/true"]}
    for cache in (os.path.join(HERE, "cache", "wheels"), "/work/main/bench/cache/wheels"):
        for name in WHEELS:
            wheels = sorted(w for w in glob.glob(os.path.join(cache, f"{name}*.whl")) if "-win" not in w)
            if wheels and name not in found:
                found[name] = [wheels[0]]
    if all(name in found for name in WHEELS):
        found["dist"] = [found[name][0] for name in WHEELS]
    return found


def windows_case(case: str) -> list[str]:
    path = windows.wheel(case)
    if path is None:
        raise SystemExit(f"bench/interleaved.py: no wheel for {case} ({windows.PINS[case][0]})")
    return [path]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", help="cases to run (default: all)")
    parser.add_argument("-n", type=int, default=9, help="timed rounds (default 9)")
    parser.add_argument("--binlint", action="append", required=True, metavar="NAME=COMMAND")
    parser.add_argument("--delvewheel", metavar="COMMAND", help="delvewheel for the Windows cases (default: "
                        "bench/cache/venv's, installed when missing; `none`: do not run it)")
    args = parser.parse_args()
    commands = {name: [*command.split(), "check"] for name, command in (b.split("=", 1) for b in args.binlint)}
    known = cases()
    chosen = args.cases or [*known, *windows.PINS]
    for case in chosen:
        if case in windows.PINS:
            known[case] = windows_case(case)
    if any(case in windows.PINS for case in chosen) and args.delvewheel != "none":
        delvewheel = args.delvewheel.split() if args.delvewheel else [windows.delvewheel() or "delvewheel"]
        commands["delvewheel"] = [*delvewheel, "show"]
    # As bench/run.py: byte code compiled once into a cache, never into the source tree.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = os.path.join(HERE, "cache", "pycache")
    times: dict[tuple[str, str], list[float]] = {(c, b): [] for c in chosen for b in commands}
    cpu: dict[tuple[str, str], list[float]] = {(c, b): [] for c in chosen for b in commands}
    load = os.getloadavg()[0]
    for round_ in range(args.n + 1):  # round 0 warms the page cache and the byte code
        for case in chosen:
            for name, command in commands.items():
                if name == "delvewheel" and case not in windows.PINS:
                    continue
                start = time.perf_counter()
                child = subprocess.Popen([*command, *known[case]], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, env=env)
                _, _, usage = os.wait4(child.pid, 0)
                child.returncode = 0  # reaped above
                if round_:
                    times[(case, name)].append(time.perf_counter() - start)
                    cpu[(case, name)].append(usage.ru_utime + usage.ru_stime)
    print(f"{args.n} rounds; load average {load:.1f} before, {os.getloadavg()[0]:.1f} after")
    for case in chosen:
        ran = [name for name in commands if times[(case, name)]]
        line = "  ".join(f"{name} {statistics.median(t):.3f} s ({min(t):.3f}-{max(t):.3f}, "
                         f"CPU {statistics.median(cpu[(case, name)]):.3f})" for name in ran for t in [times[(case, name)]])
        if "delvewheel" in ran:  # delvewheel's median over each binlint's
            line += "  delvewheel/" + ", ".join(
                f"{name} {statistics.median(times[(case, 'delvewheel')]) / statistics.median(times[(case, name)]):.1f}x"
                for name in ran if name != "delvewheel")
        print(f"{case:9s}", line)


if __name__ == "__main__":
    main()
