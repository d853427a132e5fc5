"""`binlint check`: walk the artifacts, evaluate the rules on every view, sort the findings."""
from __future__ import annotations

import os
from collections import namedtuple

from binlint.formats.members import Limits
from binlint.report.finding import finding_order
from binlint.rules.evaluate import Evaluation
from binlint.rules.targets import complete
from binlint.walk import walk

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable

    from binlint.report.finding import Finding
    from binlint.rules import Rule
    from binlint.walk.discover import Artifact

# target: what the user gave; prefer_tags: let a wheel's tags override it; limits: archives;
# targets: the named targets (--target) as (name, values) pairs, each checked on its own;
# without them, `target` is the one unnamed target. jobs: the most processes a check uses
# (--jobs; None: one per CPU, up to 8, where it pays).
Options = namedtuple("Options", "target prefer_tags limits targets jobs", defaults=(False, Limits(), (), None))

PARALLEL_MIN = 512  # below this many artifacts, forking costs more than it saves


def check(artifacts: Iterable[Artifact], rules: list[Rule], options: Options | dict[str, object],
          jobs: int | None = None) -> list[Finding]:
    """Findings for every artifact and every member of the archives and bundles among them,
    sorted; `jobs` processes (default: one per CPU for large scans). The result does not
    depend on `jobs`."""
    if isinstance(options, dict):
        options = Options(options)
    options = options._replace(target=complete(options.target),  # e.g. shebang_limit from kernel
                               targets=tuple((n, complete(t)) for n, t in options.targets or [(None, options.target)]))
    artifacts = list(artifacts)
    if jobs is None:
        jobs = (options.jobs or os.cpu_count() or 1) if len(artifacts) >= PARALLEL_MIN else 1
    jobs = min(jobs, len(artifacts))
    findings = walk(artifacts, Evaluation(rules, options), options.limits, jobs, options.jobs)
    return sorted(findings, key=finding_order)
