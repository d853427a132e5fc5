"""The SHA-256 of each member of a wheel, taken while the walk reads it, for the check of
RECORD: a member read whole (ELF and Mach-O files, nested archives: most of a wheel's bytes)
is hashed from the bytes already in memory; of the others (Python sources, data) only the
first bytes were read, and the rest is read on from the same stream, never inflated twice."""
from __future__ import annotations

from binlint.errors import ArtifactError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

    from binlint.formats.members import Budget, Member

_CHUNK = 1 << 20
# The facts that need every member's SHA-256 (binlint.facts.wheel_metadata): the walk hashes a
# wheel's members only for them. Here, not beside them: the engine asks at start-up, and
# importing the wheel facts then cost every run two modules it rarely needs.
HASHED = "wheel.record_hash_mismatches"
HASHED_FACTS = frozenset({HASHED})


def member_digest(data: Any, whole: bool, member: Member, stream: BinaryIO, budget: Budget) -> tuple[bytes, int] | None:
    """(SHA-256, size) of the member whose first bytes (or whole content, if `whole`) are
    `data`, the rest read from `stream`; None when it cannot be known without reading past
    what the file's budget allows (a zip bomb is not inflated for a hash) or past its declared
    size, or when the rest cannot be read (the rules on unreadable members say why)."""
    import hashlib  # only when hashing: importing it costs every run's start-up 10 ms

    if whole:
        return hashlib.sha256(data).digest(), len(data)
    hasher = hashlib.sha256(data)
    size = len(data)
    if member.size - size > budget.left:
        return None
    try:
        while size <= member.size:
            chunk = stream.read(min(_CHUNK, member.size + 1 - size))
            if not chunk:
                break
            hasher.update(chunk)
            size += len(chunk)
    except ArtifactError:
        return None
    finally:
        budget.left = max(0, budget.left - (size - len(data)))
    return (hasher.digest(), size) if size <= member.size else None
