"""What a cache entry is keyed by.

- Facts: the SHA-256 of the artifact's bytes, its file name and mode (a wheel's tags are in
  its name; file.mode reads the mode), and everything that shapes reading: the limits, the
  fact model (binlint.version.FACT_MODEL), binlint's version, the content of its own files
  (a fact changed in a checkout without a bump is still a new model), the versions of the
  libraries that parse (LIEF, pyelftools) and of Python (marshal's format).
- Verdicts (the findings of one rule set): the facts key, the path the run names, and the
  rules and targets, each rule with its file's bytes.

Only archives are cached (zip, tar and compressed tar, ar): a bare ELF, Mach-O or PE file on
disk is cheap to read lazily, and some of its facts read the files around it (the libraries
its $ORIGIN reaches, the DLLs beside it, separate debug files), which no key of its bytes
can hold.
"""
from __future__ import annotations

import marshal
import os
import stat
import sys

from binlint import __version__
from binlint.formats import REGISTRY, classify
from binlint.formats.classify import HEAD_SIZE
from binlint.version import FACT_MODEL

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.cache.store import Store
    from binlint.formats.members import Limits
    from binlint.rules import Rule
    from binlint.walk.discover import Artifact

_BINARIES = {"elf", "macho", "pe"}
CACHED_KINDS = frozenset(kind for kind, f in REGISTRY.items() if f.members and not _BINARIES & set(f.groups))
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PARSERS = ("lief", "elftools")  # their versions change what Mach-O and DWARF facts say


def _digest(*parts: Any) -> str:
    import hashlib  # in each function: a run that meets no archive spares importing it (3 ms)

    return hashlib.sha256(repr(parts).encode()).hexdigest()


def environment(limits: Limits, store: Store) -> str:
    """The part of every facts key that is not the artifact's: what shapes reading."""
    # Every limit (a new one too: --image-layers lists deleted files), but the debug folders,
    # with which the cache is off.
    return _digest(FACT_MODEL, __version__, code(store), sys.version_info[:2], marshal.version,
                   tuple(limits._replace(debug_dirs=())))


def code(store: Store) -> str:
    """A digest of binlint's own files and the parsing libraries' versions. Computing it reads
    1.5 MB (11 ms): it is kept in the cache under the files' sizes and times (1 ms to stat)."""
    files = []
    for folder, folders, names in os.walk(_PACKAGE):
        folders[:] = sorted(f for f in folders if f != "__pycache__")
        files += [os.path.join(folder, n) for n in sorted(names) if not n.endswith((".pyc", ".tmp"))]
    from importlib.util import find_spec

    parsers = [getattr(find_spec(name), "origin", None) for name in _PARSERS]
    stats = [(p, st.st_size, st.st_mtime_ns) for p in files + [p for p in parsers if p]
             for st in [_stat(p)] if st is not None]
    memo = _digest(stats)
    found = store.get("code", memo)
    if found is None:
        import hashlib

        digest = hashlib.sha256()
        for path in files:
            digest.update(os.path.relpath(path, _PACKAGE).encode() + b"\0")
            try:
                with open(path, "rb") as stream:
                    digest.update(stream.read())
            except OSError:
                pass
        found = _digest(digest.hexdigest(), [_version(name) for name in _PARSERS])
        store.put("code", memo, found)
    return found  # type: ignore[no-any-return]


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def _version(distribution: str) -> str | None:
    from importlib import metadata

    name = {"elftools": "pyelftools"}.get(distribution, distribution)
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def content(artifact: Artifact) -> tuple[str, str, int] | None:
    """What an archive on disk adds to its facts key: the SHA-256 of its bytes, its name and
    mode; None for anything else (or what cannot be read: the walk says why)."""
    if artifact.link is not None or artifact.error is not None:
        return None
    import hashlib

    try:
        fd = os.open(artifact.fs_path, os.O_RDONLY)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or classify(os.pread(fd, HEAD_SIZE, 0)) not in CACHED_KINDS:
            return None
        with os.fdopen(os.dup(fd), "rb") as stream:
            digest = hashlib.file_digest(stream, "sha256").hexdigest() if hasattr(hashlib, "file_digest") \
                else _sha256(stream)
    except OSError:
        return None
    finally:
        os.close(fd)
    return digest, os.path.basename(artifact.path), stat.S_IMODE(st.st_mode)


def facts_key(environment: str, content: tuple[str, str, int]) -> str:
    return _digest(environment, *content)


def _sha256(stream: Any) -> str:  # Python < 3.11
    import hashlib

    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


def evaluation(rules: list[Rule], options: Any) -> str:
    """What the findings of a facts record depend on: every rule as loaded (with its file's
    bytes: a condition's operands are in no other field) and the targets."""
    import hashlib

    sources = {}
    for rule in rules:
        if rule.source not in sources:
            try:
                with open(rule.source, "rb") as stream:
                    sources[rule.source] = hashlib.sha256(stream.read()).hexdigest()
            except (OSError, TypeError):
                sources[rule.source] = None
    described = [(r.id, r.group, r.severity, sorted(r.formats), r.message, r.evidence, sorted(r.targets),
                  r.source, r.default, r.escalate[0] if r.escalate else None) for r in rules]
    targets = [(t.name, sorted(t.plain().items())) for t in options.targets]
    return _digest(described, sorted(sources.items()), targets, options.prefer_tags)


def verdict_key(facts_key: str, evaluation: str, path: str) -> str:
    return _digest(facts_key, evaluation, path)
