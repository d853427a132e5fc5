"""`binlint targets`: list the target profiles, show some in full, or tell which profiles
artifacts satisfy (the check, with the rules that compare with what a profile promises).
binlint/report/targets.py renders the answer."""
from __future__ import annotations

import argparse
import os

from binlint.cli.arguments import add_archive_options, add_targets_file_option, limits, start_collecting
from binlint.cli.exitcodes import EXIT_CLEAN, EXIT_FINDINGS
from binlint.cli.output import write
from binlint.errors import BinlintError
from binlint.report import TARGET_FORMATS, render_targets

TYPE_CHECKING = False
if TYPE_CHECKING:
    from binlint.facts import FileView
    from binlint.formats.members import Limits
    from binlint.rules.profiles import Profile
    from binlint.walk.discover import Artifact

# Target keys that change how a finding is reported, not whether an artifact loads.
_PRESENTATION = frozenset({"shebang_limit", "dlopen_refuses_stack"})


def add_parser(commands: argparse._SubParsersAction) -> None:
    targets = commands.add_parser(
        "targets", help="list the target profiles, show one, or tell which ones artifacts satisfy",
        description="Without arguments: list every target profile. With profile names: show what each promises. "
                    "With paths: for each artifact, the most portable manylinux and musllinux policies and the "
                    "other profiles it satisfies (exit 1 when an artifact satisfies none).")
    targets.add_argument("items", nargs="*", metavar="NAME|PATH")
    targets.add_argument("--format", choices=TARGET_FORMATS, default="text", help="output format (text)")
    add_targets_file_option(targets)
    add_archive_options(targets)
    targets.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Exit 1 when an artifact satisfies no profile."""
    from binlint.report.targets import TargetReport  # here: building the parser imports this module
    from binlint.rules import profiles as profile_files

    profiles = profile_files.load(args.targets_file)
    start_collecting()
    report = TargetReport(_unique(profiles))
    if args.items:
        named = [n for n in args.items if not os.path.exists(n)]
        if named and len(named) == len(args.items):
            report = report._replace(named=profile_files.resolve(named, profiles))
        elif named:
            raise BinlintError(f"no such file or directory: {named[0]}")
        else:
            report = report._replace(artifacts=satisfied(args.items, profiles, limits(args)))
    write(render_targets(args.format, report), None)
    return EXIT_CLEAN if all(r["satisfied"] for r in report.artifacts or ()) else EXIT_FINDINGS


def _unique(profiles: dict[str, Profile]) -> list[Profile]:
    """Each profile once: `profiles` holds each under its name and its aliases."""
    return list({p.name: p for p in profiles.values()}.values())


def satisfied(paths: list[str], profiles: dict[str, Profile], limits: Limits) -> list[dict]:
    """For each artifact, the profiles it satisfies: no error of a rule that compares with
    what the profile promises, nor of a portability rule that fails on every system. The
    manylinux and musllinux policies reported are the most portable ones satisfied (auditwheel's answer). An artifact with no Linux code in it
    (a pure or macOS wheel, a Mach-O file, a tarball of scripts) satisfies none: binlint
    never calls a target satisfied that it did not check."""
    from binlint.walk.discover import discover
    from binlint.engine import Options, check
    from binlint.report.targets import POLICY_FAMILIES
    from binlint.rules import load_rules

    # The rules that compare with what a profile promises, and the portability rules that
    # need no target because no system passes them (GLIBC_PRIVATE, PyFPE_jbuf, a loader path
    # of the build machine): auditwheel refuses every policy for those too.
    rules = [r for r in load_rules() if r.targets - _PRESENTATION or r.group == "portability"]
    chosen = _unique(profiles)
    artifacts = discover(paths)
    options = Options(targets=tuple(p.target for p in chosen), limits=limits)
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
    return results


def _bounds_versions(profile: Profile) -> bool:
    return "symbol_versions" in profile.target.values


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

    hashes_wheel_members = False  # no fact of RECORD's is read here

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
