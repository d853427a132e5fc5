"""Reporters: each turns the one list of findings into a document."""
from __future__ import annotations

from dataclasses import dataclass

from binlint.engine import Finding
from binlint.rules import Rule


@dataclass(frozen=True)
class Run:
    findings: list[Finding]
    rules: list[Rule]  # every enabled rule
    files: int  # artifacts scanned
    target: dict[str, str]
    color: bool = False


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
