"""Four-eyes approvals: closing below threshold, lowering a priority, closing a P1 or P2 case."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.cases import services
from haven.cases.lifecycle import Status
from haven.cases.models import Approval, Case, PriorityChange, Transition
from haven.cases.services import CaseRuleBroken, open_text
from haven.settings import parse_approvals
from tests.conftest import text_of as raw_text_of
from tests.factories import StaffUserFactory, submitted_case, verified_client

pytestmark = pytest.mark.django_db


def text_of(response: Any) -> str:
    return html.unescape(raw_text_of(response))


@pytest.fixture
def sam() -> Any:
    return StaffUserFactory(username="sam")


@pytest.fixture
def supervisor() -> Any:
    return StaffUserFactory(username="sup", role="supervisor")


@pytest.fixture
def second_supervisor() -> Any:
    return StaffUserFactory(username="sup2", role="supervisor")


def below_threshold_case(by: Any, *, priority: str = "P3") -> Case:
    case = submitted_case()
    Case.objects.filter(pk=case.pk).update(priority=priority)
    case = services.claim_case(case=case, by=by)
    services.change_status(case=case, to=Status.ASSESSING, by=by)
    return services.change_status(
        case=case, to=Status.BELOW_THRESHOLD, by=by, reason="Bullying only"
    )


def p2_case(by: Any) -> Case:
    case = submitted_case()
    Case.objects.filter(pk=case.pk).update(priority="P2")
    return services.claim_case(case=case, by=by)


# --- The setting -------------------------------------------------------------------------------


def test_every_approval_is_on_by_default():
    assert parse_approvals("") == {
        "close_below_threshold": True,
        "lower_priority": True,
        "close_p1_p2": True,
    }


def test_an_approval_can_be_switched_off():
    assert parse_approvals('{"lower_priority": false}')["lower_priority"] is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "must be an object"),
        ('{"close_all": true}', "unknown approval 'close_all'"),
        ('{"lower_priority": "no"}', "lower_priority must be true or false"),
        ("{", "not JSON"),
    ],
)
def test_a_mistyped_setting_stops_the_server(text, message):
    with pytest.raises(ValueError, match=message):
        parse_approvals(text)


def test_the_settings_kinds_are_the_models():
    from haven.cases.models import ApprovalKind
    from haven.settings import APPROVAL_KINDS

    assert set(APPROVAL_KINDS) == set(ApprovalKind.values)


# --- Asking ------------------------------------------------------------------------------------


def test_closing_below_threshold_is_asked_for_not_made(sam):
    case = below_threshold_case(sam)

    case = services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Signposted")

    case.refresh_from_db()
    assert case.status == Status.BELOW_THRESHOLD
    approval = Approval.objects.get()
    assert (approval.kind, approval.to_status, approval.to_priority) == (
        "close_below_threshold",
        Status.CLOSED,
        "",
    )
    assert approval.requested_by == sam and approval.pending
    assert b"Signposted" not in bytes(approval.reason_sealed)
    assert open_text(case, approval.reason_key_id, approval.reason_sealed) == "Signposted"
    event = AuditEvent.objects.get(action="case.approval_requested")
    assert event.actor == sam
    assert event.detail == {
        "case": str(case.id),
        "approval": approval.pk,
        "kind": "close_below_threshold",
        "to": Status.CLOSED,
    }


def test_closing_a_p1_or_p2_case_is_asked_for(sam):
    case = p2_case(sam)
    for to, reason in [
        (Status.ASSESSING, ""),
        (Status.MEETS_THRESHOLD, "Risk"),
        (Status.CONTACTING, ""),
        (Status.PLANNING, ""),
        (Status.REFERRED, "Social care"),
    ]:
        services.change_status(case=case, to=to, by=sam, reason=reason)

    services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Done")

    case.refresh_from_db()
    assert case.status == Status.REFERRED
    assert Approval.objects.get().kind == "close_p1_p2"


def test_lowering_a_priority_is_asked_for_and_raising_it_is_not(sam):
    case = p2_case(sam)

    services.change_priority(case=case, to="P1", by=sam, reason="Meeting tomorrow")
    case.refresh_from_db()
    assert case.priority == "P1"
    assert not Approval.objects.exists()

    services.change_priority(case=case, to="P3", by=sam, reason="Meeting called off")
    case.refresh_from_db()
    assert case.priority == "P1"
    approval = Approval.objects.get()
    assert (approval.kind, approval.to_priority) == ("lower_priority", "P3")
    assert PriorityChange.objects.count() == 1


def test_a_switched_off_approval_lets_the_change_through(sam, settings):
    settings.HAVEN_APPROVALS = {**settings.HAVEN_APPROVALS, "close_below_threshold": False}
    case = below_threshold_case(sam)

    services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Signposted")

    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert not Approval.objects.exists()


def test_while_a_change_waits_no_other_status_or_priority_change_is_made(sam):
    case = below_threshold_case(sam)
    services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Signposted")

    with pytest.raises(CaseRuleBroken, match="awaiting approval"):
        services.change_priority(case=case, to="P1", by=sam, reason="Second thoughts")
    with pytest.raises(CaseRuleBroken, match="awaiting approval"):
        services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Again")

    assert Approval.objects.count() == 1


def test_the_database_holds_at_most_one_pending_approval_per_case(sam):
    case = below_threshold_case(sam)
    services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Signposted")
    first = Approval.objects.get()

    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.create(
            case=case,
            kind="lower_priority",
            requested_by=sam,
            requested_at=timezone.now(),
            to_priority="P4",
            reason_key_id=first.reason_key_id,
            reason_sealed=first.reason_sealed,
        )


# --- Deciding ----------------------------------------------------------------------------------


def test_a_supervisor_approves_and_the_change_is_made_as_the_requesters(sam, supervisor):
    case = below_threshold_case(sam)
    services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Signposted")

    services.approve_change(case=case, by=supervisor, reason="Agreed")

    case.refresh_from_db()
    assert case.status == Status.CLOSED
    approval = Approval.objects.get()
    assert (approval.outcome, approval.decided_by) == ("approved", supervisor)
    assert open_text(case, approval.decision_key_id, approval.decision_sealed) == "Agreed"
    closing = Transition.objects.get(to_status=Status.CLOSED)
    assert closing.by == sam
    assert open_text(case, closing.reason_key_id, closing.reason_sealed) == "Signposted"
    changed = AuditEvent.objects.get(action="case.status_changed", detail__to=Status.CLOSED)
    assert changed.detail["approval"] == approval.pk
    assert changed.detail["approved_by"] == supervisor.pk
    approved = AuditEvent.objects.get(action="case.approval_approved")
    assert approved.actor == supervisor
    assert approved.detail == {
        "case": str(case.id),
        "approval": approval.pk,
        "kind": "close_below_threshold",
        "requested_by": sam.pk,
    }


def test_an_approved_lowering_sets_the_priority(sam, supervisor):
    case = p2_case(sam)
    services.change_priority(case=case, to="P4", by=sam, reason="Adult about themself")

    services.approve_change(case=case, by=supervisor)

    case.refresh_from_db()
    assert case.priority == "P4"
    change = PriorityChange.objects.get()
    assert (change.by, change.from_priority, change.to_priority) == (sam, "P2", "P4")


def test_returning_needs_a_reason_and_makes_no_change(sam, supervisor):
    case = below_threshold_case(sam)
    services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Signposted")

    with pytest.raises(CaseRuleBroken, match="Give a reason for returning"):
        services.return_change(case=case, by=supervisor, reason="  ")
    services.return_change(case=case, by=supervisor, reason="Ring the parent first")

    case.refresh_from_db()
    assert case.status == Status.BELOW_THRESHOLD
    approval = Approval.objects.get()
    assert approval.outcome == "returned"
    assert open_text(case, approval.decision_key_id, approval.decision_sealed) == (
        "Ring the parent first"
    )
    assert AuditEvent.objects.get(action="case.approval_returned").actor == supervisor
    # Returned, the case may be asked about again.
    services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Rang them")
    assert Approval.objects.filter(decided_at__isnull=True).count() == 1


def test_nobody_approves_their_own_request(supervisor, second_supervisor):
    case = below_threshold_case(supervisor)
    services.change_status(case=case, to=Status.CLOSED, by=supervisor, reason="Signposted")

    with pytest.raises(CaseRuleBroken, match="You asked for this change"):
        services.approve_change(case=case, by=supervisor)

    case.refresh_from_db()
    assert case.status == Status.BELOW_THRESHOLD
    refused = AuditEvent.objects.get(action="case.approval_refused")
    assert refused.actor == supervisor
    services.approve_change(case=case, by=second_supervisor)
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_an_advisor_cannot_approve(sam):
    other = StaffUserFactory()
    case = below_threshold_case(sam)
    services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Signposted")

    with pytest.raises(CaseRuleBroken, match="Only a supervisor"):
        services.approve_change(case=case, by=other)

    assert Approval.objects.get().pending


def test_approving_with_nothing_waiting_is_a_plain_rule(supervisor):
    case = submitted_case()

    with pytest.raises(CaseRuleBroken, match="Nothing on this case is awaiting approval"):
        services.approve_change(case=case, by=supervisor)


def test_the_requester_withdraws_their_request_and_nothing_changes(sam):
    case = below_threshold_case(sam)
    services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Signposted")

    services.withdraw_request(case=case, by=sam)

    case.refresh_from_db()
    assert case.status == Status.BELOW_THRESHOLD
    approval = Approval.objects.get()
    assert (approval.pending, approval.outcome, approval.decided_by) == (False, "withdrawn", None)
    withdrawn = AuditEvent.objects.get(action="case.approval_withdrawn")
    assert withdrawn.actor == sam
    assert withdrawn.detail == {
        "case": str(case.id),
        "approval": approval.pk,
        "kind": "close_below_threshold",
        "requested_by": sam.pk,
    }
    # Withdrawn, the advisor may go on working the case, and ask again.
    services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Rang them")
    assert Approval.objects.filter(decided_at__isnull=True).count() == 1


def test_only_the_requester_may_withdraw(sam, supervisor):
    case = below_threshold_case(sam)
    services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Signposted")

    with pytest.raises(CaseRuleBroken, match="Only the person who asked"):
        services.withdraw_request(case=case, by=supervisor)

    assert Approval.objects.get().pending
    refused = AuditEvent.objects.get(action="case.approval_refused")
    assert (refused.actor, refused.detail["approval"]) == (supervisor, Approval.objects.get().pk)


def test_withdrawing_with_nothing_waiting_is_a_plain_rule(sam):
    case = submitted_case()

    with pytest.raises(CaseRuleBroken, match="Nothing on this case is awaiting approval"):
        services.withdraw_request(case=case, by=sam)


# --- Over HTTP ---------------------------------------------------------------------------------


def test_the_case_page_shows_who_asked_when_and_why_and_the_supervisor_decides(sam, supervisor):
    case = below_threshold_case(sam)
    services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Signposted to Childline")
    client = verified_client(supervisor)

    page = client.get(reverse("staff:case", args=[case.id]))

    text = text_of(page)
    assert "Awaiting approval Closing a case below threshold: close the case" in text
    assert "Asked for by sam," in text
    assert "Why: Signposted to Childline" in text
    assert "Approve" in text and "Return it" in text
    assert "Decide what happens next" not in text

    response = client.post(reverse("staff:case_approve", args=[case.id]), {"approve-reason": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_the_requester_sees_the_wait_but_no_decision_form(sam):
    case = below_threshold_case(sam)
    services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Signposted")

    text = text_of(verified_client(sam).get(reverse("staff:case", args=[case.id])))

    assert "Awaiting approval" in text
    assert "A supervisor other than you must approve or return it." in text
    assert "Return it" not in text
    assert "Withdraw your request" in text


def test_the_requester_withdraws_over_http_and_the_chronology_says_so(sam):
    case = below_threshold_case(sam)
    services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Signposted")
    client = verified_client(sam)

    response = client.post(reverse("staff:case_withdraw", args=[case.id]))

    assert response.status_code == 302
    text = text_of(client.get(response.url))
    assert "Awaiting approval" not in text
    assert "Request withdrawn sam" in text
    assert Approval.objects.get().outcome == "withdrawn"


def test_a_supervisor_sees_no_withdraw_button_on_anothers_request(sam, supervisor):
    case = below_threshold_case(sam)
    services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Signposted")

    text = text_of(verified_client(supervisor).get(reverse("staff:case", args=[case.id])))

    assert "Withdraw your request" not in text


def test_returning_over_http_without_a_reason_is_a_form_error(sam, supervisor):
    case = below_threshold_case(sam)
    services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Signposted")

    response = verified_client(supervisor).post(
        reverse("staff:case_return", args=[case.id]), {"return-reason": ""}
    )

    assert response.status_code == 200
    assert response.context["forms"]["return"].errors == {
        "reason": ["Give a reason for returning the change"]
    }
    assert Approval.objects.get().pending


def test_an_advisor_may_not_reach_the_approval_verbs(sam):
    case = below_threshold_case(sam)
    services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Signposted")
    client = verified_client(sam)

    for name in ("staff:case_approve", "staff:case_return"):
        assert client.post(reverse(name, args=[case.id]), {"return-reason": "x"}).status_code == 403
    assert Approval.objects.get().pending


def test_the_approval_verbs_refuse_a_restricted_case_to_a_supervisor_not_named(
    sam, supervisor, second_supervisor
):
    case = below_threshold_case(sam)
    services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Signposted")
    services.restrict_case(case=case, by=second_supervisor, allowed=[sam], reason="Colleague")

    response = verified_client(supervisor).post(reverse("staff:case_approve", args=[case.id]))

    assert response.status_code == 403
    assert Approval.objects.get().pending
    assert AuditEvent.objects.filter(action="case.access_refused", actor=supervisor).exists()


def test_the_queue_tags_the_case_and_counts_the_waiting(sam, supervisor):
    case = below_threshold_case(sam)
    services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Signposted")

    response = verified_client(supervisor).get(reverse("staff:queue"))

    text = text_of(response)
    assert "1 change is awaiting a supervisor's approval." in text
    assert [row.awaiting for row, _left in response.context["cases"]] == [True]
    assert f"{case.reference} Awaiting approval" in text


def test_the_queue_can_show_only_the_cases_awaiting_approval(sam, supervisor):
    waiting = below_threshold_case(sam)
    services.change_status(case=waiting, to=Status.CLOSED, by=sam, reason="Signposted")
    other = submitted_case()

    response = verified_client(supervisor).get(reverse("staff:queue"), {"awaiting": "1"})

    assert [row.pk for row, _left in response.context["cases"]] == [waiting.pk]
    assert other.reference not in text_of(response)
    assert 'id="awaiting" name="awaiting" type="checkbox" value="1" checked' in (
        response.content.decode()
    )


def test_the_team_page_lists_the_waiting_and_hides_a_restricted_reference(
    sam, supervisor, second_supervisor
):
    case = below_threshold_case(sam)
    services.change_status(case=case, to=Status.CLOSED, by=sam, reason="Signposted")
    hidden = below_threshold_case(sam)
    services.change_status(case=hidden, to=Status.CLOSED, by=sam, reason="Signposted")
    services.restrict_case(case=hidden, by=second_supervisor, allowed=[sam], reason="Colleague")

    text = text_of(verified_client(supervisor).get(reverse("staff:team")))

    assert f"{case.reference} Closing a case below threshold sam" in text
    assert (
        "A restricted case: only the people named on it can see it. Closing a case below threshold sam"
        in text
    )
    assert hidden.reference not in text
