"""The wheel's build hook: refuse to pack a binlint/rules/_builtin.py that does not match the
rule files beside it. An installed binlint takes the built-in rules from that checked copy
without reading the YAML files (binlint/rules/load.py); a stale copy would run other rules than
the ones shipped. `python scripts/generate.py` writes it again."""
from __future__ import annotations

import importlib.util
import os
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict) -> None:  # type: ignore[type-arg]
        if version == "editable":  # it reads the rules from rules/, checking each file's digest
            return
        digests, parsed = _module(self.root, "digests"), _module(self.root, "_builtin")
        stale = digests.stale(os.path.join(self.root, "rules"), parsed.RULES)
        if stale:
            raise RuntimeError(f"binlint/rules/_builtin.py does not match rules/{stale[0]}"
                               f"{f' and {len(stale) - 1} more' if len(stale) > 1 else ''}: "
                               "run `python scripts/generate.py` before building")


def _module(root: str, name: str) -> Any:
    """binlint/rules/NAME.py alone, not the package: binlint's __init__ imports what the build lacks."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(root, "binlint/rules", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module
