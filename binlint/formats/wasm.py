"""WebAssembly modules: the header and the names of the custom sections.

A module is `\\0asm`, a 4-byte little-endian version (1), then sections: an id byte, the
content's size as unsigned LEB128, the content. Custom sections (id 0) start with their
name (LEB128 length, UTF-8). Emscripten's side modules, which `dlopen` loads (Pyodide's
extension modules), carry the `dylink.0` custom section first (`dylink` before LLVM 13).

A module every runtime would refuse to decode (a header cut off, an unknown version, a
section or a number running past its end) is unreadable when it is opened (the registry's
parse hook), as an ELF file with broken headers is: no rule judges half a module. What a
decoder accepts is not judged here: unknown custom sections are fine.
"""
from __future__ import annotations

from collections import namedtuple

from binlint.errors import ArtifactError
from binlint.facts.catalogue import Fact
from binlint.formats.leb128 import uleb128

TYPE_CHECKING = False
if TYPE_CHECKING:
    from binlint.facts import FileView

HEADER_SIZE = 8
CUSTOM_SECTION = 0
MODULE_VERSION = 1
# A component (the component model) says version 0xd, layer 1, in the same four bytes: its
# encoding version changed as the proposal went on, so any with layer 1 is read.
COMPONENT_LAYER = 1
# version: the header's; custom_sections: names in file order; error: why a runtime would
# refuse to decode it (None when the header and every section are whole).
WasmModule = namedtuple("WasmModule", "version custom_sections error")


def _leb128(data: bytes, pos: int) -> tuple[int, int]:
    found = uleb128(data, pos, len(data))
    if found is None:
        raise ValueError(f"malformed or cut-off number at offset {pos:#x}")
    return found


def parse(data: bytes) -> WasmModule:
    if len(data) < HEADER_SIZE:
        return WasmModule(0, [], f"cut off in the header: {len(data)} bytes, where the magic and the version "
                                 f"take {HEADER_SIZE}")
    version = int.from_bytes(data[4:HEADER_SIZE], "little")
    if version != MODULE_VERSION and version >> 16 != COMPONENT_LAYER:
        return WasmModule(version, [], f"unknown binary version {version:#x} (modules are version 1)")
    names: list[str] = []
    pos = HEADER_SIZE
    try:
        while pos < len(data):
            offset, section = pos, data[pos]
            size, pos = _leb128(data, pos + 1)
            end = pos + size
            if end > len(data):
                raise ValueError(f"section {section} at offset {offset:#x} ({size} bytes) runs past the end of "
                                 f"the file ({len(data)} bytes)")
            if section == CUSTOM_SECTION:
                length, start = _leb128(data, pos)
                if start + length > end:
                    raise ValueError(f"custom section name at offset {start:#x} runs past the end of its section")
                names.append(bytes(data[start:start + length]).decode("utf-8", "backslashreplace"))
            pos = end
    except ValueError as err:
        return WasmModule(version, names, str(err))
    return WasmModule(version, names, None)


def _module(view: FileView) -> WasmModule:
    """The module, parsed once for all the facts of the view."""
    if "wasm" not in view._values:
        view._values["wasm"] = parse(view.data if view.data is not None else view.head)
    return view._values["wasm"]


def check_decodes(view: FileView) -> None:
    """The registry's parse hook: a module a runtime would refuse is an unreadable file."""
    error = _module(view).error
    if error is not None:
        raise ArtifactError(error)


FACTS = {
    "wasm.version": Fact("int", "The binary format version of the module header (1).",
                         lambda v: _module(v).version),
    "wasm.custom_sections": Fact("list[str]", "The names of the custom sections (id 0), in file order: "
                                 "`dylink.0` (an Emscripten side module, which dlopen loads), `name`, "
                                 "`producers`, `target_features`, ...", lambda v: _module(v).custom_sections),
}
