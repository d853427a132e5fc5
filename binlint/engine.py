"""Evaluate rules over the facts of each artifact, into one list of findings."""
from __future__ import annotations

import hashlib
import os
from collections import namedtuple

from binlint.discover import Artifact
from binlint.errors import ArtifactError
from binlint.facts import FileView
from binlint.facts.catalogue import plain
from binlint.rules import PLACEHOLDER, SEVERITIES

TYPE_CHECKING = False  # typing costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from typing import Any, Iterable

    from binlint.rules import Rule

EVIDENCE_SHOWN = 8  # items a message lists before "(+N more)"; JSON and SARIF carry them all


# evidence: the list items the condition matched, as plain JSON values.
Finding = namedtuple("Finding", "rule severity path message evidence fingerprint")


PARALLEL_MIN = 512  # below this many artifacts, starting workers costs more than it saves
_SHARED: tuple[list[Artifact], list[Rule], dict[str, str]] | None = None  # inherited by forked workers


def check(artifacts: Iterable[Artifact], rules: list[Rule], target: dict[str, str],
          jobs: int | None = None) -> list[Finding]:
    """Findings for every artifact, sorted; `jobs` processes (default: one per CPU for large
    scans). The result does not depend on `jobs`."""
    artifacts = list(artifacts)
    runnable = [r for r in rules if r.targets <= target.keys()]  # no baseline given: nothing to compare
    if jobs is None:
        jobs = (os.cpu_count() or 1) if len(artifacts) >= PARALLEL_MIN else 1
    if jobs > 1 and len(artifacts) > 1 and "fork" in _start_methods():
        findings = _check_in_workers(artifacts, runnable, target, jobs)
    else:
        findings = [f for artifact in artifacts for f in check_artifact(artifact, runnable, target)]
    return sorted(findings, key=lambda f: (f.path, SEVERITIES.index(f.severity), f.rule))


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()


def _check_in_workers(artifacts: list[Artifact], rules: list[Rule], target: dict[str, str],
                      jobs: int) -> list[Finding]:
    # Forked workers inherit the loaded rules (compiled conditions do not pickle) and
    # the artifact list; only slice bounds go out and plain findings come back.
    import multiprocessing

    global _SHARED
    _SHARED = (artifacts, rules, target)
    size = max(16, len(artifacts) // (jobs * 8))
    bounds = [(i, min(i + size, len(artifacts))) for i in range(0, len(artifacts), size)]
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            return [f for chunk in pool.imap_unordered(_check_slice, bounds) for f in chunk]
    finally:
        _SHARED = None


def _check_slice(bounds: tuple[int, int]) -> list[Finding]:
    assert _SHARED is not None
    artifacts, rules, target = _SHARED
    return [f for artifact in artifacts[bounds[0]:bounds[1]] for f in check_artifact(artifact, rules, target)]


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
