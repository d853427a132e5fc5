"""pytest's view of the fixture package (tests/fixtures/): the session fixtures, how
pytest-xdist shares tests out, and one summary line naming the Debian packages that would run the
tests skipped for missing tools.

Tests import the helpers from ``fixtures``; the names tests/realworld/ and fuzz/seeds.py
import from conftest stay importable from here.
"""
from __future__ import annotations

import gc
import re

import pytest

from fixtures import (  # noqa: F401
    FIXTURE_KINDS, ArchiveEntry, Artifacts, ElfFactsFixtures, fixture_names, require_module, wheel_bytes,
)
from fixtures.toolchain import NEEDS, TOOL_PACKAGES
from fixtures.toolchain import missing as _missing  # noqa: F401

_NEEDS_TOOLS = re.compile(re.escape(NEEDS) + r"([\w.+-]+(?:, [\w.+-]+)*)")

# pytest-xdist runs each test file whole on one worker (--dist loadfile), so a module or
# session fixture is made once; these tests, which hold a wall-clock bound, also share one
# worker, one at a time. (--dist loadgroup would take xdist_group marks, but pytest-xdist 3.8
# ignores them under pytest 9.2: pytest-dev/pytest-xdist#1386.)
TIMED = {
    "tests/test_fuzz_smoke.py": "an alarm of 5 s per fuzzed input",
    "tests/test_hardening.py::test_imports_of_a_large_symbol_table_are_cheap": "under 1 s",
    "tests/test_macho.py::test_helper_survives_crashes_and_hangs": "gives up within 5 s",
    "tests/test_memory.py::test_one_gib_shared_object_under_200_mb": "under 5 s",
}


# Tests that share session work, each group given whole to one worker: the rule tables and
# the rule checks of test_rules_meta.py one walk of each fixture (tests/rules/table.py), the
# real-world suite one binlint run and one oracle run over every wheel
# (tests/realworld/conftest.py). By the start of their node ids.
SHARED = {"tests/rules/": "rule tables", "tests/test_rules_meta.py": "rule tables",
          "tests/realworld/": "real world"}


def work_unit(nodeid: str) -> str:
    """What pytest-xdist hands a worker at once: the test's file, all the timed tests, or a
    SHARED group."""
    for timed in TIMED:
        if nodeid == timed or nodeid.startswith((f"{timed}::", f"{timed}[")):
            return "timed"
    for start, group in SHARED.items():
        if nodeid.startswith(start):
            return group
    return nodeid.split("::", 1)[0]


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: unknown to pytest without it
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class Scheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return Scheduling(config, log)


_FILE = [None]  # the file whose tests run now, in this worker


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """At each test file's first test, what the files before it left alive (session fixtures
    such as the real-world suite's facts of every wheel: millions of objects) is moved out of
    the cyclic collector's reach, its garbage collected first. Else every full collection walks
    it again: with it, comparing scipy's 115 DLLs with pefile took 36 s instead of 3."""
    if item.path != _FILE[0]:
        _FILE[0] = item.path
        gc.collect()
        gc.freeze()


def pytest_sessionfinish(session: pytest.Session) -> None:
    gc.unfreeze()  # what is left is collected as the worker ends (else nanobind reports LIEF's objects leaked)


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Artifacts:
    # Intermediates go elsewhere so the artifact dir holds exactly the fixtures.
    return Artifacts(tmp_path_factory.mktemp("binlint-artifacts"), scratch=tmp_path_factory.mktemp("binlint-scratch"))


@pytest.fixture(scope="session")
def elf_facts_fixtures(tmp_path_factory: pytest.TempPathFactory) -> ElfFactsFixtures:
    return ElfFactsFixtures(tmp_path_factory.mktemp("elf-facts-fixtures"))


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
