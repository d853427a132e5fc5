"""What every fixture of tests/fixtures/ promises, checked with other tools than binlint
(readelf, zipfile, tarfile, ar, PyInstaller's reader, LIEF): one module per kind of fixture,
each registering its checks by fixture name in CHECKS (registry.py)."""
from fixture_checks import archives, bad, bundles, cross, dwarf, elf, files, macho, python_abi, wheel_metadata  # noqa: F401  (register the checks)
from fixture_checks import platform_tags  # noqa: F401  (registers the Android checks)
from fixture_checks import pe  # noqa: F401  (registers the Windows PE checks)
from fixture_checks import packages  # noqa: F401  (registers the distribution packages' checks)
from fixture_checks.readelf import inspect
from fixture_checks.registry import CHECKS

__all__ = ["CHECKS", "inspect"]
