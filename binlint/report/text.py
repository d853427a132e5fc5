"""Text reports. `text`: one line per finding, `path: severity[rule-id] message`, then a
summary. `full`: the same line, then every evidence item (the message shows the first few)
and the rule's help link, then a blank line.
`--statistics`: one line per rule with its count."""
from __future__ import annotations

from binlint.report.finding import Run, render_item, statistics, summary
from binlint.rules.docs import help_uri

COLORS = {"error": "\033[1;31m", "warning": "\033[1;33m", "note": "\033[1;36m"}
RESET = "\033[0m"


def render(run: Run, full: bool = False) -> str:
    rules = {r.id: r for r in run.rules}
    lines = []
    for f in run.findings:
        label = f"{f.severity}[{f.rule}]"
        if run.color:
            label = f"{COLORS[f.severity]}{label}{RESET}"
        lines.append(f"{f.path}: {label} {f.message}")
        if full:
            rule = rules.get(f.rule)
            lines += [f"  evidence: {render_item(rule and rule.evidence, item)}" for item in f.evidence]
            if rule:
                lines.append(f"  help: {help_uri(rule)} (binlint rule {f.rule})")
            lines.append("")
    lines.append(summary(run))
    return "\n".join(lines) + "\n"


def render_statistics(run: Run) -> str:
    """`count  rule-id  severity  summary` per rule, most frequent first, then the summary."""
    rows = statistics(run)
    widths = [max((len(str(row[i])) for row in rows), default=0) for i in range(3)]
    lines = [f"{n:>{widths[2]}}  {rule:<{widths[0]}}  {severity:<{widths[1]}}  {text}".rstrip()
             for rule, severity, n, text in rows]
    return "\n".join([*lines, summary(run)]) + "\n"

