"""Evaluate rules over the facts of each artifact, into one list of findings."""
from __future__ import annotations

import hashlib
import os
from collections import namedtuple

from binlint.discover import Artifact
from binlint.errors import ArtifactError
from binlint.facts import FileView
from binlint.facts.catalogue import plain
from binlint.parallel import can_fork, map_slices
from binlint.rules import PLACEHOLDER, SEVERITIES

TYPE_CHECKING = False  # typing costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from typing import Any, Iterable

    from binlint.rules import Rule

EVIDENCE_SHOWN = 8  # items a message lists before "(+N more)"; JSON and SARIF carry them all


# evidence: the list items the condition matched, as plain JSON values.
Finding = namedtuple("Finding", "rule severity path message evidence fingerprint")


PARALLEL_MIN = 512  # below this many artifacts, forking costs more than it saves


def check(artifacts: Iterable[Artifact], rules: list[Rule], target: dict[str, str],
          jobs: int | None = None) -> list[Finding]:
    """Findings for every artifact, sorted; `jobs` processes (default: one per CPU for large
    scans). The result does not depend on `jobs`."""
    artifacts = list(artifacts)
    runnable = [r for r in rules if r.targets <= target.keys()]  # no baseline given: nothing to compare

    def check_all(some: list[Artifact]) -> list[Finding]:
        return [f for artifact in some for f in check_artifact(artifact, runnable, target)]

    if jobs is None:
        jobs = (os.cpu_count() or 1) if len(artifacts) >= PARALLEL_MIN else 1
    jobs = min(jobs, len(artifacts))
    findings = map_slices(check_all, artifacts, jobs) if jobs > 1 and can_fork() else check_all(artifacts)
    return sorted(findings, key=lambda f: (f.path, SEVERITIES.index(f.severity), f.rule))


def check_artifact(artifact: Artifact, rules: list[Rule], target: dict[str, str]) -> list[Finding]:
    view = FileView(artifact)
    applicable = [r for r in rules if r.applies_to(view.kind)]
    try:
        view.open()
        return [f for rule in applicable if (f := apply(rule, view, target)) is not None]
    except ArtifactError as err:
        view.fail(str(err))
    except Exception as err:  # a hostile file must cost its own findings, never the run
        view.fail(f"internal error while reading: {type(err).__name__}: {err}")
    finally:
        view.close()
    readable_only = [r for r in applicable if all(f.startswith("file.") for f in r.facts)]
    return [f for rule in readable_only if (f := apply(rule, view, target)) is not None]


def apply(rule: Rule, view: FileView, target: dict[str, str]) -> Finding | None:
    matches = rule.when(view.get, target)
    if matches is None:
        return None
    severity = rule.severity
    if rule.escalate and rule.escalate[1](view.get, target) is not None:
        severity = rule.escalate[0]
    message = render(rule, view, target, matches)
    return Finding(rule.id, severity, view.artifact.path, message, plain(matches),
                   fingerprint(rule.id, view.artifact.path))


def render(rule: Rule, view: FileView, target: dict[str, str], matches: list[Any]) -> str:
    def value(name: str) -> str:
        if name == "matches":
            items = [render_item(rule.evidence, m) for m in matches]
            return show(list(dict.fromkeys(items)))
        if name.startswith("target."):
            return target[name[7:]]
        return show(view.get(name))
    return PLACEHOLDER.sub(lambda m: value(m[1]), rule.message)


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
    return str(value)


def fingerprint(rule_id: str, path: str) -> str:
    """Stable across runs, message rewording and spellings of the path: one finding per
    rule and artifact, located as SARIF locates it."""
    digest = hashlib.sha256(f"{rule_id}\0{relative_location(path)}".encode()).hexdigest()
    return f"{digest[:16]}:1"


def relative_location(path: str) -> str:
    """The path relative to the working directory (SARIF's %SRCROOT%), with / separators."""
    return os.path.relpath(os.path.abspath(path)).replace(os.sep, "/")
