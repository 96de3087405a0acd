"""Many reports from one network: kept, tagged in the queue and on the case, and closed in bulk.

Schools, families and mobile networks share an address, so no report is refused for how many
came from it. Over HAVEN_SUBMISSIONS_PER_WINDOW in a window the case is marked instead, and a
supervisor can close a flood's cases together with one recorded reason.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from haven.audit.models import AuditEvent
from haven.audit.queries import opened_by, who_opened
from haven.cases import services
from haven.cases.lifecycle import Status, moves_from
from haven.cases.models import Case, Transition
from haven.cases.services import CaseRuleBroken
from tests.conftest import text_of
from tests.factories import StaffUserFactory, submitted_case, verified_client

TAG = "Many reports from one network"


@pytest.fixture
def flood(db: None, settings: Any) -> list[Case]:
    """Three cases over the threshold, from one (pseudonymous) address."""
    settings.HAVEN_SUBMISSIONS_PER_WINDOW = 0
    return [submitted_case(client_bucket="one-network") for _ in range(3)]


@pytest.fixture
def ordinary(db: None) -> Case:
    return submitted_case()


@pytest.fixture
def supervisor(db: None) -> Any:
    return StaffUserFactory(role="supervisor", username="sup-flood")


@pytest.fixture
def advisor(db: None) -> Any:
    return StaffUserFactory(username="adv-flood")


def close_url() -> str:
    return reverse("staff:close_cases")


def ids(cases: list[Case]) -> list[str]:
    return [str(case.id) for case in cases]


# --- Marked, shown and filtered --------------------------------------------------------------


def test_only_the_reports_over_the_threshold_are_marked(db, settings):
    settings.HAVEN_SUBMISSIONS_PER_WINDOW = 2
    cases = [submitted_case(client_bucket="one-network") for _ in range(4)]
    other = submitted_case(client_bucket="another-network")
    unknown = submitted_case(client_bucket=None)

    assert [case.many_from_network for case in cases] == [False, False, True, True]
    assert other.many_from_network is False and unknown.many_from_network is False


def test_the_queue_tags_the_marked_cases_and_filters_on_them(advisor, flood, ordinary):
    client = verified_client(advisor)

    everything = text_of(client.get(reverse("staff:queue")))
    marked = client.get(reverse("staff:queue"), {"network": "1"})

    for case in flood:
        assert f"{case.reference} {TAG}" in everything
    assert f"{ordinary.reference} {TAG}" not in everything
    assert ordinary.reference in everything
    assert {case.id for case, _left in marked.context["cases"]} == {case.id for case in flood}
    assert marked.context["filters"].many_from_network is True


def test_the_case_page_explains_the_tag(advisor, flood, ordinary):
    client = verified_client(advisor)

    marked = text_of(client.get(reverse("staff:case", args=[flood[0].id])))
    plain = text_of(client.get(reverse("staff:case", args=[ordinary.id])))

    assert TAG in marked
    assert "Read it as you would any other report" in marked
    assert TAG not in plain


def test_an_advisor_sees_no_way_to_close_cases_in_bulk(advisor, flood):
    page = verified_client(advisor).get(reverse("staff:queue"), {"network": "1"})

    assert "Close these cases" not in text_of(page)
    assert 'name="close-cases"' not in page.content.decode()


def test_a_supervisor_sees_a_box_to_tick_for_each_marked_case(supervisor, flood):
    page = verified_client(supervisor).get(reverse("staff:queue"), {"network": "1"})
    html = page.content.decode()

    assert "Close these cases" in text_of(page)
    for case in flood:
        assert f'name="close-cases" type="checkbox" value="{case.id}"' in html
    assert " checked" not in html.split('name="close-cases"', 1)[1].split(">", 1)[0]


def test_tick_all_ticks_every_case_on_the_page(supervisor, flood):
    html = (
        verified_client(supervisor)
        .get(reverse("staff:queue"), {"network": "1", "tick": "all"})
        .content.decode()
    )

    for case in flood:
        assert f'name="close-cases" type="checkbox" value="{case.id}" checked' in html


def test_the_queue_offers_no_boxes_when_it_is_not_filtered_to_the_marked_cases(supervisor, flood):
    html = verified_client(supervisor).get(reverse("staff:queue")).content.decode()

    assert 'name="close-cases"' not in html


# --- The lifecycle -------------------------------------------------------------------------------


def test_closing_an_unassessed_case_is_a_move_only_the_bulk_close_makes(flood, advisor):
    case = flood[0]

    assert Status.CLOSED not in [to for to, _move in moves_from(Status.NEW)]
    assert Status.CLOSED not in [to for to, _move in moves_from(Status.ASSESSING)]
    with pytest.raises(CaseRuleBroken):
        services.change_status(case=case, to=Status.CLOSED, by=advisor, reason="Flood")
    case.refresh_from_db()
    assert case.status == Status.NEW


# --- Closing in bulk --------------------------------------------------------------------------


def test_a_supervisor_closes_a_floods_cases_with_one_reason(supervisor, flood, ordinary):
    services.change_status(case=flood[1], to=Status.ASSESSING, by=supervisor)
    client = verified_client(supervisor)

    response = client.post(
        close_url(), {"close-cases": ids(flood), "close-reason": "A script sent the same text"}
    )

    assert response.status_code == 200
    text = text_of(response)
    assert "3 cases closed" in text
    for case in flood:
        assert case.reference in text
        case.refresh_from_db()
        assert case.status == Status.CLOSED and case.closed_at is not None
        assert case.next_due_at is None
        transition = Transition.objects.get(case=case, to_status=Status.CLOSED)
        assert transition.by == supervisor
        assert b"A script sent" not in bytes(transition.reason_sealed)
        assert (
            services.open_text(case, transition.reason_key_id, transition.reason_sealed)
            == "A script sent the same text"
        )
    ordinary.refresh_from_db()
    assert ordinary.status == Status.NEW
    events = AuditEvent.objects.filter(action="case.status_changed", detail__to="closed")
    assert sorted((e.detail["case"], e.detail["from"]) for e in events) == sorted(
        [(str(flood[0].id), "new"), (str(flood[1].id), "assessing"), (str(flood[2].id), "new")]
    )
    assert {e.actor_id for e in events} == {supervisor.pk}
    # One bulk close, one batch: the events say which closings were made together.
    assert len({e.detail["batch"] for e in events}) == 1
    assert all("A script" not in str(e.detail) for e in AuditEvent.objects.all())


def test_cases_that_may_not_be_closed_are_reported_with_the_reason(
    supervisor, flood, ordinary, settings
):
    # One case closed the ordinary way first, with no second person asked.
    settings.HAVEN_APPROVALS = dict.fromkeys(settings.HAVEN_APPROVALS, False)
    other_supervisor = StaffUserFactory(role="supervisor")
    hidden, done, decided = flood
    services.restrict_case(case=hidden, by=other_supervisor, allowed=[], reason="A colleague")
    services.change_status(case=done, to=Status.ASSESSING, by=supervisor)
    services.change_status(case=done, to=Status.BELOW_THRESHOLD, by=supervisor, reason="Spam")
    services.change_status(case=done, to=Status.CLOSED, by=supervisor, reason="Spam")
    services.change_status(case=decided, to=Status.ASSESSING, by=supervisor)
    services.change_status(case=decided, to=Status.MEETS_THRESHOLD, by=supervisor, reason="Real")
    missing = "0b7d3f5e-6b59-4f0e-8a53-1c3b8c2b9d10"
    client = verified_client(supervisor)

    response = client.post(
        close_url(),
        {"close-cases": [*ids(flood), str(ordinary.id), missing], "close-reason": "Flood"},
    )

    assert response.status_code == 200
    text = text_of(response)
    assert "No cases closed" in text
    assert "5 cases were not closed" in text
    assert "A restricted case It is restricted and you are not named on it" in text
    assert hidden.reference not in text
    assert f"{done.reference} It was already closed" in text
    assert f"{decided.reference} Its status, Meets threshold, cannot be closed from here" in text
    assert f"{ordinary.reference} It is not marked as one of many reports from one network" in text
    assert "A case that could not be found" in text
    for case in [hidden, decided, ordinary]:
        case.refresh_from_db()
        assert case.status != Status.CLOSED
    refused = AuditEvent.objects.filter(action="case.bulk_close_refused")
    assert sorted((e.detail["case"], e.detail["why"]) for e in refused) == sorted(
        [
            (str(done.id), "closed"),
            (str(decided.id), "no_move"),
            (str(ordinary.id), "not_marked"),
        ]
    )
    # The restricted case's refusal is recorded as every refused opening is.
    assert [e.detail["case"] for e in AuditEvent.objects.filter(action="case.access_refused")] == [
        str(hidden.id)
    ]


def test_a_restricted_case_the_supervisor_is_named_on_is_closed(supervisor, flood):
    services.restrict_case(case=flood[0], by=supervisor, allowed=[], reason="A colleague")

    closing = services.close_in_bulk(case_ids=[flood[0].id], by=supervisor, reason="Flood")

    assert [case.id for case in closing.closed] == [flood[0].id]
    assert closing.refused == [] and closing.missing == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"close-cases": [], "close-reason": "Flood"}, "Tick the cases to close"),
        ({"close-cases": "FLOOD", "close-reason": "Flood"}, "Tick the cases to close"),
        ({"close-reason": ""}, "Give a reason for closing these cases"),
        ({"close-reason": "x" * 2001}, "The reason must be 2,000 characters or fewer"),
    ],
)
def test_closing_in_bulk_needs_cases_and_a_reason(supervisor, flood, data, message):
    payload = {"close-cases": ids(flood), **data}

    response = verified_client(supervisor).post(close_url(), payload)

    assert response.status_code == 200
    assert "There is a problem" in text_of(response)
    assert message in text_of(response)
    assert not Case.objects.filter(status=Status.CLOSED).exists()


def test_at_most_a_hundred_cases_are_closed_at_once(supervisor, flood):
    many = [*ids(flood)] * 34

    response = verified_client(supervisor).post(
        close_url(), {"close-cases": many, "close-reason": "Flood"}
    )

    assert "Tick at most 100 cases at a time" in text_of(response)
    assert not Case.objects.filter(status=Status.CLOSED).exists()


def test_an_advisor_cannot_close_cases_in_bulk(advisor, flood):
    response = verified_client(advisor).post(
        close_url(), {"close-cases": ids(flood), "close-reason": "Flood"}
    )

    assert response.status_code == 403
    assert not Case.objects.filter(status=Status.CLOSED).exists()
    assert AuditEvent.objects.filter(action="staff.refused", actor=advisor).count() == 1


def test_a_bulk_close_and_its_events_commit_together(supervisor, flood, monkeypatch):
    from haven.cases import services as case_services

    real = case_services.record_event
    calls = []

    def fail_on_the_second(**kwargs: Any) -> Any:
        calls.append(kwargs["action"])
        if len(calls) == 2:
            raise RuntimeError("the audit trail is unavailable")
        return real(**kwargs)

    monkeypatch.setattr(case_services, "record_event", fail_on_the_second)

    with pytest.raises(RuntimeError):
        services.close_in_bulk(case_ids=[c.id for c in flood], by=supervisor, reason="Flood")

    assert not Case.objects.filter(status=Status.CLOSED).exists()
    assert not Transition.objects.exists()


def decide(case: Case, *, to: str, by: Any) -> None:
    """Take a case through assessing to ``to``, the way an advisor does on its case page."""
    services.change_status(case=case, to=Status.ASSESSING, by=by)
    if to == Status.BELOW_THRESHOLD:
        services.change_status(case=case, to=to, by=by, reason="Not a real concern")
        return
    services.change_status(case=case, to=Status.MEETS_THRESHOLD, by=by, reason="Real")
    services.change_status(case=case, to=Status.CONTACTING, by=by)
    services.change_status(case=case, to=Status.PLANNING, by=by)
    services.change_status(case=case, to=to, by=by, reason="Told the police")


@pytest.mark.parametrize("decided", [Status.BELOW_THRESHOLD, Status.REFERRED, Status.ACTION_TAKEN])
def test_a_marked_case_with_a_threshold_decision_is_left_for_its_case_page(
    supervisor, flood, decided
):
    case = flood[0]
    decide(case, to=decided, by=supervisor)

    response = verified_client(supervisor).post(
        close_url(), {"close-cases": [str(case.id)], "close-reason": "Flood"}
    )

    case.refresh_from_db()
    assert case.status == decided
    assert not Transition.objects.filter(case=case, to_status=Status.CLOSED).exists()
    label = Status(decided).label
    assert f"{case.reference} Its status, {label}, cannot be closed from here" in text_of(response)
    refused = AuditEvent.objects.get(action="case.bulk_close_refused")
    assert (refused.detail["case"], refused.detail["why"]) == (str(case.id), "no_move")


def test_a_marked_case_being_monitored_is_not_closed_in_bulk(supervisor, flood):
    case = flood[0]
    decide(case, to=Status.REFERRED, by=supervisor)
    services.change_status(case=case, to=Status.MONITORING, by=supervisor)

    closing = services.close_in_bulk(case_ids=[case.id], by=supervisor, reason="Flood")

    assert closing.closed == []
    assert [(c.id, why) for c, why in closing.refused] == [(case.id, "no_move")]


def test_a_restricted_case_refused_in_bulk_is_an_access_refusal_on_the_audit_page(
    supervisor, flood
):
    hidden = flood[0]
    services.restrict_case(
        case=hidden, by=StaffUserFactory(role="supervisor"), allowed=[], reason="A colleague"
    )
    client = verified_client(supervisor)

    client.post(close_url(), {"close-cases": ids(flood), "close-reason": "Flood"})

    closed = AuditEvent.objects.filter(action="case.status_changed", detail__to="closed")
    batch = closed.first().detail["batch"]  # type: ignore[union-attr]
    assert [(e.action, e.actor_id, e.detail) for e in who_opened(report_id=hidden.report_id)] == [
        ("case.access_refused", supervisor.pk, {"case": str(hidden.id), "batch": batch})
    ]
    assert [e.report_id for e in opened_by(user=supervisor)] == [hidden.report_id]
    assert not AuditEvent.objects.filter(action="case.bulk_close_refused").exists()
    # Seen on the audit page by its kind, and as a restricted case: the supervisor is not named.
    page = text_of(client.get(reverse("staff:audit"), {"kind": "case.access_refused"}))
    assert "sup-flood Case refused: restricted Restricted case" in page
    assert hidden.reference not in page


def test_the_limit_in_the_message_is_the_limit_the_form_keeps(supervisor, flood, monkeypatch):
    from haven.staff import forms

    field = forms.BulkCloseForm.base_fields["cases"]
    assert field.max_count == services.BULK_CLOSE_MAX  # type: ignore[attr-defined]
    monkeypatch.setattr(field, "max_count", 2)

    form = forms.BulkCloseForm({"close-cases": ids(flood), "close-reason": "Flood"}, prefix="close")

    assert not form.is_valid()
    assert form.errors["cases"] == ["Tick at most 2 cases at a time"]
