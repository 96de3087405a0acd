"""Pages of the queue by keyset: the next page starts after the last case shown, not at an offset.

An offset reads every row it skips, so page 1,000 of a million cases cost ten times page 1. A
keyset page starts where the previous one ended, at the same cost however deep. The queue's
order is priority, the next target (cases with none last), received, id; a cursor holds those
four values of the last (or first) case shown, in the link, and nothing else about the case.

Each page is read as at most three range scans of the queue's indexes, one after another, each
stopping at the page's size: the rest of this priority with a target, the rest of this priority
without one, then the priorities after it. Each scan's condition leads with equality on the
priority and a range on the next column, which the index serves directly; what is left to filter
is the few rows that tie on it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import F, Q, QuerySet

from haven.cases.models import Case
from haven.triage.rules import Priority

PRIORITIES = tuple(Priority.values)  # in queue order


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: the order's values of the case next to it."""

    priority: str
    next_due_at: datetime | None
    received_at: datetime
    id: uuid.UUID

    @classmethod
    def of(cls, case: Case) -> Cursor:
        return cls(case.priority, case.next_due_at, case.received_at, case.id)

    def encode(self) -> str:
        due = "-" if self.next_due_at is None else str(_micros(self.next_due_at))
        return f"{self.priority}.{due}.{_micros(self.received_at)}.{self.id.hex}"

    @classmethod
    def decode(cls, text: str) -> Cursor | None:
        """The cursor ``encode`` wrote, or None for anything else (a link edited by hand)."""
        parts = text.split(".")
        if len(text) > 80 or len(parts) != 4 or parts[0] not in PRIORITIES:
            return None
        try:
            due = None if parts[1] == "-" else _from_micros(parts[1])
            return cls(parts[0], due, _from_micros(parts[2]), uuid.UUID(hex=parts[3]))
        except (ValueError, OverflowError):
            return None


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // MICROSECOND


def _from_micros(text: str) -> datetime:
    if not text.isascii() or not text.isdigit() or len(text) > 17:
        raise ValueError("not a time")
    return EPOCH + int(text) * MICROSECOND


FORWARD = ("priority", F("next_due_at").asc(nulls_last=True), "received_at", "id")
BACKWARD = ("-priority", F("next_due_at").desc(nulls_first=True), "-received_at", "-id")


def _after_received(c: Cursor) -> Q:
    return Q(received_at__gte=c.received_at) & (Q(received_at__gt=c.received_at) | Q(id__gt=c.id))


def _before_received(c: Cursor) -> Q:
    return Q(received_at__lte=c.received_at) & (Q(received_at__lt=c.received_at) | Q(id__lt=c.id))


def _scans_after(c: Cursor) -> list[Q]:
    later = [p for p in PRIORITIES if p > c.priority]
    same = Q(priority=c.priority)
    scans = []
    if c.next_due_at is not None:
        scans.append(
            same
            & Q(next_due_at__gte=c.next_due_at)
            & (Q(next_due_at__gt=c.next_due_at) | _after_received(c))
        )
        scans.append(same & Q(next_due_at__isnull=True))
    else:
        scans.append(same & Q(next_due_at__isnull=True) & _after_received(c))
    scans += [Q(priority=p) for p in later]
    return scans


def _scans_before(c: Cursor) -> list[Q]:
    earlier = [p for p in reversed(PRIORITIES) if p < c.priority]
    same = Q(priority=c.priority)
    scans = []
    if c.next_due_at is None:
        scans.append(same & Q(next_due_at__isnull=True) & _before_received(c))
        scans.append(same & Q(next_due_at__isnull=False))
    else:
        scans.append(
            same
            & Q(next_due_at__lte=c.next_due_at)
            & (Q(next_due_at__lt=c.next_due_at) | _before_received(c))
        )
    scans += [Q(priority=p) for p in earlier]
    return scans


@dataclass(frozen=True)
class KeysetPage:
    cases: list[Case]
    next: Cursor | None  # the cursor for the page after, None on the last page
    previous: Cursor | None  # the cursor for the page before, None on the first page


def keyset_page(
    cases: QuerySet[Case],
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int = 50,
) -> KeysetPage:
    """One page of ``cases`` (a queue, in the queue's order): the first, or the one after
    ``after``, or the one before ``before``."""
    if after is None and before is None:
        rows = list(cases.order_by(*FORWARD)[: size + 1])
        return KeysetPage(
            rows[:size], Cursor.of(rows[size - 1]) if len(rows) > size else None, None
        )
    backward = before is not None
    cursor = before if backward else after
    assert cursor is not None
    scans = _scans_before(cursor) if backward else _scans_after(cursor)
    order = BACKWARD if backward else FORWARD
    found: list[Case] = []
    for scan in scans:
        found += cases.filter(scan).order_by(*order)[: size + 1 - len(found)]
        if len(found) > size:
            break
    more = len(found) > size
    rows = found[:size]
    if backward:
        rows.reverse()
        return KeysetPage(
            rows,
            next=Cursor.of(rows[-1]) if rows else None,
            previous=Cursor.of(rows[0]) if more else None,
        )
    return KeysetPage(
        rows,
        next=Cursor.of(rows[-1]) if more else None,
        previous=Cursor.of(rows[0]) if rows else None,
    )
