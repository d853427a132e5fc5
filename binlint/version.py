"""Dotted version numbers (glibc 2.17, macOS 10.13, kernel 3.10), compared as numbers."""
from __future__ import annotations

import re


def version(text: object) -> tuple[int, ...] | None:
    """`2.17` -> (2, 17); None for anything that is not digits separated by dots."""
    if not isinstance(text, str) or not re.fullmatch(r"\d+(\.\d+)*", text):
        return None
    return tuple(int(p) for p in text.split("."))
