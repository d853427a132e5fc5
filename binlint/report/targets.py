"""`binlint targets`: the profiles and what each promises, or which profiles artifacts satisfy."""
from __future__ import annotations

import json

from binlint.errors import BinlintError

TYPE_CHECKING = False  # typing costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from binlint.formats.members import Limits
    from binlint.walk.discover import Artifact
    from binlint.facts import FileView
    from binlint.rules.profiles import Profile

# Target keys that change how a finding is reported, not whether an artifact loads.
_PRESENTATION = frozenset({"shebang_limit", "dlopen_refuses_stack"})


def _unique(profiles: dict[str, Profile]) -> list[Profile]:
    return list({p.name: p for p in profiles.values()}.values())


def _ceiling(profile: Profile, namespace: str) -> str:
    """The newest version of `namespace` the profile allows on any architecture, for display."""
    from binlint.version import version

    names = [v for vs in profile.target.get("symbol_versions", {}).values() for v in vs
             if v.startswith(namespace + "_") and version(v[len(namespace) + 1:]) is not None]
    return max(names, key=lambda v: version(v[len(namespace) + 1:]))[len(namespace) + 1:] if names else "-"


def listing(profiles: dict[str, Profile]) -> str:
    rows = [("NAME", "LIBC", "KERNEL", "GLIBCXX", "CXXABI", "ARCHS", "SUMMARY")]
    for p in sorted(_unique(profiles), key=lambda p: (p.family, -(p.priority or 0), p.name)):
        t = p.target
        libc = f"{t['libc']} {t[t['libc']]}" if t.get("libc") in t else "-"
        name = p.name + (f" ({', '.join(p.aliases)})" if p.aliases else "")
        rows.append((name, libc, str(t.get("kernel", "-")), _ceiling(p, "GLIBCXX"), _ceiling(p, "CXXABI"),
                     str(len(t.get("arch", [])) or "-"), p.summary))
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    return "".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[6] + "\n" for r in rows)


def details(profile: Profile) -> str:
    t = profile.target
    lines = [f"{profile.name}: {profile.summary}", f"  family: {profile.family}", f"  source: {profile.source}"]
    if profile.aliases:
        lines.append(f"  aliases: {', '.join(profile.aliases)}")
    for key in ("libc", "glibc", "musl", "kernel", "arch", "libraries", "symbol_namespaces", "blacklist"):
        if key in t:
            value = t[key]
            lines.append(f"  {key}: {', '.join(value) if isinstance(value, list) else value}")
    for arch, versions in sorted(t.get("symbol_versions", {}).items()):
        lines.append(f"  symbol versions ({'every architecture' if arch == '*' else arch}): {', '.join(versions)}")
    refused = t.get("dlopen_refuses_stack", ["X"])
    lines.append(f"  dlopen of an executable-stack library: {'refused' if refused else 'allowed'}")
    return "\n".join(lines) + "\n"


def satisfied(paths: list[str], profiles: dict[str, Profile], limits: Limits, fmt: str) -> tuple[str, bool]:
    """For each artifact, the profiles it satisfies: no error of a rule that compares with
    what the profile promises, nor of a portability rule that fails on every system. The manylinux and musllinux policies reported are the most
    portable ones satisfied (auditwheel's answer). An artifact with no Linux code in it
    (a pure or macOS wheel, a Mach-O file, a tarball of scripts) satisfies none: binlint
    never calls a target satisfied that it did not check."""
    from binlint.walk.discover import discover
    from binlint.engine import Options, check
    from binlint.rules import load_rules

    # The rules that compare with what a profile promises, and the portability rules that
    # need no target because no system passes them (GLIBC_PRIVATE, PyFPE_jbuf, a loader path
    # of the build machine): auditwheel refuses every policy for those too.
    rules = [r for r in load_rules() if r.targets - _PRESENTATION or r.group == "portability"]
    chosen = _unique(profiles)
    artifacts = discover(paths)
    options = Options({}, False, limits, tuple((p.name, p.target) for p in chosen))
    failed: dict[str, set[str | None]] = {}
    for f in check(artifacts, rules, options):
        if f.severity == "error":
            failed.setdefault(f.location, set()).add(f.target)
    results = []
    for artifact in artifacts:
        bad = failed.get(artifact.path, set())
        reason = not_for_linux(artifact, limits)
        ok = [] if reason else [p for p in chosen if None not in bad and p.name not in bad]
        best = {family: _most_portable([p for p in ok if p.family == family]) for family in POLICY_FAMILIES}
        # A family whose versions binlint cannot tell apart (no symbol versions) counts as one.
        ok = [p for p in ok if p.family not in POLICY_FAMILIES or p is best[p.family] or _bounds_versions(p)]
        results.append({"path": artifact.path, **{k: (v.name if v else None) for k, v in best.items()},
                        "satisfied": sorted(p.name for p in ok), "not_linux": reason})
    if fmt == "json":
        return json.dumps({"version": 1, "artifacts": results}, indent=2) + "\n", all(r["satisfied"] for r in results)
    out = []
    for r in results:
        out.append(r["path"])
        if r["not_linux"]:
            out.append(f"  no Linux target: {r['not_linux']}")
            continue
        for family in POLICY_FAMILIES:
            out.append(f"  {family}: {r[family] or 'none'}")
        others = [n for n in r["satisfied"] if profiles[n].family not in POLICY_FAMILIES]
        out.append(f"  other targets: {', '.join(others) or 'none'}")
    return "\n".join(out) + "\n", all(r["satisfied"] for r in results)


POLICY_FAMILIES = ("manylinux", "musllinux")


def _bounds_versions(profile: Profile) -> bool:
    return "symbol_versions" in profile.target


def _most_portable(policies: list[Profile]) -> Profile | None:
    """The oldest policy of a family, which every newer one accepts; but a family whose
    policies bound no symbol versions (musllinux: musl has none) cannot show a binary needs
    no newer libc than the oldest, so its newest satisfied policy is reported, as auditwheel
    does outside a musl system."""
    if not policies:
        return None
    if any(map(_bounds_versions, policies)):
        return max(policies, key=lambda p: p.priority or 0)
    return min(policies, key=lambda p: p.priority or 0)


# Platform tags that name a Linux system: what pip installs on Linux.
_LINUX_TAGS = ("manylinux", "musllinux", "linux_")


def not_for_linux(artifact: Artifact, limits: Limits) -> str | None:
    """Why `artifact` is for no Linux system, or None: a wheel whose tags name no Linux
    platform, or a file that holds no ELF code at any depth binlint reads."""
    from binlint.walk import walk_file

    return walk_file(artifact, _LinuxCode(), limits, member_jobs=1)[0]  # type: ignore[no-any-return]


_ELF = "elf"


class _LinuxCode:
    """The walk's visitor for not_for_linux: each member puts first what decides (an ELF file,
    or why it could not be read) before what its own members found; the artifact turns the
    first of these into its answer."""

    def visit(self, view: FileView, found: list) -> None:
        if view.kind == "elf":
            found.insert(0, _ELF)
        if view.depth == 0:
            found[:] = [self._answer(view, found)]

    def failed(self, view: FileView, found: list) -> None:
        found.insert(0, f"unreadable: {view.error}")  # the check's own findings say why
        if view.depth == 0:
            found[:] = [found[0] if view.kind != "elf" else None]

    @staticmethod
    def _answer(view: FileView, found: list) -> str | None:
        if view.kind == "zip" and view.get("wheel.is_wheel"):
            platforms = view.get("wheel.platforms")
            if platforms == ["any"]:
                return "a pure wheel (platform tag any): it holds no code for a Linux platform tag to describe"
            if not any(p.startswith(_LINUX_TAGS) for p in platforms):
                return f"a wheel for {', '.join(platforms)}, not for a Linux distribution"
        if view.kind == "elf":
            return None
        first = next(iter(found), None)
        if first is None:
            return f"no ELF file in it ({view.description()})"
        return None if first == _ELF else first  # type: ignore[no-any-return]


def run(names_or_paths: list[str], files: list[str], limits: Limits, fmt: str) -> tuple[str, bool]:
    """(report, whether every artifact satisfies some profile)."""
    import os

    from binlint.rules import profiles as profile_files

    profiles = profile_files.load(files)
    if not names_or_paths:
        if fmt == "json":
            data = {p.name: {"family": p.family, "summary": p.summary, "aliases": list(p.aliases),
                             "source": p.source, **p.target} for p in _unique(profiles)}
            return json.dumps({"version": 1, "profiles": data}, indent=2, sort_keys=True) + "\n", True
        return listing(profiles), True
    named = [n for n in names_or_paths if not os.path.exists(n)]
    if named and len(named) == len(names_or_paths):
        return "".join(details(p) for p in profile_files.resolve(named, profiles)), True
    if named:
        raise BinlintError(f"no such file or directory: {named[0]}")
    return satisfied(names_or_paths, profiles, limits, fmt)
