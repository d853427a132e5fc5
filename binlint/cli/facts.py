"""`binlint facts`: the facts rules see, of each file and of its members, as JSON (for rule
authors)."""
from __future__ import annotations

import argparse
import json

from binlint.cli.arguments import add_archive_options, add_config_option, limits
from binlint.cli.exitcodes import EXIT_CLEAN
from binlint.cli.output import write

TYPE_CHECKING = False
if TYPE_CHECKING:
    from binlint.facts import FileView


def add_parser(commands: argparse._SubParsersAction) -> None:
    facts = commands.add_parser("facts", help="print the facts rules see, as JSON (for rule authors)")
    facts.add_argument("paths", nargs="+", metavar="PATH")
    facts.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout (- is stdout)")
    add_archive_options(facts)
    add_config_option(facts)
    facts.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from binlint.walk.discover import discover
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

    document: dict = {"path": view.path}
    documents.append(document)
    try:
        view.open()
        container = view.container()
        if container is not None and view.depth < view.limits.max_depth:
            for member_view in member_views(view, container, ()):
                facts_of(member_view, documents)
        document["facts"] = {name: _fact(view, name) for name in view.names()}
    except Exception as err:  # as in `check`: a hostile file costs its own facts, never the run
        view.fail(str(err) if isinstance(err, ArtifactError) else
                  f"internal error while reading: {type(err).__name__}: {err}")
        document["facts"] = {name: view.get(name) for name in view.names() if name.startswith("file.")}
    finally:
        view.close()


def _fact(view: FileView, name: str) -> object:
    """One fact as JSON; as in `check`, a fact that needs an ELF file's unreadable section
    headers is null (elf.section_error says why) instead of costing the file its facts."""
    from binlint.errors import ArtifactError
    from binlint.facts.catalogue import plain

    try:
        return plain(view.get(name))
    except ArtifactError as err:
        if view.kind == "elf" and view.get("elf.section_error") == str(err):
            return None
        raise
