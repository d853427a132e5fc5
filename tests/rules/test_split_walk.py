"""The one walk under every target (table.py) says what a walk under each target alone says:
the findings, their messages and evidence, and their order."""
from __future__ import annotations

import pytest

from fixtures import Artifacts
from rules.table import _cached_findings, _walked, named, profile

CASES = [(fixture, target) for fixture in ("glibc-new-lib", "execstack-wheel", "cxx-new-lib", "perms-tar")
         for target in ({}, {"glibc": "2.17"}, profile("manylinux_2_17"))]
KEYS = [named(target) for _, target in CASES]  # registered as the tables' targets are: at collection


@pytest.mark.parametrize("fixture, target", CASES, ids=[f"{f}-{t!r}" for f, t in CASES])
def test_split_walk_equals_a_walk_per_target(artifacts: Artifacts, fixture: str, target: dict) -> None:
    path, key = str(artifacts.path(fixture)), named(target)
    assert key in _walked(path), "registered before the walk"
    assert list(_walked(path)[key]) == list(_cached_findings(path, key))
