"""What the cache keeps of one artifact: the walk's structure and the facts of every view.

The Recorder wraps the walk's visitor on a cache miss. After the real visitor judged a view,
it computes every fact that a loaded rule (selected or not) reads of a view of its kind, not
only those the selected rules happened to read, so that another selection, a user rule
directory or another target can be evaluated later from the record alone. What a fact raised is kept as well: with other rules, the same raise makes the
view unreadable, or defers a rule to the second look, exactly as it would on a fresh read.

Records travel with the findings (a `Recorded` item in the walk's result lists), so a view
walked in a forked worker (a large archive's members, a slice of artifacts) comes back to the
parent with its findings; binlint.cache.run takes them out before anything is reported.
"""
from __future__ import annotations

import marshal
from collections import namedtuple

from binlint.errors import ArtifactError
from binlint.facts.catalogue import LazyItem
from binlint.facts.loading import NeedsWholeArchive
from binlint.facts.view import _COMPUTES
from binlint.walk.digest import HASHED_FACTS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.facts.view import FileView

# How a stored fact raised: A an ArtifactError (its text), I any other exception (the walk's
# text for it), W NeedsWholeArchive (the rule waits for the second look).
ARTIFACT, INTERNAL, WAITS = "A", "I", "W"
# File facts never stored: replay computes them with binlint.facts.file's own code from what the
# record keeps of the view (kind, mode, size, error, link, context, and the first bytes of the two
# kinds whose file facts read them), before and after the view becomes unreadable. Computing
# them for every member made 16 of the 30 facts of a wheel's typical member, and the path is the
# one the run names (the same bytes may sit elsewhere). tests/test_cache_replay.py holds the
# list to binlint.facts.file: a file fact it does not name is stored like any other.
DERIVED = frozenset({"file.kind", "file.mode", "file.executable", "file.size", "file.pyc_python",
                     "file.description", "file.path", "file.name", "file.setuid", "file.setgid",
                     "file.privilege_bits", "file.world_writable", "file.binfmt", "file.held_in",
                     "file.broken_link", "file.link_target", "file.error", "file.in_wheel",
                     "file.wheel_platforms"})
HEAD_KINDS = frozenset({"pyc", "zip"})  # file.pyc_python, file.description, file.binfmt read their head
# Facts stored only when a rule of the run read them: the DWARF facts (binlint.formats.elf.
# debug_file) of every ELF member took 4.0 s of the 5.5 s that computing every fact took on 79
# real wheels, for opt-in rules. A run that selects those misses once; its record then has them.
COSTLY = frozenset({"elf.compile_units", "elf.dwarf_error", "elf.debug_file", "elf.debug_files_rejected"})

# One view's record, in the walk's result list. `rule` is None so that what the visitor does
# to the findings around it (filtering its own notes by rule and path) leaves it alone.
Recorded = namedtuple("Recorded", "rule path location members record")


def internal(err: BaseException) -> str:
    """The text binlint.walk.members gives a view that an unexpected exception broke."""
    return f"internal error while reading: {type(err).__name__}: {err}"


class Pending:
    """What the recorder hands the walk for a member whose facts wait for the whole archive:
    the real visitor's waits (None when no loaded rule waits), so the walk's second look runs
    for the record's sake too."""

    __slots__ = ("waits",)

    def __init__(self, waits: Any) -> None:
        self.waits = waits


# Facts the evaluation itself reads, beside those the rules name (binlint.rules.evaluate).
EVALUATION_FACTS = frozenset({"elf.compatible_archs", "elf.section_error"})


class Recorder:
    """The walk's visitor on a miss: `visitor` judges, the recorder keeps every fact that a
    rule of `rules` (every rule loaded, selected or not) reads of a view it applies to, and
    every fact the run computed. Another fact is a miss when a later run's rule reads it
    (binlint.cache.replay)."""

    def __init__(self, visitor: Any, rules: list[Any]) -> None:
        self.visitor = visitor
        self.hashes_wheel_members = getattr(visitor, "hashes_wheel_members", True)
        skip = DERIVED if self.hashes_wheel_members else DERIVED | HASHED_FACTS
        self._rules = rules
        self._skip = skip
        self._names: dict[str, list[str]] = {}  # kind -> the wanted facts it has
        self._raised: dict[int, dict] = {}  # id(view) -> its record, for a visit that raised

    # -- the visitor protocol ---------------------------------------------------------------
    def visit(self, view: FileView, found: list[Any]) -> Any:
        try:
            waits = self.visitor.visit(view, found)
        except BaseException:
            self._raised[id(view)] = self.snapshot(view)  # walk_view fails the view after this
            raise
        record = self.snapshot(view)
        found.append(Recorded(None, view.path, view.location, view.members, record))
        return Pending(waits) if waits or record["w"] else None

    def failed(self, view: FileView, found: list[Any]) -> None:
        self.visitor.failed(view, found)
        record = self._raised.pop(id(view), None)
        if record is None:  # broken before any rule ran: the walk's own reading failed
            record = self.snapshot(view, broke=True)
        found.append(Recorded(None, view.path, view.location, view.members, record))

    def again(self, view: FileView, pending: Pending, found: list[Any]) -> None:
        if pending.waits:
            try:
                self.visitor.again(view, pending.waits, found)
            except BaseException:
                self._raised[id(view)] = self.snapshot(view)
                raise
        found.append(Recorded(None, view.path, view.location, view.members, {**self.snapshot(view), "again": 1}))

    def failed_again(self, view: FileView, pending: Pending, found: list[Any]) -> None:
        if pending.waits:
            self.visitor.failed_again(view, pending.waits, found)
        record = self._raised.pop(id(view), None) or self.snapshot(view, broke=True)
        found.append(Recorded(None, view.path, view.location, view.members, {**record, "again": 1, "lost": 1}))

    # -- the record of one view -------------------------------------------------------------
    def snapshot(self, view: FileView, broke: bool = False) -> dict[str, Any]:
        """What replay needs of the view: what file facts are computed from, every other
        wanted fact's value, and what raised instead of a value."""
        values, raised, lazy = self._facts(view)
        head = view.head if view.kind in HEAD_KINDS else b""
        record: dict[str, Any] = {
            "p": (view.kind, view.mode, view.size, view.error, view.broken_link, view.link_target, head),
            "c": tuple(view.context), "f": values, "r": raised, "w": any(r[0] == WAITS for r in raised.values())}
        if lazy:
            record["l"] = lazy
        if broke:
            record["b"] = 1
        return record

    def _facts(self, view: FileView) -> tuple[dict[str, Any], dict[str, tuple], list[str]]:
        names = self._names.get(view.kind)
        if names is None:
            wanted = EVALUATION_FACTS.union(*(r.facts for r in self._rules if r.applies_to(view.kind)))
            names = self._names[view.kind] = [n for n in _COMPUTES[view.kind]
                                              if n in wanted and n not in self._skip and n not in COSTLY]
        computed = _COMPUTES[view.kind]
        values: dict[str, Any] = {}
        raised: dict[str, tuple] = {}
        lazy: list[str] = []
        # What the run read first (whatever its cost), then the rest of what is wanted.
        for name in [*(n for n in view._values if n in computed and n not in self._skip), *names]:
            if name in values:
                continue
            try:
                value = view.get(name)
            except NeedsWholeArchive:
                raised[name] = (WAITS, "")
            except ArtifactError as err:
                raised[name] = (ARTIFACT, str(err))
            except Exception as err:  # noqa: BLE001 - the walk turns it into an unreadable view; so does replay
                raised[name] = (INTERNAL, internal(err))
            else:
                try:
                    stored = _plain(value)
                except Exception:  # noqa: BLE001,S112 - a field of an item that cannot be read: a rule reading the fact misses
                    continue
                values[name] = stored
                if stored is not value and has_lazy(stored):
                    lazy.append(name)
        return values, raised, lazy


# A LazyItem as stored: its own fields and its deferred ones apart (replay makes a LazyItem of
# them again): the order of an item's keys, which evidence shows, is the order rules read them.
LAZY = "binlint.cache:LazyItem"
_PLAIN_ITEMS = {str, dict, int, bool, type(None)}


def _plain(value: Any) -> Any:
    """The value as marshal writes it: lists rebuilt only when they hold a LazyItem or a list."""
    if type(value) is list:
        if {type(v) for v in value} <= _PLAIN_ITEMS:
            return value
        return [_plain(v) for v in value]
    if isinstance(value, LazyItem):
        deferred = value._deferred
        return (LAZY, {k: v for k, v in dict.items(value) if k not in deferred}, {k: value[k] for k in deferred})
    return value


def has_lazy(value: Any) -> bool:
    if type(value) is list:
        return any(has_lazy(v) for v in value)
    return type(value) is tuple and len(value) == 3 and value[0] == LAZY


def revive(value: Any) -> Any:
    """A stored value with its LazyItems made again, as fresh as the fact's own."""
    if type(value) is list:
        return [revive(v) for v in value]
    if type(value) is tuple and len(value) == 3 and value[0] == LAZY:
        return LazyItem(value[1], {k: (lambda v=v: v) for k, v in value[2].items()})
    return value


def storable(record: dict[str, Any]) -> dict[str, Any]:
    """`record` without the facts marshal cannot write (not cached: a rule that reads one
    reads the artifact again), for the rare entry that failed to encode whole."""
    for view in _views(record):
        for name, value in list(view["f"].items()):
            try:
                marshal.dumps(value)
            except ValueError:
                del view["f"][name]
    return record


def _views(record: dict[str, Any]) -> list[dict[str, Any]]:
    found = [record]
    for child in record.get("m", ()):
        found += _views(child)
    if "a" in record:
        found.append(record["a"])
    return found
