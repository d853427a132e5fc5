"""One line per finding, `path: severity[rule-id] message`, then a summary."""
from __future__ import annotations

from binlint.report import Run
from binlint.rules import SEVERITIES

COLORS = {"error": "\033[1;31m", "warning": "\033[1;33m", "note": "\033[1;36m"}
RESET = "\033[0m"


def render(run: Run) -> str:
    lines = []
    for f in run.findings:
        label = f"{f.severity}[{f.rule}]"
        if run.color:
            label = f"{COLORS[f.severity]}{label}{RESET}"
        lines.append(f"{f.path}: {label} {f.message}")
    lines.append(summary(run))
    return "\n".join(lines) + "\n"


def summary(run: Run) -> str:
    files = f"{run.files} file{'s' if run.files != 1 else ''}"
    if not run.findings:
        return f"No problems found in {files}."
    counts = [(s, sum(f.severity == s for f in run.findings)) for s in SEVERITIES]
    parts = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts if n)
    total = len(run.findings)
    return f"Found {total} problem{'s' if total != 1 else ''} ({parts}) in {files}."
