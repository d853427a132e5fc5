"""The configuration's path filters for `binlint check`: `exclude` globs leave files out of
the scan, `per-path-ignores` and `suppress` leave findings out of the report."""
from __future__ import annotations

import argparse

from binlint.config import finding_paths, glob_matches
from binlint.errors import BinlintError


def excluded(artifacts: list, paths: list[str], globs: list[str], root: str) -> list:
    """`artifacts` without the files found in directories that an `exclude` glob matches;
    a file named on the command line is always checked."""
    if not globs:
        return artifacts
    named = set(paths)
    return [a for a in artifacts if a.fs_path in named or
            not any(glob_matches(g, finding_paths(a.fs_path, (), root)) for g in globs)]


def path_filters(args: argparse.Namespace, rules: list) -> tuple[list, list]:
    """The configuration's per-path-ignores and suppressions as (glob, rule ids and groups)
    pairs, checked against the rules before the scan starts."""
    names = {"ALL"} | {r.id for r in rules} | {r.group for r in rules}

    def known(selector: str, where: str) -> str:
        if selector not in names:
            raise BinlintError(f"{args.config_file}: unknown rule or group {selector!r} in {where} "
                               "(see `binlint rules`)")
        return selector

    ignores = [(glob, {known(s, f"per-path-ignores {glob!r}") for s in selectors})
               for glob, selectors in args.per_path_ignores.items()]
    suppressions = [(entry["path"], {known(entry["rule"], "suppress")}) for entry in args.suppress]
    return ignores, suppressions


def filtered(findings: list, rules: list, filters: tuple[list, list], root: str) -> tuple[list, int]:
    """`findings` without those per-path-ignores leave out and those suppressed, which are
    counted."""
    ignores, suppressions = filters
    if not ignores and not suppressions:
        return findings, 0
    groups = {r.id: r.group for r in rules}
    kept, suppressed = [], 0
    for f in findings:
        names = {"ALL", f.rule, groups.get(f.rule)}
        paths = finding_paths(f.location, f.members, root)
        if any(names & selectors and glob_matches(glob, paths) for glob, selectors in ignores):
            continue
        if any(names & selectors and glob_matches(glob, paths) for glob, selectors in suppressions):
            suppressed += 1
            continue
        kept.append(f)
    return kept, suppressed
