"""Facts of PyInstaller bundles: executables that carry a CArchive package."""
from __future__ import annotations

from binlint.facts.catalogue import Fact

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.facts import FileView


def _bundle(view: FileView) -> Any:
    container = view.container()
    return container.bundle if container else None


def _runtime_tmpdir(view: FileView) -> str | None:
    from binlint.formats.pyinstaller.reader import runtime_tmpdir

    bundle = _bundle(view)
    return runtime_tmpdir(bundle) if bundle else None


FACTS = {
    "pyinstaller.bundle": Fact("bool", "The executable carries a PyInstaller package.", lambda v: _bundle(v) is not None),
    "pyinstaller.onefile": Fact("bool", "A one-file bundle: it extracts its contents to a temporary directory "
                                "at every start.", lambda v: bool(_bundle(v) and _bundle(v).onefile)),
    "pyinstaller.runtime_tmpdir": Fact("str?", "The `--runtime-tmpdir` the bundle was built with, if any.",
                                       _runtime_tmpdir),
    "pyinstaller.error": Fact("str?", "Why the executable, made by PyInstaller (its bootloader's strings or a "
                              "`pydata` section), has no package its bootloader can open: no cookie, or a table of "
                              "contents or entry outside the package; null otherwise.",
                              lambda v: getattr(v.container(), "bundle_error", None)),
    "pyinstaller.python": Fact("str?", "The Python version the bundle carries, e.g. `3.12`.",
                               lambda v: _bundle(v).python_version if _bundle(v) else None),
}
