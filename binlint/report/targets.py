"""The `binlint targets` report, as text or JSON: every target profile, the profiles asked
for by name in full, or which profiles each artifact satisfies. The command
(binlint/cli/targets.py) finds what to show; this module only renders it."""
from __future__ import annotations

import json
from collections import namedtuple

from binlint.version import version

TYPE_CHECKING = False
if TYPE_CHECKING:
    from binlint.rules.profiles import Profile

# The families whose most portable satisfied policy the report names (auditwheel's answer).
POLICY_FAMILIES = ("manylinux", "musllinux")

# profiles: every profile loaded, each once; named: the profiles asked for by name, shown in
# full; artifacts: None, or for each artifact checked a dict of its path, the most portable
# policy of each of POLICY_FAMILIES (or None), the sorted names of the profiles it satisfies
# ("satisfied") and why it has no Linux target at all ("not_linux", or None).
TargetReport = namedtuple("TargetReport", "profiles named artifacts", defaults=((), None))


def render(report: TargetReport, as_json: bool = False) -> str:
    if report.artifacts is not None:
        return _artifacts_json(report.artifacts) if as_json else _artifacts_text(report)
    if report.named:  # shown as text in either format: there is no JSON form of one profile yet
        return "".join(details(p) for p in report.named)
    return _profiles_json(report.profiles) if as_json else listing(report.profiles)


def listing(profiles: list[Profile]) -> str:
    rows = [("NAME", "LIBC", "KERNEL", "GLIBCXX", "CXXABI", "ARCHS", "SUMMARY")]
    for p in sorted(profiles, key=lambda p: (p.family, -(p.priority or 0), p.name)):
        t = p.target.values
        libc = f"{t['libc']} {t[t['libc']]}" if t.get("libc") in t else "-"
        name = p.name + (f" ({', '.join(p.aliases)})" if p.aliases else "")
        rows.append((name, libc, str(t.get("kernel", "-")), _ceiling(p, "GLIBCXX"), _ceiling(p, "CXXABI"),
                     str(len(t.get("arch", [])) or "-"), p.summary))
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    return "".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[6] + "\n" for r in rows)


def _ceiling(profile: Profile, namespace: str) -> str:
    """The newest version of `namespace` the profile allows on any architecture, for display."""
    names = [v for vs in profile.target.values.get("symbol_versions", {}).values() for v in vs
             if v.startswith(namespace + "_") and version(v[len(namespace) + 1:]) is not None]
    return max(names, key=lambda v: version(v[len(namespace) + 1:]))[len(namespace) + 1:] if names else "-"


def _profiles_json(profiles: list[Profile]) -> str:
    data = {p.name: {"family": p.family, "summary": p.summary, "aliases": list(p.aliases),
                     "source": p.source, **p.target.plain()} for p in profiles}
    return json.dumps({"version": 1, "profiles": data}, indent=2, sort_keys=True) + "\n"


def details(profile: Profile) -> str:
    t = profile.target.values
    lines = [f"{profile.name}: {profile.summary}", f"  family: {profile.family}", f"  source: {profile.source}"]
    if profile.aliases:
        lines.append(f"  aliases: {', '.join(profile.aliases)}")
    for key in ("libc", "glibc", "musl", "kernel", "arch", "libraries", "symbol_namespaces", "blacklist"):
        if key in t:
            value = t[key]
            lines.append(f"  {key}: {', '.join(value) if isinstance(value, list) else value}")
    for arch, versions in sorted(t.get("symbol_versions", {}).items()):
        lines.append(f"  symbol versions ({'every architecture' if arch == '*' else arch}): {', '.join(versions)}")
    for arch, loaders in sorted(t.get("interpreters", {}).items()):
        lines.append(f"  interpreters ({arch}): {', '.join(loaders)}")
    refused = t.get("dlopen_refuses_stack", ["X"])
    lines.append(f"  dlopen of an executable-stack library: {'refused' if refused else 'allowed'}")
    return "\n".join(lines) + "\n"


def _artifacts_json(artifacts: list[dict]) -> str:
    return json.dumps({"version": 1, "artifacts": artifacts}, indent=2) + "\n"


def _artifacts_text(report: TargetReport) -> str:
    families = {p.name: p.family for p in report.profiles}
    out = []
    for r in report.artifacts:
        out.append(r["path"])
        if r["not_linux"]:
            out.append(f"  no Linux target: {r['not_linux']}")
            continue
        for family in POLICY_FAMILIES:
            out.append(f"  {family}: {r[family] or 'none'}")
        others = [n for n in r["satisfied"] if families[n] not in POLICY_FAMILIES]
        out.append(f"  other targets: {', '.join(others) or 'none'}")
    return "\n".join(out) + "\n"
