"""The finding model every reporter shares: what a rule found, in which file, and how it
is named stably across runs."""
from __future__ import annotations

import functools
import os
from collections import namedtuple

from binlint.rules import PLACEHOLDER, SEVERITIES
from binlint.wheeltags import stable_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

EVIDENCE_SHOWN = 8  # items a message lists before "(+N more)"; JSON and SARIF carry them all

# path: as reports show it (members after a `!`); location: the file on disk holding it;
# members: the names inside `location` leading to it; evidence: the list items the
# condition matched, as plain JSON values.
# target: the named target the finding is for (--target), or None.
Finding = namedtuple("Finding", "rule severity path message evidence location members target", defaults=(None,))


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
    import hashlib  # here: a text report never pays the 4 ms of importing it

    digest = hashlib.sha256("\0".join([finding.rule, *parts]).encode()).hexdigest()
    return f"{digest[:16]}:1"


def stable_location(location: str, root: str) -> str:
    """The file on disk relative to `root`, with / separators and without release versions."""
    return _stable_relative(os.path.abspath(location), root)


@functools.lru_cache(maxsize=4096)  # a file with findings names its location once for each
def _stable_relative(path: str, root: str) -> str:
    return stable_path(os.path.relpath(path, root).replace(os.sep, "/"))


def relative_location(path: str) -> str:
    """The path relative to the working directory (SARIF's %SRCROOT%), with / separators."""
    return os.path.relpath(os.path.abspath(path)).replace(os.sep, "/")
