"""Findings as Parquet (`--format parquet --output DIR`, pyarrow: `pip install
'binlint[parquet]'`): the rows and partitions of jsonl.py, with `evidence` as JSON text
(its items differ in shape from rule to rule, which a Parquet column cannot)."""
from __future__ import annotations

import json

from binlint.errors import BinlintError
from binlint.report.finding import Run
from binlint.report.jsonl import write_partitions

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SUFFIX = ".parquet"
_TEXT_COLUMNS = ("rule", "severity", "path", "location", "message", "evidence", "target", "fingerprint")


def write(run: Run, directory: str) -> int:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise BinlintError("--format parquet needs pyarrow: pip install 'binlint[parquet]'") from None
    return write_partitions(run, directory, SUFFIX, _write_table)


def _write_table(path: str, part: list[dict[str, Any]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([*(pa.field(name, pa.string()) for name in _TEXT_COLUMNS[:5]),
                        pa.field("members", pa.list_(pa.string())),
                        *(pa.field(name, pa.string()) for name in _TEXT_COLUMNS[5:])])
    columns = {field.name: [row[field.name] for row in part] for field in schema}
    columns["evidence"] = [json.dumps(value, ensure_ascii=False, sort_keys=True) for value in columns["evidence"]]
    pq.write_table(pa.table(columns, schema=schema), path)
