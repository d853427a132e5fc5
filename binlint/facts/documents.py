"""`binlint facts`: every fact of every artifact and member, as rules see them."""
from __future__ import annotations

from binlint.errors import ArtifactError
from binlint.facts.catalogue import plain
from binlint.facts.loading import NeedsWholeArchive
from binlint.walk import walk

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.facts.view import FileView
    from binlint.formats.members import Limits
    from binlint.walk.discover import Artifact


def documents(artifacts: list[Artifact], limits: Limits) -> list[dict[str, Any]]:
    """One document per artifact and member, each before its members', in the walk's order."""
    return walk(artifacts, Documents(), limits, jobs=1, member_jobs=1)  # in order: no split


class Documents:
    """The walk's visitor for `binlint facts`: a broken file keeps its file.* facts."""

    def visit(self, view: FileView, found: list[dict[str, Any]]) -> dict[str, Any] | None:
        document: dict[str, Any] = {"path": view.path}
        waits = None
        try:
            document["facts"] = {name: _fact(view, name) for name in view.names()}
        except NeedsWholeArchive:  # the loader model: filled in once every member was read
            waits = document
        found.insert(0, document)
        return waits

    def failed(self, view: FileView, found: list[dict[str, Any]]) -> None:
        found.insert(0, {"path": view.path})
        self.failed_again(view, found[0], found)

    def again(self, view: FileView, document: dict[str, Any], found: list[dict[str, Any]]) -> None:
        document["facts"] = {name: _fact(view, name) for name in view.names()}

    def failed_again(self, view: FileView, document: dict[str, Any], found: list[dict[str, Any]]) -> None:
        document["facts"] = {name: view.get(name) for name in view.names() if name.startswith("file.")}


def _fact(view: FileView, name: str) -> object:
    """One fact as JSON; as in `check`, a fact that needs an ELF file's unreadable section
    headers is null (elf.section_error says why) instead of costing the file its facts."""
    try:
        return plain(view.get(name))
    except ArtifactError as err:
        if view.kind == "elf" and view.get("elf.section_error") == str(err):
            return None
        raise
