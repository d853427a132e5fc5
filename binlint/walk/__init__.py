"""The walk: the one traversal of what binlint reads.

discover (walk/discover.py) turns paths into artifacts; each artifact is opened as a view,
and a container's members are walked depth first (walk/members.py), within the file's
budget and --max-depth, before the container itself is visited: its own facts then read
what the walk returned of its members (FileView.walked), never shared state. A member is
told of its holders by its Context (the holding archive's kind, the wheel's platforms);
the facts that need every member of an archive read first (the loader model) get a second
look once they were. Large scans and large archives are split between processes
(walk/split.py); the results never depend on how.

What is made of each view is the visitor's: rule evaluation (binlint.rules.evaluate), the
facts document (`binlint facts`), the search for ELF code (`binlint targets`).
"""
from __future__ import annotations

from binlint.facts.view import Context, FileView, Walked
from binlint.remote import is_url
from binlint.walk.members import walk_view
from binlint.walk.split import artifact_batches, can_fork, map_queue

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol

    from binlint.formats.members import Limits
    from binlint.walk.discover import Artifact

    class Visitor(Protocol):
        """What the walk calls with each view; results go into `found`, after those of the
        view's members (which the visitor may reorder)."""

        def visit(self, view: FileView, found: list[Any]) -> Any:
            """The view is open and its members were walked. Returns what the view's facts wait
            for (a loader fact raised NeedsWholeArchive), handed back to again(); else None."""

        def failed(self, view: FileView, found: list[Any]) -> None:
            """The view could not be read as a whole (view.error says why); `found` holds what
            its members and visit() gave before it broke."""

        def again(self, view: FileView, waits: Any, found: list[Any]) -> None:
            """The second look at a member, now that every member of its archive was read."""

        def failed_again(self, view: FileView, waits: Any, found: list[Any]) -> None:
            """The second look could not read the member again."""

__all__ = ["Context", "FileView", "Walked", "walk", "walk_file"]


def walk(artifacts: list[Artifact], visitor: Visitor, limits: Limits, jobs: int = 1,
         member_jobs: int | None = None) -> list[Any]:
    """What `visitor` makes of every artifact and every member in them, artifact by artifact;
    the artifacts split into `jobs` processes, or else a large archive's members into
    `member_jobs` (None: one per CPU, up to 8, where it pays)."""
    if jobs < 2 or len(artifacts) < 2 or not can_fork():
        return [found for artifact in artifacts for found in walk_file(artifact, visitor, limits, member_jobs)]

    def walk_batch(batch: list[Artifact]) -> list[Any]:  # each process walks whole archives
        return [found for artifact in batch for found in walk_file(artifact, visitor, limits, 1)]

    return [found for batch in map_queue(walk_batch, artifact_batches(artifacts, jobs), jobs) for found in batch]


def walk_file(artifact: Artifact, visitor: Visitor, limits: Limits, member_jobs: int | None = None) -> list[Any]:
    if is_url(artifact.fs_path):  # s3://, https://...: read by range (binlint/remote)
        from binlint.remote.view import open_remote

        return walk_view(open_remote(artifact, limits), visitor, member_jobs)[0]
    return walk_view(FileView.of_file(artifact, limits), visitor, member_jobs)[0]
