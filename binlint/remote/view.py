"""The view of a remote artifact, opened as FileView.of_file opens one on disk: its first bytes
say what it is; a zip file is then read by range (its central directory and the members the
walk reads), any other file that is read beyond its head is fetched whole."""
from __future__ import annotations

from binlint.facts.view import FileView
from binlint.formats import REGISTRY, classify
from binlint.formats.classify import HEAD_SIZE, SCRIPT_LINE_MAX
from binlint.formats.members import Budget
from binlint.remote.ranged import BLOCK, RangedFile
from binlint.remote.store import failure, filesystem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from binlint.formats.members import Limits
    from binlint.walk.discover import Artifact

RANGED = frozenset({"zip"})  # the kinds whose readers slice their buffer as they go


def open_remote(artifact: Artifact, limits: Limits) -> FileView:
    """The view of the remote file `artifact.fs_path`. An object store keeps no Unix mode:
    the mode is 0, as for an archive member without one. Its location is the URL shown
    (without credentials); it has no path on disk (facts that look beside a file on disk,
    the loader's search of its directory, do not apply)."""
    view = FileView(artifact.path, artifact.path, (), limits, Budget(limits))
    try:
        fs, path = filesystem(artifact.fs_path)
        size = fs.size(path)
        # By keyword: s3fs's cat_file takes a version before the range.
        source = RangedFile(lambda start, end: fs.cat_file(path, start=start, end=end), size)
        view.size = size
        view.budget = Budget(limits, size)  # what a bomb of this size may inflate to
        view.head = source.range(0, HEAD_SIZE)
        view.kind = classify(view.head)
        if view.line_goes_on():
            view.head = source.range(0, SCRIPT_LINE_MAX)
        if view.kind in RANGED and size > BLOCK:
            view.data = source
        elif REGISTRY[view.kind].read != "head":  # executables, other archives: read whole
            view.data = source.range(0, size)
    except Exception as err:  # the store's errors (gone, access denied, timeouts): this artifact's only
        view.error = f"cannot read: {failure(err)}"
    return view
