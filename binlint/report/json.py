"""binlint's JSON report, version 1 (documented in docs/json-report.md and
binlint/report/json-v1.schema.json)."""
from __future__ import annotations

import json

from binlint import __version__
from binlint.report.finding import Run, plain, statistics
from binlint.rules import SEVERITIES


def render(run: Run) -> str:
    document = {
        "version": 1,
        "tool": {"name": "binlint", "version": __version__},
        "target": dict(sorted(run.target.plain().items())),
        "targets": list(run.targets),
        "summary": {
            "files": run.files,
            "findings": len(run.findings),
            **{s: sum(f.severity == s for f in run.findings) for s in SEVERITIES},
            "suppressed": run.suppressed,
            "baselined": run.baselined,
        },
        "findings": [plain(f) for f in run.findings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_statistics(run: Run) -> str:
    """--statistics: one object per rule and severity, most frequent first."""
    return json.dumps([{"rule": rule, "severity": severity, "count": n, "summary": text}
                       for rule, severity, n, text in statistics(run)], indent=2, ensure_ascii=False) + "\n"
