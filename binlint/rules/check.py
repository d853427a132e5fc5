"""What a rule file's schema cannot say: facts exist, operators fit their types, templates
resolve. The RuleChecker compiles a parsed rule file into a Rule."""
from __future__ import annotations

import os

from binlint.facts import fact_format, shape
from binlint.formats import GROUP_KINDS as FACT_KINDS, KINDS
from binlint.rules import conditions
from binlint.inputs import InputFile
from binlint.rules.model import PLACEHOLDER, Rule
from binlint.rules.targets import TARGETS
from binlint.version import version

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable

    from binlint.errors import BinlintError

# target type -> the operator that compares a fact with it
TARGET_OPERATORS = {"version": "version-above", "list": "in", "str": "equals", "int": "greater-than"}
_PYTHON_TYPES = {"bool": (bool,), "int": (int,), "str": (str,), "str?": (str, type(None))}


class RuleFile(InputFile):
    """A rule file: keys spelled `when.all[0].fact`."""

    kind = "rule"


def _is_a(value: Any, fact_type: str) -> bool:
    if isinstance(value, bool) and fact_type != "bool":
        return False  # bool is an int to Python, not to a rule author
    return isinstance(value, _PYTHON_TYPES.get(fact_type, ()))


def _type_name(fact_type: str) -> str:
    return {"bool": "boolean", "int": "whole number", "str": "string", "str?": "string (or null)"}.get(fact_type, fact_type)


class RuleChecker:
    """What the schema cannot say: facts exist, operators fit their types, templates resolve."""

    def __init__(self, path: str, data: dict[str, Any], linear: bool = False) -> None:
        self.path, self.data = path, data
        self.file = RuleFile(path)
        self.linear = linear  # a rule a user added: its patterns run in linear time (conditions.pattern)
        self.facts: set[str] = set()
        self.targets: set[str] = set()
        self.where_items: list[dict[str, str]] = []  # item fields of each `where` fact

    def fail(self, field: str, message: str) -> BinlintError:
        return self.file.fail((field,), message)  # `field` is spelled already

    def rule(self) -> Rule:
        d = self.data
        stem = os.path.splitext(os.path.basename(self.path))[0]
        if d["id"] != stem:
            raise self.fail("id", f"{d['id']!r} must match the file name {stem!r}")
        formats = set(d["formats"])
        unknown = formats - set(KINDS) - {"any"}
        if unknown:
            raise self.fail("formats", f"unknown format {sorted(unknown)[0]!r} (known: any, {', '.join(KINDS)})")
        formats = set() if "any" in formats else formats
        self.condition(d["when"], "when")
        if "escalate" in d:
            self.condition(d["escalate"]["when"], "escalate.when")
        self.template(d["message"], "message", in_item=False)
        if "evidence" in d:
            self.template(d["evidence"], "evidence", in_item=True)
        for name in sorted(self.facts):
            fmt = fact_format(name)
            if fmt != "file" and not (formats and formats <= FACT_KINDS[fmt]):
                raise self.fail("formats", f"the rule reads {name}, which only "
                                f"{', '.join(sorted(FACT_KINDS[fmt]))} files have: list only those in formats")
        return make_rule(self.path, d, self.facts, self.targets, self.linear)

    def condition(self, node: dict[str, Any], field: str, items: dict[str, str] | None = None) -> None:
        """Check one condition; `items` are the fields of the list item inside `where`."""
        booleans = [k for k in conditions.BOOLEANS if k in node]
        if booleans:
            if len(node) != 1:
                raise self.fail(field, f"{booleans[0]!r} cannot be combined with other keys: {sorted(node)}")
            key = booleans[0]
            if key == "not":
                return self.condition(node["not"], f"{field}.not", items)
            for i, part in enumerate(node[key]):
                self.condition(part, f"{field}.{key}[{i}]", items)
            return None
        name, fact_type = self.subject(node, field, items)
        ops = [k for k in node if k in conditions.OPERATORS or k == conditions.QUANTIFIER]
        if len(ops) != 1:
            raise self.fail(field, f"needs exactly one operator ({', '.join([*conditions.OPERATORS, 'where'])}), "
                            f"found {ops or 'none'}")
        op = ops[0]
        if op == conditions.QUANTIFIER:
            if not fact_type.startswith("list["):
                raise self.fail(field, f"'where' needs a list fact; {name or 'the item'} is {fact_type}")
            item_fields = shape(name)[1] if (fact_type == "list[object]" and items is None) else {"": "str"}  # type: ignore[index]
            self.where_items.append(item_fields)
            return self.condition(node["where"], f"{field}.where", item_fields)
        allowed = conditions.OPERATORS[op][1]
        if fact_type not in allowed:
            raise self.fail(field, f"{op!r} does not apply to {name or 'the item'} ({fact_type}); "
                            f"it takes {', '.join(sorted(allowed))}")
        operand = node[op]
        if isinstance(operand, dict):
            target = operand["target"]
            if target not in TARGETS:
                raise self.fail(f"{field}.{op}", f"unknown target {target!r} (known: {', '.join(TARGETS)})")
            target_type = TARGETS[target][0]
            if op != TARGET_OPERATORS[target_type]:
                raise self.fail(f"{field}.{op}", f"target {target!r} is a {_type_name(target_type)}: "
                                f"compare it with {TARGET_OPERATORS[target_type]}")
            self.targets.add(target)
        else:
            self.operand(op, operand, fact_type, f"{field}.{op}")
        if op == "matches":
            try:
                conditions.pattern(operand, self.linear)
            except conditions.pattern_errors() as err:
                text = err.args[0].decode(errors="replace") if err.args and isinstance(err.args[0], bytes) else err
                syntax = " (RE2 syntax: no look-around, no back-references)" if self.linear else ""
                raise self.fail(f"{field}.matches", f"invalid regular expression{syntax}: {text}") from None
        return None

    def operand(self, op: str, operand: Any, fact_type: str, field: str) -> None:
        """The literal an operator compares with must be of the fact's type, or the rule
        could never fire (YAML reads `2.10` as the number 2.1) or fail at check time."""
        if op == "in":
            if not all(_is_a(v, fact_type) for v in operand):
                raise self.fail(field, f"every value must be a {_type_name(fact_type)}, like the fact")
        elif op in ("equals", "greater-than", "less-than") and not _is_a(operand, fact_type):
            raise self.fail(field, f"{operand!r} is not a {_type_name(fact_type)}, like the fact")
        elif op == "contains" and not isinstance(operand, str):
            raise self.fail(field, f"{operand!r} is not a string")
        elif op == "version-above" and version(operand) is None:
            raise self.fail(field, f"{operand!r} is not a version such as \"2.17\" (quote it: YAML reads 2.10 as 2.1)")

    def subject(self, node: dict[str, Any], field: str, items: dict[str, str] | None) -> tuple[str, str]:
        if items is None:
            if "field" in node or "fact" not in node:
                raise self.fail(field, "a condition needs 'fact' (or all/any/not); 'field' is only for 'where'")
            name = node["fact"]
            found = shape(name)
            if found is None:
                raise self.fail(f"{field}.fact", f"unknown fact {name!r} (see `binlint facts` and docs/facts.md)")
            self.facts.add(name)
            return name, found[0]
        if "fact" in node:
            raise self.fail(field, "inside 'where' conditions name a 'field' of the item, not a 'fact'")
        name = node.get("field", "")
        if name not in items:
            known = ", ".join(k for k in items if k) or "none: the items are plain values, leave 'field' out"
            raise self.fail(f"{field}.field", f"unknown field {name!r} (known: {known})")
        return name, items[name]

    def template(self, text: str, field: str, in_item: bool) -> None:
        for name in PLACEHOLDER.findall(text):
            if in_item:
                if not self.where_items or name not in self.where_items[0]:
                    raise self.fail(field, f"unknown placeholder {{{name}}}: evidence names fields of the "
                                    f"'where' items ({', '.join(k for k in (self.where_items or [{}])[0] if k)})")
            elif name == "matches":
                if not self.where_items:
                    raise self.fail(field, "{matches} needs a 'where' in the condition")
            elif name.startswith("target."):
                if name[7:] not in self.targets:
                    raise self.fail(field, f"{{{name}}} is not a target the condition compares with")
            elif shape(name) is None:
                raise self.fail(field, f"unknown placeholder {{{name}}}")
            else:
                self.facts.add(name)


def make_rule(path: str, d: dict[str, Any], facts: Iterable[str], targets: Iterable[str], linear: bool = False) -> Rule:
    """The Rule of a checked rule file's content `d`, which reads `facts` and compares with `targets`."""
    formats = frozenset() if "any" in d["formats"] else frozenset(d["formats"])
    escalate = None
    if "escalate" in d:
        escalate = (d["escalate"]["severity"], conditions.Deferred(d["escalate"]["when"], linear))
    return Rule(
        id=d["id"], group=d["group"], severity=d["severity"], formats=formats,
        summary=d["summary"], when=conditions.Deferred(d["when"], linear), message=d["message"],
        evidence=d.get("evidence"), help=d["help"], references=tuple(d.get("references", ())), escalate=escalate,
        security_severity=d.get("security-severity"), targets=frozenset(targets),
        facts=frozenset(facts), source=path, default=d.get("default", True),
        guards=conditions.guards(d["when"], linear),
    )
