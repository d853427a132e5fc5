"""How a fact is declared: its name, JSON type, description and how to compute it."""
from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

# The JSON shapes a fact can have; conditions are checked against them at rule load.
TYPES = ("bool", "int", "str", "str?", "list[str]", "list[object]", "object?")


# type: one of TYPES; doc: one line for docs/facts.md; compute: called with the format's
# reader; items: field -> type of the items of a list[object] fact.
Fact = namedtuple("Fact", "type doc compute items", defaults=(None,))


class LazyItem(dict):  # type: ignore[type-arg]
    """An item of a list fact whose costly fields are computed when first read.

    Most rules look at a version's name, not at the symbols bound to it; reading the
    symbol table only for the items a rule matched keeps whole-tree scans cheap.
    """

    def __init__(self, fields: dict[str, Any], deferred: dict[str, Callable[[], Any]]) -> None:
        super().__init__(fields)
        self._deferred = deferred

    def __missing__(self, key: str) -> Any:
        if key not in self._deferred:
            raise KeyError(key)
        value = self[key] = self._deferred[key]()
        return value


def plain(value: Any) -> Any:
    """`value` with every LazyItem completed, ready for JSON."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, LazyItem):
        return {key: value[key] for key in dict.fromkeys([*value.keys(), *value._deferred])}
    return value
