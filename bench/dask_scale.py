#!/usr/bin/env python3
"""Scale benchmark (issue 19): binlint on a 2-worker Dask LocalCluster against one process,
the Dask path's fixed cost, futures against dask.bag, the cost per MB and per member, and
the bytes a check of wheels in S3 fetches (a moto server on 127.0.0.1).

Not a test. Needs the dask, s3 and parquet extras and moto[server] (the test extras have
them). The wheels are the real-world catalogue's (~/.cache/binlint-tests/wheels, filled by
tests/realworld), copied COPIES times into one folder to make 200+ artifacts.

    python3 bench/dask_scale.py                    # everything, 3 runs each, medians
    python3 bench/dask_scale.py -n 1 --json /tmp/scale.json

See docs/scale.md for the results and the model built on them.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CATALOGUE = Path(os.environ.get("BINLINT_TEST_CACHE", Path.home() / ".cache/binlint-tests")) / "wheels"
COPIES = 3


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


CPU_SECONDS: dict[str, float] = {}  # command -> median CPU seconds of it and its processes


def timed(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """The median wall time of each command over `runs` rounds, the commands alternated within
    each round (so a change in the machine's load falls on all of them), after a round that
    warms the caches; their CPU time (with the workers') goes into CPU_SECONDS: on a shared
    machine, the part of a figure that other users' load does not change."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for index in range(runs + 1):
        for name, command in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
            if result.returncode not in (0, 1):
                raise SystemExit(f"{' '.join(command)} failed: {result.stderr[-2000:]}")
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if index:
                times[name].append(time.perf_counter() - start)
                cpu[name].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    for name in commands:
        CPU_SECONDS[name] = round(statistics.median(cpu[name]), 2)
    return {name: statistics.median(values) for name, values in times.items()}


def binlint(*args: str) -> list[str]:
    return [sys.executable, "-m", "binlint", "check", "--no-config", "--no-progress", *args]


def folder_of(wheels: list[Path], copies: int, where: Path) -> Path:
    for copy in range(copies):
        (where / f"copy{copy}").mkdir(parents=True)
        for wheel in wheels:
            shutil.copyfile(wheel, where / f"copy{copy}" / wheel.name)  # not a link: discover() skips those
    return where


def members(wheels: list[Path]) -> int:
    return sum(len(zipfile.ZipFile(w).namelist()) for w in wheels)


def futures_against_bag(folder: Path, runs: int) -> dict[str, float]:
    """In one process, on one 2-worker cluster already started: scan() (futures, as_completed)
    against a dask.bag of the same batches."""
    import dask.bag as db
    from binlint.distributed import batches, check_batch, close, connect, scan
    from binlint.distributed.plugin import InstallRules
    from binlint.engine import Options
    from binlint.rules import load_rules, select_rules
    from binlint.rules.evaluate import Evaluation
    from binlint.walk.discover import discover

    artifacts, rules = discover([str(folder)]), select_rules(load_rules([]), [], [], [])  # the default rules
    client = connect(None, 2)  # as --dask starts it
    try:
        def with_futures() -> int:
            return len(scan(client, artifacts, rules, Options()))

        def with_bag() -> int:
            plugin = InstallRules(Evaluation(rules, Options()))
            client.register_plugin(plugin)
            try:
                parts = db.from_sequence(batches(artifacts, 2), npartitions=len(batches(artifacts, 2)))
                found = parts.map(lambda part: check_batch(part, plugin.name, Options().limits)[0]).compute()
            finally:
                client.unregister_worker_plugin(plugin.name)
            return sum(map(len, found))

        result = {}
        for name, run in (("futures", with_futures), ("bag", with_bag)):
            run()  # warm: imports and the LIEF helper in each worker
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                run()
                times.append(time.perf_counter() - start)
            result[name] = statistics.median(times)
    finally:
        close(client)
    return result


def remote_bytes(wheels: list[Path]) -> dict[str, object]:
    """The wheels in a moto S3 bucket: bytes fetched against their size, default rules and
    with the opt-in RECORD hash check (which needs every byte)."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": f"http://{host}:{port}"}
    s3 = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], aws_access_key_id="bench",
                      aws_secret_access_key="bench", region_name="us-east-1")
    s3.create_bucket(Bucket="wheels")
    for wheel in wheels:
        s3.upload_file(str(wheel), "wheels", f"dist/{wheel.name}")
    result: dict[str, object] = {}
    try:
        for name, extra in (("default rules", []), ("+ wheel-record-hash-mismatch",
                                                     ["--extend-select", "wheel-record-hash-mismatch"])):
            start = time.perf_counter()
            run = subprocess.run(binlint("s3://wheels/dist/", *extra), capture_output=True, text=True, env=env)
            line = [x for x in run.stderr.splitlines() if "fetched" in x]
            result[name] = {"seconds": round(time.perf_counter() - start, 2), "transfer": line[-1] if line else None}
    finally:
        server.stop()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=3, help="timed runs per command (median)")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--quick", action="store_true", help="only the throughput and the overhead")
    args = parser.parse_args()
    wheels = sorted(CATALOGUE.glob("*.whl"))
    if len(wheels) < 10:
        raise SystemExit(f"{CATALOGUE} holds {len(wheels)} wheels: run tests/realworld first")
    figures: dict[str, object] = {"load before": load(), "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as scratch:
        big = folder_of(wheels, COPIES, Path(scratch) / "many")
        ten = folder_of([w for w in wheels if "manylinux" in w.name][:10], 1, Path(scratch) / "ten")
        count = len(wheels) * COPIES
        size = sum(w.stat().st_size for w in wheels) * COPIES
        out = str(Path(scratch) / "out")
        big_runs = timed({"one": binlint(str(big), "--jobs", "1", "--format", "jsonl", "--output", out),
                          "default": binlint(str(big), "--format", "jsonl", "--output", out),
                          "dask": binlint(str(big), "--dask", "--jobs", "2", "--format", "jsonl", "--output", out)},
                         args.n)
        one, default, two = big_runs["one"], big_runs["default"], big_runs["dask"]
        figures.update({
            "wheels": count, "MB": round(size / 1e6, 1), "members": members(wheels) * COPIES,
            "one process --jobs 1 (s)": round(one, 2), "one process, default jobs (s)": round(default, 2),
            "dask 2 workers, cluster start included (s)": round(two, 2),
            "speed-up over --jobs 1": round(one / two, 2), "speed-up over default jobs": round(default / two, 2),
            "s per MB, one process": round(one / (size / 1e6), 4),
            "ms per member, one process": round(1000 * one / (members(wheels) * COPIES), 3),
        })
        small = timed({"10 wheels, one": binlint(str(ten), "--jobs", "1"),
                       "10 wheels, dask": binlint(str(ten), "--dask", "--jobs", "2")}, args.n)
        small_one, small_dask = small["10 wheels, one"], small["10 wheels, dask"]
        figures.update({"10 wheels, one process (s)": round(small_one, 2), "10 wheels, dask (s)": round(small_dask, 2),
                        "dask overhead on 10 wheels (s)": round(small_dask - small_one, 2)})
        figures["CPU seconds, with the workers'"] = dict(CPU_SECONDS)
        if not args.quick:
            figures["futures against bag, 2 workers, started (s)"] = {
                k: round(v, 2) for k, v in futures_against_bag(big, args.n).items()}
    if not args.quick:
        figures["remote, the catalogue in moto S3"] = remote_bytes(wheels)
    figures["load after"] = load()
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
