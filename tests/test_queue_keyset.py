"""Keyset pages of the queue: walking forward or back gives every case once, in the queue's order."""

import datetime
import uuid

import pytest

from haven.cases.keyset import FORWARD, Cursor, keyset_page
from haven.cases.models import Case
from haven.cases.queries import QueueFilter, queue
from tests.factories import StaffUserFactory, submitted_case

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def cases():
    """23 open cases with every awkward order: ties on the target and on the time received,
    cases without a target, several priorities."""
    made = [submitted_case() for _ in range(23)]
    for n, case in enumerate(made):
        due = None if n % 5 == 0 else NOW + datetime.timedelta(hours=n % 3)
        Case.objects.filter(pk=case.pk).update(
            priority=("P1", "P2", "P2", "P3", "P4")[n % 5 if n % 7 else 2],
            next_due_at=due,
            received_at=NOW - datetime.timedelta(days=n % 2),
        )
    return made


def walk(qs, *, size, backward=False):
    seen, pages = [], 0
    page = keyset_page(qs, size=size)
    if backward:
        while page.next is not None:
            page = keyset_page(qs, after=page.next, size=size)
    while True:
        pages += 1
        seen = page.cases + seen if backward else seen + page.cases
        cursor = page.previous if backward else page.next
        if cursor is None:
            return seen, pages
        page = (
            keyset_page(qs, before=cursor, size=size)
            if backward
            else keyset_page(qs, after=cursor, size=size)
        )


@pytest.mark.parametrize("size", [1, 4, 5, 23, 50])
def test_walking_forward_and_back_gives_every_case_once_in_order(cases, size):
    qs = queue(user=StaffUserFactory(), filters=QueueFilter())
    expected = [c.pk for c in qs.order_by(*FORWARD)]
    assert len(expected) == 23

    forward, pages = walk(qs, size=size)
    backward, _ = walk(qs, size=size, backward=True)

    assert [c.pk for c in forward] == expected
    assert [c.pk for c in backward] == expected
    assert pages == -(-23 // size)


def test_the_first_page_has_no_previous_and_the_last_no_next(cases):
    qs = queue(user=StaffUserFactory(), filters=QueueFilter())
    first = keyset_page(qs, size=50)
    assert (len(first.cases), first.next, first.previous) == (23, None, None)


def test_a_cursor_survives_its_link_and_garbage_is_no_cursor():
    cursor = Cursor("P2", None, NOW, uuid.UUID(int=7))
    assert Cursor.decode(cursor.encode()) == cursor
    timed = Cursor("P1", NOW + datetime.timedelta(microseconds=3), NOW, uuid.UUID(int=9))
    assert Cursor.decode(timed.encode()) == timed
    for garbage in [
        "",
        "P9.-.1.00",
        "P1.²." + "1" * 5 + "." + "0" * 32,
        "P1.-.9" * 40,
        "P1.-.99999999999999999.00",
        "P1.-.1.nothex",
        "P1\x00.-.1." + "0" * 32,
    ]:
        assert Cursor.decode(garbage) is None
