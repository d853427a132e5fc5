from __future__ import annotations


class BinlintError(Exception):
    """A problem the user can fix (bad path, bad rule file, bad flag): exit 2, one line."""


class ArtifactError(Exception):
    """One artifact cannot be read; it becomes an `unreadable-artifact` finding."""
