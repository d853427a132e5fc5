"""Python facts of compiled files: what an extension module's file name says it was built
for, which of the tags of the wheel holding it that build fits, and the Python C API
symbols it imports with the version of the Stable ABI that has each (CPython's own list,
binlint/facts/data/stable_abi.txt). Plain values: the rules judge.

CPython imports `pkg/_ext.cpython-312-x86_64-linux-gnu.so` only into CPython 3.12 with the
GIL, `_ext.cpython-313t-....so` only into free-threaded 3.13, `_ext.abi3.so` into every
CPython with the GIL (3.13t and 3.14t find it but cannot run it; 3.15t looks only for
`.abi3t.so`), and a plain `_ext.so` into any of them.
"""
from __future__ import annotations

import functools
import os
import re

from binlint.facts.catalogue import Fact
from binlint.patterns import Pattern  # compiled on first use (binlint/patterns.py)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.facts import FileView

# `name.<tag>.so`: the tags CPython's importer puts in extension file names (SOABI on Linux
# and macOS, the Stable ABI's), after a module name (an identifier: libfoo.1.so is no module).
# Windows names a module for one CPython `.cp312-win_amd64.pyd` (`cp313t-` free-threaded), and
# for any (abi3 too) plain `.pyd` (PC/pyconfig.h, Python/dynload_win.c: no `.abi3.pyd`).
_EXTENSION_NAME = Pattern(r"^[A-Za-z_]\w*\.(?:(cpython-\d+[a-z]*-[\w-]+|abi3t?)\.so|(cp\d+[a-z]*-win\w*)\.pyd)$")
_CPYTHON_ABI = Pattern(r"^cp(\d)(\d+)([a-z]*)$")  # cp312, cp313t, cp37m, cp313d
_CPYTHON = Pattern(r"^cp(\d)(\d+)$")
ABI3T_FIRST = (3, 15)  # PEP 803: the first CPython that imports `.abi3t.so` files
FREE_THREADED_FIRST = (3, 13)  # PEP 703: the first CPython with a free-threaded build
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "stable_abi.txt")


def extension_tag(view: FileView) -> str | None:
    if not view.path.endswith((".so", ".pyd")):  # most files: one test, not the pattern (every ELF file asks)
        return None
    match = _EXTENSION_NAME.match(view.path.rsplit("!", 1)[-1].rsplit("/", 1)[-1])
    return (match[1] or match[2]) if match else None


def _built_for(tag: str) -> tuple[str, tuple[int, int], str]:
    """(kind, version, ABI flags) of a file name's tag: ("cpython", (3, 13), "t"), ("abi3", ...)."""
    match = re.match(r"(?:cpython-|cp)(\d)(\d+)([a-z]*)-", tag)
    if match:
        return "cpython", (int(match[1]), int(match[2])), match[3]
    return tag, (0, 0), ""


def _promised(python: str, abi: str) -> tuple[str, tuple[int, int], str] | None:
    """(kind, version, flags) an interpreter-ABI tag pair promises; None for tags that name
    no CPython ABI (`py3-none`, `pp310-pypy310_pp73`): nothing to compare with. `cp313-none`
    names both builds of 3.13, with and without the GIL (installers put it on either);
    before 3.13 there was one build, and `none` is not judged."""
    match = _CPYTHON.match(python)
    version = (int(match[1]), int(match[2])) if match else None
    if abi in ("abi3", "abi3t") or abi == "none" and version is not None and version >= FREE_THREADED_FIRST:
        return (abi, version, "") if version is not None else None
    match = _CPYTHON_ABI.match(abi)
    return ("cpython", (int(match[1]), int(match[2])), match[3]) if match else None


def fits(tag: str, promise: tuple[str, tuple[int, int], str]) -> bool:
    """Whether every CPython the promise stands for imports and runs a module named with `tag`."""
    kind, version, flags = _built_for(tag)
    wanted, floor, wanted_flags = promise
    if kind == "cpython":  # one interpreter only
        return wanted == "cpython" and (version, flags) == (floor, wanted_flags)
    if kind == "abi3":  # GIL builds only
        return wanted == "abi3" or (wanted == "cpython" and "t" not in wanted_flags)
    # abi3t: imported from 3.15 on, by both builds (PEP 803)
    return floor >= ABI3T_FIRST


@functools.lru_cache(maxsize=64)  # a wheel's members share its tags
def _promises(tags: tuple[str, ...]) -> tuple[tuple[str, tuple[str, tuple[int, int], str]], ...]:
    """("python-abi", promise) for each interpreter-ABI pair of `tags` that names a CPython ABI."""
    pairs = dict.fromkeys(tuple(t.split("-")[:2]) for t in tags if t.count("-") == 2)
    return tuple((f"{python}-{abi}", promise) for python, abi in pairs
                 if (promise := _promised(python, abi)) is not None)


def mismatched_tags(view: FileView) -> list[str]:
    tags = view.context.wheel_tags  # first: outside wheels (every file of a tree) the name is not looked at
    if not tags:
        return []
    tag = view.get("python.extension_tag")
    if tag is None:
        return []
    return sorted(pair for pair, promise in _promises(tags) if not fits(tag, promise))


@functools.lru_cache(maxsize=64)
def _abi3_floor(tags: tuple[str, ...]) -> str | None:
    versions = [promise[1] for _, promise in _promises(tags) if promise[0] == "abi3"]
    return "%d.%d" % max(versions) if versions else None


def abi3_floor(view: FileView) -> str | None:
    """The CPython the wheel's abi3 tags start at, the highest if several (as abi3audit)."""
    tags = view.context.wheel_tags
    return _abi3_floor(tags) if tags else None


@functools.lru_cache(maxsize=1)
def stable_abi() -> dict[str, str]:
    """Symbol -> the Python version whose Stable ABI added it."""
    with open(DATA, encoding="utf-8") as stream:
        return {parts[0]: parts[1] for parts in (line.split() for line in stream)
                if parts and not parts[0].startswith("#")}


def capi_imports(view: FileView) -> list[dict[str, Any]]:
    """The Python C API symbols among the strong imports (a weak one binds to 0 where it is
    missing), module init functions left out: PyInit_x is defined by modules, not Python."""
    if view.kind == "elf":
        names = view.elf().imports
    elif view.kind == "pe":  # by name from python3X.dll or python3.dll
        from binlint.formats.pe.facts import PYTHON_DLL
        names = [item["function"] for item in view.get("pe.imported_functions") if PYTHON_DLL.match(item["dll"].lower())]
    else:  # every slice's, once each (the helper process reads them with the rest of the slice)
        from binlint.formats.macho.facts import slices
        names = list(dict.fromkeys(name for raw in slices(view) for name in raw["python_imports"]))
    table = stable_abi()
    return [{"symbol": name, "stable_abi": table.get(name)} for name in names
            if name.startswith(("Py", "_Py")) and not name.startswith("PyInit_")]


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def above_floor(view: FileView) -> list[dict[str, Any]]:
    floor = view.get("python.abi3_floor")
    if floor is None:
        return []
    return [item for item in view.get("python.capi_imports")
            if item["stable_abi"] is not None and _version(item["stable_abi"]) > _version(floor)]


# `name.so`, `name.<tag>.so`: the file names CPython's importer loads on Linux and macOS
# (EXTENSION_SUFFIXES; PyPy's `.pypy310-pp73-...` tag too); the module is `name`.
_MODULE_NAME = Pattern(r"^([A-Za-z_]\w*)\.(?:[\w-]+\.)?so$")
_PLAIN_MODULE_NAME = Pattern(r"^[A-Za-z_]\w*\.so$")
# The interpreter's own definitions, one or more from each part of libpython an extension
# module only calls into: start-up and shut-down (Python/pylifecycle.c, Modules/main.c), the
# evaluation loop (Python/ceval.c), the runtime state (_PyRuntime, 3.7 and later), the
# singletons and the type machinery (Objects/object.c, typeobject.c), the importer.
INTERPRETER_CORE = ("Py_Initialize", "Py_InitializeEx", "Py_Finalize", "Py_FinalizeEx", "Py_Main", "Py_BytesMain",
                    "PyEval_EvalCode", "_PyEval_EvalFrameDefault", "_PyRuntime", "_Py_NoneStruct", "PyType_Ready",
                    "PyImport_ImportModule")


def module_init(view: FileView) -> str | None:
    """PyInit_<name>, when a file named as the extension module `name` exports it (ELF): the
    importer looks it up with dlsym, which sees .dynsym only."""
    if view.kind != "elf" or not view.path.endswith(".so"):  # most libraries: libfoo.so.1
        return None
    match = _MODULE_NAME.match(view.path.rsplit("!", 1)[-1].rsplit("/", 1)[-1])
    if match is None:
        return None
    init = f"PyInit_{match[1]}"
    return init if view.elf().defines((init,), symtab=False) else None


def interpreter_definitions(view: FileView) -> list[str]:
    return view.elf().defines(INTERPRETER_CORE) if view.kind == "elf" else []


def free_threaded(view: FileView) -> bool:
    """Built for free-threaded CPython only: `t` in the file name's tag, or for a module
    name without one (`_ext.so`, not `libfoo.so.1`), in every CPython ABI tag of the wheel
    holding it."""
    if not view.path.endswith(".so"):  # most ELF files and objects: one test, not two patterns
        return False
    tag = extension_tag(view)
    if tag is not None:
        kind, _, flags = _built_for(tag)
        return kind == "cpython" and "t" in flags
    if not _PLAIN_MODULE_NAME.match(view.path.rsplit("!", 1)[-1].rsplit("/", 1)[-1]):
        return False
    tags = view.context.wheel_tags
    promises = [promise for _, promise in _promises(tags)] if tags else []
    return bool(promises) and all(kind == "cpython" and "t" in flags for kind, _, flags in promises)


_ITEMS = {"symbol": "str", "stable_abi": "str?"}
FACTS = {
    "python.extension_tag": Fact(
        "str?", "The tag in an extension module's file name, between the module name and `.so` "
        "(`cpython-313t-x86_64-linux-gnu`, `cpython-312-darwin`, `abi3`, `abi3t`) or `.pyd` (`cp312-win_amd64`, "
        "`cp313t-win_arm64`); null for names without one (`_ext.so`, `_ext.pyd`, `libfoo.so.1`).", extension_tag),
    "python.mismatched_tags": Fact(
        "list[str]", "The interpreter-ABI pairs of the tags of the wheel holding the file (`cp312-cp312`, "
        "`cp313-cp313t`, `cp311-abi3`) whose CPython does not import and run a module of this file name: a "
        "`cpython-3XY[t]` name fits only `cp3XY[t]`, `abi3` fits abi3 and GIL builds, `abi3t` only 3.15 and "
        "later (PEP 803); `cp313-none` and later stand for both builds of that version, so only a plain "
        "`.so` (or `abi3t`) name fits. Empty outside a wheel's own members, for names without a tag, and for "
        "tags of no CPython ABI (`py3-none`, `cp312-none`, PyPy's).", mismatched_tags),
    "python.abi3_floor": Fact(
        "str?", "The oldest CPython the abi3 tags of the wheel holding the file promise (`cp311-abi3`: "
        "`3.11`; the highest of several, as abi3audit); null outside abi3 wheels.", abi3_floor),
    "python.capi_imports": Fact(
        "list[object]", "The Python C API symbols (`Py*`, `_Py*`, not the module's own `PyInit_*`) among the "
        "strong undefined dynamic symbols (ELF), or the non-weak imported symbols of every slice (Mach-O, "
        "without the C underscore), in table order; stable_abi: the Python version whose Stable ABI added it "
        "(CPython's Misc/stable_abi.toml), null for a symbol outside the Stable ABI.", capi_imports,
        items=_ITEMS),
    "python.capi_above_abi3_floor": Fact(
        "list[object]", "The items of python.capi_imports that entered the Stable ABI after "
        "python.abi3_floor, the version each needs.", above_floor, items=_ITEMS),
    "python.module_init": Fact(
        "str?", "`PyInit_<name>` when the file is named as the extension module `name` (`name.so`, "
        "`name.cpython-312-x86_64-linux-gnu.so`, `name.abi3.so`) and exports that function (.dynsym), the one "
        "CPython's importer looks up and calls; null otherwise, and for Mach-O (not read).", module_init),
    "python.interpreter_definitions": Fact(
        "list[str]", "Which of the interpreter's own symbols the file defines (any binding, in .dynsym or "
        ".symtab): " + ", ".join(f"`{name}`" for name in INTERPRETER_CORE) + ", in that order. libpython and "
        "programs that link the interpreter statically define them; an extension module only imports them. "
        "ELF only: empty for Mach-O.", interpreter_definitions),
    "python.free_threaded": Fact(
        "bool", "Built for a free-threaded CPython only: the file name's tag has the `t` flag "
        "(`cpython-313t-x86_64-linux-gnu`), or a module name without a tag (`_ext.so`) is in a wheel whose "
        "CPython ABI tags are all free-threaded (`cp313t`, `cp314t`); false for `abi3t` (both builds, PEP 803).",
        free_threaded),
}
