"""`binlint facts`: the facts rules see, of each file and of its members, as JSON (for rule
authors)."""
from __future__ import annotations

import argparse

from binlint.cli.arguments import add_archive_options, add_config_option, add_debug_dir_option, limits, start_collecting
from binlint.cli.exitcodes import EXIT_CLEAN
from binlint.cli.output import write


def add_parser(commands: argparse._SubParsersAction) -> None:
    facts = commands.add_parser("facts", help="print the facts rules see, as JSON (for rule authors)")
    facts.add_argument("paths", nargs="+", metavar="PATH")
    facts.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout (- is stdout)")
    add_archive_options(facts)
    add_debug_dir_option(facts)
    add_config_option(facts)
    facts.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import json

    from binlint.facts.documents import documents
    from binlint.walk.discover import discover

    start_collecting()
    found = documents(discover(args.paths), limits(args, args.debug_dir))
    write(json.dumps({"version": 1, "artifacts": found}, indent=2, ensure_ascii=False) + "\n", args.output)
    return EXIT_CLEAN
