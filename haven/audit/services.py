"""The audit trail: append events to the hash chain, and verify it."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from haven.audit import checkpoints
from haven.audit.actions import Action, UnknownAction
from haven.audit.checkpoints import Checkpoint
from haven.audit.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
# How many checkpoint lines verify looks up in the database at a time.
CHECKPOINT_BATCH = 5000
# How many bad checkpoint lines verify names before it only counts them.
PROBLEMS_NAMED = 20

logger = logging.getLogger(__name__)


def _digest(
    *,
    seq: int,
    at: datetime,
    action: str,
    actor_id: int | None,
    actor_label: str,
    report_id: uuid.UUID | None,
    detail: dict[str, Any],
    prev_hash: str,
) -> str:
    body = json.dumps(
        {
            "seq": seq,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "action": action,
            "actor": actor_id,
            "actor_label": actor_label,
            "report": str(report_id) if report_id else None,
            "detail": detail,
            "prev": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(body.encode()).hexdigest()


# The head's lock and move, as two fixed statements: every staff page that opens a case
# appends an event, and building the ORM's queries for one row was a tenth of its time.
_HEAD = AuditChainHead._meta.db_table


def _locked_head() -> tuple[int, str] | None:
    """The head's (seq, hash), locked until the transaction ends; None if there is no head.

    ``FOR UPDATE`` where the database has it (PostgreSQL). SQLite has none, and needs none:
    it lets one transaction write at a time, as ``select_for_update`` leaves it there too.
    """
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seq, hash FROM {_HEAD} WHERE id = 1{lock}")  # noqa: S608
        row = cursor.fetchone()
    return (int(row[0]), str(row[1])) if row else None


def _move_head(seq: int, digest: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_HEAD} SET seq = %s, hash = %s WHERE id = 1", [seq, digest])  # noqa: S608


def record_event(
    *,
    action: Action,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    report_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain.

    Call it inside the transaction of the action it records, so the two commit or fail together.
    ``action`` is one of ``haven.audit.actions.Action`` (any other name raises UnknownAction,
    before anything is written). ``detail`` must hold no personal data: ids, counts, reasons
    chosen from a list.
    """
    try:
        # Stored and hashed as the plain name, as every event before the registry was.
        name = Action(action).value
    except ValueError:
        raise UnknownAction(
            f"unknown audit action {action!r}: add it to haven.audit.actions.Action"
        ) from None
    if actor is not None and not actor.is_authenticated:
        actor = None
    detail = detail or {}
    with transaction.atomic():
        # Lock the head first: without it two appends would both link to the same predecessor.
        head = _locked_head()
        if head is None:
            # A database emptied by a test flush or a fresh restore: start the chain again, but
            # never over existing events, whose head has then been removed.
            if AuditEvent.objects.exists():
                raise RuntimeError("the audit chain head is missing; run verify_audit_chain")
            created, _ = AuditChainHead.objects.get_or_create(
                pk=1, defaults={"seq": 0, "hash": GENESIS}
            )
            head = (created.seq, created.hash)
        prev_seq, prev_hash = head
        seq = prev_seq + 1
        at = timezone.now()
        actor_id = actor.pk if actor is not None else None
        actor_label = actor.get_username() if actor is not None else ""
        digest = _digest(
            seq=seq,
            at=at,
            action=name,
            actor_id=actor_id,
            actor_label=actor_label,
            report_id=report_id,
            detail=detail,
            prev_hash=prev_hash,
        )
        event = AuditEvent.objects.create(
            seq=seq,
            at=at,
            action=name,
            actor_id=actor_id,
            actor_label=actor_label,
            report_id=report_id,
            detail=detail,
            prev_hash=prev_hash,
            hash=digest,
        )
        _move_head(seq, digest)
    if settings.HAVEN_AUDIT_CHECKPOINT_EVERY:
        # Outside record_event's own savepoint, so the event is owed in the caller's.
        _owe_checkpoint(seq=seq, digest=digest, prev_hash=event.prev_hash)
    return event


# --- One checkpoint per commit -----------------------------------------------------------------
#
# A commit owes one checkpoint, of its newest event, written after the commit (never before: a
# checkpoint must name only events that exist), and only if the commit crossed a multiple of
# HAVEN_AUDIT_CHECKPOINT_EVERY. Savepoints are why this can take more than one callback: Django
# drops a callback registered in a savepoint that is rolled back, so a callback may name only
# events appended in its own savepoint. An _Anchor is registered (transaction.on_commit) with a
# transaction's first event, and again only when a later one is appended in another savepoint
# than the newest anchor's; each names the newest event of its savepoint. After the commit the
# newest anchor that survived writes the line, and the others nothing.


@dataclass(eq=False)
class _Owed:
    """The checkpoint one transaction owes, through its anchors (oldest first)."""

    # The transaction's first event: the commit crossed a multiple of N if one lies from here
    # to the newest event that survived.
    first: int
    # Weak references only. Django's list of callbacks is all that holds an anchor, so one it
    # drops with a savepoint is freed at once (reference counting), and the anchors still alive
    # are those that will run.
    anchors: list[weakref.ref[_Anchor]] = field(default_factory=list)

    def newest(self) -> _Anchor | None:
        for ref in reversed(self.anchors):
            anchor = ref()
            if anchor is not None:
                return anchor
        return None


@dataclass(eq=False)
class _Anchor:
    """An on_commit callback naming the newest event appended in one savepoint context."""

    owed: _Owed
    context: tuple[str | None, ...]
    seq: int
    digest: str

    def __call__(self) -> None:
        if self.owed.newest() is not self:
            return  # a newer event survived: its anchor runs after this one and writes
        connection = transaction.get_connection()
        if _owed.get(connection) is self.owed:
            del _owed[connection]
        every = settings.HAVEN_AUDIT_CHECKPOINT_EVERY
        if every and self.seq // every > (self.owed.first - 1) // every:
            _checkpoint_committed(seq=self.seq, digest=self.digest)


# The checkpoint each connection's open transaction owes (a connection serves one thread).
_owed: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Owed] = weakref.WeakKeyDictionary()


def _owe_checkpoint(*, seq: int, digest: str, prev_hash: str) -> None:
    """Make event ``seq`` the newest the current transaction owes a checkpoint of."""
    connection = transaction.get_connection()
    context = tuple(connection.savepoint_ids)
    owed = _owed.get(connection)
    newest = owed.newest() if owed is not None else None
    if (
        owed is None
        or newest is None
        or newest.digest != prev_hash
        or not connection.in_atomic_block
    ):
        # Nothing owed by this transaction: what was owed is from one that rolled back (or
        # whose callbacks never ran), or every event of this one so far was rolled back, or
        # there is no transaction (the event committed on its own). While a transaction goes
        # on, its newest surviving event is the head this one linked to.
        owed = _owed[connection] = _Owed(first=seq)
    elif newest.context == context:
        newest.seq, newest.digest = seq, digest
        return
    anchor = _Anchor(owed=owed, context=context, seq=seq, digest=digest)
    owed.anchors.append(weakref.ref(anchor))
    # Outside any transaction (autocommit) this runs at once: the event is already committed.
    transaction.on_commit(anchor)


def _checkpoint_committed(*, seq: int, digest: str) -> None:
    # The event is committed already: failing the request now would undo nothing, so a
    # checkpoint that cannot be written is logged, and the next one (or the timer) anchors it.
    try:
        _write_checkpoint(Checkpoint(seq=seq, hash=digest, at=timezone.now()))
    except (OSError, ImproperlyConfigured) as error:
        logger.error("audit checkpoint of event %s not written: %s", seq, error)


def _write_checkpoint(checkpoint: Checkpoint) -> None:
    line = checkpoints.sign(checkpoint, key=checkpoints.key())
    checkpoints.append(line, path=Path(settings.HAVEN_AUDIT_CHECKPOINT_FILE))


@dataclass(frozen=True)
class CheckpointWrite:
    head: int
    written: bool


def checkpoint_head() -> CheckpointWrite:
    """Append a signed checkpoint of the chain's head to the checkpoint file.

    Nothing is written for an empty chain, nor when the file's last checkpoint already names
    this head. A head that does not match its event is refused (ValueError): anchoring it would
    vouch for a chain that is already broken.
    """
    signing_key = checkpoints.key()
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None or head.seq == 0:
        return CheckpointWrite(head=0, written=False)
    if not AuditEvent.objects.filter(seq=head.seq, hash=head.hash).exists():
        raise ValueError(
            f"the chain head does not match event {head.seq}, so no checkpoint was written; "
            "run verify_audit_chain"
        )
    path = Path(settings.HAVEN_AUDIT_CHECKPOINT_FILE)
    newest = checkpoints.last(path, key=signing_key)
    if newest is not None and (newest.seq, newest.hash) == (head.seq, head.hash):
        return CheckpointWrite(head=head.seq, written=False)
    _write_checkpoint(Checkpoint(seq=head.seq, hash=head.hash, at=timezone.now()))
    return CheckpointWrite(head=head.seq, written=True)


@dataclass(frozen=True)
class ChainCheck:
    events: int
    broken_at: int | None
    problem: str
    # The checkpoint lines that matched the chain, and the newest event they anchor.
    checkpoints: int = 0
    anchored: int = 0
    # Lines of the checkpoint file that are not valid signed checkpoints.
    checkpoint_problems: tuple[str, ...] = ()
    # Why the checkpoints could not protect the chain (no file, an empty file).
    warning: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None and not self.checkpoint_problems


@dataclass
class _Walk:
    """What walking the events found: how far the chain holds, and its first break."""

    count: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS
    broken_at: int | None = None
    problem: str = ""


@dataclass
class _Anchors:
    """What the checkpoint lines say about the chain that was walked."""

    lines: int = 0
    matched: int = 0
    anchored: int = 0
    # The newest checkpoint naming an event past the chain's end: events were removed.
    beyond: tuple[int, Checkpoint] | None = None
    # The oldest checkpoint whose event has another hash: the chain was rewritten.
    differs: tuple[int, Checkpoint] | None = None
    problems: list[str] = field(default_factory=list)
    bad_lines: int = 0


def verify_chain(*, batch: int = 5000, checkpoint_file: Path | None = None) -> ChainCheck:
    """Walk the chain in order, then hold it against the signed checkpoints outside it.

    Names the first event whose link or hash does not hold; events removed or rewritten below
    a checkpoint (a truncation, a rollback, a chain recomputed after an edit); and every
    checkpoint line that is not validly signed. A missing checkpoint file is a warning.
    """
    path = Path(checkpoint_file or settings.HAVEN_AUDIT_CHECKPOINT_FILE)
    signing_key = checkpoints.key()
    # The file's size first, then the database: every line counted was written after its
    # event committed, so the snapshot read next holds that event.
    unreadable = ""
    try:
        size: int | None = os.stat(path).st_size
    except FileNotFoundError:
        size = None
    except OSError as error:
        size, unreadable = None, error.strerror or str(error)
    with _snapshot():
        walk = _walk(batch)
        head = AuditChainHead.objects.filter(pk=1).first()
        anchors = _Anchors()
        if size is not None:
            try:
                anchors = _check_anchors(path, size, walk, signing_key)
            except OSError as error:
                unreadable = error.strerror or str(error)
    if unreadable:
        anchors = _Anchors(problems=[f"Checkpoint file {path} cannot be read: {unreadable}."])
    problems = tuple(anchors.problems)
    if anchors.bad_lines > len(problems):
        more = anchors.bad_lines - len(problems)
        problems += (f"Checkpoint file {path}: {more} more lines like these.",)
    warning = ""
    if not unreadable and (size is None or (anchors.lines + anchors.bad_lines == 0 and walk.count)):
        warning = _no_anchor_warning(path, missing=size is None)
    broken_at, problem = walk.broken_at, walk.problem
    if broken_at is None:
        broken_at, problem = _compare(walk, head, anchors)
    return ChainCheck(
        events=walk.count if broken_at is None else min(walk.count, broken_at - 1),
        broken_at=broken_at,
        problem=problem,
        checkpoints=anchors.matched,
        anchored=anchors.anchored,
        checkpoint_problems=problems,
        warning=warning,
    )


@contextmanager
def _snapshot() -> Iterator[None]:
    """On PostgreSQL, read everything from one snapshot, so appends meanwhile do not count.

    Without it an event appended between the walk and reading the head would look like
    events removed. SQLite is left alone: a transaction there takes the write lock (IMMEDIATE),
    which would hold up every append for the length of the walk.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _walk(batch: int) -> _Walk:
    walk = _Walk()
    expected_seq = 1
    while True:
        events = list(AuditEvent.objects.filter(seq__gte=expected_seq).order_by("seq")[:batch])
        if not events:
            return walk
        for event in events:
            if event.seq != expected_seq:
                walk.broken_at, walk.problem = expected_seq, f"event {expected_seq} is missing"
                return walk
            if event.prev_hash != walk.last_hash:
                walk.broken_at, walk.problem = event.seq, "it does not link to the event before it"
                return walk
            digest = _digest(
                seq=event.seq,
                at=event.at,
                action=event.action,
                actor_id=event.actor_id,
                actor_label=event.actor_label,
                report_id=event.report_id,
                detail=event.detail,
                prev_hash=event.prev_hash,
            )
            if digest != event.hash:
                walk.broken_at, walk.problem = event.seq, "its contents do not match its hash"
                return walk
            walk.last_hash, walk.last_seq = event.hash, event.seq
            expected_seq += 1
            walk.count += 1


def _check_anchors(path: Path, size: int, walk: _Walk, signing_key: bytes) -> _Anchors:
    """Hold every checkpoint line against the events, a batch of lines at a time."""
    anchors = _Anchors()
    pending: list[tuple[int, Checkpoint]] = []

    def settle() -> None:
        stored = dict(
            AuditEvent.objects.filter(seq__in={c.seq for _, c in pending}).values_list(
                "seq", "hash"
            )
        )
        for number, checkpoint in pending:
            digest = stored.get(checkpoint.seq)
            if digest == checkpoint.hash:
                anchors.matched += 1
                anchors.anchored = max(anchors.anchored, checkpoint.seq)
            elif digest is None and checkpoint.seq > walk.last_seq:
                if anchors.beyond is None or checkpoint.seq > anchors.beyond[1].seq:
                    anchors.beyond = (number, checkpoint)
            elif anchors.differs is None or checkpoint.seq < anchors.differs[1].seq:
                # Another hash, or (in a chain already broken) no event where one was.
                anchors.differs = (number, checkpoint)
        pending.clear()

    for line in checkpoints.read(path, key=signing_key, upto=size):
        if line.checkpoint is None:
            anchors.bad_lines += 1
            if len(anchors.problems) < PROBLEMS_NAMED:
                anchors.problems.append(
                    f"Checkpoint file {path}, line {line.number}: {line.problem}."
                )
            continue
        anchors.lines += 1
        pending.append((line.number, line.checkpoint))
        if len(pending) >= CHECKPOINT_BATCH:
            settle()
    settle()
    return anchors


def _compare(walk: _Walk, head: AuditChainHead | None, anchors: _Anchors) -> tuple[int | None, str]:
    """Where a chain that links throughout still falls short of its head or its checkpoints."""
    if anchors.differs is not None:
        number, checkpoint = anchors.differs
        # In a chain that links throughout, a rewrite changes every hash after it, so the
        # checkpoints that still match all lie below it.
        below = min(anchors.anchored, checkpoint.seq - 1)
        return below + 1, (
            f"events after {below} have been rewritten: event {checkpoint.seq} differs from "
            f"the signed checkpoint on line {number}, written at {_when(checkpoint)}"
        )
    if anchors.beyond is not None:
        number, checkpoint = anchors.beyond
        return walk.last_seq + 1, (
            f"events after {walk.last_seq} have been removed: the signed checkpoint on line "
            f"{number}, written at {_when(checkpoint)}, records event {checkpoint.seq}"
        )
    if head is None:
        # Without the head, removing the newest events could not be told from a short chain.
        return walk.last_seq + 1, "the chain head is missing"
    if head.seq != walk.last_seq or head.hash != walk.last_hash:
        return walk.last_seq + 1, "events after this point have been removed"
    return None, ""


def _when(checkpoint: Checkpoint) -> str:
    return checkpoint.at.strftime("%Y-%m-%d %H:%M:%S UTC")


def _no_anchor_warning(path: Path, *, missing: bool) -> str:
    found = f"there is no checkpoint file at {path}" if missing else f"{path} holds no checkpoint"
    return (
        f"Warning: {found}. Nothing outside the database anchors the audit chain, so "
        "removing the newest events would not be detected. Checkpoints are written after each "
        "commit (HAVEN_AUDIT_CHECKPOINT_EVERY) and by manage.py checkpoint_audit_chain, which "
        "should run every minute; keep the file append-only (chattr +a) or ship each line to a "
        "remote log, and pass a copy with --checkpoint-file. See docs/SECURITY.md, "
        '"The audit trail".'
    )
