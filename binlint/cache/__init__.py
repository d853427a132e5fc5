"""A cache keyed by content: the facts of each archive and its members, and the findings of
each rule set over them (docs/cache.md). binlint.cache.run is what `binlint check` calls;
keys.py says what an entry depends on, record.py and replay.py what it holds and how the
rules read it again, store.py how it is kept on disk."""
from __future__ import annotations

from collections import namedtuple

# What engine.Options.cache holds: store, a binlint.cache.store.Store; rules, every rule loaded
# (selected or not): a record keeps the facts they read of each view they apply to, beside those
# the run computed.
Cache = namedtuple("Cache", "store rules")
