"""Reporters: each turns the one list of findings into a document."""
from __future__ import annotations

from collections import namedtuple

# findings: the sorted list of Finding; rules: every enabled rule; files: artifacts scanned;
# target: the target values given; color: whether the text report may use colour;
# suppressed, baselined: findings left out by a configured suppression or the baseline;
# targets: the names of the --target profiles checked against, each finding naming its own.
Run = namedtuple("Run", "findings rules files target color suppressed baselined targets",
                 defaults=(False, 0, 0, ()))

# Every report format, by name: the module that renders it (imported when chosen). text:
# one line per finding (ruff's "concise"); full: with every evidence item and the help link;
# github: workflow commands that annotate a GitHub Actions run; gitlab: GitLab's Code Quality
# report; junit: JUnit XML for any CI's test view.
REPORTERS = {"text": "text", "full": "text", "json": "json", "sarif": "sarif", "github": "github",
             "gitlab": "gitlab", "junit": "junit"}
FORMATS = tuple(REPORTERS)
STATISTICS_FORMATS = ("text", "full", "json")


def render(fmt: str, run: Run, statistics: bool = False) -> str:
    import importlib

    module = importlib.import_module(f"binlint.report.{REPORTERS[fmt]}")
    if statistics:
        return module.render_statistics(run)  # type: ignore[no-any-return]
    if fmt in ("text", "full"):
        return module.render(run, full=fmt == "full")  # type: ignore[no-any-return]
    return module.render(run)  # type: ignore[no-any-return]


def statistics(run: Run) -> list[tuple[str, str, int, str]]:
    """(rule, severity, count, summary) per rule and severity, most frequent first (--statistics)."""
    summaries = {r.id: r.summary for r in run.rules}
    counts: dict[tuple[str, str], int] = {}
    for f in run.findings:
        counts[f.rule, f.severity] = counts.get((f.rule, f.severity), 0) + 1
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(rule, severity, n, summaries.get(rule, "")) for (rule, severity), n in rows]
