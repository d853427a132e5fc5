"""Rule conditions: a closed set of declarative operators over facts.

A compiled condition returns None when it does not hold, or the list of list items that
made it hold (empty when no `where` was involved), so a message can name its evidence.
What a rule needs beyond these operators is a new fact, never a new operator.
"""
from __future__ import annotations

import re

from binlint.facts import shape
from binlint.patterns import Pattern
from binlint.rules.targets import PER_ARCH, for_arch
from binlint.version import is_above

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Optional

    Matches = Optional[list]
    Lookup = Callable[[str], Any]  # fact name -> value
    Compiled = Callable[[Lookup, dict], Matches]  # (lookup, target) -> matches


def _contains(value: Any, operand: Any) -> bool:
    return isinstance(value, (str, list)) and operand in value


def _ordered(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda v, x: isinstance(v, int) and not isinstance(v, bool) and compare(v, x)


# operator -> (test(value, operand), fact types it applies to)
OPERATORS: dict[str, tuple[Callable[[Any, Any], bool], frozenset[str]]] = {
    "equals": (lambda v, x: v == x, frozenset({"bool", "int", "str", "str?"})),
    "in": (lambda v, x: v in x, frozenset({"int", "str", "str?"})),
    "empty": (lambda v, x: (not v) == x, frozenset({"list[str]", "list[object]"})),
    "contains": (_contains, frozenset({"str", "str?", "list[str]"})),
    "matches": (lambda v, x: isinstance(v, str) and x.search(v) is not None, frozenset({"str", "str?"})),
    "exists": (lambda v, x: (v is not None) == x, frozenset({"str?", "object?"})),
    "version-above": (is_above, frozenset({"str", "str?"})),
    "greater-than": (_ordered(lambda v, x: v > x), frozenset({"int"})),
    "less-than": (_ordered(lambda v, x: v < x), frozenset({"int"})),
}
QUANTIFIER = "where"  # {fact: <list>, where: <condition over each item>}
BOOLEANS = ("all", "any", "not")


def operand_getter(operand: Any) -> Callable[[dict], Any]:
    if isinstance(operand, dict):  # {target: name}, checked at load
        name = operand["target"]
        return lambda target: target[name]
    return lambda target: operand


def pattern(text: str, linear: bool = False) -> Any:
    """A `matches` operand: an object with search(). The built-in rules' patterns are reviewed
    and use Python's re (importing RE2 would cost every run 7 ms), compiled on first use.
    Rules users add match strings an artifact controls with patterns nobody reviewed:
    `^/(a+)+$` backtracks for minutes on 40 characters. They use RE2, whose time is linear in
    the text (google-re2; Python's re where it has no wheel). RE2 has no look-around and no
    back-references."""
    if linear:
        try:
            import re2
        except ImportError:  # pragma: no cover - platforms without a google-re2 wheel
            return re.compile(text)
        options = re2.Options()
        options.log_errors = False  # a bad pattern is reported once, by the rule loader
        return re2.compile(text, options)
    return Pattern(text)  # the built-in rules' 16 compiled at load cost every run 1.2 ms; one file reaches 1


def pattern_errors() -> tuple[type[BaseException], ...]:
    try:
        import re2
    except ImportError:  # pragma: no cover
        return (re.error,)
    return (re.error, re2.error)


class Deferred:
    """A rule's condition, compiled when first evaluated: a run meets few kinds of file, and
    on most files most rules stop at their guards (compiling the conditions of all 118
    built-in rules cost every run 0.5 ms). The RuleChecker has checked it already."""

    __slots__ = ("node", "linear", "compiled")

    def __init__(self, node: dict[str, Any], linear: bool = False) -> None:
        self.node, self.linear, self.compiled = node, linear, None

    def __call__(self, lookup: Any, target: Any) -> Any:
        compiled = self.compiled
        if compiled is None:
            compiled = self.compiled = compile_condition(self.node, self.linear)
        return compiled(lookup, target)


def compile_condition(node: dict[str, Any], linear: bool = False, in_where: bool = False) -> Compiled:
    """A condition the RuleChecker has checked, as a function; `in_where`: inside a `where`,
    whose leaves name fields of the list's items; `linear`: a rule a user added (see pattern)."""
    for key in BOOLEANS:
        if key in node:
            if key == "not":
                return compile_not(compile_condition(node["not"], linear, in_where))
            parts = [compile_condition(part, linear, in_where) for part in node[key]]
            return (compile_all if key == "all" else compile_any)(parts)
    name = node.get("field", "") if in_where else node["fact"]
    if QUANTIFIER in node:
        inner = node[QUANTIFIER]
        fields = None if in_where else shape(name)[1]  # type: ignore[index]
        if fields:  # items with fields: a Mach-O file's carry their slice's arch
            return compile_where(name, compile_condition(inner, linear, True), per_arch="arch" in fields)
        if list(inner) == ["in"]:
            return compile_where_in(name, inner["in"])
        return compile_where(name, compile_condition(inner, linear, True))
    op = next(k for k in node if k in OPERATORS)
    return compile_leaf(name, op, node[op], linear)


def compile_leaf(name: str, op: str, operand: Any, linear: bool = False) -> Compiled:
    """`name` is a fact, or inside `where` a field of the item ("" for the item itself);
    `linear`: a rule a user added (see pattern)."""
    test = OPERATORS[op][0]
    if op == "matches":
        operand = pattern(operand, linear)
    value_of = operand_getter(operand)
    return lambda lookup, target: [] if test(lookup(name), value_of(target)) else None


def compile_where(name: str, inner: Compiled, per_arch: bool = False) -> Compiled:
    """`per_arch`: the items carry an `arch` field (a Mach-O file's slices), so values per
    architecture that were not chosen for the whole file are chosen for each item's own."""
    def where(lookup: Lookup, target: dict) -> Matches:
        items = lookup(name)
        if not items:  # most lists are empty on most files: no comprehension for them
            return None
        if per_arch and any(isinstance(target.get(k), dict) for k in PER_ARCH):
            by_arch = {arch: for_arch(target, [arch]) for arch in {item["arch"] for item in items}}
            hits = [item for item in items if inner(_item_lookup(item), by_arch[item["arch"]]) is not None]
        else:
            hits = [item for item in items if inner(_item_lookup(item), target) is not None]
        return hits or None
    return where


def compile_where_in(name: str, operand: Any) -> Compiled:
    """`{fact: <list[str]>, where: {in: <list>}}`, the commonest quantifier (symbols against
    a policy's list): the same items as compile_where, tested against a set (a scipy wheel's
    imports took 80 ms item by item through the leaf's closures)."""
    if isinstance(operand, dict):
        value_of = operand_getter(operand)
        members = lambda target: frozenset(value_of(target))  # noqa: E731 - a target's list, a few dozen names
    else:
        fixed = frozenset(operand)
        members = lambda target: fixed  # noqa: E731

    def where_in(lookup: Lookup, target: dict) -> Matches:
        items = lookup(name)
        if not items:
            return None
        allowed = members(target)
        hits = [item for item in items if item in allowed]
        return hits or None
    return where_in


def _item_lookup(item: Any) -> Lookup:
    return lambda field: item[field] if field else item


def compile_all(parts: list[Compiled]) -> Compiled:
    def all_(lookup: Lookup, target: dict) -> Matches:
        found: list = []
        for part in parts:
            hit = part(lookup, target)
            if hit is None:
                return None
            found += hit
        return found
    return all_


def compile_any(parts: list[Compiled]) -> Compiled:
    def any_(lookup: Lookup, target: dict) -> Matches:
        found = None  # every part is evaluated: the evidence is all the parts' matches
        for part in parts:
            hit = part(lookup, target)
            if hit is not None:
                found = hit if found is None else found + hit
        return found
    return any_


def compile_not(part: Compiled) -> Compiled:
    return lambda lookup, target: [] if part(lookup, target) is None else None


def guards(node: dict[str, Any], linear: bool = False) -> tuple[tuple[Any, Callable[[Any, Any], bool] | None, Any], ...]:
    """The tests the condition `node` starts with, each of which must hold for it to: the
    engine runs these first, and most rules fail one of them on most files (a test alone
    costs a fraction of the condition's calls). Each is (fact, test, operand): a leaf that
    compares a fact with a literal (the node itself, or the leading parts of an `all`); then
    for the first part that is a `where` (or an `any` of them), that its list is not empty, as
    (facts, None, None) when any of several lists will do; an `any` of leaves is one guard.
    They read the facts the condition reads first, in its order, so a rule reads no fact the
    condition would not have."""
    leaves: list[tuple[Any, Callable[[Any, Any], bool] | None, Any]] = []
    for part in node["all"] if "all" in node else [node]:
        leaf = _literal_leaf(part, linear)
        if leaf is not None:
            leaves.append(leaf)
            continue
        # An `any` of such leaves (or of `all`s that start with one), as (facts, None,
        # ((test, operand), ...)): one must hold. abi3-non-stable-symbol and
        # object-executable-stack ran their whole condition on each of the 10,761 ELF files
        # and 9,195 objects of a tree scan.
        either = [_literal_leaf((p["all"] or [{}])[0] if "all" in p else p, linear) for p in part.get("any", ())]
        if either and None not in either:
            leaves.append((tuple(f for f, _, _ in either), None, tuple((t, o) for _, t, o in either)))
            continue
        lists = _leading_lists(part)  # `where` reads its list first and holds on no item of an empty one
        if lists:
            leaves.append((lists[0], _not_empty, None) if len(lists) == 1 else (lists, None, None))
        break  # a target, all/any/not: the condition decides
    return tuple(leaves)


def _literal_leaf(part: dict[str, Any], linear: bool) -> tuple[str, Callable[[Any, Any], bool], Any] | None:
    """(fact, test, operand) of a leaf that compares a fact with a literal, else None."""
    op = next((k for k in part if k in OPERATORS), None)
    if "fact" not in part or op is None or isinstance(part[op], dict):
        return None
    return part["fact"], OPERATORS[op][0], pattern(part[op], linear) if op == "matches" else part[op]


def holds(get: Callable[[str], Any], facts: tuple[str, ...], tests: tuple[tuple[Any, Any], ...] | None) -> bool:
    """A guard on several facts (test None in guards()): any of the lists has items, or any
    of the leaves holds, read in the condition's order."""
    if tests is None:
        return any(map(get, facts))
    for fact, (test, operand) in zip(facts, tests):  # a loop, not any() over a generator: 10,000 calls a tree scan
        if test(get(fact), operand):
            return True
    return False


def _not_empty(value: Any, _: Any) -> bool:
    return bool(value)


def _leading_lists(node: dict[str, Any]) -> tuple[str, ...]:
    """List facts of which one must have items for `node` to hold, and which `node` reads
    before any other fact, in that order; () when there are none. `{fact, where}`: its list.
    `any`: the lists of the `where` parts it starts with, when every later part needs one of
    them too (rpath-build-directory: any of elf.rpath, elf.runpath; about 60 of the 10,687 ELF
    files and objects of the tree scan have either, and each of the others evaluated the four
    rpath rules' conditions for nothing)."""
    if "fact" in node and QUANTIFIER in node:
        return (node["fact"],)
    if "any" not in node:
        return ()
    parts, lead = node["any"], 0
    while lead < len(parts) and "fact" in parts[lead] and QUANTIFIER in parts[lead]:
        lead += 1
    lists = tuple(dict.fromkeys(part["fact"] for part in parts[:lead]))
    later = [_needed_lists(part) for part in parts[lead:]]
    return lists if lists and all(found and set(found) <= set(lists) for found in later) else ()


def _needed_lists(node: dict[str, Any]) -> tuple[str, ...]:
    """List facts of which one must have items for `node` to hold (in any order); () when
    none must."""
    if "fact" in node and QUANTIFIER in node:
        return (node["fact"],)
    if "all" in node:
        return next((found for found in map(_needed_lists, node["all"]) if found), ())
    if "any" in node:
        found = [_needed_lists(part) for part in node["any"]]
        return tuple(dict.fromkeys(f for lists in found for f in lists)) if all(found) else ()
    return ()
