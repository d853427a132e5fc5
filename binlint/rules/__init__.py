"""Load rule files: YAML, checked against schema.json, then against the fact catalogue.

The built-in rules are also kept parsed and validated in builtin.json (written by
scripts/generate.py): a file whose bytes still match the recorded digest is taken from
there, which spares every run the YAML import and parse (about 40 ms); an edited file is
read from its YAML as usual.
"""
from __future__ import annotations

import json
import os
import re
import zlib
from collections import namedtuple

from binlint.rules import conditions
from binlint.formats import GROUP_KINDS as FACT_KINDS, KINDS
from binlint.errors import BinlintError
from binlint.facts import CATALOGUE, fact_format
from binlint.rules.targets import TARGETS
from binlint.version import version

TYPE_CHECKING = False  # typing costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from typing import Any, Iterable

SEVERITIES = ("error", "warning", "note")  # the SARIF levels, most severe first
PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.-]*)\}")
# target type -> the operator that compares a fact with it
TARGET_OPERATORS = {"version": "version-above", "list": "in", "str": "equals", "int": "greater-than"}
_PYTHON_TYPES = {"bool": (bool,), "int": (int,), "str": (str,), "str?": (str, type(None))}


def _is_a(value: Any, fact_type: str) -> bool:
    if isinstance(value, bool) and fact_type != "bool":
        return False  # bool is an int to Python, not to a rule author
    return isinstance(value, _PYTHON_TYPES.get(fact_type, ()))


def _type_name(fact_type: str) -> str:
    return {"bool": "boolean", "int": "whole number", "str": "string", "str?": "string (or null)"}.get(fact_type, fact_type)


class Rule(namedtuple("Rule", "id group severity formats summary when message evidence help references "
                           "escalate security_severity targets facts source default guards")):
    """A loaded rule. formats: file kinds (empty: every kind); when: the compiled condition;
    escalate: (severity, compiled condition) or None; targets: target values the condition
    compares with; facts: the facts the rule reads; source: the file it came from; guards:
    the tests `when` starts with, which must hold for it to (conditions.guards)."""

    __slots__ = ()

    def applies_to(self, kind: str) -> bool:
        return not self.formats or kind in self.formats


def builtin_rules_dir() -> str:
    """`binlint/rules/builtin` inside a wheel; the top-level `rules/` in a source tree or editable install."""
    here = os.path.dirname(os.path.realpath(__file__))
    packaged = os.path.join(here, "builtin")
    return packaged if os.path.isdir(packaged) else os.path.join(os.path.dirname(os.path.dirname(here)), "rules")


def load_rules(extra_dirs: Iterable[str] = ()) -> list[Rule]:
    rules: dict[str, Rule] = {}
    builtin = builtin_rules_dir()
    for directory in [builtin, *extra_dirs]:
        parsed = _parsed_builtin_rules() if directory == builtin else {}
        for path, text, digest in _rule_files(directory):
            entry = parsed.get(os.path.basename(path))
            data = entry["rule"] if entry and entry.get("digest") == digest else parse_rule(path, text)
            rule = RuleChecker(path, data, linear=directory != builtin).rule()
            if rule.id in rules:
                raise BinlintError(f"{rule.source}: rule id {rule.id!r} is already defined in {rules[rule.id].source}")
            rules[rule.id] = rule
    return sorted(rules.values(), key=lambda r: r.id)


PARSED_RULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "builtin.json")


def _parsed_builtin_rules() -> dict[str, dict[str, Any]]:
    try:
        with open(PARSED_RULES, encoding="utf-8") as f:
            return json.load(f)["rules"]  # type: ignore[no-any-return]
    except (OSError, ValueError, KeyError):
        return {}  # it is only a shortcut


def parsed_rules_document(directory: str) -> str:
    """builtin.json for the rule files in `directory`: each one's digest and content."""
    rules = {os.path.basename(path): {"digest": digest, "rule": parse_rule(path, text)}
             for path, text, digest in _rule_files(directory)}
    return json.dumps({"version": 2, "rules": rules}, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _rule_files(directory: str) -> Iterable[tuple[str, str, str]]:
    """(path, text, digest) of each rule file in `directory`, in name order. The digest (length
    and CRC-32) tells an edited file from the one builtin.json was made from: a cache
    key, not a security check, and it spares start-up the 4 ms of importing hashlib."""
    if not os.path.isdir(directory):
        raise BinlintError(f"rule directory not found: {directory}")
    for name in sorted(n for n in os.listdir(directory) if n.endswith((".yaml", ".yml"))):
        path = os.path.join(directory, name)
        try:
            with open(path, "rb") as f:
                raw = f.read()
            yield path, raw.decode("utf-8"), f"{len(raw)}:{zlib.crc32(raw):08x}"
        except (OSError, UnicodeDecodeError) as err:
            raise BinlintError(f"{path}: cannot read: {err}") from None


def select_rules(rules: list[Rule], select: list[str], extend: list[str], ignore: list[str]) -> list[Rule]:
    """The rules to run, ruff-style: `select` replaces the default set (the rules not marked
    `default: false`), `extend` adds to it, `ignore` removes; each names rule ids, groups or ALL.
    The diagnostic group (a file that could not be read) stays unless ignored by name, so a
    narrow selection never turns a broken file into a clean report."""
    def matching(selector: str) -> set[str]:
        found = {r.id for r in rules if selector in ("ALL", r.id, r.group)}
        if not found:
            groups = sorted({r.group for r in rules})
            raise BinlintError(f"unknown rule or group {selector!r} (groups: {', '.join(groups)}; see `binlint rules`)")
        return found

    diagnostics = {r.id for r in rules if r.group == "diagnostic" and r.default}
    chosen = set().union(diagnostics, *map(matching, select)) if select else {r.id for r in rules if r.default}
    chosen |= set().union(*map(matching, extend))
    chosen -= set().union(*map(matching, ignore))
    return [r for r in rules if r.id in chosen]


def override_severities(rules: list[Rule], levels: dict[str, str]) -> tuple[list[Rule], list[str]]:
    """`rules` with the severities the configuration sets by rule id or group (an id wins over
    its group; a set severity is fixed, without escalation), and the ids of the rules set to
    "off", for the ignore list."""
    known = {r.id for r in rules} | {r.group for r in rules}
    for key in levels:
        if key not in known:
            raise BinlintError(f"unknown rule or group {key!r} in severity (see `binlint rules`)")
    result, off = [], []
    for rule in rules:
        level = levels.get(rule.id, levels.get(rule.group))
        if level == "off":
            off.append(rule.id)
        result.append(rule if level in (None, "off") else rule._replace(severity=level, escalate=None))
    return result, off


def parse_rule(path: str, text: str) -> dict[str, Any]:
    """The content of one rule file, valid against schema.json."""
    import yaml

    from binlint.rules._validator import JsonSchemaException, validate  # 2 ms of imports the parsed rules spare

    try:
        data = yaml.load(text, Loader=_yaml_loader())
    except yaml.YAMLError as err:
        raise BinlintError(f"{path}: {_yaml_problem(err, text)}") from None
    except RecursionError:  # the constructor follows nested lists and mappings by recursion
        raise BinlintError(f"{path}: invalid YAML: lists or mappings nested deeper than binlint reads") from None
    try:
        validate(data)
    except JsonSchemaException as err:
        field = err.name.removeprefix("data").lstrip(".") or "(top level)"
        message = err.message.removeprefix(err.name).strip()
        raise BinlintError(f"{path}: {field}: {message}") from None
    return data  # type: ignore[no-any-return]


_LOADER: list[Any] = []


def _yaml_loader() -> Any:
    """Safe YAML that refuses duplicate keys instead of keeping the last one (made on first
    use: importing yaml costs 10 ms that runs on built-in rules never pay)."""
    if not _LOADER:
        import yaml

        class RuleYamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
            def construct_document(self, node: yaml.Node) -> Any:
                # Aliases are references: 30 lines of them can stand for a list of 10^18
                # items, which every later step (the schema, the rule checker) walks.
                size = _expanded_size(node, {}, set())
                if size > YAML_VALUES_MAX:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"its aliases expand to {'a cycle' if size == float('inf') else size} values, "
                        f"more than the {YAML_VALUES_MAX} a rule may hold (an alias bomb?)", node.start_mark)
                return super().construct_document(node)

            def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
                seen = set()
                for key_node, _ in node.value:
                    key = self.construct_object(key_node, deep=deep)
                    if key in seen:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"duplicate key {key!r}", key_node.start_mark)
                    seen.add(key)
                return super().construct_mapping(node, deep=deep)

        _LOADER.append(RuleYamlLoader)
    return _LOADER[0]


YAML_VALUES_MAX = 100_000  # the built-in rules hold at most a few hundred


def _expanded_size(node: Any, sizes: dict[int, float], open_nodes: set[int]) -> float:
    """How many values `node` stands for with every alias expanded (infinite for a cycle),
    counted once per distinct node."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        return float("inf")
    value = node.value
    if not isinstance(value, list):
        return 1
    open_nodes.add(key)
    size: float = 1
    for child in value:
        for part in (child if isinstance(child, tuple) else (child,)):  # mappings hold (key, value) pairs
            size += _expanded_size(part, sizes, open_nodes)
        if size > YAML_VALUES_MAX:
            break
    open_nodes.discard(key)
    sizes[key] = size
    return size


def _yaml_problem(err: yaml.YAMLError, text: str) -> str:
    mark = getattr(err, "problem_mark", None)
    if mark is not None:
        line = mark.line + 1
    elif getattr(err, "position", None) is not None:  # reader errors: bad characters
        line = text.count("\n", 0, err.position) + 1  # type: ignore[attr-defined]
    else:
        line = None
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    return f"line {line}: invalid YAML: {problem}" if line else f"invalid YAML: {problem}"


class RuleChecker:
    """What the schema cannot say: facts exist, operators fit their types, templates resolve."""

    def __init__(self, path: str, data: dict[str, Any], linear: bool = False) -> None:
        self.path, self.data = path, data
        self.linear = linear  # a rule a user added: its patterns run in linear time (conditions.pattern)
        self.facts: set[str] = set()
        self.targets: set[str] = set()
        self.where_items: list[dict[str, str]] = []  # item fields of each `where` fact

    def fail(self, field: str, message: str) -> BinlintError:
        return BinlintError(f"{self.path}: {field}: {message}")

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
        when = self.condition(d["when"], "when")
        escalate = None
        if "escalate" in d:
            escalate = (d["escalate"]["severity"], self.condition(d["escalate"]["when"], "escalate.when"))
        self.template(d["message"], "message", in_item=False)
        if "evidence" in d:
            self.template(d["evidence"], "evidence", in_item=True)
        for name in sorted(self.facts):
            fmt = fact_format(name)
            if fmt != "file" and not (formats and formats <= FACT_KINDS[fmt]):
                raise self.fail("formats", f"the rule reads {name}, which only "
                                f"{', '.join(sorted(FACT_KINDS[fmt]))} files have: list only those in formats")
        return Rule(
            id=d["id"], group=d["group"], severity=d["severity"], formats=frozenset(formats),
            summary=d["summary"], when=when, message=d["message"], evidence=d.get("evidence"),
            help=d["help"], references=tuple(d.get("references", ())), escalate=escalate,
            security_severity=d.get("security-severity"), targets=frozenset(self.targets),
            facts=frozenset(self.facts), source=self.path, default=d.get("default", True),
            guards=conditions.guards(d["when"], self.linear),
        )

    def condition(self, node: dict[str, Any], field: str, items: dict[str, str] | None = None) -> conditions.Compiled:
        """Compile one condition; `items` are the fields of the list item inside `where`."""
        booleans = [k for k in conditions.BOOLEANS if k in node]
        if booleans:
            if len(node) != 1:
                raise self.fail(field, f"{booleans[0]!r} cannot be combined with other keys: {sorted(node)}")
            key = booleans[0]
            if key == "not":
                return conditions.compile_not(self.condition(node["not"], f"{field}.not", items))
            parts = [self.condition(c, f"{field}.{key}[{i}]", items) for i, c in enumerate(node[key])]
            return (conditions.compile_all if key == "all" else conditions.compile_any)(parts)
        name, fact_type = self.subject(node, field, items)
        ops = [k for k in node if k in conditions.OPERATORS or k == conditions.QUANTIFIER]
        if len(ops) != 1:
            raise self.fail(field, f"needs exactly one operator ({', '.join([*conditions.OPERATORS, 'where'])}), "
                            f"found {ops or 'none'}")
        op = ops[0]
        if op == conditions.QUANTIFIER:
            if not fact_type.startswith("list["):
                raise self.fail(field, f"'where' needs a list fact; {name or 'the item'} is {fact_type}")
            item_fields = CATALOGUE[name].items if (fact_type == "list[object]" and items is None) else {"": "str"}
            self.where_items.append(item_fields)
            inner = self.condition(node["where"], f"{field}.where", item_fields)
            if item_fields == {"": "str"} and list(node["where"]) == ["in"]:
                return conditions.compile_where_in(name, node["where"]["in"])
            return conditions.compile_where(name, inner)
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
        return conditions.compile_leaf(name, op, operand, self.linear)

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
            if name not in CATALOGUE:
                raise self.fail(f"{field}.fact", f"unknown fact {name!r} (see `binlint facts` and docs/facts.md)")
            self.facts.add(name)
            return name, CATALOGUE[name].type
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
            elif name not in CATALOGUE:
                raise self.fail(field, f"unknown placeholder {{{name}}}")
            else:
                self.facts.add(name)
