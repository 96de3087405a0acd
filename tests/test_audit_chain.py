"""The audit trail's hash chain: how events link, what a submission writes, and verifying it."""

from __future__ import annotations

import contextlib
import io
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command, execute_from_command_line
from django.db import connection
from django.utils import timezone

from haven.audit.actions import Action
from haven.audit.models import AuditChainHead, AuditEvent
from haven.audit.services import GENESIS, _digest, record_event, verify_chain
from haven.reporting import services as reporting
from haven.reporting.models import Report, SubmissionCounter
from tests.audit_helpers import tampering_allowed

pytestmark = pytest.mark.django_db

# Any registered action: these tests are about the chain, not the kind of event.
EVENT = Action.AUDIT_SEARCHED


def three_events() -> list[AuditEvent]:
    return [
        record_event(action=EVENT, detail={"n": 1}),
        record_event(action=EVENT, report_id=uuid.uuid4(), detail={"n": 2}),
        record_event(action=EVENT, detail={"n": 3}),
    ]


def verify_audit_chain() -> tuple[int, str, str]:
    """Run the command as ``manage.py`` does, in this process (the test database is here)."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            execute_from_command_line(["manage.py", "verify_audit_chain"])
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_the_first_event_links_to_sixty_four_zeros():
    first = record_event(action=EVENT)

    assert first.seq == 1
    assert first.prev_hash == "0" * 64 == GENESIS


def test_each_event_stores_the_hash_of_the_event_before_it():
    first, second, third = three_events()

    assert [e.seq for e in (first, second, third)] == [1, 2, 3]
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3


def test_the_chain_head_holds_the_last_link():
    *_, third = three_events()

    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (3, third.hash)


def test_an_anonymous_actor_is_recorded_as_no_actor():
    event = record_event(action=EVENT, actor=AnonymousUser())

    assert (event.actor_id, event.actor_label) == (None, "")


def test_a_submission_writes_one_report_received_event_without_personal_data(journey):
    report = journey.submit("parent")

    events = list(AuditEvent.objects.filter(action="report.received"))
    assert len(events) == 1
    assert events[0].report_id == report.id
    assert events[0].detail == {"channel": "web", "audience": "parent"}
    assert events[0].actor_id is None
    assert events[0].actor_label == ""


def test_a_submission_and_its_audit_event_commit_together(monkeypatch):
    def fail(**kwargs: object) -> None:
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(reporting, "record_event", fail)

    with pytest.raises(RuntimeError, match="audit trail is unavailable"):
        reporting.submit_report(
            audience="parent",
            answers={"what-happened": {"what_happened": "Someone asked for photos."}},
            submission_key=uuid.uuid4().hex,
            received_at=timezone.now(),
            client_bucket="bucket",
        )

    assert Report.objects.count() == 0
    # The count against the client's bucket was rolled back with the report.
    assert not SubmissionCounter.objects.filter(bucket="bucket").exists()
    assert AuditEvent.objects.count() == 0


def test_verify_passes_on_an_intact_chain(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        three_events()  # one commit: one checkpoint, of its newest event

    code, out, err = verify_audit_chain()

    assert (code, err) == (0, "")
    assert out == (
        "Audit chain intact: 3 events verified.\n"
        "Checkpoints: 1 match the chain; the newest anchors event 3.\n"
    )


def test_verify_passes_on_an_empty_chain():
    code, out, _err = verify_audit_chain()

    assert code == 0
    assert out == "Audit chain intact: 0 events verified.\n"


def test_verify_names_the_event_whose_detail_was_edited():
    three_events()
    with tampering_allowed():
        AuditEvent.objects.filter(seq=2).update(detail={"n": 20})

    code, out, err = verify_audit_chain()

    assert code == 1
    assert out == ""
    assert "Audit chain BROKEN at event 2: its contents do not match its hash." in err
    assert "1 events before it verified." in err


def test_verify_names_the_event_edited_by_raw_sql():
    three_events()
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        with tampering_allowed():
            cursor.execute(f"UPDATE {table} SET action = %s WHERE seq = %s", ["test.forged", 3])  # noqa: S608

    check = verify_chain()

    assert (check.ok, check.broken_at, check.events) == (False, 3, 2)
    assert check.problem == "its contents do not match its hash"


def test_verify_detects_an_edit_that_also_recomputes_the_edited_events_hash():
    """Rewriting one event's hash to match its new contents breaks the next link instead."""
    three_events()
    second = AuditEvent.objects.get(seq=2)
    second.detail = {"n": 20}
    second.hash = _digest(
        seq=2,
        at=second.at,
        action=second.action,
        actor_id=None,
        actor_label="",
        report_id=second.report_id,
        detail=second.detail,
        prev_hash=second.prev_hash,
    )
    with tampering_allowed():
        second.save()

    check = verify_chain()

    assert (check.broken_at, check.problem) == (3, "it does not link to the event before it")


def test_verify_detects_that_the_last_event_was_deleted():
    three_events()
    with tampering_allowed():
        AuditEvent.objects.filter(seq=3).delete()

    code, _out, err = verify_audit_chain()

    assert code == 1
    assert "Audit chain BROKEN at event 3: events after this point have been removed." in err


def test_verify_detects_that_a_middle_event_was_deleted():
    three_events()
    with tampering_allowed():
        AuditEvent.objects.filter(seq=2).delete()

    code, _out, err = verify_audit_chain()

    assert code == 1
    assert "Audit chain BROKEN at event 2: event 2 is missing." in err


def test_verify_detects_that_the_first_event_was_deleted():
    three_events()
    with tampering_allowed():
        AuditEvent.objects.filter(seq=1).delete()

    check = verify_chain()

    assert (check.broken_at, check.problem) == (1, "event 1 is missing")


def test_verify_detects_that_every_event_was_deleted():
    three_events()
    with tampering_allowed():
        AuditEvent.objects.all().delete()

    check = verify_chain()

    assert (check.broken_at, check.problem) == (1, "events after this point have been removed")


def test_verify_reports_a_missing_chain_head_instead_of_crashing():
    three_events()
    with tampering_allowed():
        AuditChainHead.objects.all().delete()

    code, _out, err = verify_audit_chain()

    assert code == 1
    assert "Audit chain BROKEN at event 4: the chain head is missing." in err


def test_verify_walks_a_chain_longer_than_one_batch():
    for n in range(7):
        record_event(action=EVENT, detail={"n": n})
    with tampering_allowed():
        AuditEvent.objects.filter(seq=6).update(detail={"n": 99})

    check = verify_chain(batch=2)

    assert (check.broken_at, check.events) == (6, 5)


def test_called_from_code_a_broken_chain_raises_a_command_error_rather_than_exiting():
    three_events()
    with tampering_allowed():
        AuditEvent.objects.filter(seq=1).update(action="test.forged")

    with pytest.raises(CommandError, match="BROKEN at event 1: its contents do not match"):
        call_command("verify_audit_chain", stdout=io.StringIO(), stderr=io.StringIO())


def test_postgresql_itself_refuses_to_change_or_delete_an_audit_event():
    from django.db import DatabaseError, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists only on PostgreSQL")
    three_events()
    for change in (
        lambda: AuditEvent.objects.filter(seq=1).update(action="test.forged"),
        lambda: AuditEvent.objects.filter(seq=3).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()
    assert AuditEvent.objects.count() == 3
    assert verify_chain().ok
