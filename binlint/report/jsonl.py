"""Findings as JSON Lines (`--format jsonl --output DIR`): one finding a line, the fields of
the JSON report's findings (docs/json-report.md), in partitions of at most PARTITION_ROWS
lines, `part-00000.jsonl` on, in report order. For stores of millions of artifacts: each
partition is read on its own (pandas, DuckDB, Spark, `jq`), and none needs the whole run in
memory. The partitions of one input are the same bytes whatever the number of processes
or Dask workers; parquet.py writes the same rows as Parquet."""
from __future__ import annotations

import json
import os

from binlint.errors import BinlintError
from binlint.report.finding import Run, fingerprint

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterator

    from binlint.report.finding import Finding

PARTITION_ROWS = 100_000
SUFFIX = ".jsonl"


def rows(findings: list[Finding]) -> Iterator[dict[str, Any]]:
    for f in findings:
        yield {"rule": f.rule, "severity": f.severity, "path": f.path, "location": f.location,
               "members": list(f.members), "message": f.message, "evidence": f.evidence, "target": f.target,
               "fingerprint": fingerprint(f)}


def write(run: Run, directory: str) -> int:
    return write_partitions(run, directory, SUFFIX, _write_lines)


def _write_lines(path: str, part: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in part)


def write_partitions(run: Run, directory: str, suffix: str, write_one: Callable[[str, list], None]) -> int:
    """The run's findings in `directory` as `part-NNNNN{suffix}` files, each written whole
    (a temporary file renamed); partitions of an earlier run there are removed first, so
    the folder holds this run only. Returns the number of partitions (one, empty, for no
    findings: a reader finds the schema and zero rows)."""
    try:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.startswith("part-") and name.endswith(suffix):
                os.unlink(os.path.join(directory, name))
        every = list(rows(run.findings))
        count = 0
        for start in range(0, max(len(every), 1), PARTITION_ROWS):
            final = os.path.join(directory, f"part-{count:05d}{suffix}")
            temporary = os.path.join(directory, f".part-{count:05d}{suffix}.tmp")
            write_one(temporary, every[start:start + PARTITION_ROWS])
            os.replace(temporary, final)
            count += 1
    except OSError as err:
        raise BinlintError(f"cannot write {directory}: {err.strerror or err}") from None
    return count
