"""Target profiles: named systems and policies an artifact must load on, as data files.

Built in: the manylinux and musllinux policies (generated from auditwheel's policy files by
scripts/profiles.py) and the distributions users ship to (distributions.toml). Users add
their own with --targets-file. Each profile becomes a target dict (binlint.rules.targets.TARGETS)
that rules compare facts with; nothing here knows any rule.
"""
from __future__ import annotations

import functools
import json
import os
import re
from collections import namedtuple

from binlint.errors import BinlintError
from binlint.formats.elf.versions import parse_version_node
from binlint.wheeltags import target_from_platforms

TYPE_CHECKING = False  # typing costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from typing import Any, Iterable

HERE = os.path.dirname(os.path.abspath(__file__))
BUILTIN = ("manylinux.json", "musllinux.json", "distributions.toml")
FAMILIES = ("manylinux", "musllinux", "distribution", "custom")
# key -> (what the value must be, description); a profile file may hold only these keys.
KEYS = {
    "summary": ("str", "one line: what the profile stands for (required)"),
    "family": ("family", "manylinux, musllinux, distribution or custom (custom)"),
    "aliases": ("list", "other names that select it, e.g. manylinux2014"),
    "priority": ("int", "auditwheel's order of the policies: higher is older and more portable"),
    "libc": ("libc", "glibc or musl"),
    "glibc": ("version", "its glibc"), "musl": ("version", "its musl"), "kernel": ("version", "its Linux kernel"),
    "arch": ("list", "the architectures it runs, as platform tags spell them"),
    "libraries": ("list", "the sonames it provides to every artifact (policies' allowed libraries)"),
    "blacklist": ("table-of-lists", "library -> symbols an artifact must not import from it"),
    "symbol_versions": ("versions", "architecture -> namespace -> the versions its libraries define"),
    "symbol_ceilings": ("table-of-versions", "namespace -> the newest version its libraries define"),
    "execstack_dlopen": ("execstack", "refused (glibc >= 2.41, the default) or allowed"),
}
_DOTTED = re.compile(r"\d+(\.\d+)*")
_PLATFORM = re.compile(r"^(manylinux_\d+_\d+|musllinux_\d+_\d+|manylinux1|manylinux2010|manylinux2014)_(\w+)$")

# name: canonical; target: the values rules compare with (see binlint.rules.targets.TARGETS).
Profile = namedtuple("Profile", "name family summary aliases priority source target")


def load(files: Iterable[str] = ()) -> dict[str, Profile]:
    """Every profile by its name and aliases: the built-in ones, then those of `files`
    (files or directories of *.toml / *.json), which may not redefine a name."""
    paths = [os.path.join(HERE, name) for name in BUILTIN]
    for path in files:
        if os.path.isdir(path):
            paths += sorted(os.path.join(path, n) for n in os.listdir(path) if n.endswith((".toml", ".json")))
        elif os.path.isfile(path):
            paths.append(path)
        else:
            raise BinlintError(f"targets file not found: {path}")
    raw = {}
    for path in paths:
        for name, data in _read(path).items():
            raw[(name, path)] = data
    catalogue = _known_versions(raw.values())
    profiles: dict[str, Profile] = {}
    for (name, path), data in raw.items():
        profile = _profile(name, data, path, catalogue)
        for key in (name, *profile.aliases):
            if key in profiles:
                raise BinlintError(f"{path}: target {key!r} is already defined in {profiles[key].source}")
            profiles[key] = profile
    return profiles


@functools.lru_cache(maxsize=None)
def builtin() -> dict[str, Profile]:
    """The built-in profiles, read once per process."""
    return load()


def resolve(names: Iterable[str], profiles: dict[str, Profile]) -> list[Profile]:
    """The profiles `names` select, once each, in the order given. A platform tag such as
    `manylinux_2_17_x86_64` selects the policy for that one architecture."""
    chosen: dict[str, Profile] = {}
    for name in names:
        if name in profiles:
            chosen.setdefault(profiles[name].name, profiles[name])
            continue
        match = _PLATFORM.match(name)
        if match and match[1] in profiles:
            base = profiles[match[1]]
            chosen.setdefault(name, base._replace(name=name, target={**base.target, "arch": [match[2]]}))
            continue
        close = sorted(n for n in profiles if n.split("_")[0].split("-")[0] == name.split("_")[0].split("-")[0])
        hint = f"; did you mean {', '.join(close[:6])}?" if close else ""
        raise BinlintError(f"unknown target {name!r} (see `binlint targets`){hint}")
    return list(chosen.values())


def promised(platforms: list[str]) -> dict[str, object]:
    """What a wheel's platform tags promise, with the built-in policy they name: its allowed
    libraries, symbol versions and blacklist (the newest policy not above the tags' glibc or
    musl). Only that policy is made, from its family's file: all of them cost 3 ms."""
    target = target_from_platforms(platforms)
    libc = target.get("libc")
    if libc not in ("glibc", "musl"):
        return target
    floor = _version(str(target[libc]))
    path = os.path.join(HERE, "manylinux.json" if libc == "glibc" else "musllinux.json")
    raw = _read_builtin(path)
    below = [name for name, data in raw.items() if _version(str(data[libc])) <= floor]
    if not below:
        return target
    name = max(below, key=lambda n: _version(str(raw[n][libc])))
    return {**_profile(name, raw[name], path, _known_versions(raw.values())).target, **target}


@functools.lru_cache(maxsize=None)
def _read_builtin(path: str) -> dict[str, Any]:
    return _read(path)


# -- reading and checking ----------------------------------------------------------------

def _read(path: str) -> dict[str, Any]:
    try:
        if path.endswith(".json"):
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            data = data.get("profiles") if isinstance(data, dict) else None
            if not isinstance(data, dict):
                raise BinlintError(f"{path}: a JSON targets file holds {{\"profiles\": {{NAME: {{...}}}}}}")
            return data
        try:
            import tomllib  # type: ignore[import-not-found]
        except ImportError:  # Python < 3.11
            import tomli as tomllib  # type: ignore[no-redef]
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as err:
        raise BinlintError(f"{path}: cannot read: {err.strerror or err}") from None
    except ValueError as err:  # JSONDecodeError and TOMLDecodeError
        raise BinlintError(f"{path}: invalid {'JSON' if path.endswith('.json') else 'TOML'}: {err}") from None
    except RecursionError:  # both parsers read nested arrays and tables by recursion
        raise BinlintError(f"{path}: invalid {'JSON' if path.endswith('.json') else 'TOML'}: arrays or tables "
                           "nested deeper than binlint reads") from None


def _check(path: str, name: str, data: Any) -> None:
    where = f"{path}: target {name!r}"
    if not isinstance(data, dict):
        raise BinlintError(f"{where}: must be a table of settings")
    for key, value in data.items():
        if key not in KEYS:
            raise BinlintError(f"{where}: unknown key {key!r} (known: {', '.join(KEYS)})")
        kind = KEYS[key][0]
        ok = {
            "str": isinstance(value, str), "int": isinstance(value, int) and not isinstance(value, bool),
            "family": value in FAMILIES, "libc": value in ("glibc", "musl"),
            "execstack": value in ("refused", "allowed"),
            "version": _version(value) is not None,
            "list": _strings(value),
            "table-of-lists": isinstance(value, dict) and all(_strings(v) for v in value.values()),
            "table-of-versions": isinstance(value, dict) and all(_version(v) is not None for v in value.values()),
            "versions": isinstance(value, dict) and all(
                isinstance(ns, dict) and all(_strings(v) for v in ns.values()) for ns in value.values()),
        }[kind]
        if not ok:
            raise BinlintError(f"{where}: {key} must be {KEYS[key][1]}, not {value!r}")
    if "summary" not in data:
        raise BinlintError(f"{where}: needs a summary")
    if "libc" in data and data["libc"] not in data:
        raise BinlintError(f"{where}: libc is {data['libc']}: give its version ({data['libc']} = \"X.Y\")")


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _version(text: Any) -> tuple[int, ...] | None:
    return _parse_version(text) if isinstance(text, str) else None


@functools.lru_cache(maxsize=None)  # the same few hundred version strings recur in every policy
def _parse_version(text: str) -> tuple[int, ...] | None:
    return tuple(int(p) for p in text.split(".")) if _DOTTED.fullmatch(text) else None


def _known_versions(profiles: Iterable[Any]) -> dict[str, list[str]]:
    """namespace -> every version any profile lists: what a ceiling is expanded against."""
    known: dict[str, set[str]] = {}
    for data in profiles:
        if isinstance(data, dict) and isinstance(data.get("symbol_versions"), dict):
            for namespaces in data["symbol_versions"].values():
                for ns, versions in namespaces.items():
                    known.setdefault(ns, set()).update(versions)
    return {ns: sorted(v) for ns, v in known.items()}


def _profile(name: str, data: dict[str, Any], path: str, known: dict[str, list[str]]) -> Profile:
    builtin = os.path.dirname(path) == HERE
    if not builtin:  # the built-in files are checked by the tests: a wheel's tags load them at every run
        _check(path, name, data)
    target: dict[str, object] = {k: data[k] for k in ("libc", "glibc", "musl", "kernel") if k in data}
    for key in ("arch", "libraries"):
        if key in data:
            target[key] = sorted(set(data[key]))
    if "blacklist" in data:
        target["blacklist"] = sorted({s for symbols in data["blacklist"].values() for s in symbols})
    # GLIBC is bounded by the glibc version (glibc-version-above-target); the other
    # namespaces by the versions the profile lists, per architecture.
    by_arch: dict[str, list[str]] = {}
    namespaces: set[str] = set()
    for arch, versions in data.get("symbol_versions", {}).items():
        by_arch[arch] = sorted(f"{ns}_{v}" for ns, vs in versions.items() if ns != "GLIBC" for v in vs)
        namespaces.update(ns for ns in versions if ns != "GLIBC")
    ceilings = data.get("symbol_ceilings", {})
    if ceilings:
        by_arch["*"] = sorted(f"{ns}_{v}" for ns, top in ceilings.items() if ns != "GLIBC"
                              for v in [*known.get(ns, ()), top]
                              if _version(v) is None or _version(v) <= _version(top))
        namespaces.update(ns for ns in ceilings if ns != "GLIBC")
    if namespaces:
        # Also the compound namespaces elf.version_needs items carry (GLIBCXX_LDBL_3.4 is
        # namespace GLIBCXX_LDBL there), which auditwheel counts under GLIBCXX: any release
        # of them a policy lists, whether this profile allows it or not.
        namespaces.update(parse_version_node(f"{ns}_{v}")[0] for ns in list(namespaces) for v in known.get(ns, ()))
        target["symbol_namespaces"] = sorted(namespaces)
        target["symbol_versions"] = {arch: sorted(set(v)) for arch, v in by_arch.items()}
    if data.get("execstack_dlopen") == "allowed":
        target["dlopen_refuses_stack"] = []
    family = data.get("family", "distribution" if builtin else "custom")
    return Profile(name, family, data["summary"], tuple(data.get("aliases", ())), data.get("priority"), path, target)
