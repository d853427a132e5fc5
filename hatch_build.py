"""The wheel's build hook: refuse to pack a binlint/rules/builtin.json that does not match the
rule files beside it. An installed binlint takes the built-in rules from that checked copy
without reading the YAML files (binlint/rules/load.py); a stale copy would run other rules than
the ones shipped. `python scripts/generate.py` writes it again."""
from __future__ import annotations

import importlib.util
import json
import os

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict) -> None:  # type: ignore[type-arg]
        if version == "editable":  # it reads the rules from rules/, checking each file's digest
            return
        # The module alone, not the package: binlint's __init__ imports what the build lacks.
        spec = importlib.util.spec_from_file_location("digests", os.path.join(self.root, "binlint/rules/digests.py"))
        digests = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(digests)  # type: ignore[union-attr]
        with open(os.path.join(self.root, "binlint/rules/builtin.json"), encoding="utf-8") as f:
            parsed = json.load(f)["rules"]
        stale = digests.stale(os.path.join(self.root, "rules"), parsed)
        if stale:
            raise RuntimeError(f"binlint/rules/builtin.json does not match rules/{stale[0]}"
                               f"{f' and {len(stale) - 1} more' if len(stale) > 1 else ''}: "
                               "run `python scripts/generate.py` before building")
