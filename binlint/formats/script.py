"""Facts of `#!` scripts: their first line, split the way the kernel splits it.

fs/binfmt_script.c reads the line up to its newline, drops the spaces and tabs at both
ends, takes the interpreter up to the first space, tab or NUL, and passes everything after
it as ONE argument: a carriage return is neither, so it stays in the last word. Only the
first SCRIPT_LINE_MAX bytes are read; the kernel itself reads 127 (255 from Linux 5.1).
"""
from __future__ import annotations

import re
from collections import namedtuple

from binlint.formats.classify import UTF8_BOM
from binlint.facts.catalogue import Fact
from binlint.patterns import Pattern  # compiled on first use (binlint/patterns.py)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from binlint.facts import FileView

_SPACE_OR_TAB = Pattern(rb"[ \t]+")

# text: the line without its line end (and without a byte-order mark); length: bytes from
# the start of the file to the newline; interpreter: str or None; argument: str or None.
Shebang = namedtuple("Shebang", "text length crlf bom interpreter argument")


def _text(data: bytes) -> str:
    return data.decode("utf-8", "backslashreplace")


def parse(head: bytes) -> Shebang:
    """The #! line at the start of `head` (a script's first bytes)."""
    bom = head.startswith(UTF8_BOM)
    body = head[len(UTF8_BOM):] if bom else head
    end = body.find(b"\n")
    line = body if end < 0 else body[:end]
    length = len(line) + (len(UTF8_BOM) if bom else 0)
    crlf = end >= 0 and line.endswith(b"\r")
    # The kernel works on a C string: a NUL ends the line. Spaces and tabs (not \r) are trimmed.
    words = line[2:].split(b"\0", 1)[0].strip(b" \t")
    parts = _SPACE_OR_TAB.split(words, 1) if words else []
    interpreter = _text(parts[0]) if parts else None
    argument = _text(parts[1]) if len(parts) > 1 else None
    return Shebang(_text(line[:-1] if crlf else line), length, crlf, bom, interpreter, argument)


def _shebang(view: FileView) -> Shebang:
    return parse(view.head)


def _env_arguments(view: FileView) -> list[str]:
    shebang = _shebang(view)
    if shebang.interpreter is None or shebang.interpreter.rsplit("/", 1)[-1] != "env" or shebang.argument is None:
        return []
    return [word for word in re.split(r"[ \t]+", shebang.argument) if word]


FACTS = {
    "script.shebang": Fact("str", "The `#!` line as text, without its line end (`\\n` or `\\r\\n`) and without a "
                           "byte-order mark before it.", lambda f: _shebang(f).text),
    "script.interpreter": Fact("str?", "The interpreter the kernel runs, as it reads it from the `#!` line: up to the "
                               "first space, tab or NUL (a `\\r` of a CRLF line end stays in it when no argument "
                               "follows); null when the line names none.", lambda f: _shebang(f).interpreter),
    "script.arguments": Fact("list[str]", "What the kernel passes to the interpreter before the script's path: "
                             "everything after the interpreter as ONE argument (`-S python3 -u` is one), or "
                             "nothing.", lambda f: [a] if (a := _shebang(f).argument) is not None else []),
    "script.env_arguments": Fact("list[str]", "For an interpreter named `env` (`#!/usr/bin/env python3 -u`): the words "
                                 "of its one argument, split on spaces and tabs (`python3`, `-u`); empty otherwise.",
                                 _env_arguments),
    "script.shebang_length": Fact("int", "Bytes of the `#!` line from the start of the file up to, not including, "
                                  "its `\\n` (a `\\r` counts); only the first 4096 bytes are read.",
                                  lambda f: _shebang(f).length),
    "script.crlf": Fact("bool", "The `#!` line ends in `\\r\\n` (Windows line ends).", lambda f: _shebang(f).crlf),
    "script.bom": Fact("bool", "A UTF-8 byte-order mark comes before `#!`: the kernel does not take the file for a "
                       "script.", lambda f: _shebang(f).bom),
}
