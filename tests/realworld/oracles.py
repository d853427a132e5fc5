"""What other tools say about a file: auditwheel for ELF wheels, delocate for Mach-O files.

Each answer is kept in the suite's cache under the file's SHA-256 and the tool's version
(``oracles/<tool>-<version>-<sha256>.json``): the tools take seconds a wheel (auditwheel 20 s on
scipy), binlint's suite runs on every CI run, and the answer cannot change while neither does.

delocate reads load commands by running Apple's ``otool -m -L``, which Linux has not (and
``llvm-otool`` rejects ``-m``); it reads minimum versions with macholib, the Mach-O reader it
depends on. So the delocate oracle is delocate's own ``_get_macos_min_version`` plus
macholib's load commands, which is what ``otool -L`` and ``otool -l`` print on a Mac.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from importlib.metadata import version
from pathlib import Path
from typing import Callable

from pypi import cache_root

# The Mach-O load commands that load a dylib, by the kind binlint's macho.dylibs names.
_DYLIB_LOADS = {0xC: "load", 0x80000018: "weak", 0x8000001F: "reexport", 0x80000023: "upward", 0x20: "lazy"}
LC_RPATH = 0x8000001C
# macholib's names of CPU types, as wheel tags (and binlint) spell them.
_ARCH_NAMES = {"ARM64": "arm64", "x86_64": "x86_64", "i386": "i386", "PowerPC": "ppc", "PowerPC64": "ppc64"}


def cached(tool: str, digest: str, compute: Callable[[], dict], question: str = "") -> dict:
    """`compute()`'s answer for the file whose SHA-256 is `digest`, remembered across runs
    under the tool's version (and the question, when one tool answers several)."""
    folder = cache_root() / "oracles"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{tool}{question}-{version(tool)}-{digest}.json"
    if path.is_file():
        return json.loads(path.read_text())
    answer = compute()
    scratch = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    scratch.write_text(json.dumps(answer, sort_keys=True))
    os.replace(scratch, path)
    return answer


# -- auditwheel ---------------------------------------------------------------------------

def auditwheel_show(path: Path, digest: str) -> dict:
    """`auditwheel show --json` on a wheel (auditwheel takes the architecture and libc from
    its name); on a wheel it refuses, {"error": its last line, "exit": its status}."""
    def compute() -> dict:
        # auditwheel looks for libraries outside the wheel on this machine: keep the user's
        # library paths out of it, so the answer depends on the wheel alone.
        env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "AUDITWHEEL_LD_LIBRARY_PATH")}
        result = subprocess.run([sys.executable, "-m", "auditwheel", "show", "--json", str(path)],
                                capture_output=True, text=True, timeout=600, env=env)
        if result.returncode == 0 and result.stdout.strip():
            return json.loads(result.stdout)
        lines = (result.stdout + result.stderr).strip().splitlines()
        if lines and lines[-1].startswith("{"):
            return {**json.loads(lines[-1]), "exit": result.returncode}
        # A traceback is auditwheel failing, not a verdict on the wheel.
        return {"error": lines[-1] if lines else "no output", "exit": result.returncode,
                "crash": "Traceback (most recent call last)" in result.stderr}
    return cached("auditwheel", digest, compute, question="-show")


# Every policy auditwheel would accept the wheel for, from its own analysis: `show` names only
# the best one, and a policy may drop a library an older one allows (libcrypt.so.1 after
# manylinux2014), so "the best and every newer one" is not the same answer.
_SATISFIED_POLICIES = """
import json, sys
from pathlib import Path
from auditwheel.wheel_abi import analyze_wheel_abi
info = analyze_wheel_abi(None, None, Path(sys.argv[1]), frozenset(), disable_isa_ext_check=False, allow_graft=False)
policies = info.policies
refused = policies.linux in (info.pyfpe_policy, info.ucs_policy, info.machine_policy)
needs = {}
for names in info.versioned_symbols.values():
    for name in names:
        needs.setdefault(name.partition("_")[0], set()).add(name)
satisfied = []
for policy in policies:
    refs = info.external_refs.get(policy.name)
    if refused or policy == policies.linux or refs is None or refs.libs or refs.blacklist:
        continue
    allowed = {n: {n + "_" + v for v in vs} for n, vs in policy.symbol_versions.items()}
    if all(needs[n] <= allowed[n] for n in set(needs) & set(allowed)):
        satisfied.append(policy.name)
print(json.dumps({"satisfied": sorted(satisfied)}))
"""


def auditwheel_satisfied(path: Path, digest: str) -> set[str]:
    """The policies (architecture left out: `manylinux_2_17`) auditwheel accepts the wheel for."""
    def compute() -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "AUDITWHEEL_LD_LIBRARY_PATH")}
        result = subprocess.run([sys.executable, "-c", _SATISFIED_POLICIES, str(path)],
                                capture_output=True, text=True, timeout=600, env=env)
        if result.returncode:
            return {"satisfied": [], "error": result.stderr.strip().splitlines()[-1:]}
        return json.loads(result.stdout)
    answer = cached("auditwheel", digest, compute, question="-policies")
    return {"_".join(name.split("_")[:3]) for name in answer["satisfied"]}


def auditwheel_policy(answer: dict, family: str) -> str | None:
    """The manylinux or musllinux policy auditwheel's answer names, without the architecture
    (`manylinux_2_17`), or None when it names none of that family."""
    tag = answer.get("overall_tag") or ""
    if not tag.startswith(family + "_"):
        return None
    return "_".join(tag.split("_")[:3])


def versioned_symbols(answer: dict) -> set[tuple[str, str]]:
    return {(library, name) for library, names in answer.get("versioned_symbols", {}).items() for name in names}


# -- delocate -----------------------------------------------------------------------------

def macho_view(path: str) -> dict:
    """One Mach-O file as delocate and otool see it: per architecture, its dylib loads (with
    the load command's kind), its LC_RPATHs, and delocate's minimum macOS."""
    from delocate.delocating import _get_macos_min_version
    from macholib.MachO import MachO

    loads, rpaths = set(), set()
    for header in MachO(path).headers:
        arch = _arch(header.header.cputype)
        for command, _body, data in header.commands:
            if command.cmd in _DYLIB_LOADS:
                loads.add((arch, _c_string(data), _DYLIB_LOADS[command.cmd]))
            elif command.cmd == LC_RPATH:
                rpaths.add((arch, _c_string(data)))
    minimum = {(_ARCH_NAMES.get(arch, arch), str(v)) for arch, v in _get_macos_min_version(path)}
    return {"loads": sorted(loads), "rpaths": sorted(rpaths), "min_os": sorted(minimum)}


def delocate_wheel_view(path: Path, digest: str) -> dict[str, dict]:
    """macho_view of every member of the wheel at `path` that delocate takes for a Mach-O file
    (by its magic number), by member name."""
    def compute() -> dict:
        from delocate.tools import _is_macho_file
        views = {}
        with tempfile.TemporaryDirectory() as folder, zipfile.ZipFile(path) as wheel:
            for member in wheel.namelist():
                if member.endswith("/"):
                    continue
                extracted = wheel.extract(member, folder)
                if _is_macho_file(extracted):
                    views[member] = macho_view(extracted)
        return views
    return cached("delocate", digest, compute)


def _arch(cputype: int) -> str:
    from macholib import mach_o
    name = mach_o.CPU_TYPE_NAMES.get(cputype, str(cputype))
    return _ARCH_NAMES.get(name, name)


def _c_string(data: bytes) -> str:
    return data.split(b"\0", 1)[0].decode("utf-8", "replace")
