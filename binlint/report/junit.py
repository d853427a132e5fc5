"""JUnit XML, which every CI system shows as test results (GitLab's `reports: junit:`,
Jenkins, Azure Pipelines, GitHub test-reporter actions): one test suite per rule that ran,
one failed test case per finding, named by the artifact's path, with the rule's severity as
the failure type; a rule without findings is one passed test case, so a clean run still
shows what was checked."""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from binlint.report.finding import Run


def render(run: Run) -> str:
    by_rule: dict[str, list] = {r.id: [] for r in run.rules}
    for f in run.findings:
        by_rule.setdefault(f.rule, []).append(f)
    suites = []
    for rule, findings in by_rule.items():
        cases = [f'    <testcase classname={quoteattr("binlint." + rule)} name={quoteattr(f.path)} '
                 f'file={quoteattr(f.location)}>\n'
                 f'      <failure type={quoteattr(f.severity)} message={quoteattr(_line(f.message))}>'
                 f'{escape(_text(f))}</failure>\n    </testcase>' for f in findings]
        if not findings:
            checked = f"{run.files} file{'s' if run.files != 1 else ''} checked"
            cases = [f'    <testcase classname={quoteattr("binlint." + rule)} name={quoteattr(checked)}/>']
        suites.append(f'  <testsuite name={quoteattr(rule)} tests="{len(cases)}" failures="{len(findings)}" '
                      f'errors="0" skipped="0">\n' + "\n".join(cases) + "\n  </testsuite>")
    total = sum(max(len(fs), 1) for fs in by_rule.values())
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<testsuites name="binlint" tests="{total}" failures="{len(run.findings)}" errors="0">\n'
            + "\n".join(suites) + ("\n" if suites else "") + "</testsuites>\n")


def _line(text: str) -> str:
    """XML attributes normalise newlines away; a message is one line anyway."""
    return " ".join(text.split())


def _text(finding) -> str:  # type: ignore[no-untyped-def]
    chain = f"in {'!'.join(finding.members)}\n" if finding.members else ""
    return f"{finding.severity}[{finding.rule}] {finding.message}\n{chain}"
