"""Finding and reading rule files: YAML (safe, without duplicate keys or alias bombs),
checked against schema.json, then by the RuleChecker against the fact catalogue.

The built-in rules are also kept checked in builtin.json (written by scripts/generate.py):
each file's content, the facts it reads, the targets it compares with, and a digest of its
bytes. That spares every run the YAML import and parse (about 40 ms) and the checks (2 ms).
In a source tree a file whose bytes still match the digest is taken from there, an edited one
is read from its YAML. An installed wheel takes them all from there without reading the
files (1.2 ms of a one-file check): its build refused a copy that did not match them
(hatch_build.py).
"""
from __future__ import annotations

import json
import os

from binlint.errors import BinlintError
from binlint.rules.check import RuleChecker, RuleFile, make_rule
from binlint.rules.digests import digest, rule_names

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable

    import yaml

    from binlint.rules.model import Rule

HERE = os.path.dirname(os.path.realpath(__file__))
PACKAGED_RULES = os.path.join(HERE, "builtin")  # in a wheel; the top-level rules/ in a source tree
PARSED_RULES = os.path.join(HERE, "builtin.json")
PARSED_VERSION = 3


def builtin_rules_dir() -> str:
    """`binlint/rules/builtin` inside a wheel; the top-level `rules/` in a source tree or editable install."""
    return PACKAGED_RULES if os.path.isdir(PACKAGED_RULES) else os.path.join(os.path.dirname(os.path.dirname(HERE)), "rules")


def load_rules(extra_dirs: Iterable[str] = ()) -> list[Rule]:
    rules: dict[str, Rule] = {}
    builtin = builtin_rules_dir()
    for directory in [builtin, *extra_dirs]:
        for rule in _builtin_rules(directory) if directory == builtin else _rules(directory, linear=True):
            if rule.id in rules:
                raise BinlintError(f"{rule.source}: rule id {rule.id!r} is already defined in {rules[rule.id].source}")
            rules[rule.id] = rule
    return sorted(rules.values(), key=lambda r: r.id)


def _rules(directory: str, linear: bool) -> list[Rule]:
    """`linear`: rules a user added, whose patterns run in linear time (conditions.pattern)."""
    return [RuleChecker(path, parse_rule(path, text), linear).rule() for path, text, _ in _rule_files(directory)]


def _builtin_rules(directory: str) -> list[Rule]:
    parsed = _parsed_builtin_rules()
    if directory == PACKAGED_RULES and list(parsed) == rule_names(directory):
        return [_checked(os.path.join(directory, name), entry) for name, entry in parsed.items()]
    rules = []
    for path, text, found in _rule_files(directory):
        entry = parsed.get(os.path.basename(path))
        rules.append(_checked(path, entry) if entry and entry["digest"] == found
                     else RuleChecker(path, parse_rule(path, text)).rule())
    return rules


def _checked(path: str, entry: dict[str, Any]) -> Rule:
    return make_rule(path, entry["rule"], entry["facts"], entry["targets"])


def _parsed_builtin_rules() -> dict[str, dict[str, Any]]:
    """builtin.json's rules by file name, in name order; none when it is missing or of another version."""
    try:
        with open(PARSED_RULES, encoding="utf-8") as f:
            document = json.load(f)
    except (OSError, ValueError):
        return {}  # it is only a shortcut
    return document["rules"] if isinstance(document, dict) and document.get("version") == PARSED_VERSION else {}  # type: ignore[no-any-return]


def parsed_rules_document(directory: str) -> str:
    """builtin.json for the rule files in `directory`: each one's digest, content, and what it reads."""
    rules = {}
    for path, text, found in _rule_files(directory):
        data = parse_rule(path, text)
        checker = RuleChecker(path, data)
        checker.rule()
        rules[os.path.basename(path)] = {"digest": found, "rule": data, "facts": sorted(checker.facts),
                                         "targets": sorted(checker.targets)}
    return json.dumps({"version": PARSED_VERSION, "rules": rules}, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _rule_files(directory: str) -> Iterable[tuple[str, str, str]]:
    """(path, text, digest) of each rule file in `directory`, in name order."""
    if not os.path.isdir(directory):
        raise BinlintError(f"rule directory not found: {directory}")
    for name in rule_names(directory):
        path = os.path.join(directory, name)
        try:
            with open(path, "rb") as f:
                raw = f.read()
            yield path, raw.decode("utf-8"), digest(raw)
        except (OSError, UnicodeDecodeError) as err:
            raise BinlintError(f"{path}: cannot read: {err}") from None


def parse_rule(path: str, text: str) -> dict[str, Any]:
    """The content of one rule file, valid against schema.json."""
    import yaml

    try:
        data = yaml.load(text, Loader=_yaml_loader())
    except yaml.YAMLError as err:
        raise BinlintError(f"{path}: {_yaml_problem(err, text)}") from None
    except RecursionError:  # the constructor follows nested lists and mappings by recursion
        raise BinlintError(f"{path}: invalid YAML: lists or mappings nested deeper than binlint reads") from None
    return RuleFile(path).validate(data)  # type: ignore[no-any-return]


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


