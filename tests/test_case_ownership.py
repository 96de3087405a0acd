"""A claimed case belongs to its advisor: others may add a note; a supervisor acts with a reason."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.urls import reverse

from haven.audit.models import AuditEvent
from haven.cases import services
from haven.cases.lifecycle import Status
from haven.cases.models import (
    CaseLink,
    ContactAttempt,
    Note,
    OwnershipOverride,
    PriorityChange,
    SafetyAction,
    Transition,
)
from haven.cases.services import CaseRuleBroken, open_text
from tests.conftest import text_of as raw_text_of
from tests.factories import StaffUserFactory, submitted_case, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_approvals(settings: Any) -> None:
    """Ownership on its own: four-eyes approvals have their own tests."""
    settings.HAVEN_APPROVALS = dict.fromkeys(settings.HAVEN_APPROVALS, False)


@pytest.fixture
def sam() -> Any:
    return StaffUserFactory(username="sam")


@pytest.fixture
def other() -> Any:
    return StaffUserFactory(username="alex")


@pytest.fixture
def supervisor() -> Any:
    return StaffUserFactory(username="sup", role="supervisor")


@pytest.fixture
def case(sam: Any) -> Any:
    case = submitted_case()
    return services.claim_case(case=case, by=sam)


def text_of(response: Any) -> str:
    return html.unescape(raw_text_of(response))


def refusals(by: Any) -> list[Any]:
    return list(AuditEvent.objects.filter(action="case.ownership_refused", actor=by))


# --- The rule, in the services -----------------------------------------------------------------


def test_another_advisor_cannot_change_the_status_and_it_is_audited(case, other):
    with pytest.raises(CaseRuleBroken, match=r"^This case is sam's\. You can add a note\.$"):
        services.change_status(case=case, to=Status.ASSESSING, by=other)

    case.refresh_from_db()
    assert case.status == Status.NEW
    assert Transition.objects.count() == 0
    [event] = refusals(other)
    assert event.detail == {"case": str(case.id), "owner": case.assigned_to_id, "verb": "status"}


@pytest.mark.parametrize(
    "verb",
    ["priority", "contact", "safety_action", "safety_action_done", "link"],
)
def test_another_advisor_can_do_none_of_the_verbs_of_case_work(case, sam, other, verb):
    item = services.add_safety_action(case=case, by=sam, action="Call", owner="Sam", due_on=None)
    second = submitted_case()
    attempts = {
        "priority": lambda: services.change_priority(case=case, to="P1", by=other, reason="x"),
        "contact": lambda: services.log_contact_attempt(
            case=case, by=other, method="phone", outcome="spoke"
        ),
        "safety_action": lambda: services.add_safety_action(
            case=case, by=other, action="Visit", owner="Alex", due_on=None
        ),
        "safety_action_done": lambda: services.complete_safety_action(item=item, by=other),
        "link": lambda: services.link_cases(case=case, other=second, by=other, reason="manual"),
    }

    with pytest.raises(CaseRuleBroken, match="This case is sam's"):
        attempts[verb]()

    assert PriorityChange.objects.count() == 0
    assert ContactAttempt.objects.count() == 0
    assert SafetyAction.objects.count() == 1
    item.refresh_from_db()
    assert item.done_at is None
    assert CaseLink.objects.count() == 0
    assert [event.detail["verb"] for event in refusals(other)] == [verb]


def test_anyone_who_works_cases_may_add_a_note_to_a_claimed_case(case, other):
    note = services.add_note(case=case, by=other, kind="fact", text="Rang the school")

    assert note.by == other


def test_the_advisor_holding_the_case_works_it_as_before(case, sam):
    services.change_status(case=case, to=Status.ASSESSING, by=sam)
    services.change_priority(case=case, to="P1", by=sam, reason="Meeting tomorrow")

    case.refresh_from_db()
    assert (case.status, case.priority) == (Status.ASSESSING, "P1")
    assert not OwnershipOverride.objects.exists()
    assert "override" not in AuditEvent.objects.get(action="case.priority_changed").detail


def test_an_unclaimed_case_may_be_worked_by_any_advisor(other):
    case = submitted_case()

    services.change_status(case=case, to=Status.ASSESSING, by=other)

    case.refresh_from_db()
    assert case.status == Status.ASSESSING
    assert case.assigned_to is None


def test_a_supervisor_needs_a_reason_to_act_on_an_advisors_case(case, supervisor):
    with pytest.raises(CaseRuleBroken, match=r"^Give a reason for acting on sam's case\.$"):
        services.change_status(case=case, to=Status.ASSESSING, by=supervisor)

    case.refresh_from_db()
    assert case.status == Status.NEW
    assert not AuditEvent.objects.filter(action="case.ownership_overridden").exists()


def test_a_supervisor_acts_with_a_reason_which_is_sealed_and_audited(case, sam, supervisor):
    services.change_status(
        case=case, to=Status.ASSESSING, by=supervisor, override_reason="Sam is off sick"
    )

    case.refresh_from_db()
    assert case.status == Status.ASSESSING
    assert case.assigned_to == sam  # acting on it does not take it
    override = OwnershipOverride.objects.get()
    assert (override.by, override.owner, override.verb) == (supervisor, sam, "status")
    assert b"Sam is off sick" not in bytes(override.sealed)
    assert open_text(case, override.key_id, override.sealed) == "Sam is off sick"
    overridden = AuditEvent.objects.get(action="case.ownership_overridden")
    assert overridden.actor == supervisor
    assert overridden.detail == {
        "case": str(case.id),
        "owner": sam.pk,
        "verb": "status",
        "override": True,
    }
    changed = AuditEvent.objects.get(action="case.status_changed")
    assert changed.detail["override"] is True


def test_a_supervisor_may_reassign_without_a_reason(case, other, supervisor):
    services.assign_case(case=case, to=other, by=supervisor)

    case.refresh_from_db()
    assert case.assigned_to == other


# --- The case page -----------------------------------------------------------------------------


def test_the_case_page_tells_another_advisor_whose_case_it_is_and_hides_the_verbs(case, other):
    response = verified_client(other).get(reverse("staff:case", args=[case.id]))

    text = text_of(response)
    assert "This case is sam's. You can add a note." in text
    assert "Decide what happens next" not in text
    assert "Change priority" not in text
    assert "Record a contact attempt" not in text
    assert "Link case" not in text
    assert "Save note" in text


def test_the_case_page_shows_the_owner_every_verb(case, sam):
    text = text_of(verified_client(sam).get(reverse("staff:case", args=[case.id])))

    assert "You can add a note" not in text
    for heading in ("Decide what happens next", "Change priority", "Record a contact attempt"):
        assert heading in text


def test_the_case_page_asks_a_supervisor_for_the_reason_on_each_verb(case, supervisor):
    response = verified_client(supervisor).get(reverse("staff:case", args=[case.id]))

    text = text_of(response)
    assert "This case is sam's. You can act on it as a supervisor" in text
    assert text.count("Reason for acting on sam's case") >= 4
    assert "override" not in response.context["forms"]["note"].fields


def test_a_post_by_another_advisor_is_refused_with_the_plain_message(case, other):
    response = verified_client(other).post(
        reverse("staff:case_status", args=[case.id]), {"status-to": Status.ASSESSING}
    )

    assert response.status_code == 200
    assert "There is a problem This case is sam's. You can add a note." in text_of(response)
    case.refresh_from_db()
    assert case.status == Status.NEW
    assert len(refusals(other)) == 1


def test_a_supervisor_posting_without_the_reason_gets_the_form_error(case, supervisor):
    response = verified_client(supervisor).post(
        reverse("staff:case_status", args=[case.id]), {"status-to": Status.ASSESSING}
    )

    assert response.status_code == 200
    assert response.context["forms"]["status"].errors == {
        "override": ["Give a reason for acting on sam's case"]
    }
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_a_supervisor_posting_with_the_reason_acts_and_the_chronology_says_so(case, supervisor):
    client = verified_client(supervisor)
    response = client.post(
        reverse("staff:case_status", args=[case.id]),
        {"status-to": Status.ASSESSING, "status-override": "Sam is on leave"},
    )

    assert response.status_code == 302
    text = text_of(client.get(response.url))
    assert "Acted on sam's case sup Sam is on leave" in text


def test_a_supervisor_marks_an_action_done_on_another_advisors_case_with_a_reason(
    case, sam, supervisor
):
    item = services.add_safety_action(case=case, by=sam, action="Call", owner="Sam", due_on=None)
    client = verified_client(supervisor)
    url = reverse("staff:case_safety_done", args=[case.id, item.pk])

    assert client.post(url).status_code == 200
    item.refresh_from_db()
    assert item.done_at is None

    assert client.post(url, {"done-override": "Sam asked me to"}).status_code == 302
    item.refresh_from_db()
    assert item.done_at is not None
    assert AuditEvent.objects.get(action="case.safety_action_done").detail["override"] is True


def test_a_note_by_another_advisor_is_saved_over_http(case, other):
    response = verified_client(other).post(
        reverse("staff:case_note", args=[case.id]), {"note-kind": "fact", "note-text": "Seen"}
    )

    assert response.status_code == 302
    assert Note.objects.get().by == other


def test_marking_done_without_the_reason_shows_the_error_at_that_actions_reason(
    case, sam, supervisor
):
    """The error summary's link leads to the reason box of the action that was posted, with the
    message beside it; the other actions' boxes are unchanged."""
    first = services.add_safety_action(case=case, by=sam, action="Call", owner="Sam", due_on=None)
    posted = services.add_safety_action(case=case, by=sam, action="Visit", owner="Sam", due_on=None)
    url = reverse("staff:case_safety_done", args=[case.id, posted.pk])

    response = verified_client(supervisor).post(url, {"done-override": ""})

    page = response.content.decode()
    [href] = re.findall(r'<a href="#([^"]+)">Give a reason for acting on sam', page)
    assert re.findall(rf'<input[^>]* id="{href}"', page)
    assert re.search(
        rf'<p id="{href}-error" class="govuk-error-message">\s*<span class="govuk-visually-hidden">'
        r"Error:</span> Give a reason for acting on sam&#39;s case",
        page,
    )
    assert f'aria-describedby="{href}-error"' in page
    assert f'id="done-override-{first.pk}"' in page
    assert f'id="done-override-{posted.pk}"' not in page
