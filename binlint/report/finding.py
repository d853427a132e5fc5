"""The model every reporter shares: what a rule found, in which file, and how it is named
stably across runs (Finding, fingerprint, locations, evidence rendering); the run being
reported (Run), with its per-rule statistics and summary line. Reporters import this and
the rules' metadata, never the engine or the CLI."""
from __future__ import annotations

import functools
import os
from collections import namedtuple

from binlint.remote import is_url
from binlint.rules import PLACEHOLDER, SEVERITIES
from binlint.wheeltags import stable_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

EVIDENCE_SHOWN = 8  # items a message lists before "(+N more)"; JSON and SARIF carry them all

# path: as reports show it (members after a `!`); location: the file on disk holding it;
# members: the names inside `location` leading to it; evidence: the list items the
# condition matched, as plain JSON values.
# target: the name of the Target the finding is for (a --target profile), or None.
Finding = namedtuple("Finding", "rule severity path message evidence location members target", defaults=(None,))

# What every reporter renders. findings: the sorted list of Finding; rules: every enabled
# rule; files: artifacts scanned; target: the Target the flags give; color: whether the text
# report may use colour; suppressed, baselined: findings left out by a configured
# suppression or the baseline; targets: the names of the --target profiles checked
# against, each finding naming its own.
Run = namedtuple("Run", "findings rules files target color suppressed baselined targets",
                 defaults=(False, 0, 0, ()))


def finding_order(finding: Finding) -> tuple[str, int, str, str]:
    """Reports list findings by path, then most severe first, rule and target."""
    return finding.path, SEVERITIES.index(finding.severity), finding.rule, finding.target or ""


def render_item(template: str | None, item: Any) -> str:
    if template is None or not isinstance(item, dict):
        return show(item)
    return PLACEHOLDER.sub(lambda m: show(item[m[1]]), template)


def show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k}={show(v)}" for k, v in value.items())
    if isinstance(value, list):
        shown = ", ".join(show(v) for v in value[:EVIDENCE_SHOWN])
        more = len(value) - EVIDENCE_SHOWN
        return shown + (f" (+{more} more)" if more > 0 else "")
    text = str(value)
    if text.isprintable():
        return text
    # A message is one line: a \r from a CRLF line end or any other control character is
    # shown as its escape, the way the error users see quotes it ('python3\r').
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def fingerprint(finding: Finding, root: str | None = None) -> str:
    """Stable across runs, message rewording, spellings of the path and release versions in
    wheel and sdist names: one finding per rule, artifact and named target, with the path
    taken relative to `root` (the working directory). Made when a report shows it (JSON,
    SARIF, a baseline), not for every finding."""
    parts = [stable_location(finding.location, root or os.getcwd()), *map(stable_path, finding.members)]
    if finding.target is not None:
        parts.append(f"target={finding.target}")
    import hashlib  # only reports that show fingerprints pay its 3 ms

    digest = hashlib.sha256("\0".join([finding.rule, *parts]).encode()).hexdigest()
    return f"{digest[:16]}:1"


def plain(finding: Finding) -> dict[str, Any]:
    """One finding as the JSON report, JSON Lines and Parquet show it."""
    f = finding
    return {"rule": f.rule, "severity": f.severity, "path": f.path, "location": f.location,
            "members": list(f.members), "message": f.message, "evidence": f.evidence, "target": f.target,
            "fingerprint": fingerprint(f)}


def stable_location(location: str, root: str) -> str:
    """The file on disk relative to `root`, with / separators and without release versions;
    a remote file's URL (binlint/remote) as it is, without release versions."""
    if is_url(location):
        return stable_path(location)
    return _stable_relative(os.path.abspath(location), root)


@functools.lru_cache(maxsize=4096)  # a file with findings names its location once for each
def _stable_relative(path: str, root: str) -> str:
    return stable_path(os.path.relpath(path, root).replace(os.sep, "/"))


def relative_location(path: str) -> str:
    """The path relative to the working directory (SARIF's %SRCROOT%), with / separators; a
    remote file's URL as it is."""
    if is_url(path):
        return path
    return os.path.relpath(os.path.abspath(path)).replace(os.sep, "/")


def statistics(run: Run) -> list[tuple[str, str, int, str]]:
    """(rule, severity, count, summary) per rule and severity, most frequent first (--statistics)."""
    summaries = {r.id: r.summary for r in run.rules}
    counts: dict[tuple[str, str], int] = {}
    for f in run.findings:
        counts[f.rule, f.severity] = counts.get((f.rule, f.severity), 0) + 1
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(rule, severity, n, summaries.get(rule, "")) for (rule, severity), n in rows]


def summary(run: Run) -> str:
    """The line that ends the text reports: how many problems of each severity in how many files."""
    files = f"{run.files} file{'s' if run.files != 1 else ''}"
    left_out = ", ".join(f"{n} {what}" for what, n in (("baselined", run.baselined), ("suppressed", run.suppressed))
                         if n)
    if not run.findings:
        return f"No problems found in {files}" + (f" ({left_out})." if left_out else ".")
    counts = [(s, sum(f.severity == s for f in run.findings)) for s in SEVERITIES]
    parts = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts if n)
    total = len(run.findings)
    return (f"Found {total} {'new ' if run.baselined else ''}problem{'s' if total != 1 else ''} ({parts}) "
            f"in {files}" + (f"; {left_out}." if left_out else "."))
