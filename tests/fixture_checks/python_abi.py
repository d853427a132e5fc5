"""Checks of the Python extension modules and the wheels that name, tag and link them
(fixtures/python_abi.py), read with readelf, nm and zipfile."""
from __future__ import annotations

import subprocess
import tempfile
import zipfile
from pathlib import Path

from fixture_checks.archives import _ext_wheel
from fixture_checks.readelf import assert_x86_64, inspect
from fixture_checks.registry import Check, check
from fixtures import require_tool
from fixtures.registry import SPECS

from fixtures.python_abi import (
    FREE_THREADED_MODULES, FREE_THREADED_WHEELS, LIBPYTHON, LIBPYTHON_MEMBER, LIBPYTHON_TAG,
    MODULES as PYEXT_MODULES, WHEELS as PYEXT_WHEELS,
)

# What each module imports from Python, as `nm -D --undefined-only` lists it (strong ones).
PYEXT_CALLS = {"pyext-limited-lib": "PyModule_Create2", "pyext-full-api-lib": "PyObject_Print",
               "pyext-newer-lib": "PyType_GetName"}


def _undefined_python_symbols(path: Path) -> set[str]:
    listing = subprocess.run([require_tool("nm"), "-D", "--undefined-only", str(path)], capture_output=True,
                             text=True, check=True).stdout
    return {line.split()[-1] for line in listing.splitlines() if line.split()[0] == "U" and "Py" in line}


def _check_pyext(name: str) -> Check:
    def check_module(path: Path) -> None:
        view = inspect(path)
        assert_x86_64(view, "DYN")
        assert PYEXT_CALLS[name] in _undefined_python_symbols(path)
        assert not any("python" in needed for needed in view.dyn_values("NEEDED"))
    return check_module


for _name in PYEXT_MODULES:
    check(_name)(_check_pyext(_name))
for _name, (_dist, _tag, _member, _module, _description) in PYEXT_WHEELS.items():
    check(_name)(_ext_wheel(_module, _member, _tag))


@check("libpython-wheel")
def _check_libpython_wheel(path: Path) -> None:
    with zipfile.ZipFile(path) as wheel:
        module, stub = wheel.read(LIBPYTHON_MEMBER), wheel.read(f"pkg.libs/{LIBPYTHON}")
    assert path.name.endswith(f"-{LIBPYTHON_TAG}.whl")
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "_ext.so").write_bytes(module)
        (Path(scratch) / "stub.so").write_bytes(stub)
        view = inspect(Path(scratch) / "_ext.so")
        assert LIBPYTHON in view.dyn_values("NEEDED")
        assert view.dyn_values("RUNPATH") == ["$ORIGIN/../pkg.libs"]
        assert inspect(Path(scratch) / "stub.so").dyn_values("SONAME") == [LIBPYTHON]


@check("libpython-missing-wheel")
def _check_libpython_missing_wheel(path: Path) -> None:
    with zipfile.ZipFile(path) as wheel:
        names, module = wheel.namelist(), wheel.read(LIBPYTHON_MEMBER)
    assert not any(name.rsplit("/", 1)[-1].startswith("libpython") for name in names), names
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "_ext.so").write_bytes(module)
        view = inspect(Path(scratch) / "_ext.so")
        assert LIBPYTHON in view.dyn_values("NEEDED") and not view.dyn_values("RUNPATH")


def _dynamic_symbols(path: Path, which: str) -> set[str]:
    listing = subprocess.run([require_tool("nm"), "-D", which, str(path)], capture_output=True, text=True,
                             check=True).stdout
    return {line.split()[-1] for line in listing.splitlines() if line.strip()}


@check("pyext-static-interpreter-lib")
def _check_static_interpreter(path: Path) -> None:
    assert_x86_64(inspect(path), "DYN")
    defined = _dynamic_symbols(path, "--defined-only")
    assert {"PyInit__ext", "Py_InitializeEx", "PyEval_EvalCode", "_Py_NoneStruct", "_PyRuntime"} <= defined
    assert "PyObject_Print" not in _dynamic_symbols(path, "--undefined-only")  # the copy's own


# What each free-threaded module imports from Python, and what it must not.
FREE_THREADED_IMPORTS = {
    "ft-single-phase-lib": ({"PyModule_Create2"}, {"PyModuleDef_Init", "PyUnstable_Module_SetGIL"}),
    "ft-declared-lib": ({"PyModule_Create2", "PyUnstable_Module_SetGIL"}, {"PyModuleDef_Init"}),
    "ft-multi-phase-lib": ({"PyModuleDef_Init"}, {"PyModule_Create2", "PyUnstable_Module_SetGIL"}),
}


def _check_free_threaded(name: str) -> Check:
    def check_module(path: Path) -> None:
        assert_x86_64(inspect(path), "DYN")
        imports, absent = FREE_THREADED_IMPORTS[name]
        undefined = _undefined_python_symbols(path)
        assert imports <= undefined and not absent & undefined, undefined
        assert f"PyInit_{path.name.split('.')[0]}" in _dynamic_symbols(path, "--defined-only")
    return check_module


for _name in FREE_THREADED_MODULES:
    check(_name)(_check_free_threaded(_name))


def _check_free_threaded_wheel(module: str, member: str, tag: str) -> Check:
    def check_wheel(path: Path) -> None:
        assert path.name.endswith(f"-{tag}.whl")
        with zipfile.ZipFile(path) as wheel:
            assert wheel.read(member) == (path.parent / SPECS[module].filename).read_bytes()
            assert f"Tag: {tag}" in wheel.read(f"{path.name.split('-')[0]}-1.0.dist-info/WHEEL").decode()
    return check_wheel


for _name, (_dist, _tag, _member, _module, _description) in FREE_THREADED_WHEELS.items():
    check(_name)(_check_free_threaded_wheel(_module, _member, _tag))
