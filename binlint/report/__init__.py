"""Reporters: each turns the one list of findings into a document."""
from __future__ import annotations

from collections import namedtuple

# findings: the sorted list of Finding; rules: every enabled rule; files: artifacts scanned;
# target: the target values given; color: whether the text report may use colour.
# targets: the names of the --target profiles checked against, each finding naming its own.
Run = namedtuple("Run", "findings rules files target color targets", defaults=(False, ()))


def render(fmt: str, run: Run) -> str:
    if fmt == "json":
        from binlint.report.json import render as render_json
        return render_json(run)
    if fmt == "sarif":
        from binlint.report.sarif import render as render_sarif
        return render_sarif(run)
    from binlint.report.text import render as render_text
    return render_text(run)


FORMATS = ("text", "json", "sarif")
