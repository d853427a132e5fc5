"""`binlint check` with the cache: each archive's findings from the verdicts of the same rules
and targets, else from its recorded facts judged by this run's rules, else from a walk that
records them (binlint.cache.record) for the next run."""
from __future__ import annotations

import sys
from collections import defaultdict

from binlint.cache import keys
from binlint.report.finding import Finding
from binlint.walk import walk

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.cache import Cache
    from binlint.walk.discover import Artifact


def cached_walk(artifacts: list[Artifact], evaluation: Any, options: Any, jobs: int, cache: Cache) -> list[Finding]:
    """The findings of engine.check's walk (unsorted), the same as without a cache."""
    store = cache.store
    environment = judged = ""  # made at the first archive: a run of bare files never needs them
    found: list[Finding] = []
    plain: list[Artifact] = []  # not archives: never cached
    missed: list[tuple[Artifact, str, str]] = []
    verdicts: list[tuple[str, list[Finding]]] = []
    for artifact in artifacts:
        content = keys.content(artifact)
        if content is None:
            plain.append(artifact)
            continue
        if not environment:
            environment, judged = keys.environment(options.limits, store), keys.evaluation(evaluation.rules, options)
            from binlint.cache.record import Recorded, Recorder, storable
            from binlint.cache.replay import Miss, replay, tree
        key = keys.facts_key(environment, content)
        verdict_key = keys.verdict_key(key, judged, artifact.path)
        stored = store.get("verdicts", verdict_key)
        if stored is not None:
            found += [Finding(*f) for f in stored]
            continue
        record = store.get("facts", key)
        if record is not None:
            try:
                some = replay(record, artifact.path, evaluation, options.limits)
            except (Miss, Exception):  # noqa: BLE001 - whatever the record cannot answer, the bytes do
                pass
            else:
                found += some
                verdicts.append((verdict_key, some))
                continue
        missed.append((artifact, key, verdict_key))
    if plain:
        found += walk(plain, evaluation, options.limits, min(jobs, len(plain)), options.jobs)
    if missed:
        results = walk([a for a, _, _ in missed], Recorder(evaluation, cache.rules), options.limits,
                       min(jobs, len(missed)), options.jobs)
        records: dict[str, list[Recorded]] = defaultdict(list)
        by_path: dict[str, list[Finding]] = defaultdict(list)
        for item in results:
            if isinstance(item, Recorded):
                records[item.location].append(item)
            else:
                by_path[item.location].append(item)
                found.append(item)
        for artifact, key, verdict_key in missed:
            record = tree(records.get(artifact.path, []))
            if record is not None:
                if not store.put("facts", key, record):  # a value marshal cannot write: leave it out
                    store.put("facts", key, storable(record))
                verdicts.append((verdict_key, by_path.get(artifact.path, [])))
    for verdict_key, some in verdicts:
        store.put("verdicts", verdict_key, [tuple(f) for f in some])
    if store.written:
        store.evict()
    if store.problem is not None:
        print(f"binlint: warning: {store.problem}; checked without storing", file=sys.stderr)
    return found
