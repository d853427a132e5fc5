"""WebAssembly modules: the header and the names of the custom sections.

A module is `\\0asm`, a 4-byte little-endian version (1), then sections: an id byte, the
content's size as unsigned LEB128, the content. Custom sections (id 0) start with their
name (LEB128 length, UTF-8). Emscripten's side modules, which `dlopen` loads (Pyodide's
extension modules), carry the `dylink.0` custom section first (`dylink` before LLVM 13).
"""
from __future__ import annotations

from collections import namedtuple

from binlint.facts.catalogue import Fact
from binlint.formats.leb128 import uleb128

TYPE_CHECKING = False
if TYPE_CHECKING:
    from binlint.facts import FileView

HEADER_SIZE = 8
CUSTOM_SECTION = 0
# version: the header's; custom_sections: names in file order; error: why the section list
# could not be read to its end (None when it could).
WasmModule = namedtuple("WasmModule", "version custom_sections error")


def _leb128(data: bytes, pos: int) -> tuple[int, int]:
    found = uleb128(data, pos, len(data))
    if found is None:
        raise ValueError(f"malformed or cut-off number at offset {pos:#x}")
    return found


def parse(data: bytes) -> WasmModule:
    version = int.from_bytes(data[4:HEADER_SIZE], "little") if len(data) >= HEADER_SIZE else 0
    names: list[str] = []
    pos = HEADER_SIZE
    try:
        while pos < len(data):
            section, pos = data[pos], pos + 1
            size, pos = _leb128(data, pos)
            end = pos + size
            if end > len(data):
                raise ValueError(f"section {section} at offset {pos:#x} runs past the end of the file")
            if section == CUSTOM_SECTION:
                length, start = _leb128(data, pos)
                names.append(bytes(data[start:min(start + length, end)]).decode("utf-8", "backslashreplace"))
            pos = end
    except ValueError as err:
        return WasmModule(version, names, str(err))
    return WasmModule(version, names, None)


def _module(view: FileView) -> WasmModule:
    """The module, parsed once for all the facts of the view."""
    if "wasm" not in view._values:
        view._values["wasm"] = parse(view.data if view.data is not None else view.head)
    return view._values["wasm"]


FACTS = {
    "wasm.version": Fact("int", "The binary format version of the module header (1).",
                         lambda v: _module(v).version),
    "wasm.custom_sections": Fact("list[str]", "The names of the custom sections (id 0), in file order: "
                                 "`dylink.0` (an Emscripten side module, which dlopen loads), `name`, "
                                 "`producers`, `target_features`, ...", lambda v: _module(v).custom_sections),
    "wasm.error": Fact("str?", "Why the section list cannot be read to its end (a section or number cut off); "
                       "null when it can.", lambda v: _module(v).error),
}
