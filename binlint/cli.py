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
from binlint.formats.members import Limits
from binlint.errors import BinlintError
from binlint.report import FORMATS

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if hasattr(args, "config"):
            args = apply_config(parser, args, argv)
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


def entry() -> None:
    """The `binlint` command: main(), then leave without tearing the interpreter down. Freeing
    every object of a large check one by one costs 8 ms, which the system does at once; the
    streams are flushed first, and nothing else of binlint's waits for the exit."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # a reader that left, or a stream already closed
        code = code or EXIT_ERROR
    os._exit(code)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="binlint", description="Lint ELF and Mach-O build artifacts for what makes them fail on users' machines.")
    parser.add_argument("-V", "--version", action="version", version=f"binlint {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    check = commands.add_parser("check", help="lint files and directories")
    check.add_argument("paths", nargs="+", metavar="PATH", help="files or directories (searched recursively)")
    check.add_argument("--format", choices=FORMATS, default="text",
                       help="report format (text): text is one line per finding, full adds the evidence and the "
                            "rule's help link, github writes workflow commands that annotate a GitHub Actions run, "
                            "gitlab GitLab's Code Quality report, junit JUnit XML for any CI's test results")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout (- is stdout)")
    check.add_argument("--fail-on", choices=("error", "warning", "note"), default="error",
                       help="exit 1 when a finding is at least this severe (error)")
    check.add_argument("--glibc", metavar="X.Y", help="oldest glibc the artifacts must load with, e.g. 2.17")
    check.add_argument("--macos", metavar="X.Y", help="oldest macOS the artifacts must load on, e.g. 10.13")
    check.add_argument("--kernel", metavar="X.Y",
                       help="oldest Linux kernel the artifacts must run on, e.g. 5.4, or as `uname -r` prints it "
                            "(5.15.0-91-generic: its numeric prefix counts): sets the longest #! line accepted "
                            "(255 bytes from 5.1; 127 without --kernel)")
    check.add_argument("--target", action="append", dest="target", default=[], metavar="NAME",
                       help="check against this target profile, e.g. manylinux_2_17, debian-12, rhel-9 (repeatable: "
                            "each is checked on its own; `binlint targets` lists them); --glibc and --kernel "
                            "override the profiles' values")
    add_targets_file_option(check, checks=True)
    check.add_argument("--prefer-wheel-tags", action="store_true",
                       help="let a wheel's platform tags override --glibc and the other targets for its members")
    add_archive_options(check)
    for flag, meaning in (("--select", "run only these rules (ids, groups or ALL) instead of the default set"),
                          ("--extend-select", "also run these rules or groups, e.g. an opt-in group"),
                          ("--ignore", "do not run these rules or groups")):
        check.add_argument(flag, action=_Replace if flag == "--select" else "append", default=[], metavar="RULES",
                           type=_comma_list, help=meaning + "; comma-separated, repeatable")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the text report (auto: only on a terminal, and not when NO_COLOR is set)")
    add_rules_option(check)
    check.add_argument("--statistics", action="store_true",
                       help="print one line per rule with its number of findings instead of the findings "
                            "(with --format text, full or json)")
    check.add_argument("--exit-zero", action="store_true",
                       help="exit 0 even when there are findings (errors still exit 2)")
    check.add_argument("--baseline", metavar="FILE",
                       help="report only findings that the baseline FILE does not record")
    check.add_argument("--write-baseline", metavar="FILE",
                       help="record every finding of this run in the baseline FILE, report nothing, and exit 0")
    check.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N",
                       help="use at most N processes (default: one per CPU, up to 8 within one archive, where "
                            "it pays); the report is the same for any N")
    check.add_argument("--allow-empty", action="store_true",
                       help="exit 0 when the paths hold no file to check (by default that is an error: a build "
                            "that produced nothing must not pass)")
    check.add_argument("--no-progress", dest="progress", action="store_false",
                       help="no progress line (it is only ever shown on a terminal, not in CI, for long scans)")
    add_config_option(check)
    # Settings only the configuration gives (docs/configuration.md).
    check.set_defaults(run=run_check, severity={}, per_path_ignores={}, suppress=[], exclude=[])

    rules = commands.add_parser("rules", help="list every rule, one line each")
    add_rules_option(rules)
    add_config_option(rules)
    rules.set_defaults(run=run_rules)

    rule = commands.add_parser("rule", help="show one rule's full help")
    rule.add_argument("id", metavar="RULE", help="a rule id, e.g. executable-stack")
    add_rules_option(rule)
    add_config_option(rule)
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
    facts.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout (- is stdout)")
    add_archive_options(facts)
    add_config_option(facts)
    facts.set_defaults(run=run_facts)
    return parser


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, with the terminal's width found as shutil finds it but without
    importing shutil: argparse makes a formatter for every option added, and shutil's imports
    cost every run 3 ms."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, width or _terminal_columns() - 2)


def _terminal_columns() -> int:
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


class _Parser(argparse.ArgumentParser):
    """Subcommands' parsers are of the same class, so they use the formatter too."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of processes, 1 or more, not {text!r}")
    return value


def _comma_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class _Replace(argparse.Action):
    """A repeatable list option whose first use on the command line replaces the value the
    configuration set (--select), where plain "append" would add to it."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        current = getattr(namespace, self.dest)
        setattr(namespace, self.dest, [*([] if current is self.default else current), values])


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE",
                        help="read the configuration from FILE (binlint.toml, or pyproject.toml's [tool.binlint]) "
                             "instead of looking for one from the working directory upwards")
    parser.add_argument("--no-config", action="store_true", help="read no configuration file")
    parser.set_defaults(config_root=None, config_file=None)


def apply_config(parser: argparse.ArgumentParser, args: argparse.Namespace,
                 argv: Sequence[str] | None) -> argparse.Namespace:
    """`args` parsed again with the configuration file's values as defaults, so that a flag
    given on the command line wins and each setting takes one code path."""
    from binlint import config

    if args.no_config:
        if args.config:
            raise BinlintError("--config and --no-config exclude each other")
        return args
    path = args.config or config.find()
    if path is None:
        return args
    if args.config and not os.path.isfile(path):
        raise BinlintError(f"configuration file not found: {path}")
    loaded = config.load(path)
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    [command] = [sub for sub in commands.choices.values() if sub.get_default("run") is args.run]
    values = config.defaults(loaded, {a.dest: a for a in command._actions}, strict=args.run is run_check)
    command.set_defaults(config_root=loaded.root, config_file=config.display(path), **values)
    return parser.parse_args(argv)


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


def add_targets_file_option(parser: argparse.ArgumentParser, checks: bool = False) -> None:
    parser.add_argument("--targets-file", action="append", default=[], metavar="FILE",
                        help="also load the target profiles in FILE (.toml or .json) or in the files of a "
                             "directory (repeatable; docs/targets.md describes the format)"
                             + ("; without --target, check against every profile they define" if checks else ""))


def add_rules_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", action="append", default=[], metavar="DIR",
                        help="also load the rule files in DIR (repeatable)")


def run_check(args: argparse.Namespace) -> int:
    from binlint.walk.discover import discover
    from binlint.engine import Options
    from binlint.report import STATISTICS_FORMATS, Run, render
    from binlint.rules import SEVERITIES, load_rules, override_severities, select_rules
    from binlint.rules.targets import make_target

    if args.statistics and args.format not in STATISTICS_FORMATS:
        raise BinlintError(f"--statistics works with --format {', '.join(STATISTICS_FORMATS)}, not {args.format}")
    target = make_target(glibc=args.glibc, macos=args.macos, kernel=args.kernel)
    named: tuple = ()
    if args.target:  # each profile, with the explicit values overriding its own
        from binlint.rules import profiles

        chosen = profiles.resolve(args.target, profiles.load(args.targets_file))
        named = tuple((p.name, {**p.target, **target}) for p in chosen)
    elif args.targets_file:  # your own profiles and no --target: check against each of them
        named = tuple((p.name, {**p.target, **target}) for p in own_profiles(args.targets_file))
    loaded = load_rules(args.rules)
    try:
        loaded, off = override_severities(loaded, args.severity)
    except BinlintError as err:  # only the configuration sets severities
        raise BinlintError(f"{args.config_file}: {err}") from None
    rules = select_rules(loaded, *(sum(lists, []) for lists in (args.select, args.extend_select, [*args.ignore, off])))
    filters = path_filters(args, loaded)
    root = args.config_root or os.getcwd()
    artifacts = excluded(discover(args.paths), args.paths, args.exclude, root)
    if not artifacts and not args.allow_empty:
        raise BinlintError(nothing_to_check(args.paths, bool(args.exclude)))
    findings = scan(artifacts, rules, Options(target, args.prefer_wheel_tags, limits(args), named, args.jobs),
                    args.progress)
    findings, suppressed = filtered(findings, loaded, filters, root)
    if args.write_baseline:
        from binlint.report.baseline import write as write_baseline
        count = write_baseline(args.write_baseline, findings)
        print(f"binlint: recorded {count} finding{'s' if count != 1 else ''} in {args.write_baseline}",
              file=sys.stderr)
        return EXIT_CLEAN
    baselined = 0
    if args.baseline:
        from binlint.report.baseline import read, split
        findings, old = split(findings, args.baseline, read(args.baseline))
        baselined = len(old)
        if baselined and args.format == "sarif":
            print(f"binlint: {baselined} finding{'s' if baselined != 1 else ''} recorded in {args.baseline} "
                  "left out", file=sys.stderr)
    color = args.color == "always" or (
        args.color == "auto" and args.output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    names = tuple(sorted(name for name, _ in named))
    run = Run(findings, rules, len(artifacts), target, color, suppressed, baselined, names)
    write(render(args.format, run, args.statistics), args.output)
    threshold = SEVERITIES.index(args.fail_on)
    failed = any(SEVERITIES.index(f.severity) <= threshold for f in findings)
    return EXIT_FINDINGS if failed and not args.exit_zero else EXIT_CLEAN


def own_profiles(files: list[str]) -> list:
    """The profiles the targets files define (not the built-in ones), each once."""
    from binlint.rules import profiles

    found = {p.name: p for p in profiles.load(files).values() if os.path.dirname(p.source) != profiles.HERE}
    if not found:
        raise BinlintError(f"--targets-file {' '.join(files)} defines no target profile")
    return [found[name] for name in sorted(found)]


def nothing_to_check(paths: list[str], excludes: bool) -> str:
    """Why an empty scan is an error: a CI job whose build wrote nothing must not pass."""
    where = " ".join(paths)
    left = " once the configuration's exclude globs are applied" if excludes else ""
    return (f"nothing to check: {where} holds no file{left} (did the build produce nothing? "
            "--allow-empty, or allow-empty = true in the configuration, accepts an empty scan)")


def scan(artifacts: list, rules: list, options: object, progress: bool) -> list:
    """engine.check over `artifacts`; on a terminal, in slices, drawing a progress line. The
    findings (and the choice to fork) are the same either way."""
    from binlint import progress as progress_line
    from binlint.engine import PARALLEL_MIN, check
    from binlint.report.finding import finding_order

    if not progress or len(artifacts) < 2 or not progress_line.wanted():
        return check(artifacts, rules, options)
    jobs = (options.jobs or os.cpu_count() or 1) if len(artifacts) >= PARALLEL_MIN else 1  # type: ignore[attr-defined]
    step = max(32, -(-len(artifacts) // 40))
    line = progress_line.Progress(len(artifacts))
    findings = []
    try:
        for start in range(0, len(artifacts), step):
            findings += check(artifacts[start:start + step], rules, options, jobs)
            line.update(min(start + step, len(artifacts)))
    finally:
        line.close()
    return sorted(findings, key=finding_order)


def excluded(artifacts: list, paths: list[str], globs: list[str], root: str) -> list:
    """`artifacts` without the files found in directories that an `exclude` glob matches;
    a file named on the command line is always checked."""
    if not globs:
        return artifacts
    from binlint.config import finding_paths, glob_matches

    named = set(paths)
    return [a for a in artifacts if a.fs_path in named or
            not any(glob_matches(g, finding_paths(a.fs_path, (), root)) for g in globs)]


def path_filters(args: argparse.Namespace, rules: list) -> tuple[list, list]:
    """The configuration's per-path-ignores and suppressions as (glob, rule ids and groups)
    pairs, checked against the rules before the scan starts."""
    names = {"ALL"} | {r.id for r in rules} | {r.group for r in rules}

    def known(selector: str, where: str) -> str:
        if selector not in names:
            raise BinlintError(f"{args.config_file}: unknown rule or group {selector!r} in {where} "
                               "(see `binlint rules`)")
        return selector

    ignores = [(glob, {known(s, f"per-path-ignores {glob!r}") for s in selectors})
               for glob, selectors in args.per_path_ignores.items()]
    suppressions = [(entry["path"], {known(entry["rule"], "suppress")}) for entry in args.suppress]
    return ignores, suppressions


def filtered(findings: list, rules: list, filters: tuple[list, list], root: str) -> tuple[list, int]:
    """`findings` without those per-path-ignores leave out and those suppressed, which are
    counted."""
    ignores, suppressions = filters
    if not ignores and not suppressions:
        return findings, 0
    from binlint.config import finding_paths, glob_matches

    groups = {r.id: r.group for r in rules}
    kept, suppressed = [], 0
    for f in findings:
        names = {"ALL", f.rule, groups.get(f.rule)}
        paths = finding_paths(f.location, f.members, root)
        if any(names & selectors and glob_matches(glob, paths) for glob, selectors in ignores):
            continue
        if any(names & selectors and glob_matches(glob, paths) for glob, selectors in suppressions):
            suppressed += 1
            continue
        kept.append(f)
    return kept, suppressed


def run_targets(args: argparse.Namespace) -> int:
    from binlint.report.targets import run

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
    from binlint.rules.docs import help_text
    from binlint.rules import load_rules

    rules = {r.id: r for r in load_rules(args.rules)}
    if args.id not in rules:
        raise BinlintError(f"unknown rule {args.id!r} (see `binlint rules`)")
    print(help_text(rules[args.id]), end="")
    return EXIT_CLEAN


def run_facts(args: argparse.Namespace) -> int:
    from binlint.facts.documents import documents
    from binlint.walk.discover import discover

    found = documents(discover(args.paths), limits(args))
    write(json.dumps({"version": 1, "artifacts": found}, indent=2, ensure_ascii=False) + "\n", args.output)
    return EXIT_CLEAN


def write(text: str, output: str | None) -> None:
    """The report to `output`, or to standard output. A file is written whole or not at all:
    into a temporary file beside it, renamed over the target once complete, so a full disk
    leaves the last good report in place, not a truncated one."""
    if output is None or output == "-":  # `-o -`: standard output, as other tools read it
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as err:  # > /dev/full, a closed terminal
            raise BinlintError(f"cannot write the report to standard output: {err.strerror or err}") from None
        return
    import stat
    import tempfile

    temporary = None
    try:
        try:
            existing: int | None = os.stat(output).st_mode
        except FileNotFoundError:
            existing = None
        if existing is not None and not stat.S_ISREG(existing):  # /dev/stdout, a pipe: written as it is
            with open(output, "w", encoding="utf-8") as f:
                f.write(text)
            return
        mode = stat.S_IMODE(existing) if existing is not None else _new_file_mode()
        target = os.path.realpath(output)  # a link to the report is kept, and its target replaced
        fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp",
                                         dir=os.path.dirname(target))
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
        temporary = None
    except OSError as err:
        raise BinlintError(f"cannot write {output}: {err.strerror or err}") from None
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass


def _new_file_mode() -> int:
    """What open() gives a new file (0666 less the umask): mkstemp's own 0600 would hide the
    report from the rest of a team."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
