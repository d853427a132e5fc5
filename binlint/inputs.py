"""The three kinds of input users write: rule files, target profiles, configuration.

Each is declared by a JSON Schema in binlint/rules/ (schema.json, profile.schema.json,
config.schema.json), compiled to plain Python by scripts/generate.py (rules/_validator.py),
then checked for what a schema cannot say (facts exist, a kernel release names a version)
by its loader through the same `InputFile`. Every problem is one BinlintError naming the
file and the key; the three inputs differ only in how they spell a key. Outside the rules
package, so that reading the configuration does not load the rules and facts (23 ms of
`binlint --version`).
"""
from __future__ import annotations

import os
import re

from binlint.errors import BinlintError
from binlint.version import kernel_version, target_version, version

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

KeyPath = tuple  # keys and list indexes from the top of a document down to one value

# kind of input -> its schema, in this folder; _validator.py has a validate_<kind> for each.
SCHEMA_FILES = {"rule": "schema.json", "profile": "profile.schema.json", "config": "config.schema.json"}

# The "format" keywords of the schemas: strings binlint reads with its one version parser.
FORMATS = {
    "version": lambda text: version(text) is not None,
    "target-version": lambda text: target_version(text) is not None,
    "kernel-release": lambda text: kernel_version(text) is not None,
}
_TYPE_NAMES = {"string": "a string", "array": "a list", "object": "a table", "number": "a number",
               "integer": "a whole number", "boolean": "true or false", "null": "null"}
_NON_EMPTY = {"minLength": "a non-empty string", "minItems": "a non-empty list", "minProperties": "a non-empty table"}


class JsonSchemaException(ValueError):
    """What the generated validators raise (the names fastjsonschema's code expects)."""

    def __init__(self, message: str, value: Any = None, name: str | None = None, definition: Any = None,
                 rule: str | None = None) -> None:
        super().__init__(message)
        self.message, self.value, self.name, self.definition, self.rule = message, value, name, definition, rule


JsonSchemaValueException = JsonSchemaException


class JsonSchemaValuesException(JsonSchemaException):
    """Several problems at once: raised only by validators compiled without fast_fail."""


def describe(value: Any) -> str:
    """What a user wrote, for an error message: `a number (2.17)`, `a list`."""
    kind = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "a table", type(None): "nothing"}.get(type(value), type(value).__name__)
    return f"{kind} ({value!r})" if isinstance(value, (bool, int, float, str)) else kind


def did_you_mean(word: str, choices: Any) -> str:
    import difflib  # only for a mistake

    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class InputFile:
    """One input file being checked, `shown` as the user knows it; `kind` names its schema
    (SCHEMA_FILES)."""

    kind = ""

    def __init__(self, shown: str) -> None:
        self.shown = shown

    def name(self, path: KeyPath) -> str:
        """How this kind of file spells the key at `path`: `when.all[0].fact`."""
        text = ""
        for part in path:
            text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
        return text

    def fail(self, path: KeyPath, problem: str) -> BinlintError:
        return BinlintError(f"{self.shown}: {self.name(path) or '(top level)'}: {problem}")

    def unknown(self, path: KeyPath, known: Any) -> BinlintError:
        return self.fail(path[:-1], f"unknown key {path[-1]!r}{did_you_mean(str(path[-1]), known)}")

    def must_be(self, path: KeyPath, expected: str, value: Any) -> BinlintError:
        return self.fail(path, f"must be {expected}, not {describe(value)}")

    def validate(self, data: Any) -> Any:
        """Check `data` against this file's schema; the first problem is raised."""
        from binlint.rules import _validator

        try:
            getattr(_validator, f"validate_{self.kind}")(data, FORMATS)
        except JsonSchemaException as err:
            try:
                problem = self.schema_problem(err, data)
            except (LookupError, StopIteration, TypeError):  # a schema shape the wording does not know
                problem = self.fail((), err.message)
            raise problem from None
        return data

    def schema_problem(self, err: Any, data: Any) -> BinlintError:
        """The error a user reads for what the generated validator found: the key named this
        file's way and the expectation in words (a node's "expected", else made from its
        type, enum and bounds). A bad list item is told as its list when the list declares
        what it expects ('rules' must be a list of non-empty strings)."""
        path = _data_path(data, err.name)
        schema = _schema(SCHEMA_FILES[self.kind])
        nodes = _schema_nodes(schema, schema, path)
        value = _value_at(data, path)
        if err.rule in ("additionalProperties", "required"):
            # A misspelt key explains the missing one: name it first.
            node = nodes[-1]
            known = [*node.get("properties", {})]
            extra = [k for k in value if k not in known and not _pattern_match(node, k)]
            if extra and node.get("additionalProperties") is False:
                return self.unknown((*path, extra[0]), known)
            missing = next(k for k in node["required"] if k not in value)
            why = node.get("properties", {}).get(missing, {}).get("description")
            return self.fail(path, f"needs a {missing!r}" + (f" ({why})" if why else ""))
        depth = len(path)
        while depth and isinstance(path[depth - 1], int):
            depth -= 1
        if "expected" not in nodes[depth]:
            depth = len(path)
        return self.must_be(path[:depth], _expected(nodes[depth]), _value_at(data, path[:depth]))


def _expected(node: dict[str, Any]) -> str:
    if "expected" in node:
        return str(node["expected"])
    if "enum" in node:
        return "one of " + ", ".join(map(str, node["enum"]))
    types = node.get("type", [])
    phrase = " or ".join(_TYPE_NAMES[t] for t in ([types] if isinstance(types, str) else types)) or "valid"
    for keyword, non_empty in _NON_EMPTY.items():
        if node.get(keyword) == 1:
            phrase = non_empty
    return phrase + (f" matching {node['pattern']}" if "pattern" in node else "")


def _data_path(data: Any, name: str) -> KeyPath:
    """The keys leading to the value fastjsonschema names `data.when.all[0]` (a name that is
    ambiguous when keys hold dots: the data decides)."""
    def search(value: Any, spelled: str, path: KeyPath) -> KeyPath | None:
        if spelled == name:
            return path
        children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, child in children:
            step = f"{spelled}[{key}]" if isinstance(value, list) else f"{spelled}.{key}"
            if name.startswith(step):
                found = search(child, step, (*path, key))
                if found is not None:
                    return found
        return None
    return search(data, "data", ()) or ()


def _value_at(data: Any, path: KeyPath) -> Any:
    for key in path:
        data = data[key]
    return data


def _schema(file: str) -> dict[str, Any]:
    import json  # here: only an invalid input's message reads a schema

    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "rules", file), encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


def _schema_nodes(root: dict[str, Any], node: dict[str, Any], path: KeyPath) -> list[dict[str, Any]]:
    """The schema node of the document and of each key along `path`."""
    node = _resolved(root, node)
    nodes = [node]
    for key in path:
        if isinstance(key, int):
            node = node.get("items", {})
        elif key in node.get("properties", {}):
            node = node["properties"][key]
        else:
            node = next((sub for pattern, sub in node.get("patternProperties", {}).items() if re.search(pattern, key)),
                        node.get("additionalProperties", {}))
        node = _resolved(root, node if isinstance(node, dict) else {})
        nodes.append(node)
    return nodes


def _resolved(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:  # "#/definitions/condition"
        target: Any = root
        for part in node["$ref"].split("#", 1)[1].strip("/").split("/"):
            target = target[part]
        node = target
    return node


def _pattern_match(node: dict[str, Any], key: str) -> bool:
    return any(re.search(pattern, key) for pattern in node.get("patternProperties", {}))
