"""Findings as Parquet (`--format parquet --output DIR`, pyarrow: `pip install
'binlint[parquet]'`): the rows of jsonl.py in the same partitions, with `evidence` as JSON
text (its items differ in shape from rule to rule, which a Parquet column cannot)."""
from __future__ import annotations

import json

from binlint.report.finding import plain

TYPE_CHECKING = False
if TYPE_CHECKING:
    from binlint.report.finding import Finding

SUFFIX = ".parquet"
REQUIRES = ("pyarrow", "parquet")  # the module it needs, and the extra that brings it
_TEXT = ("rule", "severity", "path", "location", "message", "evidence", "target", "fingerprint")


def write_part(path: str, findings: list[Finding]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([*(pa.field(name, pa.string()) for name in _TEXT[:4]),
                        pa.field("members", pa.list_(pa.string())),
                        *(pa.field(name, pa.string()) for name in _TEXT[4:])])
    rows = [plain(f) for f in findings]
    columns = {field.name: [row[field.name] for row in rows] for field in schema}
    columns["evidence"] = [json.dumps(value, ensure_ascii=False, sort_keys=True) for value in columns["evidence"]]
    pq.write_table(pa.table(columns, schema=schema), path)
