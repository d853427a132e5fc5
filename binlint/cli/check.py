"""`binlint check`: lint files and directories, report the findings in the chosen format,
and exit by the most severe one."""
from __future__ import annotations

import argparse
import os
import sys

from binlint.cli.cache import add_cache_options, cache_of
from binlint.cli.arguments import (Replace, add_archive_options, add_config_option, add_debug_dir_option,
                                   add_rules_option, add_targets_file_option, comma_list, jobs, limits,
                                   start_collecting)
from binlint.cli.exitcodes import EXIT_CLEAN, EXIT_FINDINGS
from binlint.cli.filters import excluded, filtered, path_filters
from binlint.cli.output import write
from binlint.errors import BinlintError
from binlint.remote import discover_paths, is_url
from binlint.report import FOLDER_FORMATS, FORMATS, REPORTERS, STATISTICS_FORMATS


def add_parser(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser("check", help="lint files and directories")
    check.add_argument("paths", nargs="+", metavar="PATH", help="files or directories (searched recursively)")
    check.add_argument("--format", choices=(*FORMATS, *FOLDER_FORMATS), default="text",
                       help="report format (text): " + ", ".join(r.help for r in REPORTERS.values() if r.help))
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
    add_debug_dir_option(check)
    for flag, meaning in (("--select", "run only these rules (ids, groups or ALL) instead of the default set"),
                          ("--extend-select", "also run these rules or groups, e.g. an opt-in group"),
                          ("--ignore", "do not run these rules or groups")):
        check.add_argument(flag, action=Replace if flag == "--select" else "append", default=[], metavar="RULES",
                           type=comma_list, help=meaning + "; comma-separated, repeatable")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the text report (auto: only on a terminal, and not when NO_COLOR is set)")
    add_rules_option(check)
    check.add_argument("--statistics", action="store_true",
                       help="print one line per rule with its number of findings instead of the findings "
                            f"(with --format {', '.join(STATISTICS_FORMATS[:-1])} or {STATISTICS_FORMATS[-1]})")
    check.add_argument("--exit-zero", action="store_true",
                       help="exit 0 even when there are findings (errors still exit 2)")
    check.add_argument("--baseline", metavar="FILE",
                       help="report only findings that the baseline FILE does not record")
    check.add_argument("--write-baseline", metavar="FILE",
                       help="record every finding of this run in the baseline FILE, report nothing, and exit 0")
    check.add_argument("--jobs", "-j", type=jobs, default=None, metavar="N",
                       help="use at most N processes (default: one per CPU, up to 8 within one archive, where "
                            "it pays); the report is the same for any N")
    check.add_argument("--dask", action="store_true",
                       help="spread the check over a local Dask cluster of --jobs worker processes (default one per "
                            "CPU; pip install 'binlint[dask]'); the report is the same")
    check.add_argument("--scheduler", metavar="ADDRESS",
                       help="spread the check over the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786); "
                            "its workers read the artifacts by the same paths or URLs")
    check.add_argument("--allow-empty", action="store_true",
                       help="exit 0 when the paths hold no file to check (by default that is an error: a build "
                            "that produced nothing must not pass)")
    check.add_argument("--no-progress", dest="progress", action="store_false",
                       help="no progress line (it is only ever shown on a terminal, not in CI, for long scans)")
    add_cache_options(check)
    add_config_option(check)
    # Settings only the configuration gives (docs/configuration.md).
    check.set_defaults(run=run, severity={}, per_path_ignores={}, suppress=[], exclude=[])


def run(args: argparse.Namespace) -> int:
    from binlint.engine import Options
    from binlint.report import render
    from binlint.report.finding import Run
    from binlint.rules import SEVERITIES, load_rules, override_severities, select_rules
    from binlint.rules.targets import chosen, from_flags

    if args.statistics and args.format not in STATISTICS_FORMATS:
        raise BinlintError(f"--statistics works with --format {', '.join(STATISTICS_FORMATS)}, not {args.format}")
    if REPORTERS[args.format].folder and args.output in (None, "-"):
        raise BinlintError(f"--format {args.format} writes a folder of partitions: give it with --output DIR")
    given = from_flags(glibc=args.glibc, macos=args.macos, kernel=args.kernel)
    targets = chosen(given, args.target, args.targets_file)
    loaded = load_rules(args.rules)
    try:
        loaded, off = override_severities(loaded, args.severity)
    except BinlintError as err:  # only the configuration sets severities
        raise BinlintError(f"{args.config_file}: {err}") from None
    rules = select_rules(loaded, *(sum(lists, []) for lists in (args.select, args.extend_select, [*args.ignore, off])))
    filters = path_filters(args, loaded)
    start_collecting()
    root = args.config_root or os.getcwd()
    artifacts = excluded(discover_paths(args.paths), args.paths, args.exclude, root)
    if not artifacts and not args.allow_empty:
        raise BinlintError(nothing_to_check(args.paths, bool(args.exclude)))
    options = Options(targets, args.prefer_wheel_tags, limits(args, args.debug_dir), args.jobs, cache_of(args, loaded))
    if args.dask or args.scheduler:
        from binlint.distributed import check_on_cluster

        findings = check_on_cluster(artifacts, rules, options, args.scheduler, args.progress)
    else:
        findings = scan(artifacts, rules, options, args.progress)
    if any(is_url(a.fs_path) for a in artifacts):
        from binlint.remote.ranged import TRANSFERS

        print(f"binlint: {TRANSFERS.summary()}", file=sys.stderr)
    findings, suppressed = filtered(findings, loaded, filters, root)
    if args.write_baseline:
        from binlint.report import baseline  # here and below: a run without a baseline spares the import

        count = baseline.write(args.write_baseline, findings)
        print(f"binlint: recorded {count} finding{'s' if count != 1 else ''} in {args.write_baseline}",
              file=sys.stderr)
        return EXIT_CLEAN
    baselined = 0
    if args.baseline:
        from binlint.report import baseline

        findings, old = baseline.split(findings, args.baseline, baseline.read(args.baseline))
        baselined = len(old)
        if baselined and args.format == "sarif":
            print(f"binlint: {baselined} finding{'s' if baselined != 1 else ''} recorded in {args.baseline} "
                  "left out", file=sys.stderr)
    color = args.color == "always" or (
        args.color == "auto" and args.output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    names = tuple(sorted(t.name for t in targets if t.name is not None))
    checked = Run(findings, rules, len(artifacts), given, color, suppressed, baselined, names)
    if REPORTERS[args.format].folder:
        from binlint.report import write_folder

        parts = write_folder(args.format, checked, args.output)
        print(f"binlint: {len(findings)} finding{'s' if len(findings) != 1 else ''} in {parts} "
              f"partition{'s' if parts != 1 else ''} in {args.output}", file=sys.stderr)
    else:
        write(render(args.format, checked, args.statistics), args.output)
    threshold = SEVERITIES.index(args.fail_on)
    failed = any(SEVERITIES.index(f.severity) <= threshold for f in findings)
    return EXIT_FINDINGS if failed and not args.exit_zero else EXIT_CLEAN


def nothing_to_check(paths: list[str], excludes: bool) -> str:
    """Why an empty scan is an error: a CI job whose build wrote nothing must not pass."""
    where = " ".join(paths)
    left = " once the configuration's exclude globs are applied" if excludes else ""
    return (f"nothing to check: {where} holds no file{left} (did the build produce nothing? "
            "--allow-empty, or allow-empty = true in the configuration, accepts an empty scan)")


def scan(artifacts: list, rules: list, options: object, progress: bool) -> list:
    """engine.check over `artifacts`; on a terminal, in slices, drawing a progress line. The
    findings (and the choice to fork) are the same either way."""
    from binlint.engine import check, processes
    from binlint.report.finding import finding_order

    if not progress or len(artifacts) < 2:  # before importing the progress line: one file never draws it
        return check(artifacts, rules, options)
    from binlint.cli import progress as progress_line

    if not progress_line.wanted():
        return check(artifacts, rules, options)
    jobs = processes(artifacts, options)
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
