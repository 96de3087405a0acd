"""The case page only shows; each verb posts to its own URL and comes back to the case page."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.urls import reverse

from haven.audit.models import AuditEvent
from haven.cases import services
from haven.cases.models import Note, SafetyAction
from tests.conftest import text_of
from tests.factories import StaffUserFactory, submitted_case, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def advisor() -> Any:
    return StaffUserFactory()


@pytest.fixture
def client(advisor: Any) -> Any:
    return verified_client(advisor)


@pytest.fixture
def case() -> Any:
    return submitted_case()


def views_of(case: Any) -> int:
    return AuditEvent.objects.filter(action="case.viewed", report_id=case.report_id).count()


def test_it_answers_a_post_to_the_case_page_with_method_not_allowed(client, case):
    response = client.post(reverse("staff:case", args=[case.id]), {"action": "claim"})

    assert response.status_code == 405
    case.refresh_from_db()
    assert case.assigned_to is None


def test_it_records_one_view_per_showing_and_none_for_the_page_a_save_lands_on(client, case):
    page = reverse("staff:case", args=[case.id])
    client.get(page)

    saved = client.post(
        reverse("staff:case_note", args=[case.id]), {"note-kind": "fact", "note-text": "A fact"}
    )
    landed = client.get(saved.url)

    assert saved.url == page
    assert "A fact" in text_of(landed)
    assert views_of(case) == 1
    client.get(page)
    assert views_of(case) == 2


def test_it_lets_the_mark_of_a_save_stand_only_for_its_own_case(client, case):
    other = submitted_case()
    client.post(reverse("staff:case_claim", args=[case.id]))

    client.get(reverse("staff:case", args=[other.id]))
    client.get(reverse("staff:case", args=[case.id]))

    assert (views_of(other), views_of(case)) == (1, 1)


def test_it_shows_the_case_page_again_with_only_that_forms_errors(client, case):
    response = client.post(reverse("staff:case_note", args=[case.id]), {"note-text": "Half"})

    assert response.status_code == 200
    forms = response.context["forms"]
    assert forms["note"].errors == {"kind": ["Choose fact or professional opinion"]}
    assert [name for name, form in forms.items() if form.is_bound] == ["note"]
    assert "There is a problem Choose fact or professional opinion" in text_of(response)
    assert Note.objects.count() == 0
    # The page shown again opens the case's sealed texts: that showing is recorded.
    assert views_of(case) == 1


def test_it_shows_a_broken_rule_above_the_form_that_broke_it(client, case):
    response = client.post(
        reverse("staff:case_priority", args=[case.id]),
        {"priority-priority": case.priority, "priority-reason": "Same again"},
    )

    assert response.status_code == 200
    assert "There is a problem The case already has that priority." in text_of(response)
    assert response.context["forms"]["priority"].is_bound


def test_it_refuses_every_verb_on_a_restricted_case_to_someone_not_named(client, advisor, case):
    supervisor = StaffUserFactory(role="supervisor")
    services.restrict_case(case=case, by=supervisor, allowed=[], reason="A colleague")

    response = client.post(
        reverse("staff:case_note", args=[case.id]), {"note-kind": "fact", "note-text": "x"}
    )

    assert response.status_code == 403
    assert "This case is restricted" in text_of(response)
    assert Note.objects.filter(kind="fact").count() == 1  # the restriction's own reason
    assert AuditEvent.objects.filter(action="case.access_refused", actor=advisor).count() == 1


def test_it_marks_done_only_an_action_of_this_cases_plan(client, advisor, case):
    other = submitted_case()
    theirs = services.add_safety_action(
        case=other, by=advisor, action="Call", owner="Me", due_on=None
    )

    for action_id in (theirs.pk, 10**30):
        response = client.post(reverse("staff:case_safety_done", args=[case.id, action_id]))

        assert response.status_code == 200
        assert "That action is not in this case's safety plan." in html.unescape(text_of(response))
    assert SafetyAction.objects.get().done_at is None


def test_every_form_on_the_case_page_posts_to_its_own_verb(client, case):
    supervisor = verified_client(StaffUserFactory(role="supervisor"))
    services.add_safety_action(case=case, by=StaffUserFactory(), action="A", owner="B", due_on=None)
    page = supervisor.get(reverse("staff:case", args=[case.id])).content.decode()

    names = [
        "claim",
        "status",
        "contact",
        "safety",
        "note",
        "priority",
        "restrict",
        "link",
    ]
    for name in names:
        assert f'action="{reverse(f"staff:case_{name}", args=[case.id])}"' in page, name
    done = reverse("staff:case_safety_done", args=[case.id, SafetyAction.objects.get().pk])
    assert f'action="{done}"' in page
    assert 'name="action"' not in page.replace('name="safety-action"', "")
