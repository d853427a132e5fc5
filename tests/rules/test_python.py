"""The rules that read a Python extension module's facts (`python.*`: the tag in its file
name against the wheel's tags, its C API imports against the Stable ABI, libpython in its
DT_NEEDED or linked into it, how a free-threaded module declares the GIL). The fixtures are tests/fixtures/python_abi.py's; tests/test_python_abi.py and
tests/realworld/test_python_abi.py hold abi3audit's view. How to add rows: tests/rules/table.py."""
from __future__ import annotations

import pytest

from fixtures import Artifacts
from fixtures.python_abi import LIBPYTHON, LIBPYTHON_MEMBER
from rules.table import Row, only, row, table_findings, table_test

TAG_MISMATCH = ["cpython-tag-mismatch-wheel", "freethreaded-mismatch-wheel", "abi3-freethreaded-wheel",
                # MarkupSafe's arm64 module keeps the name it was built with for 3.11
                # (_speedups.cpython-311-darwin.so) in a cp312-cp312 wheel: true of the fixture.
                "macho-arm64-wheel",
                # _ext.cp312-win_amd64.pyd in a cp313-cp313-win_amd64 wheel
                "pe-name-mismatch-wheel"]
TABLE: list[Row] = [
    # cpython-tag-wheel, freethreaded-wheel (cpython-313t in cp313t), abi3-wheel and the
    # abi3 floor wheels, and every other wheel: quiet. Plain `_ext.so` names fit every tag.
    row("python-extension-tag-mismatch", {}, TAG_MISMATCH),
    # PyObject_Print in an abi3 wheel; the same module named for cp312 (cpython-tag-wheel) may use
    # it. MarkupSafe's Mach-O module (PyUnicode_New) is fine in its cp311 wheels, not under abi3.
    row("abi3-non-stable-symbol", {}, ["abi3-full-api-wheel", "macho-abi3-wheel"]),
    # PyType_GetName (3.11) under cp37-abi3; abi3-floor-wheel tags the same module cp311-abi3.
    row("abi3-symbol-above-floor", {}, ["abi3-newer-wheel"]),
    # pyext.c linked with the static libpython3.X.a; every other module (named as one or not)
    # defines only its PyInit_, and libpython-wheel's stub is no module.
    row("python-extension-static-interpreter", {}, ["pyext-static-interpreter-lib"]),
    # Single-phase init without PyUnstable_Module_SetGIL in a free-threaded build: named
    # cpython-313t, or _single.so in a cp313t wheel. freethreaded-wheel's module (pyext.c,
    # PyModule_Create) is such a module too. Quiet: the declared and multi-phase modules, and
    # _single.so in a GIL wheel (ft-plain-name-gil-wheel).
    row("python-free-threaded-gil-enabled", {}, ["freethreaded-wheel", "ft-single-phase-lib", "ft-plain-name-wheel"]),
]



test_rule_table = table_test(TABLE)


# (rule, fixture, member, severity, substrings of the message)
MESSAGE_CASES = [
    ("python-extension-tag-mismatch", "cpython-tag-mismatch-wheel", "pkg/_ext.cpython-313-x86_64-linux-gnu.so",
     "error", ["cpython-313-x86_64-linux-gnu", "cp312-cp312"]),
    ("python-extension-tag-mismatch", "freethreaded-mismatch-wheel", "pkg/_ext.cpython-313-x86_64-linux-gnu.so",
     "error", ["cp313-cp313t"]),
    ("python-extension-tag-mismatch", "abi3-freethreaded-wheel", "pkg/_ext.abi3.so", "error",
     ["abi3", "cp313-cp313t"]),
    ("python-extension-tag-mismatch", "pe-name-mismatch-wheel", "pkg/_ext.cp312-win_amd64.pyd", "error",
     ["cp312-win_amd64", "cp313-cp313"]),
    ("abi3-non-stable-symbol", "abi3-full-api-wheel", "pkg/_ext.abi3.so", "error", ["PyObject_Print"]),
    ("abi3-non-stable-symbol", "macho-abi3-wheel", "pkg/_speedups.abi3.so", "error",
     ["PyUnicode_New", "_PyUnicode_Ready"]),
    ("abi3-symbol-above-floor", "abi3-newer-wheel", "pkg/_ext.abi3.so", "warning",
     ["3.7", "PyType_GetName (3.11)"]),
    ("python-extension-links-libpython", "libpython-wheel", LIBPYTHON_MEMBER, "error", [LIBPYTHON]),
    ("python-extension-links-libpython", "libpython-missing-wheel", LIBPYTHON_MEMBER, "error", [LIBPYTHON]),
    ("python-free-threaded-gil-enabled", "ft-plain-name-wheel", "pkg/_single.so", "warning",
     ["imports PyModule_Create2", "PyUnstable_Module_SetGIL"]),
]


# (rule, standalone fixture, severity, substrings of the message)
FILE_MESSAGE_CASES = [
    ("python-extension-static-interpreter", "pyext-static-interpreter-lib", "error",
     ["Py_InitializeEx", "PyEval_EvalCode", "_Py_NoneStruct", "_PyRuntime"]),
    ("python-free-threaded-gil-enabled", "ft-single-phase-lib", "warning", ["imports PyModule_Create2"]),
]


@pytest.mark.parametrize("rule_id, name, severity, expected", FILE_MESSAGE_CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in FILE_MESSAGE_CASES])
def test_python_module_finding(artifacts: Artifacts, rule_id: str, name: str, severity: str,
                               expected: list[str]) -> None:
    path = artifacts.path(name)
    finding = only(table_findings(path, {}), rule_id)
    assert (finding.path, finding.severity) == (str(path), severity)
    assert {s for s in expected if s not in finding.message} == set(), finding.message


@pytest.mark.parametrize("rule_id, name, member, severity, expected", MESSAGE_CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in MESSAGE_CASES])
def test_python_abi_finding(artifacts: Artifacts, rule_id: str, name: str, member: str, severity: str,
                            expected: list[str]) -> None:
    path = artifacts.path(name)
    finding = only(table_findings(path, {}), rule_id)
    assert (finding.path, list(finding.members), finding.severity) == (f"{path}!{member}", [member], severity)
    assert {s for s in expected if s not in finding.message} == set(), finding.message


def test_stable_abi_symbols_are_not_reported(artifacts: Artifacts) -> None:
    """The full-API module also imports PyModule_Create2 (Stable ABI 3.2): the evidence is
    the one symbol outside the Stable ABI."""
    finding = only(table_findings(artifacts.path("abi3-full-api-wheel"), {}), "abi3-non-stable-symbol")
    assert [item["symbol"] for item in finding.evidence] == ["PyObject_Print"]
