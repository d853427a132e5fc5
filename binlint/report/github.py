"""GitHub Actions workflow commands: one `::error file=PATH,title=...::message` line per
finding (warning and notice for the other severities), which the runner turns into
annotations on the run and, for files in a pull request's diff, on the files. The file is
the one on disk; a finding in an archive member names the member chain in the message."""
from __future__ import annotations

from binlint.report.finding import Run, relative_location, summary

COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def render(run: Run) -> str:
    lines = []
    for f in run.findings:
        message = f"{'!'.join(f.members)}: {f.message}" if f.members else f.message
        file, title = escape_property(relative_location(f.location)), escape_property(f"binlint ({f.rule})")
        lines.append(f"::{COMMANDS[f.severity]} file={file},title={title}::{escape_data(message)}")
    lines.append(summary(run))
    return "\n".join(lines) + "\n"


def escape_data(text: str) -> str:
    """The runner's escaping of a command's message (actions/toolkit `escapeData`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """The runner's escaping of a property value, where `:` and `,` are separators
    (actions/toolkit `escapeProperty`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
