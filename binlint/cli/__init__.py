"""The command line: `binlint check|rules|rule|targets|facts`, one module per command, each
with its parser and the function that runs it. The only place that maps errors to exit codes.

Every command imports the engine, the rules and the facts inside the function that runs it,
not at the top of its module: building the parser imports every command, and those cost
more than 10 ms that `--version`, `--help` and a usage error would pay."""
from __future__ import annotations

import argparse
import gc
import os
import sys

from binlint import __version__, config
from binlint.cli import cache, check, facts, rules, targets
from binlint.cli.arguments import Parser
from binlint.cli.exitcodes import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS
from binlint.errors import BinlintError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Sequence

__all__ = ["EXIT_CLEAN", "EXIT_ERROR", "EXIT_FINDINGS", "build_parser", "entry", "main"]


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
    streams are flushed first, and nothing else of binlint's waits for the exit.

    Start-up runs without the cyclic garbage collector: its objects (modules, classes, the
    rules) live to the exit, and collecting among them cost a one-file check 4% of its
    instructions. Each command enables it before it walks (arguments.start_collecting)."""
    gc.disable()
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # a reader that left, or a stream already closed
        code = code or EXIT_ERROR
    os._exit(code)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="binlint", description="Lint ELF and Mach-O build artifacts for what makes them fail on users' machines.")
    parser.add_argument("-V", "--version", action="version", version=f"binlint {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    check.add_parser(commands)
    rules.add_parsers(commands)
    targets.add_parser(commands)
    facts.add_parser(commands)
    cache.add_parser(commands)
    return parser


def apply_config(parser: argparse.ArgumentParser, args: argparse.Namespace,
                 argv: Sequence[str] | None) -> argparse.Namespace:
    """`args` parsed again with the configuration file's values as defaults, so that a flag
    given on the command line wins and each setting takes one code path."""
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
    values = config.defaults(loaded, {a.dest: a for a in command._actions}, strict=args.run is check.run)
    command.set_defaults(config_root=loaded.root, config_file=config.shown_path(path), **values)
    return parser.parse_args(argv)
