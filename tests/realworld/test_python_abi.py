"""The Python ABI rules on the published wheels: quiet but where a wheel truly breaks one
(catalogue.py records those in `expected`), and the abi3 verdicts the same as abi3audit's on
every abi3 wheel of the catalogue (cryptography, psutil, tokenizers, bcrypt on Linux and macOS,
delocate's universal2 test wheels)."""
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
                    "python-extension-links-libpython")
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
