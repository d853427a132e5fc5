"""binlint's JSON report, version 1 (documented in docs/json-report.md and
binlint/report-v1.schema.json)."""
from __future__ import annotations

import json

from binlint import __version__
from binlint.report import Run
from binlint.rules import SEVERITIES


def render(run: Run) -> str:
    document = {
        "version": 1,
        "tool": {"name": "binlint", "version": __version__},
        "target": dict(sorted(run.target.items())),
        "targets": list(run.targets),
        "summary": {
            "files": run.files,
            "findings": len(run.findings),
            **{s: sum(f.severity == s for f in run.findings) for s in SEVERITIES},
            "suppressed": run.suppressed,
            "baselined": run.baselined,
        },
        "findings": [
            {"rule": f.rule, "severity": f.severity, "path": f.path, "location": f.location,
             "members": list(f.members), "message": f.message, "evidence": f.evidence,
             "target": f.target, "fingerprint": f.fingerprint}
            for f in run.findings
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_statistics(run: Run) -> str:
    """--statistics: one object per rule and severity, most frequent first."""
    rules = {r.id: r for r in run.rules}
    counts: dict[tuple[str, str], int] = {}
    for f in run.findings:
        counts[f.rule, f.severity] = counts.get((f.rule, f.severity), 0) + 1
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return json.dumps([{"rule": rule, "severity": severity, "count": n,
                        "summary": rules[rule].summary if rule in rules else ""}
                       for (rule, severity), n in rows], indent=2, ensure_ascii=False) + "\n"
