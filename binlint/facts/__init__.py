"""Facts: the catalogue of every fact rules may read, and the view that computes them.

Each format's facts live beside its reader (binlint/formats/<format>/facts.py); the facts
every artifact has, archive facts and the loader model live here. The formats that offer
each group of facts are declared in the format registry (binlint.formats).

Start-up imports none of the modules that declare facts: rules are checked against the
facts' types, generated into binlint/facts/_shapes.py, and a view imports the modules of
its own groups when it first computes a fact. Importing all twelve and building the
catalogue cost a one-file check 9 ms of 48.
"""
from __future__ import annotations

import importlib

from binlint.facts._shapes import MODULES, SHAPES
from binlint.facts.catalogue import Fact
from binlint.formats import FACT_MODULES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

def _on_elf(facts: dict[str, Fact]) -> dict[str, Fact]:
    # The reader once made is taken without a call: ELF facts are most of the 79,000 a tree scan computes.
    return {name: fact._replace(compute=lambda view, c=fact.compute: c(view._elf or view.elf()))
            for name, fact in facts.items()}


def _facts(module: str) -> dict[str, Fact]:
    facts = importlib.import_module(module).FACTS
    return _on_elf(facts) if module == "binlint.formats.elf.facts" else facts


def group_facts(groups: tuple[str, ...]) -> dict[str, Fact]:
    """The facts of these groups in the catalogue's order, their modules imported now. Every
    fact's compute() takes the FileView; ELF facts are written against the ElfFile."""
    modules = {m for g in groups for m in MODULES.get(g, ())}
    return {name: fact for module in FACT_MODULES if module in modules
            for name, fact in _facts(module).items() if fact_format(name) in groups}


def shape(name: str) -> tuple[str, dict[str, str] | None] | None:
    """A fact's type and the fields of its items, None for no such fact. From the catalogue
    when _shapes.py does not know it yet (a fact added before scripts/generate.py ran)."""
    found = SHAPES.get(name)
    if found is None and name in _catalogue():
        fact = _catalogue()[name]
        found = fact.type, fact.items
    return found


def _catalogue() -> dict[str, Fact]:
    return globals().get("CATALOGUE") or __getattr__("CATALOGUE")  # type: ignore[no-any-return]


def __getattr__(name: str) -> Any:
    """CATALOGUE, every fact in docs/facts.md's order, and GROUP, fact -> its group
    (elf.needed -> elf), built when first asked (docs, `binlint facts`, tests)."""
    if name == "CATALOGUE":
        globals()[name] = {n: f for module in FACT_MODULES for n, f in _facts(module).items()}
    elif name == "GROUP":
        globals()[name] = {n: fact_format(n) for n in _catalogue()}
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return globals()[name]


def fact_format(name: str) -> str:
    return name.split(".", 1)[0]


from binlint.facts.view import FileView  # noqa: E402 - the view reads the shapes above

__all__ = ["CATALOGUE", "GROUP", "MODULES", "SHAPES", "FileView", "fact_format", "group_facts", "shape"]
