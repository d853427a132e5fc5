"""Evaluate rules over the facts of each artifact, into one list of findings."""
from __future__ import annotations

import functools
import mmap
import os
import re
from collections import namedtuple

from binlint.formats.members import Budget, Limits, Member
from binlint.errors import ArtifactError
from binlint.facts import FileView
from binlint.facts.catalogue import plain
from binlint.facts.loading import NeedsWholeArchive
from binlint.walk.parallel import can_fork, in_worker, map_slices
from binlint.rules import PLACEHOLDER
from binlint.rules.targets import ABI, combine, complete, for_arch
from binlint.report.finding import Finding, finding_order, render_item, show

TYPE_CHECKING = False  # typing costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Iterable, Iterator

    from binlint.walk.discover import Artifact
    from binlint.formats.container import Container
    from binlint.rules import Rule

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

    def check_all(some: list[Artifact]) -> list[Finding]:
        return [f for artifact in some for f in check_artifact(artifact, rules, options)]

    if jobs is None:
        jobs = (options.jobs or os.cpu_count() or 1) if len(artifacts) >= PARALLEL_MIN else 1
    jobs = min(jobs, len(artifacts))
    findings = map_slices(check_all, artifacts, jobs) if jobs > 1 and can_fork() else check_all(artifacts)
    return sorted(findings, key=finding_order)


def check_artifact(artifact: Artifact, rules: list[Rule], options: Options) -> list[Finding]:
    return check_view(FileView.of_file(artifact, options.targets, options.limits), rules, options)


def check_view(view: FileView, rules: list[Rule], options: Options) -> list[Finding]:
    """The findings of one artifact and, for a container, of its members. A broken member
    costs its own findings; a broken container keeps the findings of the members read."""
    applicable = _applicable(rules, view.kind, frozenset(k for _, target in view.target for k in target))
    rules_kind = view.kind
    findings: list[Finding] = []
    try:
        view.open()
        if view.kind != rules_kind:  # the bytes past the head told more (a separate debug file)
            applicable = _applicable(rules, view.kind, frozenset(k for _, target in view.target for k in target))
        container = view.container()
        if container is not None and view.depth < options.limits.max_depth:
            findings += check_members(view, container, rules, options)
        unchecked: list[str] = []
        get = view.get
        for rule in applicable:
            try:
                # run_rule, inlined: a tree scan runs 250,000 rules, most stopped by a guard
                for fact, test, operand in rule.guards:
                    if not test(get(fact), operand):
                        break
                else:
                    findings += apply_targets(rule, view)
            except NeedsWholeArchive:
                view.deferred.append(rule.id)  # asked again once every member was read (check_members)
            except ArtifactError as err:
                if not _sections_unreadable(view, err):
                    raise
                unchecked.append(rule.id)  # named once, in the note that the sections are unreadable
        return _name_unchecked(findings, view, unchecked) if unchecked else findings
    except ArtifactError as err:
        view.fail(str(err))
    except Exception as err:  # a hostile file must cost its own findings, never the run
        view.fail(f"internal error while reading: {type(err).__name__}: {err}")
    finally:
        view.close()
    readable_only = [r for r in applicable if all(f.startswith("file.") for f in r.facts)]
    # Unreadable as a whole: the note that only its sections are goes (unreadable-artifact says more).
    findings = [f for f in findings if not (f.rule == SECTIONS_UNREADABLE and f.path == view.path)]
    return findings + [f for rule in readable_only for f in apply_targets(rule, view)]


def run_rule(rule: Rule, view: FileView) -> list[Finding]:
    """The rule's findings on `view`: its leading tests first, then the whole condition."""
    get = view.get
    for fact, test, operand in rule.guards:
        if not test(get(fact), operand):
            return []
    return apply_targets(rule, view)


SECTIONS_UNREADABLE = "elf-sections-unreadable"
UNREADABLE = "unreadable-artifact"


def _sections_unreadable(view: FileView, err: ArtifactError) -> bool:
    """The rule failed on an ELF file's unreadable section headers: it is not checked,
    while the rules that read what the loader reads (program headers, the dynamic section)
    still run. Any other broken structure makes the whole file unreadable, as before."""
    return view.kind == "elf" and view.get("elf.section_error") == str(err)


def _name_unchecked(findings: list[Finding], view: FileView, unchecked: list[str]) -> list[Finding]:
    """The note that the sections are unreadable, naming the rules that could not run."""
    return [f._replace(message=f"{f.message}; not checked: {', '.join(unchecked)}", evidence=unchecked)
            if f.rule == SECTIONS_UNREADABLE and f.path == view.path else f for f in findings]


def _applicable(rules: list[Rule], kind: str, targets: frozenset[str]) -> list[Rule]:
    """The rules for this kind of file whose targets are all known (memoised: archives
    bring thousands of members of a few kinds)."""
    key = (id(rules), kind, targets)
    if key not in _APPLICABLE:  # the entry keeps `rules` alive, so its id cannot be reused
        _APPLICABLE[key] = (rules, [r for r in rules if r.applies_to(kind) and r.targets <= targets])
    return _APPLICABLE[key][1]


_APPLICABLE: dict[tuple[int, str, frozenset[str]], tuple[list[Rule], list[Rule]]] = {}


def check_members(view: FileView, container: Container, rules: list[Rule], options: Options) -> list[Finding]:
    target = view.target
    if view.kind == "zip" and view.get("wheel.is_wheel"):  # members run where the wheel's tags say
        promise = promised(view.get("wheel.platforms"))
        target = tuple((name, combine(t, promise, options.prefer_tags)) for name, t in options.targets)

    def check_some(members: list[Member] | None) -> list[tuple[list[Finding], dict[str, str], bool, dict, list]]:
        findings, later = [], []
        for member_view in member_views(view, container, target, members):
            findings += check_view(member_view, rules, options)
            if member_view.deferred:
                later.append((member_view.members[-1], member_view.deferred))
        return [(findings, container.kinds, view.budget.refused, container.dynamics, later)]

    container.walking = True
    groups = _member_groups(view, container.members, options.jobs)
    if len(groups) == 1:
        findings, _, _, _, later = check_some(None)[0]
        return findings + check_later(view, container, target, later, rules)
    # One large archive: its members are inflated in parallel. Children inherit the map of
    # the file; the kinds they saw come back for the archive's own facts (wheel.native_members).
    # Each process reads within an equal share of the file's budget: when no share ran out,
    # the whole budget was not spent either and the findings are those of one process. When
    # one did, where the budget ends depends on the split: the archive is read again in this
    # process, so the findings never depend on the number of processes.
    budget = view.budget
    left, members_left = budget.left, budget.members_left

    def check_group(some: list[list[Member]]) -> list[tuple[list[Finding], dict[str, str], bool]]:
        budget.share(len(groups))
        return check_some(some[0])

    results = map_slices(check_group, groups, len(groups))
    budget.left, budget.members_left, budget.refused, budget.spent = left, members_left, False, None
    if any(refused for _, _, refused, _, _ in results):
        container.kinds.clear()
        container.dynamics.clear()
        findings, _, _, _, later = check_some(None)[0]
        return findings + check_later(view, container, target, later, rules)
    findings, later = [], []
    for some_findings, kinds, _, dynamics, some_later in results:
        findings += some_findings
        later += some_later
        container.kinds.update(kinds)
        container.dynamics.update(dynamics)
    return findings + check_later(view, container, target, later, rules)


def check_later(view: FileView, container: Container, target: tuple, later: list[tuple[str, list[str]]],
                rules: list[Rule]) -> list[Finding]:
    """The rules members deferred (NeedsWholeArchive), now that every member told the loader
    model what it needs: each such member is read once more, on a budget of its own (the
    file's was spent on the walk, and what a second look costs must not change where it ends)."""
    container.walking = False
    if not later:
        return []
    by_id, by_name = {r.id: r for r in rules}, {m.name: m for m in container.members}
    order = {m.name: i for i, m in enumerate(container.members)}
    findings: list[Finding] = []
    spent = view.budget
    view.budget = Budget(view.limits, spent.file_size)
    try:
        for name, rule_ids in sorted(later, key=lambda item: order[item[0]]):
            member_view = view.member(by_name[name], target)
            try:
                member_view.open()
                for rule_id in rule_ids:
                    findings += run_rule(by_id[rule_id], member_view)
            except Exception as err:  # read once already; if the second read fails, say so, never stay silent
                member_view.fail(str(err) if isinstance(err, ArtifactError) else
                                 f"internal error while reading: {type(err).__name__}: {err}")
                findings += [f for rule in rules if rule.id == UNREADABLE for f in apply_targets(rule, member_view)]
            finally:
                member_view.close()
    finally:
        view.budget = spent
    return findings


_PROMISES: dict[tuple[str, ...], dict[str, object]] = {}


def promised(platforms: list[str]) -> dict[str, object]:
    """What a wheel's tags promise, with their policy's profile (memoised: profiles load once)."""
    key = tuple(platforms)
    if key not in _PROMISES:
        from binlint.rules import profiles
        _PROMISES[key] = profiles.promised(platforms)
    return _PROMISES[key]


PARALLEL_MEMBER_BYTES = 16 << 20  # below this much work (in bytes inflated), forking costs more than it saves
# Costs in bytes inflated (about 0.6 GB/s a core), measured on numpy's wheel: a member's own
# (opening it, its first bytes, its rules: 30 us), and a native member's facts and rules (1 ms).
PEEK_COST, NATIVE_COST = 16 << 10, 512 << 10
_NATIVE_NAME = re.compile(r"\.(so(\.[\d.]+)?|dylib|pyd|dll|exe|a|o|whl|zip|egg|jar|tar|gz|tgz|bz2|xz)$|/[^./]+$")


def _member_groups(view: FileView, members: list[Member], jobs: int | None = None) -> list[list[Member]]:
    """The members of an archive or bundle on disk split into one group per process (`jobs`,
    default one per CPU up to 8), balanced by their cost: every member's own, plus the bytes
    inflated for names that look like compiled code or archives (the rest cost a peek at their
    first bytes); a single group when a split would not pay, or when the members' declared
    sizes alone may spend the file's budget (then where it ends depends on the order of
    reading, which only one process keeps)."""
    jobs = jobs or min(os.cpu_count() or 1, 8)
    # Only members read from a map of the file: a streamed tar shares its file offset with
    # forked children.
    if not isinstance(view.data, mmap.mmap) or jobs < 2 or in_worker() or not can_fork():
        return [members]
    declared = sum(min(m.size, view.limits.member_bytes) for m in members if m.open is not None)
    if declared >= view.budget.left or len(members) > view.budget.members_left:
        return [members]
    weights = [(PEEK_COST + (NATIVE_COST + m.size if _NATIVE_NAME.search(m.name) else 0), index)
               for index, m in enumerate(members)]
    if sum(w for w, _ in weights) < PARALLEL_MEMBER_BYTES:
        return [members]
    loads, groups = [0] * jobs, [[] for _ in range(jobs)]  # type: list[int], list[list[int]]
    for weight, index in sorted(weights, reverse=True):  # largest first, each to the lightest group
        lightest = loads.index(min(loads))
        loads[lightest] += weight
        groups[lightest].append(index)
    return [[members[i] for i in sorted(group)] for group in groups if group]


def member_views(view: FileView, container: Container, target: tuple,
                 members: list[Member] | None = None) -> Iterator[FileView]:
    """The views of the container's members (or of `members` among them), in order, read one
    at a time (links have no content of their own); each member's kind is recorded for the
    container's own facts. Threads were measured: inflation gains nothing from them.

    Once the file's budget is spent (here, or in an archive nested in it), the next member
    is not read: its view says so, for it and those after it, and the rest are left out: a
    cut-off costs one finding per archive, not one per member. A tar whose listing stopped
    short says so in a view of the member where it stopped."""
    listed = container.members if members is None else members
    budget = view.budget
    for index, member in enumerate(listed):
        if member.open is None:
            continue
        if not budget.take_member():
            later = sum(1 for m in listed[index + 1:] if m.open is not None)
            reason = f"not read, nor the {later} members after it: {budget.spent}" if later else \
                f"not read: {budget.spent}"
            yield view.member(member._replace(open=functools.partial(_refuse, reason)), target)
            return
        member_view = view.member(member, target)
        container.kinds[member.name] = member_view.kind
        yield member_view
    if container.cut_off is not None and members is None:
        name, reason = container.cut_off
        yield view.member(Member(name, None, 0, functools.partial(_refuse, reason)), target)


def _refuse(reason: str) -> BinaryIO:
    raise ArtifactError(reason)


def apply_targets(rule: Rule, view: FileView) -> list[Finding]:
    """The rule's findings on `view`: once, or once per named target it fails for when it
    compares with the target (each naming its target)."""
    if rule.targets <= ABI:  # the ABI's tables are every target's: the finding is for none in particular
        target = view.target[0][1] if view.target else {}
        if rule.targets:
            target = _for_object(view, target)
        found = apply(rule, view, None, target) if rule.targets <= target.keys() else None
        return [found] if found is not None else []
    findings = []
    for name, target in view.target:
        target = _for_object(view, target)
        if rule.targets <= target.keys() and (found := apply(rule, view, name, target)) is not None:
            findings.append(found)
    # The same finding for every target is one finding, for none in particular.
    if len(view.target) > 1 and len(findings) == len(view.target) and \
            len({(f.severity, f.message.rsplit(" (target ", 1)[0]) for f in findings}) == 1:
        found = apply(rule, view, None, target)
        return [found] if found is not None else []
    return findings


# (id of a target, architectures) -> (that target, its values chosen for them): every rule
# that compares with a target asks again for each object, and objects share few targets.
_CHOSEN: dict[tuple[int, tuple[str, ...]], tuple[dict, dict]] = {}


def _for_object(view: FileView, target: dict) -> dict:
    """`target` with its values per architecture (symbol versions, loaders) chosen for an
    ELF object's; a Mach-O file's are chosen per slice (binlint.rules.conditions)."""
    if view.kind != "elf":
        return target
    archs = tuple(view.get("elf.compatible_archs")) if view.error is None else ()
    chosen = _CHOSEN.get((id(target), archs))
    if chosen is None or chosen[0] is not target:
        if len(_CHOSEN) >= 256:
            _CHOSEN.clear()
        chosen = _CHOSEN[(id(target), archs)] = (target, for_arch(target, list(archs)))
    return chosen[1]


def apply(rule: Rule, view: FileView, name: str | None, target: dict) -> Finding | None:
    matches = rule.when(view.get, target)
    if matches is None:
        return None
    severity = rule.severity
    if rule.escalate and rule.escalate[1](view.get, target) is not None:
        severity = rule.escalate[0]
    message = render(rule, view, matches, target) + (f" (target {name})" if name else "")
    return Finding(rule.id, severity, view.path, message, plain(matches), view.location, view.members, name)


def render(rule: Rule, view: FileView, matches: list[Any], target: dict) -> str:
    def value(name: str) -> str:
        if name == "matches":
            items = [render_item(rule.evidence, m) for m in matches]
            return show(list(dict.fromkeys(items)))
        if name.startswith("target."):
            return show(target[name[7:]])
        return show(view.get(name))
    return PLACEHOLDER.sub(lambda m: value(m[1]), rule.message)


