"""The command line: `binlint check|rules|rule|targets|facts`. The only place that maps errors to exit codes."""
from __future__ import annotations

import argparse
import json
import os
import sys
TYPE_CHECKING = False  # typing costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from typing import Sequence

    from binlint.facts import FileView

from binlint import __version__
from binlint.archives.members import Limits
from binlint.errors import BinlintError

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except BinlintError as err:
        print(f"binlint: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as err:  # a bug: say so in one line, traceback only on request
        if os.environ.get("BINLINT_DEBUG"):
            raise
        print(f"binlint: internal error: {type(err).__name__}: {err} "
              "(set BINLINT_DEBUG=1 for a traceback, and please report it)", file=sys.stderr)
        return EXIT_ERROR


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="binlint", description="Lint ELF and Mach-O build artifacts for what makes them fail on users' machines.")
    parser.add_argument("--version", action="version", version=f"binlint {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    check = commands.add_parser("check", help="lint files and directories")
    check.add_argument("paths", nargs="+", metavar="PATH", help="files or directories (searched recursively)")
    check.add_argument("--format", choices=("text", "json", "sarif"), default="text", help="report format (text)")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    check.add_argument("--fail-on", choices=("error", "warning", "note"), default="error",
                       help="exit 1 when a finding is at least this severe (error)")
    check.add_argument("--glibc", metavar="X.Y", help="oldest glibc the artifacts must load with, e.g. 2.17")
    check.add_argument("--kernel", metavar="X.Y",
                       help="oldest Linux kernel the artifacts must run on, e.g. 5.4: sets the longest #! line "
                            "accepted (255 bytes from 5.1; 127 without --kernel)")
    check.add_argument("--target", action="append", dest="target", default=[], metavar="NAME",
                       help="check against this target profile, e.g. manylinux_2_17, debian-12, rhel-9 (repeatable: "
                            "each is checked on its own; `binlint targets` lists them); --glibc and --kernel "
                            "override the profiles' values")
    add_targets_file_option(check)
    check.add_argument("--prefer-wheel-tags", action="store_true",
                       help="let a wheel's platform tags override --glibc and the other targets for its members")
    add_archive_options(check)
    for flag, meaning in (("--select", "run only these rules (ids, groups or ALL) instead of the default set"),
                          ("--extend-select", "also run these rules or groups, e.g. an opt-in group"),
                          ("--ignore", "do not run these rules or groups")):
        check.add_argument(flag, action="append", default=[], metavar="RULES", type=_comma_list,
                           help=meaning + "; comma-separated, repeatable")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the text report (auto: only on a terminal, and not when NO_COLOR is set)")
    add_rules_option(check)
    check.set_defaults(run=run_check)

    rules = commands.add_parser("rules", help="list every rule, one line each")
    add_rules_option(rules)
    rules.set_defaults(run=run_rules)

    rule = commands.add_parser("rule", help="show one rule's full help")
    rule.add_argument("id", metavar="RULE", help="a rule id, e.g. executable-stack")
    add_rules_option(rule)
    rule.set_defaults(run=run_rule)

    targets = commands.add_parser(
        "targets", help="list the target profiles, show one, or tell which ones artifacts satisfy",
        description="Without arguments: list every target profile. With profile names: show what each promises. "
                    "With paths: for each artifact, the most portable manylinux and musllinux policies and the "
                    "other profiles it satisfies (exit 1 when an artifact satisfies none).")
    targets.add_argument("items", nargs="*", metavar="NAME|PATH")
    targets.add_argument("--format", choices=("text", "json"), default="text", help="output format (text)")
    add_targets_file_option(targets)
    add_archive_options(targets)
    targets.set_defaults(run=run_targets)

    facts = commands.add_parser("facts", help="print the facts rules see, as JSON (for rule authors)")
    facts.add_argument("paths", nargs="+", metavar="PATH")
    facts.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    add_archive_options(facts)
    facts.set_defaults(run=run_facts)
    return parser


def _comma_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def add_archive_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-depth", type=int, default=4, metavar="N",
                        help="read members of archives nested at most N deep (4)")
    parser.add_argument("--max-member-size", type=int, default=1024, metavar="MIB",
                        help="read at most MIB mebibytes of one archive member (1024); larger ones are "
                             "reported, not read, so a zip bomb cannot exhaust memory")


def limits(args: argparse.Namespace) -> Limits:
    if args.max_depth < 0 or args.max_member_size <= 0:
        raise BinlintError("--max-depth must be 0 or more, --max-member-size more than 0")
    member = args.max_member_size << 20
    return Limits(args.max_depth, member, max(member, Limits().total_bytes))


def add_targets_file_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--targets-file", action="append", default=[], metavar="FILE",
                        help="also load the target profiles in FILE (.toml or .json) or in the files of a "
                             "directory (repeatable; docs/targets.md describes the format)")


def add_rules_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", action="append", default=[], metavar="DIR",
                        help="also load the rule files in DIR (repeatable)")


def run_check(args: argparse.Namespace) -> int:
    from binlint.discover import discover
    from binlint.engine import Options, check
    from binlint.report import Run, render
    from binlint.rules import SEVERITIES, load_rules, select_rules
    from binlint.targets import make_target

    target = make_target(glibc=args.glibc, kernel=args.kernel)
    named: tuple = ()
    if args.target:  # each profile, with the explicit values overriding its own
        from binlint import profiles

        chosen = profiles.resolve(args.target, profiles.load(args.targets_file))
        named = tuple((p.name, {**p.target, **target}) for p in chosen)
    rules = select_rules(load_rules(args.rules), *(sum(lists, []) for lists in
                                                   (args.select, args.extend_select, args.ignore)))
    artifacts = discover(args.paths)
    findings = check(artifacts, rules, Options(target, args.prefer_wheel_tags, limits(args), named))
    color = args.color == "always" or (
        args.color == "auto" and args.output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    names = tuple(sorted(name for name, _ in named))
    write(render(args.format, Run(findings, rules, len(artifacts), target, color, names)), args.output)
    threshold = SEVERITIES.index(args.fail_on)
    return EXIT_FINDINGS if any(SEVERITIES.index(f.severity) <= threshold for f in findings) else EXIT_CLEAN


def run_targets(args: argparse.Namespace) -> int:
    from binlint.targetreport import run

    report, ok = run(args.items, args.targets_file, limits(args), args.format)
    write(report, None)
    return EXIT_CLEAN if ok else EXIT_FINDINGS


def run_rules(args: argparse.Namespace) -> int:
    from binlint.rules import load_rules

    rows = [(r.id, r.severity, r.group + ("" if r.default else " (opt-in)"), r.summary)
            for r in load_rules(args.rules)]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
    return EXIT_CLEAN


def run_rule(args: argparse.Namespace) -> int:
    from binlint.docs import help_text
    from binlint.rules import load_rules

    rules = {r.id: r for r in load_rules(args.rules)}
    if args.id not in rules:
        raise BinlintError(f"unknown rule {args.id!r} (see `binlint rules`)")
    print(help_text(rules[args.id]), end="")
    return EXIT_CLEAN


def run_facts(args: argparse.Namespace) -> int:
    from binlint.discover import discover
    from binlint.facts import FileView

    documents: list[dict] = []
    for artifact in discover(args.paths):
        facts_of(FileView.of_file(artifact, (), limits(args)), documents)
    write(json.dumps({"version": 1, "artifacts": documents}, indent=2, ensure_ascii=False) + "\n", args.output)
    return EXIT_CLEAN


def facts_of(view: FileView, documents: list[dict]) -> None:
    """The facts of `view` and of its members, depth first, as rules see them."""
    from binlint.engine import member_views
    from binlint.errors import ArtifactError
    from binlint.facts.catalogue import plain

    document: dict = {"path": view.path}
    documents.append(document)
    try:
        view.open()
        container = view.container()
        if container is not None and view.depth < view.limits.max_depth:
            for member_view in member_views(view, container, ()):
                facts_of(member_view, documents)
        document["facts"] = {name: plain(view.get(name)) for name in view.names()}
    except Exception as err:  # as in `check`: a hostile file costs its own facts, never the run
        view.fail(str(err) if isinstance(err, ArtifactError) else
                  f"internal error while reading: {type(err).__name__}: {err}")
        document["facts"] = {name: view.get(name) for name in view.names() if name.startswith("file.")}
    finally:
        view.close()


def write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as err:
        raise BinlintError(f"cannot write {output}: {err.strerror or err}") from None
