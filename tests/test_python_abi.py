"""The Python ABI facts (binlint/facts/python_abi.py) on real extension modules built here,
against the tools that know: nm for what a module imports and defines (its init function, a
static interpreter), abi3info (the table abi3audit uses) for the Stable ABI list, abi3audit
itself for the verdicts on abi3 wheels; and what makes a module free-threaded."""
from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from binlint.facts import python_abi
from binlint.facts.documents import documents
from binlint.formats.members import Limits
from binlint.walk.discover import discover
from fixtures import Artifacts, require_module, require_tool
from fixtures.python_abi import WHEELS, static_libpython
from fixtures.toolchain import cc, run, src


def member_facts(path: Path) -> dict[str, dict]:
    """Each member's facts, by member name, as `binlint facts` prints them."""
    return {a["path"].partition("!")[2]: a["facts"] for a in documents(discover([str(path)]), Limits())}


# (wheel fixture, extension tag of its module, the tag pairs it does not fit)
TAG_CASES = [
    ("abi3-wheel", "abi3", []),
    ("abi3-floor-wheel", "abi3", []),
    ("cpython-tag-wheel", "cpython-312-x86_64-linux-gnu", []),
    ("cpython-tag-mismatch-wheel", "cpython-313-x86_64-linux-gnu", ["cp312-cp312"]),
    ("freethreaded-wheel", "cpython-313t-x86_64-linux-gnu", []),
    ("freethreaded-mismatch-wheel", "cpython-313-x86_64-linux-gnu", ["cp313-cp313t"]),
    ("abi3-freethreaded-wheel", "abi3", ["cp313-cp313t"]),
]


@pytest.mark.parametrize("name, tag, mismatched", TAG_CASES, ids=[c[0] for c in TAG_CASES])
def test_extension_tag_and_the_tags_it_does_not_fit(artifacts: Artifacts, name: str, tag: str,
                                                   mismatched: list[str]) -> None:
    facts = member_facts(artifacts.path(name))
    member = WHEELS[name][2]
    assert (facts[member]["python.extension_tag"], facts[member]["python.mismatched_tags"]) == (tag, mismatched)
    assert facts["pkg/__init__.py"].get("python.extension_tag") is None  # not a compiled file: no python facts


# (file name's tag, interpreter tag, ABI tag, fits): the suffixes CPython's importer accepts
# (EXTENSION_SUFFIXES) and what each build runs, per PEP 3149, 384, 703 and 803.
FITS = [
    ("cpython-312-x86_64-linux-gnu", "cp312", "cp312", True),
    ("cpython-312-darwin", "cp312", "cp312", True),
    ("cpython-312-x86_64-linux-gnu", "cp313", "cp313", False),
    ("cpython-313t-x86_64-linux-gnu", "cp313", "cp313t", True),
    ("cpython-313t-x86_64-linux-gnu", "cp313", "cp313", False),
    ("cpython-313-x86_64-linux-gnu", "cp313", "cp313t", False),
    ("cpython-37m-x86_64-linux-gnu", "cp37", "cp37m", True),
    ("cpython-311-x86_64-linux-gnu", "cp311", "abi3", False),  # 3.12 installs it too
    ("abi3", "cp311", "abi3", True),
    ("abi3", "cp312", "cp312", True),  # a GIL build imports the Stable ABI
    ("abi3", "cp313", "cp313t", False),
    ("abi3", "cp314", "cp314t", False),
    ("abi3", "cp315", "abi3t", False),  # 3.15t looks for .abi3t.so only
    ("abi3t", "cp315", "abi3t", True),
    ("abi3t", "cp315", "abi3", True),
    ("abi3t", "cp315", "cp315t", True),
    ("abi3t", "cp312", "abi3", False),  # 3.12 does not know .abi3t.so
    # cp313-none and later: installers put the wheel on both builds (OpenUSD's usd-core, cp314-none)
    ("cpython-314-x86_64-linux-gnu", "cp314", "none", False),
    ("cpython-314t-x86_64-linux-gnu", "cp314", "none", False),
    ("abi3", "cp314", "none", False),
    ("abi3t", "cp315", "none", True),
]


@pytest.mark.parametrize("tag, python, abi, fits", FITS, ids=[f"{t}-{p}-{a}" for t, p, a, _ in FITS])
def test_which_tags_a_file_name_fits(tag: str, python: str, abi: str, fits: bool) -> None:
    promise = python_abi._promised(python, abi)
    assert promise is not None and python_abi.fits(tag, promise) is fits


@pytest.mark.parametrize("python, abi", [("py3", "none"), ("cp312", "none"), ("py313", "none"),
                                         ("pp310", "pypy310_pp73")])
def test_tags_of_no_cpython_abi_promise_nothing(python: str, abi: str) -> None:
    assert python_abi._promised(python, abi) is None


def test_stable_abi_list_agrees_with_abi3info() -> None:
    """The list kept here and abi3info's (both read from CPython's Misc/stable_abi.toml) hold
    the same symbols with the same versions up to 3.14; 3.15's is still growing, so its items
    are compared where both have them (data/README.md says which commit ours is)."""
    require_module("abi3info", ".[test]")
    from abi3info import DATAS, FUNCTIONS

    theirs = {s.name: f"{i.added.major}.{i.added.minor}" for table in (FUNCTIONS, DATAS) for s, i in table.items()}
    ours = python_abi.stable_abi()
    assert len(ours) > 900

    def released(table: dict[str, str]) -> set[str]:
        return {name for name, version in table.items() if python_abi._version(version) < (3, 15)}

    assert released(ours) == released(theirs)
    assert {name: (ours[name], theirs[name]) for name in ours.keys() & theirs.keys() if ours[name] != theirs[name]} == {}


@pytest.mark.parametrize("module", ["pyext-limited-lib", "pyext-full-api-lib", "pyext-newer-lib"])
def test_capi_imports_are_what_nm_lists(artifacts: Artifacts, module: str) -> None:
    path = artifacts.path(module)
    listing = subprocess.run([require_tool("nm"), "-D", "--undefined-only", str(path)], capture_output=True,
                             text=True, check=True).stdout
    strong = {line.split()[-1] for line in listing.splitlines() if line.split()[0] == "U"}
    [facts] = [a["facts"] for a in documents(discover([str(path)]), Limits())]
    imports = facts["python.capi_imports"]
    assert {item["symbol"] for item in imports} == {s for s in strong if s.startswith(("Py", "_Py"))}
    table = python_abi.stable_abi()
    assert all(item["stable_abi"] == table.get(item["symbol"]) for item in imports)
    assert facts["python.abi3_floor"] is None and facts["python.capi_above_abi3_floor"] == []


def test_first_stable_abi_version_of_each_import(artifacts: Artifacts) -> None:
    facts = member_facts(artifacts.path("abi3-newer-wheel"))["pkg/_ext.abi3.so"]
    versions = {item["symbol"]: item["stable_abi"] for item in facts["python.capi_imports"]}
    assert versions["PyModule_Create2"] == "3.2" and versions["PyType_GetName"] == "3.11"
    assert facts["python.abi3_floor"] == "3.7"
    assert facts["python.capi_above_abi3_floor"] == [{"symbol": "PyType_GetName", "stable_abi": "3.11"}]


def abi3audit(path: Path) -> dict[str, dict]:
    """abi3audit's result for each shared object of a wheel, by file name."""
    require_module("abi3audit", ".[test]")
    done = subprocess.run([sys.executable, "-m", "abi3audit", "--report", str(path)], capture_output=True,
                          text=True, timeout=600)
    report = json.loads(done.stdout)
    return {so["name"]: so["result"] for spec in report["specs"].values() for so in spec.get("wheel", [])}


def binlint_abi3(facts: dict) -> dict[str, object]:
    """binlint's abi3 verdict on one module, in abi3audit's terms."""
    imports = facts["python.capi_imports"]
    return {"non_abi3_symbols": sorted(i["symbol"] for i in imports if i["stable_abi"] is None),
            "future_abi3_objects": {i["symbol"]: i["stable_abi"] for i in facts["python.capi_above_abi3_floor"]}}


@pytest.mark.parametrize("name", ["abi3-wheel", "abi3-full-api-wheel", "abi3-newer-wheel", "abi3-floor-wheel",
                                  "macho-abi3-wheel"])
def test_abi3_verdicts_agree_with_abi3audit(artifacts: Artifacts, name: str) -> None:
    """abi3audit also counts the Py* symbols a module defines; these modules define only their PyInit_."""
    path = artifacts.path(name)
    [(so, theirs)] = abi3audit(path).items()
    ours = binlint_abi3(member_facts(path)[WHEELS[name][2]])
    assert ours == {"non_abi3_symbols": sorted(theirs["non_abi3_symbols"]),
                    "future_abi3_objects": theirs["future_abi3_objects"]}, so


@pytest.mark.parametrize("name", ["macho-x86_64-lib", "macho-arm64-lib", "macho-universal2-lib", "macho-intel-lib"])
def test_macho_imports_outside_the_stable_abi_are_abi3audits(artifacts: Artifacts, tmp_path: Path, name: str) -> None:
    """MarkupSafe's real modules, thin and fat: abi3audit reads Mach-O with a parser of its own
    (it audits a file named .abi3.so against the Stable ABI of 3.2)."""
    require_module("abi3audit", ".[test]")
    copy = tmp_path / "_speedups.abi3.so"
    copy.write_bytes(artifacts.path(name).read_bytes())
    done = subprocess.run([sys.executable, "-m", "abi3audit", "--report", str(copy)], capture_output=True,
                          text=True, timeout=600)
    [theirs] = [spec["object"]["result"] for spec in json.loads(done.stdout)["specs"].values()]
    [facts] = [a["facts"] for a in documents(discover([str(copy)]), Limits())]
    ours = {i["symbol"] for i in facts["python.capi_imports"] if i["stable_abi"] is None}
    assert theirs["non_abi3_symbols"] and ours == set(theirs["non_abi3_symbols"])
    assert len(facts["python.capi_imports"]) > len(ours)  # the Stable ABI ones are read too


def _nm_defined(path: Path, *flags: str) -> set[str]:
    listing = subprocess.run([require_tool("nm"), *flags, "--defined-only", str(path)], capture_output=True,
                             text=True, check=True).stdout
    return {line.split()[-1] for line in listing.splitlines() if len(line.split()) == 3}


def _file_facts(path: Path) -> dict:
    [facts] = [a["facts"] for a in documents(discover([str(path)]), Limits())]
    return facts


def test_a_static_interpreter_is_what_nm_lists(artifacts: Artifacts) -> None:
    """The exported copy (.dynsym; the fixture is stripped): the core symbols nm -D lists."""
    path = artifacts.path("pyext-static-interpreter-lib")
    facts = _file_facts(path)
    core = _nm_defined(path, "-D") & set(python_abi.INTERPRETER_CORE)
    assert facts["python.interpreter_definitions"] == [s for s in python_abi.INTERPRETER_CORE if s in core]
    assert {"Py_InitializeEx", "PyEval_EvalCode", "_Py_NoneStruct"} <= core
    assert facts["python.module_init"] == "PyInit__ext"


def test_a_hidden_static_interpreter_is_read_from_symtab(artifacts: Artifacts, tmp_path: Path) -> None:
    """Linked with -Wl,--exclude-libs,ALL and not stripped: .dynsym holds only PyInit__ext,
    .symtab the interpreter (what crashes on import); binlint reads both, as nm does."""
    out = tmp_path / "_ext.so"
    run([*cc("gcc"), "-shared", "-fPIC", "-Wl,--exclude-libs,ALL", f"-I{sysconfig.get_paths()['include']}",
         src("pyext.c"), static_libpython(), "-lm", "-o", out], tmp_path)
    assert _nm_defined(out, "-D") & set(python_abi.INTERPRETER_CORE) == set()
    facts = _file_facts(out)
    assert set(facts["python.interpreter_definitions"]) == _nm_defined(out) & set(python_abi.INTERPRETER_CORE)
    assert {"Py_InitializeEx", "PyEval_EvalCode", "_Py_NoneStruct"} <= set(facts["python.interpreter_definitions"])
    assert facts["python.module_init"] == "PyInit__ext"


@pytest.mark.parametrize("name, init", [
    ("cpython-tag-wheel", "PyInit__ext"),  # pkg/_ext.cpython-312-x86_64-linux-gnu.so
    ("abi3-wheel", "PyInit__ext"),  # pkg/_ext.abi3.so
    ("libpython-wheel", "PyInit__ext"),  # and its stub libpython3.12.so.1.0, no module
])
def test_module_init_is_the_one_the_file_name_names(artifacts: Artifacts, name: str, init: str) -> None:
    facts = member_facts(artifacts.path(name))
    modules = {member: f["python.module_init"] for member, f in facts.items() if f.get("python.module_init")}
    assert modules == {WHEELS.get(name, (None, None, "pkg/_ext.cpython-312-x86_64-linux-gnu.so"))[2]: init}
    assert all(f["python.interpreter_definitions"] == [] for f in facts.values() if "python.module_init" in f)


def test_a_module_named_for_another_module_has_no_init(artifacts: Artifacts, tmp_path: Path) -> None:
    copy = tmp_path / "_other.so"  # defines PyInit__ext, not PyInit__other: CPython would not import it
    copy.write_bytes(artifacts.path("pyext-full-api-lib").read_bytes())
    assert _file_facts(copy)["python.module_init"] is None
    (tmp_path / "_ext.so").write_bytes(copy.read_bytes())
    assert _file_facts(tmp_path / "_ext.so")["python.module_init"] == "PyInit__ext"


# (fixture, member or None for the file itself, python.free_threaded)
FREE_THREADED_CASES = [
    ("ft-single-phase-lib", None, True),  # _single.cpython-313t-x86_64-linux-gnu.so
    ("ft-multi-phase-lib", None, True),  # cpython-314t
    ("freethreaded-wheel", "pkg/_ext.cpython-313t-x86_64-linux-gnu.so", True),
    ("freethreaded-mismatch-wheel", "pkg/_ext.cpython-313-x86_64-linux-gnu.so", False),  # the name decides
    ("ft-plain-name-wheel", "pkg/_single.so", True),  # no tag in the name: the cp313t tag decides
    ("ft-plain-name-gil-wheel", "pkg/_single.so", False),
    ("abi3-freethreaded-wheel", "pkg/_ext.abi3.so", False),
]


@pytest.mark.parametrize("name, member, expected", FREE_THREADED_CASES, ids=[c[0] for c in FREE_THREADED_CASES])
def test_free_threaded_is_what_the_name_or_the_tags_say(artifacts: Artifacts, name: str, member: str | None,
                                                        expected: bool) -> None:
    path = artifacts.path(name)
    facts = _file_facts(path) if member is None else member_facts(path)[member]
    assert facts["python.free_threaded"] is expected
