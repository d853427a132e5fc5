"""What the commands' parsers share: the parser class, option types, and the options more
than one command takes."""
from __future__ import annotations

import argparse
import gc
import os
import sys

from binlint.errors import BinlintError
from binlint.formats.members import Limits


class Parser(argparse.ArgumentParser):
    """The parser of binlint and of each command (argparse makes subcommands' parsers of the
    parent's class), with a help formatter that finds the terminal's width as shutil does
    without importing it: shutil costs every run 3 ms, a tenth of checking one small file."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class _Formatter(argparse.HelpFormatter):
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


def jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of processes, 1 or more, not {text!r}")
    return value


def comma_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class Replace(argparse.Action):
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


def add_archive_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-depth", type=int, default=4, metavar="N",
                        help="read members of archives nested at most N deep (4)")
    parser.add_argument("--max-member-size", type=int, default=1024, metavar="MIB",
                        help="read at most MIB mebibytes of one archive member (1024); larger ones are "
                             "reported, not read (of an ELF file, what the loader reads, within the limit), "
                             "so a zip bomb cannot exhaust memory")
    parser.add_argument("--image-layers", action="store_true",
                        help="lint every layer of a container image, the files later layers delete included, "
                             "not only its final file system")


def add_debug_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug-dir", action="append", default=[], metavar="DIR",
                        help="also look in DIR for the separate debug files of ELF objects without DWARF, as GDB "
                             "does: DIR/.build-id/xx/yyyy.debug by build ID, then the file .gnu_debuglink names "
                             "(repeatable; e.g. /usr/lib/debug; read only for the opt-in DWARF rules)")


def start_collecting() -> None:
    """The `binlint` command starts without collections (binlint.cli.entry); a command calls
    this once its start-up (imports, rules) is done and before it walks: what start-up made
    lives to the exit and is frozen out of every later collection."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def limits(args: argparse.Namespace, debug_dirs: list[str] | None = None) -> Limits:
    if args.max_depth < 0 or args.max_member_size <= 0:
        raise BinlintError("--max-depth must be 0 or more, --max-member-size more than 0")
    for directory in debug_dirs or ():
        if not os.path.isdir(directory):
            raise BinlintError(f"--debug-dir {directory}: not a directory")
    member = args.max_member_size << 20
    return Limits(args.max_depth, member, max(member, Limits().total_bytes), tuple(debug_dirs or ()),
                  getattr(args, "image_layers", False))


def add_targets_file_option(parser: argparse.ArgumentParser, checks: bool = False) -> None:
    parser.add_argument("--targets-file", action="append", default=[], metavar="FILE",
                        help="also load the target profiles in FILE (.toml or .json) or in the files of a "
                             "directory (repeatable; docs/targets.md describes the format)"
                             + ("; without --target, check against every profile they define" if checks else ""))


def add_rules_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", action="append", default=[], metavar="DIR",
                        help="also load the rule files in DIR (repeatable)")
