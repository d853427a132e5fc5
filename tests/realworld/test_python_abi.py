"""The Python ABI rules on the published wheels: quiet but where a wheel truly breaks one
(catalogue.py records those in `expected`), the abi3 verdicts the same as abi3audit's on
every abi3 wheel of the catalogue (cryptography, psutil, tokenizers, bcrypt on Linux and macOS,
delocate's universal2 test wheels), and on the free-threaded wheels the GIL warning for
exactly the modules their projects' sources leave undeclared."""
from __future__ import annotations

import collections
import json
import subprocess
import sys

import pytest

from fixtures import require_module
from realworld.catalogue import WHEELS, Wheel
from realworld.conftest import Runs

PYTHON_ABI_RULES = ("python-extension-tag-mismatch", "abi3-non-stable-symbol", "abi3-symbol-above-floor",
                    "python-extension-links-libpython", "python-extension-static-interpreter",
                    "python-free-threaded-gil-enabled")
ABI3 = [w for w in WHEELS if "-abi3-" in w.filename and (w.is_linux or w.is_macos)]


@pytest.mark.parametrize("wheel", WHEELS, ids=lambda w: w.id)
def test_python_abi_rules_fire_only_on_recorded_faults(wheel: Wheel, wheel_path, runs: Runs) -> None:
    found = collections.Counter(f["rule"] for f in runs.findings[str(wheel_path(wheel))]
                                if f["rule"] in PYTHON_ABI_RULES)
    assert dict(found) == {r: n for r, n in wheel.expected.items() if r in PYTHON_ABI_RULES}


def test_the_catalogue_has_abi3_wheels_to_compare() -> None:
    names = " ".join(w.filename for w in ABI3)
    assert all(project in names for project in ("cryptography", "psutil", "tokenizers"))
    assert any(w.is_macos for w in ABI3)


@pytest.mark.parametrize("wheel", ABI3, ids=lambda w: w.id)
def test_abi3_verdicts_agree_with_abi3audit(wheel: Wheel, wheel_path, runs: Runs) -> None:
    """For each shared object: the symbols outside the Stable ABI and those newer than the
    tag are abi3audit's, but for what abi3audit also counts and the loader never asks for
    (symbols an ELF object defines or imports weakly; a Mach-O slice's undefined symbols are
    what both read); and binlint did read the imports."""
    require_module("abi3audit", ".[test]")
    path = wheel_path(wheel)
    done = subprocess.run([sys.executable, "-m", "abi3audit", "--report", str(path)], capture_output=True,
                          text=True, timeout=900)
    audited = {so["name"]: so["result"] for spec in json.loads(done.stdout)["specs"].values()
               for so in spec.get("wheel", [])}
    members = {member.rsplit("/", 1)[-1]: facts for member, facts in runs.facts[str(path)].items()
               if "python.capi_imports" in facts}
    assert audited and set(audited) <= set(members)
    for name, theirs in audited.items():
        facts = members[name]
        imports = set(facts["elf.imports"]) if "elf.imports" in facts else None  # Mach-O: compare all

        def loaded(symbols):  # type: ignore[no-untyped-def]
            return {s for s in symbols if imports is None or s in imports}

        ours = {i["symbol"] for i in facts["python.capi_imports"] if i["stable_abi"] is None}
        assert ours == loaded(theirs["non_abi3_symbols"]), name
        newer = {i["symbol"]: i["stable_abi"] for i in facts["python.capi_above_abi3_floor"]}
        assert newer == {s: theirs["future_abi3_objects"][s] for s in loaded(theirs["future_abi3_objects"])}, name
        assert facts["python.abi3_floor"] == theirs["baseline"], name
    assert any(members[name]["python.capi_imports"] for name in audited), "no module's imports were read"


FREE_THREADED = [w for w in WHEELS if w.abi.endswith("t")]
# The modules of the free-threaded wheels that create their module with PyModule_Create and
# never call PyUnstable_Module_SetGIL, in their projects' sources: pandas' vendored ujson
# (pandas/_libs/src/vendored/ujson/python/ujson.c, PyInit_json) and ujson's python/ujson.c
# (ujson issue 684: importing it enabled the GIL; fixed by pull request 737, after 5.11.0).
UNDECLARED = {
    "pandas-2.3.3-manylinux_2_24_x86_64-cp313t": ["pandas/_libs/json.cpython-313t-x86_64-linux-gnu.so"],
    "ujson-5.11.0-manylinux_2_24_x86_64-cp314t": ["ujson.cpython-314t-x86_64-linux-gnu.so"],
}


def test_the_catalogue_has_free_threaded_wheels_to_compare() -> None:
    assert {w.id for w in FREE_THREADED} >= set(UNDECLARED) and len(FREE_THREADED) >= 6
    assert any("cp313t" in w.filename for w in FREE_THREADED) and any("cp314t" in w.filename for w in FREE_THREADED)


@pytest.mark.parametrize("wheel", FREE_THREADED, ids=lambda w: w.id)
def test_gil_warning_names_the_undeclared_modules(wheel: Wheel, wheel_path, runs: Runs) -> None:
    """Each finding is an undeclared module's; the modules that declare it (numpy's and
    msgspec's C modules, PyO3's pydantic-core: PyUnstable_Module_SetGIL) and the multi-phase
    ones (Cython's, MarkupSafe) are quiet; and the facts saw free-threaded modules at all."""
    path = str(wheel_path(wheel))
    flagged = sorted(f["path"].split("!", 1)[1] for f in runs.findings[path]
                     if f["rule"] == "python-free-threaded-gil-enabled")
    assert flagged == UNDECLARED.get(wheel.id, [])
    modules = {member: facts for member, facts in runs.facts[path].items() if facts.get("python.free_threaded")}
    assert modules and all(".cpython-31" in member and "t-x86_64" in member for member in modules)
    declared = [m for m, facts in modules.items()
                if any(i["symbol"] == "PyUnstable_Module_SetGIL" for i in facts["python.capi_imports"])]
    assert not set(declared) & set(flagged)


def test_the_extension_modules_define_their_init_and_no_interpreter(runs: Runs) -> None:
    """What makes python-extension-static-interpreter quiet on the catalogue is read, not
    absent: the ELF modules named `<name>.cpython-...so` define PyInit_<name>, and no module
    defines any of the interpreter's own symbols."""
    modules = [(member, facts) for members in runs.facts.values() for member, facts in members.items()
               if "elf.arch" in facts and ".cpython-" in member and member.endswith(".so")]
    assert len(modules) > 200
    assert [m for m, facts in modules
            if facts["python.module_init"] != "PyInit_" + m.rsplit("/", 1)[-1].split(".")[0]] == []
    assert [m for m, facts in modules if facts["python.interpreter_definitions"]] == []
