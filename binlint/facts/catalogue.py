"""How a fact is declared: its name, JSON type, description and how to compute it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

# The JSON shapes a fact can have; conditions are checked against them at rule load.
TYPES = ("bool", "int", "str", "str?", "list[str]", "list[object]", "object?")


@dataclass(frozen=True)
class Fact:
    type: str
    doc: str
    compute: Callable[[Any], Any]  # called with the format's reader
    items: dict[str, str] = field(default_factory=dict)  # field -> type, for list[object]
