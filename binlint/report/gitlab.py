"""GitLab Code Quality: the JSON list of issues GitLab's merge-request widget and pipeline
Code Quality tab read (`artifacts: reports: codequality:`), a subset of Code Climate's
issue format. GitLab shows only files of the repository, so the location is the file on
disk (line 1: binaries have no lines); a finding in an archive member names the member
chain in its description, as the SARIF report does."""
from __future__ import annotations

import json

from binlint.report.finding import Run, fingerprint, relative_location

# GitLab's scale is info, minor, major, critical, blocker: errors rank above warnings.
SEVERITIES = {"error": "major", "warning": "minor", "note": "info"}


def render(run: Run) -> str:
    groups = {r.id: r.group for r in run.rules}
    issues = []
    for f in run.findings:
        description = f"{'!'.join(f.members)}: {f.message}" if f.members else f.message
        issues.append({
            "type": "issue",
            "check_name": f.rule,
            "description": description,
            "categories": ["Security" if groups.get(f.rule) == "hardening" else "Bug Risk"],
            "severity": SEVERITIES[f.severity],
            # GitLab tells issues apart by fingerprint alone; binlint's is one per rule,
            # artifact and target, stable across runs and releases.
            "fingerprint": fingerprint(f),
            "location": {"path": relative_location(f.location), "lines": {"begin": 1}},
        })
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
