"""`binlint cache info|clear`, and the cache options of `binlint check` (docs/cache.md)."""
from __future__ import annotations

import argparse
import os

from binlint.cli.arguments import add_config_option
from binlint.cli.exitcodes import EXIT_CLEAN

TYPE_CHECKING = False
if TYPE_CHECKING:
    from binlint.cache import Cache
    from binlint.rules import Rule

DEFAULT_MAX_MIB = 2048


def add_cache_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache", action=argparse.BooleanOptionalAction, default=None,
                        help="keep the facts of archives in a cache keyed by their bytes, and use them again "
                             "(default: only when --cache-dir names its folder; see docs/cache.md)")
    _add_directory_options(parser)


def _add_directory_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache-dir", metavar="DIR",
                        help="the cache's folder (default: $XDG_CACHE_HOME/binlint or ~/.cache/binlint)")
    parser.add_argument("--cache-max-size", type=int, default=DEFAULT_MAX_MIB, metavar="MIB",
                        help=f"the most the cache may hold; the least recently used entries go first ({DEFAULT_MAX_MIB})")


def cache_of(args: argparse.Namespace, loaded: list[Rule]) -> Cache | None:
    """The cache `binlint check` uses, None for none: asked for (--cache, or a folder named),
    as filling it costs a run that finds new bytes a third more (docs/cache.md)."""
    wanted = args.cache if args.cache is not None else args.cache_dir is not None
    if not wanted:
        return None
    from binlint.cache import Cache

    return Cache(_store(args), loaded)


def _store(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from binlint.cache.store import Store, default_directory
    from binlint.errors import BinlintError

    if args.cache_max_size < 1:
        raise BinlintError("--cache-max-size must be at least 1 (MiB)")
    return Store(args.cache_dir or default_directory(), args.cache_max_size << 20)


def add_parser(commands: argparse._SubParsersAction) -> None:
    cache = commands.add_parser("cache", help="show or clear the cache of facts (docs/cache.md)")
    cache.add_argument("action", choices=("info", "clear"),
                       help="info: where the cache is and what it holds; clear: remove every entry")
    _add_directory_options(cache)
    add_config_option(cache)
    cache.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    store = _store(args)
    if args.action == "clear":
        removed = store.clear()
        print(f"binlint: removed {removed} cache entr{'y' if removed == 1 else 'ies'} from {store.directory}")
        return EXIT_CLEAN
    entries = store.entries()
    by_kind: dict[str, list[int]] = {}
    for _, size, path in entries:
        by_kind.setdefault(os.path.basename(os.path.dirname(os.path.dirname(path))), []).append(size)
    total = sum(size for _, size, _ in entries)
    print(f"directory: {store.directory}")
    print(f"size: {_mib(total)} of at most {_mib(store.max_bytes)}")
    for kind, label in (("facts", "artifacts with facts"), ("verdicts", "sets of findings")):
        sizes = by_kind.get(kind, [])
        print(f"{label}: {len(sizes)} ({_mib(sum(sizes))})")
    return EXIT_CLEAN


def _mib(size: int) -> str:
    return f"{size / (1 << 20):.1f} MiB"
