"""The walk again, over a record instead of the artifact's bytes.

`replay` calls the visitor as binlint.walk.members does (members first, the second look at
the members whose facts waited for the whole archive, then the container; a view made
unreadable by a fact is failed, then handed to `failed`), with StoredViews whose facts are
the recorded values. A fact the record lacks raises Miss, which abandons the replay: the
artifact is read again. A stored value is the value, so a rule judges it as it would on a
fresh read; a missing one never becomes a guess.
"""
from __future__ import annotations

from binlint.errors import ArtifactError
from binlint.facts import fact_format
from binlint.facts.loading import NeedsWholeArchive
from binlint.facts.file import FACTS as FILE_FACTS
from binlint.facts.view import Context, FileView
from binlint.walk.discover import printable_path

from binlint.cache.record import ARTIFACT, DERIVED, WAITS, Recorded, revive

# Once unreadable (FileView.fail), file.too_deep is computed too (no container: False), and the
# requirements of the wheel holding the view stay what they were: they are the holder's.
DERIVED_ON_FAIL = DERIVED | {"file.too_deep"}
KEPT_ON_FAIL = frozenset({"file.wheel_requires"})

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.formats.members import Limits

_UNKNOWN = object()


class Miss(BaseException):
    """The record cannot answer: a fact it lacks. BaseException, so that no `except Exception`
    on the way (a condition, a visitor) takes it for a broken artifact."""


class _Broken(Exception):
    """A recorded exception other than ArtifactError: the view becomes unreadable with `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class StoredView(FileView):
    """A FileView whose facts are a record's: the stored values, what raised instead, and the
    file facts computed by binlint.facts.file's own code from what the record keeps of the
    view (record.DERIVED). It has no bytes: any other fact is a Miss."""

    def __init__(self, record: dict[str, Any], path: str, location: str, members: tuple[str, ...],
                 limits: Limits) -> None:
        super().__init__(path, location, members, limits, None, len(members), Context(*record["c"]))  # type: ignore[arg-type]
        self.kind, self.mode, self.size, self.error, self.broken_link, self.link_target, self.head = record["p"]
        self._container = None  # none to open: file.too_deep is stored, and False once failed (as FileView's)
        self._values = dict(record["f"])
        for name in record.get("l", ()):
            self._values[name] = revive(self._values[name])
        self._raised = record["r"]
        self._derived = DERIVED

    def get(self, name: str) -> Any:
        value = self._values.get(name, _UNKNOWN)
        if value is not _UNKNOWN:
            return value
        if name in self._derived:
            value = self._values[name] = FILE_FACTS[name].compute(self)
            return value
        raised = self._raised.get(name)
        if raised is not None:
            how, reason = raised
            if how == WAITS:
                raise NeedsWholeArchive(name)
            raise ArtifactError(reason) if how == ARTIFACT else _Broken(reason)
        if self.error is not None and fact_format(name) != "file":
            raise ArtifactError(self.error)
        raise Miss(name)

    def fail(self, reason: str) -> None:
        """As FileView.fail: from now on only the file facts, as they are once unreadable."""
        self.error = reason
        self._values = {n: v for n, v in self._values.items() if n in KEPT_ON_FAIL}
        self._raised = {}
        self._derived = DERIVED_ON_FAIL

    def close(self) -> None:
        pass


def tree(items: list[Recorded]) -> dict[str, Any] | None:
    """The record of an artifact (its top view's, members nested under "m", a member's second
    look under "a") from its Recorded items in walk order: depth first, each container after
    its members, a container's second looks after its members and before it."""
    pending: dict[int, list[dict[str, Any]]] = {}
    for item in items:
        record, depth = item.record, len(item.members)
        record["n"] = item.members[-1] if item.members else None
        if record.pop("again", None):
            waiting = [n for n in pending.get(depth, ()) if n["n"] == record["n"] and n["w"] and "a" not in n]
            if not waiting:
                return None
            record.pop("n")
            waiting[0]["a"] = record
            continue
        record["m"] = pending.pop(depth + 1, [])
        pending.setdefault(depth, []).append(record)
    top = pending.get(0, [])
    return top[0] if len(top) == 1 and len(pending) == 1 else None


def replay(record: dict[str, Any], location: str, visitor: Any, limits: Limits) -> list[Any]:
    """What `visitor` makes of the artifact at `location` from its record; Miss when the
    record cannot answer a fact some rule reads."""
    return _view(record, location, location, (), visitor, limits)[0]


def _view(record: dict[str, Any], path: str, location: str, members: tuple[str, ...],
          visitor: Any, limits: Limits) -> tuple[list[Any], Any]:
    view = StoredView(record, path, location, members, limits)
    found: list[Any] = []
    later = []
    for child in record["m"]:
        name = child["n"]
        some, waits = _view(child, f"{path}!{printable_path(name)}", location, (*members, name), visitor, limits)
        found += some
        if waits:
            later.append((child, waits))
    for child, waits in later:
        _second_look(child, f"{path}!{printable_path(child['n'])}", location, (*members, child["n"]), waits,
                     visitor, found, limits)
    if "b" in record:  # the walk's own reading broke: no rule ran on it
        visitor.failed(view, found)
        return found, None
    try:
        return found, visitor.visit(view, found)
    except ArtifactError as err:
        view.fail(str(err))
    except _Broken as err:
        view.fail(err.reason)
    visitor.failed(view, found)
    return found, None


def _second_look(record: dict[str, Any], path: str, location: str, members: tuple[str, ...], waits: Any,
                 visitor: Any, found: list[Any], limits: Limits) -> None:
    again = record.get("a")
    if again is None:
        raise Miss("second look")
    view = StoredView(again, path, location, members, limits)
    if "b" in again:
        visitor.failed_again(view, waits, found)
        return
    try:
        visitor.again(view, waits, found)
        return
    except ArtifactError as err:
        view.fail(str(err))
    except _Broken as err:
        view.fail(err.reason)
    visitor.failed_again(view, waits, found)
