"""Evaluate rules over the facts of each view the walk visits, into findings.

Each view is judged against the targets it must run on: the user's (--target, the
configuration), or inside a wheel what the wheel's tags promise, combined with them (the
walk tells a member the platforms of the wheel holding it).
"""
from __future__ import annotations

from binlint.errors import ArtifactError
from binlint.facts.catalogue import plain
from binlint.facts.loading import NeedsWholeArchive
from binlint.report.finding import Finding, render_item, show
from binlint.rules import PLACEHOLDER
from binlint.rules.conditions import holds
from binlint.rules.targets import ABI, abi, combine
from binlint.walk.digest import HASHED_FACTS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.facts.view import FileView
    from binlint.rules import Rule
    from binlint.rules.targets import Target

    Targets = tuple[Target, ...]  # what a view must run on: one unnamed target, or the named ones

SECTIONS_UNREADABLE = "elf-sections-unreadable"
UNREADABLE = "unreadable-artifact"


class Evaluation:
    """The walk's visitor for `binlint check`: the rules that apply to each view, each with
    the view's targets. `options`: binlint.engine.Options, its targets completed."""

    def __init__(self, rules: list[Rule], options: Any) -> None:
        self.rules, self.options = rules, options
        # The walk hashes a wheel's members only for a rule that reads their hashes.
        self.hashes_wheel_members = any(HASHED_FACTS & set(r.facts) for r in rules)
        self._targets: dict[tuple[Any, Any], tuple[Targets, frozenset[str]]] = {}

    def targets(self, view: FileView) -> tuple[Targets, frozenset[str]]:
        """The view's targets and every value they name (memoised: a wheel's thousands of
        members share them)."""
        platforms, package = view.context.wheel_platforms, view.context.promises
        key = (platforms, package)
        if key not in self._targets:
            targets = self.options.targets
            if platforms is not None:  # members run where the wheel's tags say
                promise = _promises(list(platforms))
                targets = tuple(combine(t, promise, self.options.prefer_tags) for t in targets)
            if package:  # a package's members, where its dependencies say (keys of their own: no flag overrides them)
                promised = {name: list(value) if isinstance(value, tuple) else value for name, value in package}
                targets = tuple(t.with_values(promised) for t in targets)
            self._targets[key] = targets, frozenset(k for t in targets for k in t.values)
        return self._targets[key]

    def visit(self, view: FileView, found: list[Finding]) -> list[str] | None:
        targets, keys = self.targets(view)
        unchecked: list[str] = []
        waits: list[str] = []
        get, known = view.get, view._values
        for rule in applicable(self.rules, view.kind, keys):
            try:
                # run_rule, inlined: a tree scan runs 250,000 rules, most stopped by a guard on
                # a fact already known (a dictionary lookup, not a call: 6% of a tree scan)
                for fact, test, operand in rule.guards:
                    if test is None:  # any of several lists has items, or leaves holds (conditions.guards)
                        if not holds(get, fact, operand):
                            break
                        continue
                    value = known.get(fact, _UNKNOWN)
                    if not test(get(fact) if value is _UNKNOWN else value, operand):
                        break
                else:
                    found += apply_targets(rule, view, targets)
            except NeedsWholeArchive:
                waits.append(rule.id)  # asked again once every member was read (the walk's second look)
            except ArtifactError as err:
                if not _sections_unreadable(view, err):
                    raise
                unchecked.append(rule.id)  # named once, in the note that the sections are unreadable
        if unchecked:
            found[:] = _name_unchecked(found, view, unchecked)
        return waits or None

    def failed(self, view: FileView, found: list[Finding]) -> None:
        targets, keys = self.targets(view)
        readable_only = [r for r in applicable(self.rules, view.kind, keys)
                         if all(f.startswith("file.") for f in r.facts)]
        # Unreadable as a whole: the note that only its sections are goes (unreadable-artifact says more).
        found[:] = [f for f in found if not (f.rule == SECTIONS_UNREADABLE and f.path == view.path)]
        found += [f for rule in readable_only for f in apply_targets(rule, view, targets)]

    def again(self, view: FileView, waits: list[str], found: list[Finding]) -> None:
        by_id = {r.id: r for r in self.rules}
        targets = self.targets(view)[0]
        for rule_id in waits:
            found += run_rule(by_id[rule_id], view, targets)

    def failed_again(self, view: FileView, waits: list[str], found: list[Finding]) -> None:
        targets = self.targets(view)[0]
        found += [f for rule in self.rules if rule.id == UNREADABLE for f in apply_targets(rule, view, targets)]


_UNKNOWN = object()  # a fact not computed yet for this view

_PROMISES: dict[tuple[str, ...], Target] = {}


def _promises(platforms: list[str]) -> Target:
    """profiles.promised, memoised: a wheel's members share its tags, and profiles load once."""
    key = tuple(platforms)
    if key not in _PROMISES:
        from binlint.rules import profiles
        _PROMISES[key] = profiles.promised(platforms)
    return _PROMISES[key]


def run_rule(rule: Rule, view: FileView, targets: Targets) -> list[Finding]:
    """The rule's findings on `view`: its leading tests first, then the whole condition."""
    get = view.get
    for fact, test, operand in rule.guards:
        if not (holds(get, fact, operand) if test is None else test(get(fact), operand)):
            return []
    return apply_targets(rule, view, targets)


def _sections_unreadable(view: FileView, err: ArtifactError) -> bool:
    """The rule failed on an ELF file's unreadable section headers: it is not checked,
    while the rules that read what the loader reads (program headers, the dynamic section)
    still run. Any other broken structure makes the whole file unreadable, as before."""
    return view.kind == "elf" and view.get("elf.section_error") == str(err)


def _name_unchecked(findings: list[Finding], view: FileView, unchecked: list[str]) -> list[Finding]:
    """The note that the sections are unreadable, naming the rules that could not run."""
    return [f._replace(message=f"{f.message}; not checked: {', '.join(unchecked)}", evidence=unchecked)
            if f.rule == SECTIONS_UNREADABLE and f.path == view.path else f for f in findings]


def applicable(rules: list[Rule], kind: str, targets: frozenset[str]) -> list[Rule]:
    """The rules for this kind of file whose targets are all known (memoised: archives
    bring thousands of members of a few kinds)."""
    key = (id(rules), kind, targets)
    if key not in _APPLICABLE:  # the entry keeps `rules` alive, so its id cannot be reused
        _APPLICABLE[key] = (rules, [r for r in rules if r.applies_to(kind) and r.targets <= targets])
    return _APPLICABLE[key][1]


_APPLICABLE: dict[tuple[int, str, frozenset[str]], tuple[list[Rule], list[Rule]]] = {}


def apply_targets(rule: Rule, view: FileView, targets: Targets) -> list[Finding]:
    """The rule's findings on `view`: once, or once per named target it fails for when it
    compares with the target (each naming its target)."""
    if rule.targets <= ABI and (not rule.targets or _abi_only(rule, targets)):
        # the ABI's tables are every target's: the finding is for none in particular
        values = _for_object(view, targets[0]).values if rule.targets else targets[0].values
        found = apply(rule, view, None, values) if rule.targets <= values.keys() else None
        return [found] if found is not None else []
    findings = []
    for target in targets:
        values = _for_object(view, target).values
        if rule.targets <= values.keys() and (found := apply(rule, view, target.name, values)) is not None:
            findings.append(found)
    # The same finding for every target is one finding, for none in particular.
    if len(targets) > 1 and len(findings) == len(targets) and \
            len({(f.severity, f.message.rsplit(" (target ", 1)[0]) for f in findings}) == 1:
        found = apply(rule, view, None, values)
        return [found] if found is not None else []
    return findings


def _abi_only(rule: Rule, targets: Targets) -> bool:
    """Every target has the ABI's own values for what the rule compares with: a profile
    may give its own (interpreters), and then findings name it."""
    standard = abi().values
    return all(t.values.get(key) is standard[key] or t.values.get(key) == standard[key]
               for t in targets for key in rule.targets)


# (id of a target, architectures) -> (that target, its values chosen for them): every rule
# that compares with a target asks again for each object, and objects share few targets.
_CHOSEN: dict[tuple[int, tuple[str, ...]], tuple[Target, Target]] = {}


def _for_object(view: FileView, target: Target) -> Target:
    """`target` with its values per architecture (symbol versions, loaders) chosen for an
    ELF object's; a Mach-O file's are chosen per slice (binlint.rules.conditions)."""
    if view.kind != "elf":
        return target
    archs = tuple(view.get("elf.compatible_archs")) if view.error is None else ()
    chosen = _CHOSEN.get((id(target), archs))
    if chosen is None or chosen[0] is not target:
        if len(_CHOSEN) >= 256:
            _CHOSEN.clear()
        chosen = _CHOSEN[(id(target), archs)] = (target, target.for_arch(list(archs)))
    return chosen[1]


def apply(rule: Rule, view: FileView, name: str | None, target: dict) -> Finding | None:
    matches = rule.when(view.get, target)
    if matches is None:
        return None
    severity = rule.severity
    if rule.escalate and rule.escalate[1](view.get, target) is not None:
        severity = rule.escalate[0]
    message = rule_message(rule, view, matches, target) + (f" (target {name})" if name else "")
    return Finding(rule.id, severity, view.path, message, plain(matches), view.location, view.members, name)


def rule_message(rule: Rule, view: FileView, matches: list[Any], target: dict) -> str:
    def value(name: str) -> str:
        if name == "matches":
            items = [render_item(rule.evidence, m) for m in matches]
            return show(list(dict.fromkeys(items)))
        if name.startswith("target."):
            return show(target[name[7:]])
        return show(view.get(name))
    return PLACEHOLDER.sub(lambda m: value(m[1]), rule.message)
