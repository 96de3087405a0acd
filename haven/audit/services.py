"""The audit trail: append events to the hash chain, and verify it."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from haven.audit.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64


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


def record_event(
    *,
    action: str,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    report_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain.

    Call it inside the transaction of the action it records, so the two commit or fail together.
    ``detail`` must hold no personal data: ids, counts, reasons chosen from a list.
    """
    if actor is not None and not actor.is_authenticated:
        actor = None
    detail = detail or {}
    with transaction.atomic():
        # Lock the head first: without it two appends would both link to the same predecessor.
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            # A database emptied by a test flush or a fresh restore: start the chain again, but
            # never over existing events, whose head has then been removed.
            if AuditEvent.objects.exists():
                raise RuntimeError("the audit chain head is missing; run verify_audit_chain")
            head, _ = AuditChainHead.objects.get_or_create(
                pk=1, defaults={"seq": 0, "hash": GENESIS}
            )
        seq = head.seq + 1
        at = timezone.now()
        actor_id = actor.pk if actor is not None else None
        actor_label = actor.get_username() if actor is not None else ""
        digest = _digest(
            seq=seq,
            at=at,
            action=action,
            actor_id=actor_id,
            actor_label=actor_label,
            report_id=report_id,
            detail=detail,
            prev_hash=head.hash,
        )
        event = AuditEvent.objects.create(
            seq=seq,
            at=at,
            action=action,
            actor_id=actor_id,
            actor_label=actor_label,
            report_id=report_id,
            detail=detail,
            prev_hash=head.hash,
            hash=digest,
        )
        head.seq, head.hash = seq, digest
        head.save(update_fields=["seq", "hash"])
    return event


@dataclass(frozen=True)
class ChainCheck:
    events: int
    broken_at: int | None
    problem: str

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(*, batch: int = 5000) -> ChainCheck:
    """Walk the chain in order; name the first event whose link or hash does not hold."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    last_seq = 0
    while True:
        events = list(AuditEvent.objects.filter(seq__gte=expected_seq).order_by("seq")[:batch])
        if not events:
            break
        for event in events:
            if event.seq != expected_seq:
                return ChainCheck(count, expected_seq, f"event {expected_seq} is missing")
            if event.prev_hash != prev:
                return ChainCheck(count, event.seq, "it does not link to the event before it")
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
                return ChainCheck(count, event.seq, "its contents do not match its hash")
            prev = event.hash
            last_seq = event.seq
            expected_seq += 1
            count += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None:
        # Without the head, removing the newest events could not be told from a short chain.
        return ChainCheck(count, last_seq + 1, "the chain head is missing")
    if head.seq != last_seq or head.hash != prev:
        return ChainCheck(count, last_seq + 1, "events after this point have been removed")
    return ChainCheck(count, None, "")
