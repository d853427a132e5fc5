"""pytest's view of the fixture package (tests/fixtures/): the session fixtures, the
pytest-xdist groups, and one summary line naming the Debian packages that would run the
tests skipped for missing tools.

Tests import the helpers from ``fixtures``; the names tests/realworld/ and fuzz/seeds.py
import from conftest stay importable from here.
"""
from __future__ import annotations

import re

import pytest

from fixtures import (  # noqa: F401
    FIXTURE_KINDS, ArchiveEntry, Artifacts, ElfFactsFixtures, fixture_names, require_module, wheel_bytes,
)
from fixtures.toolchain import NEEDS, TOOL_PACKAGES
from fixtures.toolchain import missing as _missing  # noqa: F401

_NEEDS_TOOLS = re.compile(re.escape(NEEDS) + r"([\w.+-]+(?:, [\w.+-]+)*)")

# pytest-xdist hands tests out one by one (--dist loadgroup), so a module fixture is made
# once per worker that runs a test of its file. These files' module or session fixtures cost
# seconds (a pip, npm or pre-commit install, binlint over every real wheel), so each file
# runs whole on one worker. The timed tests (a wall-clock bound) share one worker too.
WHOLE_FILES = ("test_action.py", "test_hatch_plugin.py", "test_precommit.py", "test_sarif_multitool.py")
WHOLE_DIRECTORIES = ("realworld",)


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Artifacts:
    # Intermediates go elsewhere so the artifact dir holds exactly the fixtures.
    return Artifacts(tmp_path_factory.mktemp("binlint-artifacts"), scratch=tmp_path_factory.mktemp("binlint-scratch"))


@pytest.fixture(scope="session")
def elf_facts_fixtures(tmp_path_factory: pytest.TempPathFactory) -> ElfFactsFixtures:
    return ElfFactsFixtures(tmp_path_factory.mktemp("elf-facts-fixtures"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in WHOLE_FILES:
            item.add_marker(pytest.mark.xdist_group(item.path.stem))
        elif item.path.parent.name in WHOLE_DIRECTORIES:
            item.add_marker(pytest.mark.xdist_group(item.path.parent.name))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say once which packages make the skipped tests run (each skip names only its tool)."""
    skipped, packages = 0, set()
    for report in terminalreporter.stats.get("skipped", []):
        found = _NEEDS_TOOLS.search(str(report.longrepr[2])) if isinstance(report.longrepr, tuple) else None
        tools = [tool for tool in found.group(1).split(", ") if tool in TOOL_PACKAGES] if found else []
        if tools:
            skipped += 1
            packages.update(TOOL_PACKAGES[tool] for tool in tools)
    if packages:
        terminalreporter.write_line(f"{skipped} tests skipped for missing build tools; to run them: "
                                    f"apt-get install {' '.join(sorted(packages))}", yellow=True)
