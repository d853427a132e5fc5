"""Reporters: each turns the one list of findings into a document."""
from __future__ import annotations

from collections import namedtuple

# findings: the sorted list of Finding; rules: every enabled rule; files: artifacts scanned;
# target: the target values given; color: whether the text report may use colour;
# suppressed, baselined: findings left out by a configured suppression or the baseline;
# targets: the names of the --target profiles checked against, each finding naming its own.
Run = namedtuple("Run", "findings rules files target color suppressed baselined targets",
                 defaults=(False, 0, 0, ()))

# text: one line per finding (ruff's "concise"); full: with every evidence item and the
# help link; github: workflow commands that annotate a GitHub Actions run.
FORMATS = ("text", "full", "json", "sarif", "github")
STATISTICS_FORMATS = ("text", "full", "json")


def render(fmt: str, run: Run, statistics: bool = False) -> str:
    if statistics:
        if fmt == "json":
            from binlint.report.json import render_statistics as render_json_statistics
            return render_json_statistics(run)
        from binlint.report.text import render_statistics
        return render_statistics(run)
    if fmt == "json":
        from binlint.report.json import render as render_json
        return render_json(run)
    if fmt == "sarif":
        from binlint.report.sarif import render as render_sarif
        return render_sarif(run)
    if fmt == "github":
        from binlint.report.github import render as render_github
        return render_github(run)
    from binlint.report.text import render as render_text
    return render_text(run, full=fmt == "full")


def statistics(run: Run) -> list[tuple[str, str, int, str]]:
    """(rule, severity, count, summary) per rule and severity, most frequent first (--statistics)."""
    summaries = {r.id: r.summary for r in run.rules}
    counts: dict[tuple[str, str], int] = {}
    for f in run.findings:
        counts[f.rule, f.severity] = counts.get((f.rule, f.severity), 0) + 1
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(rule, severity, n, summaries.get(rule, "")) for (rule, severity), n in rows]
