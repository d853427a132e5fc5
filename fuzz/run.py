"""Fuzz binlint's readers with mutated fixtures, in pure Python (no dependency beyond the tests').

    python3 -m fuzz.run --inputs 100000            # fuzz; crashes go to fuzz/crashes/
    python3 -m fuzz.run --reproduce fuzz/crashes/X # what X does to binlint, with the traceback

Input i is a function of (--seed, i): the harness picks a seed file (formats take turns),
mutates it (fuzz/mutate.py) and runs it through what `binlint check` and `binlint facts` do
on one file: FileView, every member, every rule (all groups), every fact, and the three
reports. A crash is an exception escaping the check, an `internal error while reading`
diagnostic (an unexpected exception type inside a reader: readers must raise ArtifactError),
a report that cannot be written, a signal, or an input taking more than --timeout seconds.

Inputs run in a forked child, a batch at a time; the child reports each input's start and
end on a pipe, so when a signal kills it or it stops answering (a hang in C code, where
the per-input alarm cannot reach), the parent knows the input, records it and carries on
with a fresh child.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import select
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

from fuzz import mutate, seeds

CRASHES = Path(__file__).resolve().parent / "crashes"
SEED_CACHE = Path(tempfile.gettempdir()) / "binlint-fuzz-seeds"
BATCH = 500  # inputs per child: a fresh process now and then keeps state from piling up
GRACE = 5.0  # seconds past --timeout before the parent gives up on a silent child
INTERNAL = "internal error while reading"
# The formats fuzzed, each given an equal share of the inputs; kinds not listed (scripts,
# pyc, empty...) share the "other" slot.
FORMATS = ("elf", "zip", "tar", "compressed", "ar", "macho", "pyinstaller", "pe", "other")


class Hang(BaseException):
    """Raised by the alarm: a BaseException, so the engine's `except Exception` lets it out."""


def family(kind: str) -> str:
    if kind in ("gzip", "bzip2", "xz"):
        return "compressed"
    return kind if kind in FORMATS else "other"


class Corpus:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.by_format: dict[str, list[tuple[str, bytes]]] = {}
        for name in sorted(files):
            self.by_format.setdefault(family(mutate.fmt(files[name])), []).append((name, files[name]))
        self.formats = [f for f in FORMATS if f in self.by_format]
        self.all = [data for name in sorted(files) for data in (files[name],)]

    def make(self, seed: int, index: int) -> tuple[str, str, bytes, tuple[int, int]]:
        """(format, seed name, input, (max depth, member bytes)) of input `index`."""
        rng = random.Random(f"{seed}/{index}")
        form = self.formats[index % len(self.formats)]
        name, data = rng.choice(self.by_format[form])
        try:
            data = mutate.mutate(data, rng, self.all)
        except Exception:  # a mutator tripping over its own input: fall back to bytes
            data = mutate.generic(data, rng, [])
        limits = (rng.choice((4, 4, 6)), rng.choice((1 << 12, 1 << 20, 16 << 20)))
        return form, name, data, limits


# -- one input -----------------------------------------------------------------------------

class Checker:
    """Runs one file through the check, the facts and the reports, as the CLI would."""

    def __init__(self) -> None:
        from binlint.rules import load_rules, select_rules
        from binlint.rules.targets import from_flags

        self.rules = select_rules(load_rules(), ["ALL"], [], [])
        self.target = from_flags(glibc="2.17", kernel="5.4")

    def problems(self, path: str, limits: tuple[int, int]) -> list[str]:
        from binlint.formats.members import Limits
        from binlint.walk.discover import Artifact
        from binlint.engine import Options, check
        from binlint.facts.documents import documents as facts_documents
        from binlint.report import FORMATS as REPORTS, render
        from binlint.report.finding import Run

        found = []
        depth, member_bytes = limits
        options = Options((self.target,), depth == 6, Limits(depth, member_bytes, 4 * member_bytes))
        artifact = Artifact(os.path.basename(path), path)
        findings = check([artifact], self.rules, options, jobs=1)
        found += [f"{f.path}: {f.message}" for f in findings if INTERNAL in f.message]
        # The rules that fired: SARIF describes every rule it is given, and rendering all 118
        # cost each input 8 ms of its 11, the same every time.
        fired = [r for r in self.rules if r.id in {f.rule for f in findings}]
        for report in REPORTS:
            render(report, Run(findings, fired, 1, self.target)).encode("utf-8")
        documents = facts_documents([artifact], options.limits)
        text = json.dumps({"artifacts": documents}, ensure_ascii=False)
        text.encode("utf-8")
        if INTERNAL in text:
            found += [f"facts of {d['path']}: {d['facts'].get('file.error', '')}" for d in documents
                      if INTERNAL in json.dumps(d, ensure_ascii=False)]
        return found


def run_one(checker: Checker, path: str, limits: tuple[int, int], timeout: float) -> list[str]:
    """Problems of one input: [] when binlint coped."""
    def alarm(signum, frame):  # type: ignore[no-untyped-def]
        raise Hang()

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return checker.problems(path, limits)
    except Hang:
        return [f"hang: more than {timeout} s"]
    except BaseException as err:  # noqa: BLE001  # anything escaping the check is a crash
        if isinstance(err, KeyboardInterrupt):
            raise
        return ["exception escaping the check:\n" + traceback.format_exc()]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# -- the child -----------------------------------------------------------------------------

def child(corpus: Corpus, seed: int, indexes: range, timeout: float, work: str, out: int) -> None:
    checker = Checker()
    for index in indexes:
        form, _, data, limits = corpus.make(seed, index)
        path = os.path.join(work, f"input-{index}")
        with open(path, "wb") as f:
            f.write(data)
        os.write(out, f"S {index}\n".encode())
        start = time.perf_counter()
        found = run_one(checker, path, limits, timeout)
        seconds = time.perf_counter() - start
        os.unlink(path)
        os.write(out, (json.dumps({"index": index, "seconds": seconds, "problems": found}) + "\n").encode())


def run_batch(corpus: Corpus, seed: int, indexes: range, timeout: float, work: str, report) -> int:  # type: ignore[no-untyped-def]
    """Run `indexes` in children; `report(index, seconds, problems)` for each. Returns the
    index after the last one run (a child that dies is replaced, past the input that killed it)."""
    start = indexes.start
    while start < indexes.stop:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the parent's code
            os.close(read_end)
            code = 0
            try:
                child(corpus, seed, range(start, indexes.stop), timeout, work, write_end)
            except BaseException:  # noqa: BLE001
                traceback.print_exc()
                code = 70
            os._exit(code)
        os.close(write_end)
        current, buffer, last = None, b"", time.monotonic()
        status = None
        while True:
            ready, _, _ = select.select([read_end], [], [], 1.0)
            if ready:
                chunk = os.read(read_end, 65536)
                if not chunk:
                    break
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.startswith(b"S "):
                        current, last = int(line[2:]), time.monotonic()
                    else:
                        done = json.loads(line)
                        report(done["index"], done["seconds"], done["problems"])
                        current, start = None, done["index"] + 1
            elif current is not None and time.monotonic() - last > timeout + GRACE:
                os.kill(pid, signal.SIGKILL)  # silent past the alarm: stuck in C code
                status = f"hang: killed after {timeout + GRACE:.0f} s without an answer"
        os.close(read_end)
        _, wait_status = os.waitpid(pid, 0)
        if current is not None:  # the child died inside an input
            if status is None:
                status = (f"signal {signal.Signals(os.WTERMSIG(wait_status)).name}" if os.WIFSIGNALED(wait_status)
                          else f"child exited with {os.WEXITSTATUS(wait_status)} inside the input")
            report(current, timeout + GRACE, [status])
            start = current + 1
        elif start < indexes.stop:
            raise RuntimeError(f"fuzz child ended early (status {wait_status}) before input {start}")
    return start


# -- the parent ----------------------------------------------------------------------------

def load_corpus(cache: Path, bundles: bool) -> Corpus:
    files = seeds.fixture_seeds(seeds.conftest().Artifacts(cache / "fixtures"), bundles=bundles)
    files.update(seeds.data_seeds())
    files.update(seeds.shape_seeds())
    files.update(seeds.member_seeds(files))
    return Corpus(files)


def fuzz(corpus: Corpus, seed: int, inputs: int, timeout: float, crashes: Path | None,
         progress: bool = False, first: int = 0) -> dict:
    """Run inputs first..first+inputs-1; the figures, and each crash saved under `crashes`."""
    stats = {"inputs": 0, "crashes": 0, "hangs": 0, "seed": seed, "timeout": timeout,
             "formats": {f: 0 for f in corpus.formats}, "slowest": [0.0, None], "found": []}
    started = time.monotonic()

    def report(index: int, seconds: float, problems: list[str]) -> None:
        form, name, data, limits = corpus.make(seed, index)
        stats["inputs"] += 1
        stats["formats"][form] += 1
        if seconds > stats["slowest"][0]:
            stats["slowest"] = [round(seconds, 3), f"{name} #{index}"]
        if problems:
            hang = any(p.startswith("hang") for p in problems)
            stats["hangs" if hang else "crashes"] += 1
            saved = _save(crashes, form, name, index, seed, data, limits, problems) if crashes else None
            stats["found"].append({"index": index, "format": form, "seed_file": name, "problems": problems,
                                   "saved": saved})
            print(f"#{index} {form} {name}: {problems[0].splitlines()[0][:200]}", file=sys.stderr)
        if progress and stats["inputs"] % 5000 == 0:
            rate = stats["inputs"] / (time.monotonic() - started)
            print(f"{stats['inputs']} inputs, {stats['crashes']} crashes, {stats['hangs']} hangs, "
                  f"{rate:.0f}/s", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="binlint-fuzz-") as work:
        for start in range(first, first + inputs, BATCH):
            run_batch(corpus, seed, range(start, min(start + BATCH, first + inputs)), timeout, work, report)
    wall = time.monotonic() - started
    stats["wall_seconds"] = round(wall, 1)
    stats["inputs_per_second"] = round(stats["inputs"] / wall, 1) if wall else 0
    return stats


def _save(directory: Path, form: str, name: str, index: int, seed: int, data: bytes, limits: tuple[int, int],
          problems: list[str]) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / f"{form}-{index}"
    stem.with_suffix(".bin").write_bytes(data)
    depth, member_bytes = limits
    stem.with_suffix(".txt").write_text(
        f"seed file: {name}\ninput: --seed {seed} #{index}\nlimits: --max-depth {depth} "
        f"--max-member-size-bytes {member_bytes}\n"
        f"reproduce: python3 -m fuzz.run --reproduce {stem.with_suffix('.bin')} --max-depth {depth} "
        f"--member-bytes {member_bytes}\n\n" + "\n".join(problems) + "\n")
    return str(stem.with_suffix(".bin"))


def reproduce(path: str, depth: int, member_bytes: int) -> int:
    """Run one file as the fuzzer does and print its problems, with the traceback of each
    internal error (found by tracing the exception where it is raised)."""
    raised: dict[str, tuple[BaseException, str]] = {}

    def tracer(frame, event, arg):  # type: ignore[no-untyped-def]
        # Where each exception is first seen (its innermost frame); the last one of a given
        # type and text is the one that became the problem (libraries raise and catch their own).
        if event == "exception":
            key = f"{arg[0].__name__}: {arg[1]}"
            if key not in raised or raised[key][0] is not arg[1]:
                raised[key] = (arg[1], "".join(traceback.format_stack(frame)))
        return tracer

    checker = Checker()
    sys.settrace(tracer)
    try:
        problems = run_one(checker, path, (depth, member_bytes), 60.0)
    finally:
        sys.settrace(None)
    for problem in problems:
        print(problem)
        for key, (_, stack) in raised.items():
            if key in problem:
                print(f"raised at:\n{stack}{key}\n")
    print("no problem" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m fuzz.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--first", type=int, default=0, help="start at this input number")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds an input may take")
    parser.add_argument("--cache", type=Path, default=SEED_CACHE, help="where the seed fixtures are built")
    parser.add_argument("--bundles", action="store_true", help="also build real PyInstaller bundles as seeds")
    parser.add_argument("--crashes", type=Path, default=CRASHES)
    parser.add_argument("--summary", type=Path, help="write the figures as JSON here")
    parser.add_argument("--reproduce", metavar="FILE")
    parser.add_argument("--max-depth", type=int, default=4)
    parser.add_argument("--member-bytes", type=int, default=16 << 20)
    args = parser.parse_args(argv)
    if args.reproduce:
        return reproduce(args.reproduce, args.max_depth, args.member_bytes)
    corpus = load_corpus(args.cache, args.bundles)
    print(f"{sum(len(v) for v in corpus.by_format.values())} seeds: "
          + ", ".join(f"{f} {len(corpus.by_format[f])}" for f in corpus.formats), file=sys.stderr)
    stats = fuzz(corpus, args.seed, args.inputs, args.timeout, args.crashes, progress=True, first=args.first)
    summary = {k: v for k, v in stats.items() if k != "found"}
    print(json.dumps(summary, indent=2))
    if args.summary:
        args.summary.write_text(json.dumps(stats, indent=2) + "\n")
    return 1 if stats["crashes"] or stats["hangs"] else 0


if __name__ == "__main__":
    sys.exit(main())
