"""`binlint check`: walk the artifacts, evaluate the rules on every view, sort the findings."""
from __future__ import annotations

import os
from collections import namedtuple

from binlint.formats.members import Limits
from binlint.report.finding import finding_order
from binlint.rules.evaluate import Evaluation
from binlint.rules.targets import Target, complete
from binlint.walk import walk
from binlint.walk.split import split_pays

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable

    from binlint.report.finding import Finding
    from binlint.rules import Rule
    from binlint.walk.discover import Artifact

# targets: what the artifacts must run on, each a binlint.rules.targets.Target checked on its
# own: the one unnamed target the flags give, or the named profiles (binlint.rules.targets.chosen);
# prefer_tags: let a wheel's tags override them; limits: archives; jobs: the most processes
# a check uses (--jobs; None: one per CPU, up to 8, where it pays); cache: a binlint.cache.store.Store
# of facts and findings by content (docs/cache.md), or None.
Options = namedtuple("Options", "targets prefer_tags limits jobs cache",
                     defaults=((Target.of(),), False, Limits(), None, None))


def processes(artifacts: list[Artifact], options: Options) -> int:
    """The processes a check of `artifacts` splits them between: one per CPU (or --jobs)
    where that pays for the forks (walk/split.py), else one, which may still split a large
    archive's members."""
    jobs = options.jobs or os.cpu_count() or 1
    return jobs if jobs > 1 and split_pays(artifacts) else 1


def check(artifacts: Iterable[Artifact], rules: list[Rule], options: Options = Options(),
          jobs: int | None = None) -> list[Finding]:
    """Findings for every artifact and every member of the archives and bundles among them,
    sorted; `jobs` processes (default: one per CPU for large scans). The result does not
    depend on `jobs`."""
    options = options._replace(targets=tuple(map(complete, options.targets)))  # e.g. shebang_limit from kernel
    artifacts = list(artifacts)
    jobs = min(processes(artifacts, options) if jobs is None else jobs, len(artifacts))
    if options.cache is not None and not options.limits.debug_dirs:  # debug files are not the artifact's bytes
        from binlint.cache.run import cached_walk
        findings = cached_walk(artifacts, Evaluation(rules, options), options, jobs, options.cache)
    else:
        findings = walk(artifacts, Evaluation(rules, options), options.limits, jobs, options.jobs)
    return sorted(findings, key=finding_order)
