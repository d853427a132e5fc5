"""Facts: the catalogue of every fact rules may read, and the view that computes them.

Each format's facts live beside its reader (binlint/formats/<format>/facts.py); the facts
every artifact has, archive facts and the loader model live here. The formats that offer
each group of facts are declared in the format registry (binlint.formats).
"""
from __future__ import annotations

import importlib

from binlint.facts.catalogue import Fact
from binlint.formats import FACT_MODULES


def _on_elf(facts: dict[str, Fact]) -> dict[str, Fact]:
    # The reader once made is taken without a call: ELF facts are most of the 79,000 a tree scan computes.
    return {name: fact._replace(compute=lambda view, c=fact.compute: c(view._elf or view.elf()))
            for name, fact in facts.items()}


def _facts(module: str) -> dict[str, Fact]:
    facts = importlib.import_module(module).FACTS
    return _on_elf(facts) if module == "binlint.formats.elf.facts" else facts


# Every fact's compute() takes the FileView; ELF facts are written against the ElfFile.
CATALOGUE: dict[str, Fact] = {name: fact for module in FACT_MODULES for name, fact in _facts(module).items()}
GROUP = {name: name.split(".", 1)[0] for name in CATALOGUE}  # fact -> its group: elf.needed -> elf


def fact_format(name: str) -> str:
    return name.split(".", 1)[0]


from binlint.facts.view import FileView  # noqa: E402 - the view reads the catalogue above

__all__ = ["CATALOGUE", "GROUP", "FileView", "fact_format"]
