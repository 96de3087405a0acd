"""Removing the newest audit events is refused by PostgreSQL, and found by the checkpoints.

The database refuses TRUNCATE of the audit tables and any move of the chain head that is not
one append. Someone who can lift those triggers (a database superuser) can still delete events
and move the head back; the signed checkpoints outside the database then name what is gone.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from haven.audit.actions import Action
from haven.audit.models import AuditChainHead, AuditEvent
from haven.audit.services import GENESIS, _digest, record_event, verify_chain
from tests.audit_helpers import tampering_allowed

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers exist only on PostgreSQL"
)

# Any registered action: these tests are about the chain, not the kind of event.
EVENT = Action.AUDIT_SEARCHED


def appended(count: int, capture: Callable[..., Any]) -> list[AuditEvent]:
    """``count`` events, each committed as the application commits them (so checkpointed)."""
    events = []
    for n in range(count):
        with capture(execute=True):
            events.append(record_event(action=EVENT, detail={"n": n}))
    return events


def roll_back_to(seq: int) -> None:
    """What someone hiding the newest events does: delete them and move the head back."""
    with tampering_allowed():
        AuditEvent.objects.filter(seq__gt=seq).delete()
        last_hash = AuditEvent.objects.get(seq=seq).hash if seq else GENESIS
        AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=last_hash)


def refused(sql: str, params: list[Any] | None = None) -> str:
    """Run ``sql`` as the application's role would; return PostgreSQL's refusal."""
    with pytest.raises(DatabaseError) as refusal, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    return str(refusal.value)


def settle_foreign_keys() -> None:
    """Check the deferred foreign keys now: PostgreSQL will not TRUNCATE while any are pending.

    (The test's own transaction never commits; a TRUNCATE in production meets no such wait.)
    """
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def verify_fails() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit_chain", stdout=io.StringIO(), stderr=io.StringIO())
    return str(failure.value)


# --- What PostgreSQL itself refuses ------------------------------------------------------------


@postgresql_only
def test_postgresql_refuses_to_truncate_the_audit_events(django_capture_on_commit_callbacks):
    appended(3, django_capture_on_commit_callbacks)
    settle_foreign_keys()

    assert "the audit trail cannot be truncated" in refused("TRUNCATE audit_auditevent")
    assert "the audit trail cannot be truncated" in refused(
        "TRUNCATE audit_auditevent, audit_auditchainhead"
    )
    assert AuditEvent.objects.count() == 3
    assert verify_chain().ok


@postgresql_only
def test_postgresql_refuses_to_truncate_the_chain_head(django_capture_on_commit_callbacks):
    appended(2, django_capture_on_commit_callbacks)
    settle_foreign_keys()

    assert "the audit trail cannot be truncated" in refused("TRUNCATE audit_auditchainhead")
    assert AuditChainHead.objects.get(pk=1).seq == 2


@postgresql_only
def test_postgresql_refuses_to_delete_the_chain_head(django_capture_on_commit_callbacks):
    appended(2, django_capture_on_commit_callbacks)

    assert "the audit chain head cannot be deleted" in refused("DELETE FROM audit_auditchainhead")
    assert AuditChainHead.objects.get(pk=1).seq == 2


@postgresql_only
def test_postgresql_refuses_to_move_the_head_back(django_capture_on_commit_callbacks):
    first, second, _third = appended(3, django_capture_on_commit_callbacks)

    for seq, digest in ((2, second.hash), (1, first.hash), (0, GENESIS)):
        assert "the audit chain head only moves by one appended event" in refused(
            "UPDATE audit_auditchainhead SET seq = %s, hash = %s", [seq, digest]
        )
    head = AuditChainHead.objects.get(pk=1)
    assert head.seq == 3


@postgresql_only
def test_postgresql_refuses_to_move_the_head_onto_anything_but_the_next_event(
    django_capture_on_commit_callbacks,
):
    *_, third = appended(3, django_capture_on_commit_callbacks)

    for seq, digest in (
        (4, "f" * 64),  # no event 4
        (5, "f" * 64),  # skipping ahead
        (3, "f" * 64),  # rewriting the last link in place
        (3, third.hash),  # no move at all
    ):
        assert "the audit chain head only moves by one appended event" in refused(
            "UPDATE audit_auditchainhead SET seq = %s, hash = %s", [seq, digest]
        )
    assert verify_chain().ok


@postgresql_only
def test_postgresql_refuses_an_event_that_does_not_extend_the_head(
    django_capture_on_commit_callbacks,
):
    *_, third = appended(3, django_capture_on_commit_callbacks)
    insert = (
        "INSERT INTO audit_auditevent (seq, at, action, actor_label, detail, prev_hash, hash) "
        "VALUES (%s, now(), 'test.forged', '', '{}', %s, %s)"
    )

    for seq, prev_hash in ((5, third.hash), (4, "e" * 64), (3, third.prev_hash)):
        assert "an audit event must extend the chain head" in refused(
            insert, [seq, prev_hash, "d" * 64]
        )
    assert AuditEvent.objects.count() == 3


@postgresql_only
def test_postgresql_refuses_a_new_head_over_existing_events(django_capture_on_commit_callbacks):
    appended(2, django_capture_on_commit_callbacks)
    with tampering_allowed():
        AuditChainHead.objects.all().delete()

    assert "the audit chain head can only start an empty chain" in refused(
        "INSERT INTO audit_auditchainhead (id, seq, hash) VALUES (1, 0, %s)", [GENESIS]
    )


@postgresql_only
def test_record_event_still_appends_under_the_triggers(django_capture_on_commit_callbacks):
    events = appended(4, django_capture_on_commit_callbacks)

    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert verify_chain().ok


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_test_suite_can_still_empty_the_database(audit_checkpoint_file):
    """pytest-django empties the database with TRUNCATE after each live-server test."""
    record_event(action=EVENT)

    call_command("flush", interactive=False, verbosity=0)
    # A flushed database starts a new chain: its own checkpoint file, as each test has.
    audit_checkpoint_file.unlink()

    assert AuditEvent.objects.count() == 0
    assert record_event(action=EVENT).seq == 1
    assert verify_chain().ok


# --- What the checkpoints find -----------------------------------------------------------------


def test_verify_names_the_events_removed_after_a_checkpoint(django_capture_on_commit_callbacks):
    appended(6, django_capture_on_commit_callbacks)
    roll_back_to(3)
    assert AuditChainHead.objects.get(pk=1).seq == 3

    check = verify_chain()

    assert (check.ok, check.broken_at, check.events) == (False, 4, 3)
    assert check.problem.startswith("events after 3 have been removed: ")
    assert "records event 6" in check.problem
    message = verify_fails()
    assert message.startswith("Audit chain BROKEN at event 4: events after 3 have been removed")


def test_verify_names_a_rollback_below_a_checkpoint_of_the_command(
    django_capture_on_commit_callbacks, settings
):
    settings.HAVEN_AUDIT_CHECKPOINT_EVERY = 0  # only the timer writes checkpoints
    appended(5, django_capture_on_commit_callbacks)
    call_command("checkpoint_audit_chain", stdout=io.StringIO())
    roll_back_to(2)

    check = verify_chain()

    assert (check.broken_at, check.events) == (3, 2)
    assert check.problem.startswith("events after 2 have been removed: ")
    assert "records event 5" in check.problem


def test_verify_finds_every_event_removed(django_capture_on_commit_callbacks):
    appended(3, django_capture_on_commit_callbacks)
    roll_back_to(0)

    check = verify_chain()

    assert (check.broken_at, check.events) == (1, 0)
    assert check.problem.startswith("events after 0 have been removed: ")


@postgresql_only
def test_a_truncation_by_a_superuser_is_found(django_capture_on_commit_callbacks):
    appended(4, django_capture_on_commit_callbacks)
    settle_foreign_keys()
    with tampering_allowed(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent, audit_auditchainhead")
        cursor.execute(
            "INSERT INTO audit_auditchainhead (id, seq, hash) VALUES (1, 0, %s)", [GENESIS]
        )

    check = verify_chain()

    assert (check.broken_at, check.events) == (1, 0)
    assert check.problem.startswith("events after 0 have been removed: ")
    assert "records event 4" in check.problem


def test_verify_finds_a_chain_rewritten_below_a_checkpoint(django_capture_on_commit_callbacks):
    """Recomputing every hash after an edit makes the chain verify; the checkpoints do not."""
    appended(4, django_capture_on_commit_callbacks)
    with tampering_allowed():
        prev = AuditEvent.objects.get(seq=2).hash
        for event in AuditEvent.objects.filter(seq__gte=3).order_by("seq"):
            event.detail = {"n": 99}
            event.prev_hash = prev
            event.hash = _digest(
                seq=event.seq,
                at=event.at,
                action=event.action,
                actor_id=None,
                actor_label="",
                report_id=None,
                detail=event.detail,
                prev_hash=prev,
            )
            event.save()
            prev = event.hash
        AuditChainHead.objects.filter(pk=1).update(hash=prev)

    check = verify_chain()

    assert (check.broken_at, check.events) == (3, 2)
    assert check.problem.startswith("events after 2 have been rewritten: ")
