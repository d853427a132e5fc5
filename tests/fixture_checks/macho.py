"""Checks of the Mach-O fixtures (kind "macho"): each promises what LIEF itself reads
(tests/fixtures/macho.py)."""
from __future__ import annotations

from fixture_checks.registry import check
from fixtures import fixture_names
from fixtures import macho as macho_fixtures

for _name in fixture_names("macho"):  # checked with LIEF itself: tests/macho_fixtures.py
    check(_name)(macho_fixtures.promise(_name))
