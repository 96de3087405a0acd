"""Time targets over a case's life: first read, the threshold decision, first contact.

A reporter who left no phone or email still has a first-contact target, met by a message
through their report's page (tests/test_conversation.py); the queue's next target
is the earliest one not yet met; a reopened case gets fresh targets from the moment it reopens;
a priority change counts the unmet targets again; working days skip the bank holidays.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.cases import services
from haven.cases.lifecycle import Status
from haven.cases.models import Case, Transition
from haven.cases.queries import QueueFilter, queue
from haven.reporting.services import submit_report
from haven.triage.rules import Target, parse_bank_holidays
from tests.factories import StaffUserFactory


@pytest.fixture(autouse=True)
def without_approvals(settings):
    """The lifecycle on its own: four-eyes approvals (tests/test_approvals.py) switched off."""
    settings.HAVEN_APPROVALS = dict.fromkeys(settings.HAVEN_APPROVALS, False)


LONDON = ZoneInfo("Europe/London")
MONDAY = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=LONDON)
CHRISTMAS_EVE = datetime.datetime(2026, 12, 24, 9, 0, tzinfo=LONDON)  # a Thursday
MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)

CONTACT = {
    "contact_choice": "yes",
    "name": "Pat Example",
    "phone": "07700 900982",
    "email": "pat@example.org",
    "safe_times": "Evenings",
    "leave_message": "yes",
}
# The answers that give each band (a parent reporting).
P1 = {"danger": {"danger_now": "yes"}}
P3: dict[str, Any] = {}
P4 = {
    "concern": {"concerns": ["bullying"]},
    "what-happened": {"what_happened": "Children are leaving nasty comments on her videos."},
    "child": {"child_age": "14", "relationship": "my_child"},
    "person": {"person_adult": "no", "works_with_children": "no"},
}


def reported(
    band: dict[str, Any], *, contactable: bool, received_at: datetime.datetime = MONDAY
) -> Case:
    """A parent's report, sent through submit_report, as its case."""
    answers = {
        "what-happened": {"what_happened": "Someone in a game asked for photos."},
        **band,
        "contact": CONTACT if contactable else {"contact_choice": "no"},
    }
    receipt = submit_report(
        audience="parent",
        answers=answers,
        submission_key=uuid.uuid4().hex,
        received_at=received_at,
    )
    return Case.objects.select_related("report").get(report=receipt.report)


def fresh(case: Case) -> Case:
    return Case.objects.select_related("report").get(pk=case.pk)


def targets(case: Case) -> tuple[Any, ...]:
    return (case.first_read_due, case.threshold_decision_due, case.first_contact_due)


def next_target(case: Case) -> tuple[Any, str]:
    return (case.next_due_at, case.next_target)


def decide(case: Case, by: Any, to: str = Status.MEETS_THRESHOLD) -> Case:
    services.change_status(case=case, to=Status.ASSESSING, by=by)
    return services.change_status(case=case, to=to, by=by, reason="The threshold is met")


def close(case: Case, by: Any) -> Case:
    for to, reason in [
        (Status.CONTACTING, ""),
        (Status.PLANNING, ""),
        (Status.REFERRED, "Referred to local children's social care"),
        (Status.CLOSED, "Plan complete"),
    ]:
        case = services.change_status(case=case, to=to, by=by, reason=reason)
    return case


def reopen(case: Case, by: Any) -> Case:
    services.change_status(
        case=case, to=Status.ASSESSING, by=by, reason="The reporter sent something new"
    )
    return fresh(case)


@pytest.fixture
def advisor(db: None) -> Any:
    return StaffUserFactory()


# --- A reporter who left no phone or email ----------------------------------------------------


def test_a_reporter_who_left_no_phone_or_email_still_has_a_first_contact_target(db):
    # They can be reached through their report's messages, so first contact is still due.
    case = reported(P1, contactable=False)
    assert case.report.contactable is False
    assert targets(case) == (MONDAY + 15 * MINUTE, MONDAY + HOUR, MONDAY + HOUR)
    assert next_target(case) == (MONDAY + 15 * MINUTE, "first_read")


def test_it_goes_from_first_read_to_the_threshold_decision_when_there_is_no_contact_target(
    advisor,
):
    case = reported(P4, contactable=False)  # P4 has no first-contact target
    assert case.first_contact_due is None
    services.record_first_read(case=case, by=advisor)
    assert next_target(fresh(case))[1] == "threshold_decision"
    decide(case, advisor)
    case = fresh(case)
    assert case.threshold_decided_at is not None
    assert next_target(case) == (None, "")


# --- Every target, earliest unmet first ------------------------------------------------------


def test_it_gives_a_contactable_p1_report_all_three_targets(db):
    case = reported(P1, contactable=True)
    assert targets(case) == (MONDAY + 15 * MINUTE, MONDAY + HOUR, MONDAY + HOUR)


def test_it_sets_the_default_threshold_decision_target_of_each_band(db):
    p3, p4 = reported(P3, contactable=True), reported(P4, contactable=True)
    assert (p3.priority, p4.priority) == ("P3", "P4")
    # Monday 10:00: P3 decided within two working days, P4 within three.
    assert p3.threshold_decision_due == datetime.datetime(2026, 12, 2, 10, 0, tzinfo=LONDON)
    assert p4.threshold_decision_due == datetime.datetime(2026, 12, 3, 10, 0, tzinfo=LONDON)
    assert p4.first_contact_due is None


def test_it_meets_the_targets_in_turn_and_the_tie_goes_to_the_decision_before_contact(advisor):
    case = reported(P1, contactable=True)
    services.record_first_read(case=case, by=advisor)
    assert next_target(fresh(case)) == (MONDAY + HOUR, "threshold_decision")
    decide(case, advisor)
    assert next_target(fresh(case)) == (MONDAY + HOUR, "first_contact")
    services.log_contact_attempt(case=case, by=advisor, method="phone", outcome="spoke")
    assert next_target(fresh(case)) == (None, "")


def test_it_puts_first_contact_next_when_it_is_due_before_the_decision(advisor, settings):
    settings.HAVEN_TIME_TARGETS = {"P3": {"threshold_decision": Target(working_days=3)}}
    case = reported(P3, contactable=True)
    services.record_first_read(case=case, by=advisor)
    wednesday, thursday = (datetime.datetime(2026, 12, d, 10, 0, tzinfo=LONDON) for d in (2, 3))
    assert next_target(fresh(case)) == (wednesday, "first_contact")
    services.log_contact_attempt(case=case, by=advisor, method="phone", outcome="spoke")
    assert next_target(fresh(case)) == (thursday, "threshold_decision")


def test_a_decision_below_threshold_meets_the_threshold_target(advisor):
    case = reported(P4, contactable=True)
    services.record_first_read(case=case, by=advisor)
    assert next_target(fresh(case))[1] == "threshold_decision"
    decide(case, advisor, to=Status.BELOW_THRESHOLD)
    case = fresh(case)
    decided = Transition.objects.get(case=case, to_status=Status.BELOW_THRESHOLD)
    assert case.threshold_decided_at == decided.at
    assert next_target(case) == (None, "")


def test_it_says_which_target_is_next_and_how_long_is_left(db):
    case = reported(P1, contactable=True)
    left = services.time_left(case, now=MONDAY + 5 * MINUTE)
    assert (left.due, left.seconds, left.target, str(left.label)) == (
        MONDAY + 15 * MINUTE,
        600,
        "first_read",
        "First read",
    )
    closed = services.time_left(Case(next_due_at=None, next_target=""))
    assert (closed.due, closed.seconds, closed.target, closed.label) == (None, None, "", "")


def test_the_overdue_queue_holds_a_case_whose_threshold_decision_is_late(advisor):
    case = reported(P1, contactable=False)
    services.record_first_read(case=case, by=advisor)
    overdue = QueueFilter(overdue=True)
    assert case not in queue(user=advisor, filters=overdue, now=MONDAY + 59 * MINUTE)
    assert case in queue(user=advisor, filters=overdue, now=MONDAY + 61 * MINUTE)


# --- Reopening -------------------------------------------------------------------------------


def test_reopening_a_closed_case_sets_fresh_targets_from_the_moment_it_reopens(advisor):
    case = reported(P1, contactable=True)
    services.record_first_read(case=case, by=advisor)
    decide(case, advisor)
    services.log_contact_attempt(case=case, by=advisor, method="phone", outcome="spoke")
    close(case, advisor)
    read = fresh(case)

    case = reopen(case, advisor)

    reopening = Transition.objects.get(case=case, from_status=Status.CLOSED)
    assert case.reopened_at == reopening.at
    # The report was read and its words have not changed: the first read stays met.
    assert (case.first_read_at, case.first_read_due) == (read.first_read_at, read.first_read_due)
    assert (case.threshold_decided_at, case.first_contact_at) == (None, None)
    assert (case.threshold_decision_due, case.first_contact_due) == (
        reopening.at + HOUR,
        reopening.at + HOUR,
    )
    assert next_target(case) == (reopening.at + HOUR, "threshold_decision")
    event = AuditEvent.objects.get(action="case.status_changed", detail__from="closed")
    assert event.detail == {
        "case": str(case.id),
        "from": "closed",
        "to": "assessing",
        "targets": ["threshold_decision", "first_contact"],
    }


def test_a_reopened_case_without_contact_details_gets_a_contact_target_again(advisor):
    case = reported(P1, contactable=False)
    services.record_first_read(case=case, by=advisor)
    decide(case, advisor)
    case = reopen(close(case, advisor), advisor)
    assert case.first_contact_due == case.reopened_at + HOUR
    assert case.threshold_decision_due == case.reopened_at + HOUR
    event = AuditEvent.objects.get(action="case.status_changed", detail__from="closed")
    assert event.detail["targets"] == ["threshold_decision", "first_contact"]


def test_a_case_closed_unread_is_due_for_its_first_read_from_the_reopening(advisor):
    case = reported(P1, contactable=True)
    Case.objects.filter(pk=case.pk).update(
        status=Status.CLOSED, closed_at=timezone.now(), next_due_at=None
    )
    case = reopen(case, advisor)
    assert targets(case) == (
        case.reopened_at + 15 * MINUTE,
        case.reopened_at + HOUR,
        case.reopened_at + HOUR,
    )
    assert next_target(case) == (case.reopened_at + 15 * MINUTE, "first_read")
    event = AuditEvent.objects.get(action="case.status_changed", detail__from="closed")
    assert event.detail["targets"] == ["first_read", "threshold_decision", "first_contact"]


def test_a_conversation_before_the_reopening_does_not_meet_the_new_contact_target(advisor):
    case = reported(P1, contactable=True)
    services.record_first_read(case=case, by=advisor)
    decide(case, advisor)
    case = reopen(close(case, advisor), advisor)
    before = case.reopened_at - HOUR
    services.log_contact_attempt(case=case, by=advisor, method="phone", outcome="spoke", at=before)
    assert fresh(case).first_contact_at is None
    services.log_contact_attempt(case=case, by=advisor, method="phone", outcome="spoke")
    assert fresh(case).first_contact_at is not None


# --- Priority changes ------------------------------------------------------------------------


def test_a_priority_change_counts_the_unmet_targets_again_from_receipt(advisor):
    case = reported(P3, contactable=True)
    services.record_first_read(case=case, by=advisor)
    read = fresh(case)
    changed = services.change_priority(case=case, to="P1", by=advisor, reason="Seen together")
    assert targets(changed) == (read.first_read_due, MONDAY + HOUR, MONDAY + HOUR)
    assert next_target(fresh(case)) == (MONDAY + HOUR, "threshold_decision")


def test_a_priority_change_gives_a_reporter_without_contact_details_the_new_contact_target(
    advisor,
):
    case = reported(P4, contactable=False)
    assert case.first_contact_due is None  # P4 has none
    changed = services.change_priority(case=case, to="P2", by=advisor, reason="Images shared")
    assert targets(changed) == (MONDAY + HOUR, MONDAY + 4 * HOUR, MONDAY + 4 * HOUR)


def test_a_priority_change_on_a_reopened_case_counts_from_the_reopening(advisor):
    case = reported(P3, contactable=True)
    services.record_first_read(case=case, by=advisor)
    decide(case, advisor)
    case = reopen(close(case, advisor), advisor)
    changed = services.change_priority(case=case, to="P1", by=advisor, reason="Seen together")
    assert (changed.threshold_decision_due, changed.first_contact_due) == (
        case.reopened_at + HOUR,
        case.reopened_at + HOUR,
    )


# --- Bank holidays ---------------------------------------------------------------------------


def test_the_threshold_decision_in_working_days_skips_the_bank_holidays(db, settings):
    settings.HAVEN_BANK_HOLIDAYS = parse_bank_holidays("2026-12-25,2026-12-28")
    case = reported(P3, contactable=True, received_at=CHRISTMAS_EVE)
    # Two working days after Thursday 24 December: Tuesday 29, then Wednesday 30.
    assert case.threshold_decision_due == datetime.datetime(2026, 12, 30, 9, 0, tzinfo=LONDON)


# --- The cases already stored ----------------------------------------------------------------

BEFORE = [("cases", "0005_seal_safety_action_owner")]


def migrate(target: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    # Every app's: stepping cases back also steps back what depends on it (linking).
    return executor.loader.graph.leaf_nodes()


@pytest.fixture
def stored(transactional_db: None) -> Iterator[dict[str, Case]]:
    advisor = StaffUserFactory()
    cases = {
        "new": reported(P1, contactable=True),
        "unreachable": reported(P1, contactable=False),
        "decided": reported(P3, contactable=True),
        "reopened": reported(P1, contactable=True),
        "closed": reported(P1, contactable=True),
    }
    services.record_first_read(case=cases["unreachable"], by=advisor)
    services.record_first_read(case=cases["decided"], by=advisor)
    decide(cases["decided"], advisor)
    services.record_first_read(case=cases["reopened"], by=advisor)
    decide(cases["reopened"], advisor)
    services.change_status(
        case=close(cases["reopened"], advisor), to=Status.ASSESSING, by=advisor, reason="New"
    )
    Case.objects.filter(pk=cases["closed"].pk).update(
        status=Status.CLOSED, closed_at=timezone.now(), next_due_at=None
    )
    yield cases
    # Leave the schema as every other test expects it.
    migrate(latest())


def test_the_migration_gives_the_open_cases_stored_before_it_their_new_targets(stored):
    migrate(BEFORE)
    # As the code before it stored them: a contact target for everyone, the decision unknown.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET first_contact_due = first_read_due, next_due_at = %s"
            " WHERE status <> 'closed'",
            [MONDAY],
        )

    migrate(latest())

    new, unreachable, decided, reopened, closed = (
        Case.objects.get(pk=stored[name].pk)
        for name in ["new", "unreachable", "decided", "reopened", "closed"]
    )
    assert targets(new) == (MONDAY + 15 * MINUTE, MONDAY + HOUR, new.first_read_due)
    assert next_target(new) == (MONDAY + 15 * MINUTE, "first_read")
    assert (unreachable.first_contact_due, next_target(unreachable)) == (
        None,
        (MONDAY + HOUR, "threshold_decision"),
    )
    decision = Transition.objects.get(case=decided, to_status=Status.MEETS_THRESHOLD)
    assert decided.threshold_decided_at == decision.at
    assert decided.threshold_decision_due == datetime.datetime(2026, 12, 2, 10, 0, tzinfo=LONDON)
    assert next_target(decided) == (decided.first_contact_due, "first_contact")
    reopening = Transition.objects.get(case=reopened, from_status=Status.CLOSED)
    assert (reopened.reopened_at, reopened.threshold_decided_at) == (reopening.at, None)
    assert next_target(reopened) == (reopening.at + HOUR, "threshold_decision")
    assert (closed.threshold_decision_due, next_target(closed)) == (None, (None, ""))
