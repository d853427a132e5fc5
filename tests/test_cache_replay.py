"""What replay computes instead of storing (binlint.cache.record.DERIVED): every file fact of
every view of every fixture, before and after the view becomes unreadable, is what the
FileView itself says. A file fact that reads something a record does not keep fails here."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest

from binlint.cache.record import DERIVED, Recorder
from binlint.cache.replay import StoredView
from binlint.facts.file import FACTS as FILE_FACTS
from binlint.formats.members import Limits
from binlint.rules import load_rules
from binlint.walk import walk
from binlint.walk.discover import discover
from fixtures import Artifacts, fixture_names


class Compare:
    """A visitor that compares each view's file facts with those of its record."""

    hashes_wheel_members = False

    def __init__(self) -> None:
        self.recorder = Recorder(self, load_rules([]))
        self.compared = 0

    def visit(self, view, found):  # type: ignore[no-untyped-def]
        self._compare(view)

    def failed(self, view, found):  # type: ignore[no-untyped-def]
        self._compare(view)

    def again(self, view, waits, found):  # type: ignore[no-untyped-def]
        self._compare(view)

    def failed_again(self, view, waits, found):  # type: ignore[no-untyped-def]
        self._compare(view)

    def _compare(self, view) -> None:  # type: ignore[no-untyped-def]
        record = self.recorder.snapshot(view)
        stored = StoredView(record, view.path, view.location, view.members, view.limits)
        for name in DERIVED:
            assert stored.get(name) == view.get(name), (view.path, name)
        # once unreadable, as FileView.fail leaves it (on a copy: the walk is not done with it)
        gone = copy.copy(view)
        gone._values, gone._container, gone._elf, gone.data, gone.error = {}, None, None, None, "broken"
        stored.fail("broken")
        kept = [n for n in ("file.wheel_requires",) if n in record["f"]]
        for name in [*DERIVED, "file.too_deep", *kept]:
            assert stored.get(name) == gone.get(name), (view.path, name, "failed")
        self.compared += 1


def test_derived_file_facts_are_the_file_views_own(tmp_path: Path) -> None:
    assert DERIVED < set(FILE_FACTS)
    artifacts = Artifacts(tmp_path / "fixtures", scratch=tmp_path / "scratch")
    for name in fixture_names():
        try:
            artifacts.path(name)
        except pytest.skip.Exception:
            continue
    compare = Compare()
    walk(discover([str(artifacts.directory)]), compare, Limits())
    assert compare.compared > 1000
