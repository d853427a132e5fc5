"""Where Windows finds each DLL a PE file imports, when Python loads it from a wheel.

CPython (3.8 and later) loads an extension module with LoadLibraryExW and the flags
LOAD_LIBRARY_SEARCH_DEFAULT_DIRS | LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR: the loader looks in the
module's own folder, in the application's folder (python.exe's, which holds python3X.dll,
python3.dll and vcruntime140*.dll), in the folders added with os.add_dll_directory, and in
System32; never on PATH nor in the working directory. delvewheel copies the DLLs a wheel
needs into `<name>.libs/` at the wheel's root and adds that folder from a patch it writes
into the package's `__init__.py`:

    libs_dir = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, 'pkg.libs'))
    os.add_dll_directory(libs_dir)
"""
from __future__ import annotations

import functools
import os
import posixpath
import re

from binlint.formats.pe.facts import PYTHON_DLL

TYPE_CHECKING = False
if TYPE_CHECKING:
    from binlint.facts import FileView
    from binlint.formats.container import Container

SYSTEM_DLLS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           "facts", "data", "windows_system_dlls.txt")
API_SET = re.compile(r"^(api|ext)-ms-", re.I)  # resolved by the loader's API set schema, never a file
# What CPython's Windows installers put beside python.exe: the Visual C++ runtime it was built
# with, and its own DLLs (binlint.formats.pe.facts.PYTHON_DLL).
CPYTHON_RUNTIME = frozenset({"vcruntime140.dll", "vcruntime140_1.dll"})
_PATCHED_FOLDER = re.compile(rb"os\.pardir,\s*'([^']*)'")
INIT_LIMIT = 1 << 20  # an __init__.py read for a delvewheel patch


@functools.lru_cache(maxsize=1)
def system_dlls() -> frozenset[str]:
    with open(SYSTEM_DLLS, encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def patched_folders(holder: Container) -> frozenset[str]:
    """The folders of the holder that a delvewheel patch in one of its `__init__.py` files adds
    with os.add_dll_directory, as lower-case member paths."""
    found = getattr(holder, "_pe_dll_folders", None)
    if found is not None:
        return found  # type: ignore[no-any-return]
    folders = set()
    for member in holder.members:
        if member.name.endswith("/__init__.py") and member.open is not None and member.size <= INIT_LIMIT:
            stream = member.open()
            try:
                text = stream.read(INIT_LIMIT)
            finally:
                stream.close()
            if b"delvewheel patch" in text:
                for name in _PATCHED_FOLDER.findall(text):
                    package = posixpath.dirname(posixpath.dirname(member.name))
                    folders.add(posixpath.normpath(posixpath.join(package, name.decode("utf-8", "replace"))).lower())
    holder._pe_dll_folders = frozenset(folders)  # type: ignore[attr-defined]
    return holder._pe_dll_folders  # type: ignore[attr-defined,no-any-return]


def _lower_paths(holder: Container) -> dict[str, set[str]]:
    """Lower-case file name -> the lower-case folders holding a member of that name."""
    found = getattr(holder, "_pe_lower_paths", None)
    if found is None:
        found = {}
        for name in holder.name_set():
            folder, _, base = name.lower().rpartition("/")
            found.setdefault(base, set()).add(folder or ".")
        holder._pe_lower_paths = found  # type: ignore[attr-defined]
    return found  # type: ignore[no-any-return]


def where(view: FileView, dll: str) -> str:
    """system, python, module-folder, dll-directory, elsewhere or missing (see pe.import_resolution)."""
    name = dll.lower()
    if API_SET.match(name) or name in system_dlls():
        return "system"
    if PYTHON_DLL.match(name) or name in CPYTHON_RUNTIME:
        return "python"
    holder = view.holder
    if holder is None:  # a file on disk: its folder
        folder = os.path.dirname(view.fs_path or view.path) or "."
        try:
            present = {entry.lower() for entry in os.listdir(folder)}
        except OSError:
            present = set()
        return "module-folder" if name in present else "missing"
    folders = _lower_paths(holder).get(name)
    if not folders:
        return "missing"
    own = (posixpath.dirname(posixpath.normpath(view.members[-1])) or ".").lower()
    if own in folders:
        return "module-folder"
    if folders & patched_folders(holder):
        return "dll-directory"
    return "elsewhere"
