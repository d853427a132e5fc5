"""Regular expressions compiled when first used. Compiling one costs 0.3 to 0.7 million
instructions; a pattern compiled at import costs every run's start-up, used or not (the
eight of binlint.wheeltags: 5 million, 1.5 ms of a check of one small file)."""
from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Pattern:
    """re.compile(text, flags), compiled on first use: its methods and attributes are the
    compiled pattern's, kept on the instance once asked for (later calls cost what they
    cost on the compiled pattern)."""

    def __init__(self, text: str | bytes, flags: int = 0) -> None:
        self._text, self._flags = text, flags

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # only the compiled pattern's public names
            raise AttributeError(name)
        value = getattr(re.compile(self._text, self._flags), name)
        setattr(self, name, value)
        return value
