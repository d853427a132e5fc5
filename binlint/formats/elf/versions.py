"""ELF facts of symbol versioning: the versions an object needs, with the symbols behind them."""
from __future__ import annotations

import functools

from binlint.facts.catalogue import LazyItem
from binlint.formats.elf.reader import VER_FLG_WEAK, ElfFile
from binlint.patterns import Pattern  # compiled on first use (binlint/patterns.py)

# Version nodes without a number that stand for a glibc release.
NAMED_GLIBC_NODES = {"GLIBC_ABI_DT_RELR": "2.36"}
# The loader feature such a node stands for, by name and the linker option that asks for it:
# no symbol is bound to it, so its symbols say nothing.
NODE_FEATURES = {"GLIBC_ABI_DT_RELR": "packed relative relocations, -z pack-relative-relocs, glibc 2.36 or later"}
_VERSION_NODE = Pattern(r"^(?P<namespace>.+?)_(?P<release>\d+(?:\.\d+)*)$")


def version_needs(elf: ElfFile) -> list[dict]:
    needs = elf.version_needs
    if not needs:
        return []
    found: list[dict[int, list[str]]] = []

    def symbols() -> dict[int, list[str]]:  # read once, for all items, when one is asked
        if not found:
            found.append(elf.symbols_by_version_index({n.index for n in needs}))
        return found[0]

    items = []
    for need in needs:
        namespace, release = parse_version_node(need.version)
        fields = {"library": need.library, "version": need.version, "namespace": namespace,
                  "release": release, "weak": bool(need.flags & VER_FLG_WEAK)}
        bound = (lambda index=need.index: sorted(set(symbols()[index])))
        items.append(LazyItem(fields, {"symbols": bound,
                                       "needed_for": lambda b=bound, v=need.version: _needed_for(v, b())}))
    # Newest first within a library and namespace, so evidence names the highest version first.
    items.sort(key=lambda i: (i["library"], i["namespace"], _descending(i["release"]), i["version"]))
    return items


def _needed_for(version: str, symbols: list[str]) -> list[str]:
    feature = NODE_FEATURES.get(version)
    return [feature] if feature is not None else symbols


@functools.lru_cache(maxsize=4096)  # the same few hundred names recur in every file
def parse_version_node(name: str) -> tuple[str, str | None]:
    """`GLIBC_2.17` -> (`GLIBC`, `2.17`); `GLIBC_PRIVATE` -> (`GLIBC`, None)."""
    if name in NAMED_GLIBC_NODES:
        return "GLIBC", NAMED_GLIBC_NODES[name]
    match = _VERSION_NODE.match(name)
    if match:
        return match["namespace"], match["release"]
    return name.split("_", 1)[0], None


@functools.lru_cache(maxsize=4096)
def _descending(release: str | None) -> tuple[int, ...]:
    return tuple(-int(p) for p in release.split(".")) if release else (1,)
