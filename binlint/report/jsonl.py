"""Findings as JSON Lines (`--format jsonl --output DIR`): one finding a line, the fields of
the JSON report's findings (docs/json-report.md), keys sorted. A folder format: the registry
(binlint/report/__init__.py) cuts the findings into partitions, `part-00000.jsonl` on, and
calls write_part for each. For stores of millions of artifacts: each partition is read on its
own (pandas, DuckDB, Spark, `jq`)."""
from __future__ import annotations

import json

from binlint.report.finding import plain

TYPE_CHECKING = False
if TYPE_CHECKING:
    from binlint.report.finding import Finding

SUFFIX = ".jsonl"


def write_part(path: str, findings: list[Finding]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(plain(finding), ensure_ascii=False, sort_keys=True) + "\n" for finding in findings)
