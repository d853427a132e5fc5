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

from fixtures.python_abi import (
    LIBPYTHON, LIBPYTHON_MEMBER, LIBPYTHON_TAG, MODULES as PYEXT_MODULES, WHEELS as PYEXT_WHEELS,
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
