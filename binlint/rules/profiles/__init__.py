"""Target profiles: named systems and policies an artifact must load on, as data files.

Built in: the manylinux and musllinux policies (generated from auditwheel's policy files by
scripts/profiles.py) and the distributions users ship to (distributions.toml). Users add
their own with --targets-file. Each profile holds a binlint.rules.targets.Target of its name,
whose values (binlint.rules.targets.TARGETS) rules compare facts with; nothing here knows any rule.
"""
from __future__ import annotations

import functools
import json
import os
from collections import namedtuple

from binlint.errors import BinlintError
from binlint.formats.elf.versions import parse_version_node
from binlint.inputs import InputFile
from binlint.patterns import Pattern  # compiled on first use (binlint/patterns.py)
from binlint.rules.targets import Target
from binlint.version import version
from binlint.wheeltags import target_from_platforms

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable

HERE = os.path.dirname(os.path.abspath(__file__))
BUILTIN = ("manylinux.json", "musllinux.json", "distributions.toml")
_PLATFORM = Pattern(r"^(manylinux_\d+_\d+|musllinux_\d+_\d+|manylinux1|manylinux2010|manylinux2014)_(\w+)$")

# name: canonical; target: the Target of that name, the values rules compare with.
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
        data = _read(path)
        if os.path.dirname(path) != HERE:  # the built-in files are checked by the tests: tags load them at every run
            check(path, data)
        for name, profile in data.items():
            raw[(name, path)] = profile
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
            one_arch = base.target.with_values({"arch": [match[2]]})._replace(name=name)
            chosen.setdefault(name, base._replace(name=name, target=one_arch))
            continue
        close = sorted(n for n in profiles if n.split("_")[0].split("-")[0] == name.split("_")[0].split("-")[0])
        hint = f"; did you mean {', '.join(close[:6])}?" if close else ""
        raise BinlintError(f"unknown target {name!r} (see `binlint targets`){hint}")
    return list(chosen.values())


def promised(platforms: list[str]) -> Target:
    """What a wheel's platform tags promise, with the built-in policy they name: its allowed
    libraries, symbol versions and blacklist (the newest policy not above the tags' glibc or
    musl). Only that policy is made, from its family's file: all of them cost 3 ms."""
    tags = Target.of(target_from_platforms(platforms))
    libc = tags.values.get("libc")
    if libc not in ("glibc", "musl"):
        return tags
    path = os.path.join(HERE, "manylinux.json" if libc == "glibc" else "musllinux.json")
    raw = _read_builtin(path)
    below = [name for name, data in raw.items() if version(data[libc]) <= tags.values[libc]]
    if not below:
        return tags
    name = max(below, key=lambda n: version(raw[n][libc]))
    policy = _profile(name, raw[name], path, _known_versions(raw.values())).target
    return Target.of({**policy.values, **tags.values})


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


class ProfileFile(InputFile):
    """A targets file: keys spelled `target 'acme-os-3': symbol_ceilings.GLIBCXX`."""

    kind = "profile"

    def fail(self, path: tuple[Any, ...], problem: str) -> BinlintError:
        if not path:
            return BinlintError(f"{self.shown}: {problem}")
        where, key = f"{self.shown}: target {path[0]!r}", self.name(path[1:])
        return BinlintError(f"{where}: {key} {problem}" if key else f"{where}: {problem}")


def check(path: str, data: dict[str, Any]) -> None:
    """The profiles of one targets file against profile.schema.json, and a libc with its version."""
    file = ProfileFile(path)
    file.validate(data)
    for name, profile in data.items():
        libc = profile.get("libc")
        if libc is not None and libc not in profile:
            raise file.fail((name, "libc"), f"is {libc}: give its version ({libc} = \"X.Y\")")


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
    values: dict[str, object] = {k: data[k] for k in ("libc", "glibc", "musl", "kernel") if k in data}
    for key in ("arch", "libraries"):
        if key in data:
            values[key] = sorted(set(data[key]))
    if "interpreters" in data:  # this system's loaders, replacing the ABI's for the architectures named
        values["interpreters"] = data["interpreters"]
    if "blacklist" in data:
        values["blacklist"] = sorted({s for symbols in data["blacklist"].values() for s in symbols})
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
                              if version(v) is None or version(v) <= version(top))
        namespaces.update(ns for ns in ceilings if ns != "GLIBC")
    if namespaces:
        # Also the compound namespaces elf.version_needs items carry (GLIBCXX_LDBL_3.4 is
        # namespace GLIBCXX_LDBL there), which auditwheel counts under GLIBCXX: any release
        # of them a policy lists, whether this profile allows it or not.
        namespaces.update(parse_version_node(f"{ns}_{v}")[0] for ns in list(namespaces) for v in known.get(ns, ()))
        values["symbol_namespaces"] = sorted(namespaces)
        values["symbol_versions"] = {arch: sorted(set(v)) for arch, v in by_arch.items()}
    if data.get("execstack_dlopen") == "allowed":
        values["dlopen_refuses_stack"] = []
    family = data.get("family", "distribution" if builtin else "custom")
    return Profile(name, family, data["summary"], tuple(data.get("aliases", ())), data.get("priority"), path,
                   Target.of(values, name))
