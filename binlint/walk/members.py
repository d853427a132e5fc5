"""The walk of one view and, for a container, of its members: depth first, within the file's
budget, a large archive's members split between processes, and a second look at the members
whose facts waited for all the others (the loader model)."""
from __future__ import annotations

import functools
from collections import namedtuple

from binlint.errors import ArtifactError
from binlint.facts.view import Context, FileView, Walked
from binlint.formats import READ_WHOLE_MEMBER, REGISTRY, classify, hook
from binlint.formats.classify import HEAD_SIZE, SCRIPT_LINE_MAX
from binlint.formats.elf.prefix import read_elf_member
from binlint.formats.members import Budget, Member
from binlint.walk.digest import member_digest
from binlint.walk.discover import printable_path
from binlint.walk.split import in_worker, map_queue, member_batches

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Iterator

    from binlint.formats.container import Container
    from binlint.walk import Visitor


def walk_view(view: FileView, visitor: Visitor, jobs: int | None) -> tuple[list[Any], Any]:
    """What `visitor` makes of `view` and, for a container, of its members first; and what the
    view's facts wait for (visitor.visit's answer). A broken member costs its own results;
    a broken container keeps the results of the members read."""
    found: list[Any] = []
    try:
        view.open()
        container = view.container()
        if container is not None and view.depth < view.limits.max_depth:
            found += walk_members(view, container, visitor, jobs)
        return found, visitor.visit(view, found)
    except ArtifactError as err:
        view.fail(str(err))
    except Exception as err:  # a hostile file must cost its own results, never the run
        view.fail(f"internal error while reading: {type(err).__name__}: {err}")
    finally:
        view.close()
    visitor.failed(view, found)
    return found, None


def walk_members(view: FileView, container: Container, visitor: Visitor, jobs: int | None) -> list[Any]:
    """The results of the container's members, in order; what the walk learnt of them
    (view.walked) is then there for the container's own facts."""
    context = member_context(view, container)
    # A wheel's members are hashed as they are read, for RECORD, when a rule asks (the
    # visitor says; `binlint facts` computes every fact): a tenth to a fifth of a check.
    hashing = context.wheel and getattr(visitor, "hashes_wheel_members", True)
    processes, batches = member_batches(view, container.members, jobs)
    if processes == 1:
        found, view.walked, _, later = _walk_some(view, container, context, visitor, None, hashing)
        return found + second_look(view, container, context, visitor, later)
    # One large archive: its members are inflated in parallel, each process within an equal
    # share of the file's budget. When no share ran out, the whole budget was not spent
    # either and the results are those of one process. When one did, where the budget ends
    # depends on the split: the archive is read again in this process, so the results never
    # depend on the number of processes.
    budget = view.budget
    left, members_left = budget.left, budget.members_left
    shared = []  # this process's share was taken (each forked child has its own copy)

    def walk_batch(batch: list[Member]) -> tuple[list[Any], Walked, bool, list]:
        if not shared:
            budget.share(processes)
            shared.append(True)
        # Bytes are kept for the second look only in this process, where it runs: a child that
        # sent them back would answer later (scipy's libgfortran, 2.7 MB: 2 ms to pickle, then
        # the copy through the pipe and unpickling, against 5 ms to inflate it again here).
        return _walk_some(view, container, context, visitor, batch, hashing, keep=not in_worker())

    results = map_queue(walk_batch, batches, processes)
    budget.left, budget.members_left, budget.refused, budget.spent = left, members_left, False, None
    if any(refused for _, _, refused, _ in results):
        found, view.walked, _, later = _walk_some(view, container, context, visitor, None, hashing)
        return found + second_look(view, container, context, visitor, later)
    found, later, walked = [], [], Walked({}, {}, {})
    for some_found, some_walked, _, some_later in results:
        found += some_found
        later += some_later
        walked.kinds.update(some_walked.kinds)
        walked.dynamics.update(some_walked.dynamics)
        walked.digests.update(some_walked.digests)
    view.walked = walked
    return found + second_look(view, container, context, visitor, later)


def member_context(view: FileView, container: Container) -> Context:
    """What the members are told of `view`: its kind, and what its format adds (a wheel's
    platforms); the platforms of a wheel further up carry on down."""
    context = Context(view.kind, False, view.context.wheel_platforms)
    told = REGISTRY[view.kind].context
    return context._replace(**hook(told)(view, container)) if told is not None else context


def _walk_some(view: FileView, container: Container, context: Context, visitor: Visitor, members: list[Member] | None,
               hashing: bool, keep: bool = True) -> tuple[list[Any], Walked, bool, list[tuple[str, Any, Read | None]]]:
    """The results of the container's members (or of `members` among them), what the walk
    learnt of them, whether the file's budget refused a read, and the members whose facts
    wait for all the others (with what was read of them, if `keep`)."""
    found, later, walked, kept = [], [], Walked({}, {}, {}), 0
    for member_view in member_views(view, container, context, members, walked.kinds, hashing):
        data, kind = member_view.data, member_view.kind  # as read: the walk lets go of the bytes
        some_found, waits = walk_view(member_view, visitor, None)
        found += some_found
        if member_view.dynamic is not None:
            walked.dynamics[member_view.members[-1]] = member_view.dynamic
        if member_view.digest is not None:
            walked.digests[member_view.members[-1]] = member_view.digest
        if waits:
            # What was read is kept for the second look (up to KEPT_BYTES), not inflated again:
            # scipy's libgfortran, 2.7 MB, cost its check 5 ms more.
            again = None
            if keep and isinstance(data, (bytes, bytearray)) and member_view.error is None \
                    and kept + len(data) <= KEPT_BYTES:
                again, kept = Read(member_view.head, kind, data, member_view.prefix), kept + len(data)
            later.append((member_view.members[-1], waits, again))
    return found, walked, view.budget.refused, later


def member_views(view: FileView, container: Container, context: Context, members: list[Member] | None,
                 kinds: dict[str, str], hashing: bool = False) -> Iterator[FileView]:
    """The views of the container's members (or of `members` among them), in order, read one
    at a time (links have no content of their own); each member's kind, by its first bytes,
    goes into `kinds`. Threads were measured: inflation gains nothing from them.

    Once the file's budget is spent (here, or in an archive nested in it), the next member
    is not read: its view says so, for it and those after it, and the rest are left out: a
    cut-off costs one result per archive, not one per member. A tar whose listing stopped
    short says so in a view of the member where it stopped."""
    listed = container.members if members is None else members
    budget = view.budget
    for index, member in enumerate(listed):
        if member.open is None:
            continue
        if not budget.take_member():
            later = sum(1 for m in listed[index + 1:] if m.open is not None)
            reason = f"not read, nor the {later} members after it: {budget.spent}" if later else \
                f"not read: {budget.spent}"
            yield read_member(view, Member(member.name, None, 0, functools.partial(_refuse, reason)), context)
            return
        member_view = read_member(view, member, context, hashing)
        kinds[member.name] = member_view.kind
        yield member_view
    if container.cut_off is not None and members is None:
        name, reason = container.cut_off
        yield read_member(view, Member(name, None, 0, functools.partial(_refuse, reason)), context)


def _refuse(reason: str) -> BinaryIO:
    raise ArtifactError(reason)


KEPT_BYTES = 64 << 20  # of the members whose facts wait for the second look, in one walk
# What read_member() read of a member, for a second look at it: its first bytes, kind, bytes and prefix.
Read = namedtuple("Read", "head kind data prefix")


def read_member(holder: FileView, member: Member, context: Context, hashing: bool = False,
                again: Read | None = None) -> FileView:
    """The view of one member of `holder`, read within the file's limits: its first bytes,
    and all of it for the formats that are read whole (archives, executables); of an ELF
    member over the limits, what the loader reads (view.prefix says so); with `hashing`,
    its SHA-256 and size too (view.digest)."""
    # The path is one line of a text report: a newline in a member's name is shown escaped.
    view = FileView(f"{holder.path}!{printable_path(member.name)}", holder.location, (*holder.members, member.name),
                    holder.limits, holder.budget, holder.depth + 1, context)
    view.mode = member.mode or 0
    view.size = member.size
    view.holder = holder.container()
    if again is not None:  # read before: the same bytes
        view.head, view.kind, view.data, view.prefix = again
        view.size = len(view.data) if view.kind in READ_WHOLE_MEMBER and view.prefix is None else member.size
        return view
    try:
        stream = member.open()
        try:
            view.head = stream.read(HEAD_SIZE)
            view.kind = classify(view.head)
            if view.line_goes_on():
                view.head += stream.read(SCRIPT_LINE_MAX - HEAD_SIZE)
            whole = view.kind in READ_WHOLE_MEMBER
            if view.kind == "elf":  # too large to read whole: as far as the loader reads
                view.data, view.prefix = read_elf_member(holder.budget, member, stream, view.head)
            else:
                view.data = holder.budget.read(member, stream, view.head) if whole else view.head
            if hashing:  # RECORD's hashes: from the bytes read here, the rest read on
                view.digest = member_digest(view.data, whole and view.prefix is None, member, stream, holder.budget)
        finally:
            stream.close()
        view.size = len(view.data) if whole and view.prefix is None else member.size
    except ArtifactError as err:
        view.error = str(err)
    except Exception as err:  # a hostile member must cost its own results only
        view.error = f"internal error while reading: {type(err).__name__}: {err}"
    return view


def second_look(view: FileView, container: Container, context: Context, visitor: Visitor,
                later: list[tuple[str, Any, Read | None]]) -> list[Any]:
    """What the members' facts waited for (the loader model's NeedsWholeArchive), now that
    every member was read once and the walk returned what each loads: each such member is
    looked at once more, from the bytes the walk kept, else read again on a budget of its own
    (the file's was spent on the walk, and what a second look costs must not change where it
    ends)."""
    if not later:
        return []
    by_name = {m.name: m for m in container.members}
    order = {m.name: i for i, m in enumerate(container.members)}
    found: list[Any] = []
    spent = view.budget
    view.budget = Budget(view.limits, spent.file_size)
    try:
        for name, waits, again in sorted(later, key=lambda item: order[item[0]]):
            member_view = read_member(view, by_name[name], context, again=again)
            member_view.siblings = view.walked
            try:
                member_view.open()
                visitor.again(member_view, waits, found)
            except Exception as err:  # read once already; if the second read fails, say so, never stay silent
                member_view.fail(str(err) if isinstance(err, ArtifactError) else
                                 f"internal error while reading: {type(err).__name__}: {err}")
                visitor.failed_again(member_view, waits, found)
            finally:
                member_view.close()
    finally:
        view.budget = spent
    return found
