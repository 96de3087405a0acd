"""Cases: opened with their triage at submission, the lifecycle table, claims, records."""

import datetime

import pytest
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.cases import services
from haven.cases.lifecycle import TRANSITIONS, Status
from haven.cases.models import Case, SafetyAction, Transition
from haven.cases.services import CaseRuleBroken
from tests.factories import CaseFactory, StaffUserFactory
from tests.journey import ANSWERS


@pytest.fixture(autouse=True)
def without_approvals(settings):
    """The lifecycle on its own: four-eyes approvals (tests/test_approvals.py) switched off."""
    settings.HAVEN_APPROVALS = dict.fromkeys(settings.HAVEN_APPROVALS, False)


@pytest.fixture
def case(db):
    return CaseFactory()


@pytest.fixture
def advisor(db):
    return StaffUserFactory()


def test_every_report_becomes_a_case_with_its_triage(journey):
    report = journey.submit(
        "parent",
        {
            "concern": {"concerns": ["wants_to_meet", "asked_for_images"]},
            "what-happened": {
                "what_happened": "An adult says they will meet my son at the park tomorrow after school."
            },
        },
    )
    case = Case.objects.get(report=report)
    assert case.reference == report.reference
    assert (case.status, case.scope, case.priority, case.computed_priority) == (
        "new",
        "in",
        "P1",
        "P1",
    )
    codes = [r["code"] for r in case.reasons]
    assert codes[0] == "narrative_meeting_soon"
    assert "wants_to_meet" in codes
    assert case.first_read_due == report.received_at + datetime.timedelta(minutes=15)
    assert case.next_due_at == case.first_read_due
    assert AuditEvent.objects.filter(action="case.opened", report_id=report.id).count() == 1


def test_an_out_of_scope_report_is_a_p4_case_with_its_category(journey):
    report = journey.submit(
        "parent",
        {
            "concern": {"concerns": ["bullying"]},
            "what-happened": {
                "what_happened": "Children are leaving nasty comments on her videos."
            },
            "child": {"child_age": "14", "relationship": "my_child"},
            "person": {"person_adult": "no", "works_with_children": "no"},
        },
    )
    assert (report.case.scope, report.case.out_category, report.case.priority) == (
        "out",
        "bullying",
        "P4",
    )
    assert report.case.first_contact_due is None


def test_the_lifecycle_follows_the_table_to_closed(case, advisor):
    path = [
        (Status.ASSESSING, ""),
        (Status.MEETS_THRESHOLD, "Adult asking for images and a meeting"),
        (Status.CONTACTING, ""),
        (Status.PLANNING, ""),
        (Status.REFERRED, "Referred to local children's social care"),
        (Status.MONITORING, ""),
        (Status.CLOSED, "Plan complete"),
    ]
    for to, reason in path:
        case = services.change_status(case=case, to=to, by=advisor, reason=reason)
        assert case.status == to
    assert case.closed_at is not None and case.next_due_at is None
    assert [t.to_status for t in Transition.objects.filter(case=case).order_by("at", "pk")] == [
        p[0] for p in path
    ]
    decision = AuditEvent.objects.get(action="case.threshold_decided")
    assert decision.detail == {
        "case": str(case.id),
        "from": "assessing",
        "to": "meets_threshold",
        "meets_threshold": True,
    }
    assert decision.actor == advisor


def test_below_threshold_closes_with_signposting(case, advisor):
    services.change_status(case=case, to=Status.ASSESSING, by=advisor)
    services.change_status(
        case=case,
        to=Status.BELOW_THRESHOLD,
        by=advisor,
        reason="Bullying only; signposted to Childline",
    )
    closed = services.change_status(
        case=case, to=Status.CLOSED, by=advisor, reason="Signposting sent"
    )
    assert closed.status == "closed"


@pytest.mark.parametrize(
    ("start", "to"),
    [("new", "closed"), ("new", "meets_threshold"), ("assessing", "planning"), ("closed", "new")],
)
def test_illegal_transitions_are_refused_and_audited(case, advisor, start, to):
    Case.objects.filter(pk=case.pk).update(
        status=start, closed_at=timezone.now() if start == "closed" else None
    )
    with pytest.raises(CaseRuleBroken):
        services.change_status(case=case, to=to, by=advisor, reason="because")
    case.refresh_from_db()
    assert case.status == start
    assert AuditEvent.objects.filter(action="case.transition_refused").count() == 1


def test_a_threshold_decision_needs_a_reason(case, advisor):
    services.change_status(case=case, to=Status.ASSESSING, by=advisor)
    with pytest.raises(CaseRuleBroken, match="Give a reason"):
        services.change_status(case=case, to=Status.MEETS_THRESHOLD, by=advisor, reason="  ")
    case.refresh_from_db()
    assert case.status == "assessing"


def test_a_closed_case_can_be_reopened_with_a_reason(case, advisor):
    services.change_status(case=case, to=Status.ASSESSING, by=advisor)
    services.change_status(case=case, to=Status.BELOW_THRESHOLD, by=advisor, reason="r")
    services.change_status(case=case, to=Status.CLOSED, by=advisor, reason="r")
    reopened = services.change_status(
        case=case, to=Status.ASSESSING, by=advisor, reason="New information"
    )
    assert reopened.status == "assessing" and reopened.closed_at is None


def test_the_reason_is_sealed_and_opens_for_staff(case, advisor):
    services.change_status(case=case, to=Status.ASSESSING, by=advisor)
    services.change_status(
        case=case, to=Status.MEETS_THRESHOLD, by=advisor, reason="reason-marker-5521"
    )
    transition = Transition.objects.get(to_status="meets_threshold")
    assert b"reason-marker-5521" not in bytes(transition.reason_sealed)
    assert (
        services.open_text(case, transition.reason_key_id, transition.reason_sealed)
        == "reason-marker-5521"
    )


def test_every_status_in_the_table_is_reachable_from_new():
    reachable, frontier = {"new"}, ["new"]
    while frontier:
        current = frontier.pop()
        for frm, to in TRANSITIONS:
            if frm == current and to not in reachable:
                reachable.add(to)
                frontier.append(to)
    assert reachable == set(Status.values)


def test_an_advisor_claims_a_case_and_another_cannot(case, advisor):
    other = StaffUserFactory()
    services.claim_case(case=case, by=advisor)
    with pytest.raises(CaseRuleBroken, match="already claimed"):
        services.claim_case(case=case, by=other)
    case.refresh_from_db()
    assert case.assigned_to == advisor
    assert AuditEvent.objects.filter(action="case.claimed").count() == 1
    assert AuditEvent.objects.filter(action="case.claim_refused", actor=other).count() == 1


def test_first_read_is_recorded_once_and_moves_the_next_target(case, advisor):
    assert services.record_first_read(case=case, by=advisor) is True
    assert services.record_first_read(case=case, by=StaffUserFactory()) is False
    case.refresh_from_db()
    assert case.first_read_by == advisor
    # The threshold decision is next (first contact falls due with it or after).
    assert case.first_contact_due is not None
    assert case.first_contact_due >= case.threshold_decision_due
    assert (case.next_due_at, case.next_target) == (
        case.threshold_decision_due,
        "threshold_decision",
    )


def test_speaking_to_the_reporter_meets_the_contact_target(case, advisor):
    services.record_first_read(case=case, by=advisor)
    services.log_contact_attempt(case=case, by=advisor, method="phone", outcome="no_answer")
    case.refresh_from_db()
    assert case.first_contact_at is None
    services.log_contact_attempt(
        case=case, by=advisor, method="phone", outcome="spoke", note="Agreed a plan"
    )
    case.refresh_from_db()
    assert case.first_contact_at is not None
    # The threshold decision is still to make.
    assert (case.next_due_at, case.next_target) == (
        case.threshold_decision_due,
        "threshold_decision",
    )


def test_priority_changes_need_a_reason_and_keep_the_computation(case, advisor):
    with pytest.raises(CaseRuleBroken):
        services.change_priority(case=case, to="P1", by=advisor, reason="")
    changed = services.change_priority(
        case=case, to="P1", by=advisor, reason="Child seen with the adult"
    )
    assert changed.priority == "P1"
    assert changed.computed_priority == case.computed_priority
    assert changed.first_read_due == changed.received_at + datetime.timedelta(minutes=15)
    assert AuditEvent.objects.get(action="case.priority_changed").detail["to"] == "P1"


def test_notes_safety_actions_and_links(journey, advisor):
    first = CaseFactory()
    # Another person of concern: the same username would have linked the two automatically.
    second = journey.submit("child", {"where": {**ANSWERS["where"], "usernames": "@other"}}).case
    note = services.add_note(case=first, by=advisor, kind="opinion", text="note-marker-881")
    assert b"note-marker-881" not in bytes(note.sealed)
    assert services.open_text(first, note.key_id, note.sealed) == "note-marker-881"
    action = services.add_safety_action(
        case=first, by=advisor, action="Block the account", owner="Parent", due_on=None
    )
    services.complete_safety_action(item=action, by=advisor)
    action.refresh_from_db()
    assert action.done_at is not None
    assert services.link_cases(case=first, other=second, by=advisor, reason="manual") is not None
    assert services.link_cases(case=second, other=first, by=advisor, reason="manual") is None
    with pytest.raises(CaseRuleBroken):
        services.link_cases(case=first, other=first, by=advisor, reason="manual")


def test_marking_a_safety_action_done_twice_records_it_once(case, advisor):
    item = services.add_safety_action(
        case=case, by=advisor, action="Block the account", owner="Parent", due_on=None
    )
    # Two clicks of "Mark done", each request having read the action before either wrote.
    first, second = SafetyAction.objects.get(pk=item.pk), SafetyAction.objects.get(pk=item.pk)

    services.complete_safety_action(item=first, by=advisor)
    done_at = SafetyAction.objects.get(pk=item.pk).done_at
    again = services.complete_safety_action(item=second, by=StaffUserFactory())

    assert done_at is not None
    assert SafetyAction.objects.get(pk=item.pk).done_at == done_at
    assert again.done_at == done_at
    events = AuditEvent.objects.filter(action="case.safety_action_done")
    assert [(e.actor_id, e.detail) for e in events] == [
        (advisor.pk, {"case": str(case.id), "action": item.pk})
    ]


def test_the_case_history_reads_every_kind_of_act_in_order_with_its_text(advisor):
    """cases.queries.history: the five tables of people's acts in one statement, oldest first."""
    from haven.cases.queries import history
    from haven.cases.services import open_text

    supervisor = StaffUserFactory(role="supervisor", username="sup-history")
    case = CaseFactory()
    services.change_status(case=case, to=Status.ASSESSING, by=advisor)
    services.change_priority(case=case, to="P1", by=advisor, reason="Seen again")
    services.add_note(case=case, by=advisor, kind="opinion", text="A worry")
    services.log_contact_attempt(
        case=case, by=advisor, method="phone", outcome="no_answer", note="Rang"
    )
    case = services.claim_case(case=case, by=advisor)
    services.change_status(
        case=case, to=Status.MEETS_THRESHOLD, by=supervisor, reason="Met", override_reason="Away"
    )

    rows = history(case)

    assert [
        (r.source, r.who, r.first, r.second, open_text(case, r.key_id, r.sealed)) for r in rows
    ] == [
        ("status", advisor.username, "new", "assessing", ""),
        ("priority", advisor.username, case.computed_priority, "P1", "Seen again"),
        ("note", advisor.username, "opinion", "", "A worry"),
        ("contact", advisor.username, "phone", "no_answer", "Rang"),
        # The supervisor's reason for acting is recorded first, in the change's transaction.
        ("override", "sup-history", advisor.username, "", "Away"),
        ("status", "sup-history", "assessing", "meets_threshold", "Met"),
    ]
    assert all(r.at.tzinfo is not None for r in rows)
    assert rows == sorted(rows, key=lambda r: r.at)
