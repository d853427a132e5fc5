"""Baseline files: today's findings, recorded by fingerprint, so that a repository that
already ships problems can adopt binlint and fail only on new ones.

A baseline is JSON: {"version": 1, "tool": "binlint", "findings": [{"fingerprint", "rule",
"path"}, ...]}, sorted by path, so that it reads and diffs well in review. Fingerprints
and paths are taken relative to the baseline file's directory and without the release
versions of wheel and sdist names, so the file matches from any working directory and
across version bumps. Run from that directory, the fingerprints equal those of the JSON and
SARIF reports."""
from __future__ import annotations

import json
import os

from binlint.errors import BinlintError
from binlint.report.finding import Finding, fingerprint, stable_location
from binlint.wheeltags import stable_path

VERSION = 1


def entry(finding: Finding, root: str) -> dict[str, str]:
    """The baseline entry of `finding`: its fingerprint and path relative to `root`."""
    path = "!".join([stable_location(finding.location, root), *map(stable_path, finding.members)])
    return {"fingerprint": fingerprint(finding, root), "rule": finding.rule, "path": path}


def write(path: str, findings: list[Finding]) -> int:
    """Record `findings` in the baseline file `path`; returns how many were recorded."""
    root = os.path.dirname(os.path.abspath(path))
    entries = {e["fingerprint"]: e for e in (entry(f, root) for f in findings)}
    document = {"version": VERSION, "tool": "binlint",
                "findings": sorted(entries.values(), key=lambda e: (e["path"], e["rule"], e["fingerprint"]))}
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    except OSError as err:
        raise BinlintError(f"cannot write baseline {path}: {err.strerror or err}") from None
    return len(entries)


def read(path: str) -> set[str]:
    """The fingerprints recorded in the baseline file `path`."""
    try:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
    except FileNotFoundError:
        raise BinlintError(f"baseline not found: {path} (create it with --write-baseline {path})") from None
    except OSError as err:
        raise BinlintError(f"cannot read baseline {path}: {err.strerror or err}") from None
    except ValueError as err:  # JSONDecodeError, UnicodeDecodeError
        raise BinlintError(f"{path}: not a binlint baseline (invalid JSON: {err})") from None
    except RecursionError:  # json reads nested arrays and objects by recursion
        raise BinlintError(f"{path}: not a binlint baseline (arrays or objects nested deeper than binlint reads)") \
            from None
    if not isinstance(document, dict) or document.get("version") != VERSION or \
            not isinstance(document.get("findings"), list) or \
            not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in document["findings"]):
        raise BinlintError(f"{path}: not a binlint baseline (expected version {VERSION} with a list of findings "
                           "with fingerprints; write it again with --write-baseline)")
    return {e["fingerprint"] for e in document["findings"]}


def split(findings: list[Finding], path: str, known: set[str]) -> tuple[list[Finding], list[Finding]]:
    """(new findings, findings already in the baseline at `path`)."""
    root = os.path.dirname(os.path.abspath(path))
    new: list[Finding] = []
    old: list[Finding] = []
    for f in findings:
        (old if entry(f, root)["fingerprint"] in known else new).append(f)
    return new, old
