"""The queue and the case page over HTTP: order, filters, no sealed content, every action."""

import pytest
from django.urls import reverse
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.cases.models import Case, ContactAttempt, Note, SafetyAction
from tests.conftest import text_of

URGENT = {
    "danger": {"danger_now": "yes"},
    "what-happened": {"what_happened": "narrative-marker-queue-1"},
}
STANDARD = {
    "concern": {"concerns": ["sexual_messages"]},
    "child": {"child_age": "16", "relationship": "my_child", "several_children": "no"},
    "person": {"person_adult": "unknown", "works_with_children": "no"},
    "what-happened": {"what_happened": "narrative-marker-queue-2"},
}


@pytest.fixture
def cases(journey, settings):
    settings.HAVEN_SUBMISSIONS_PER_WINDOW = 100
    standard = journey.submit("member_of_public", STANDARD).case
    urgent = journey.submit("parent", URGENT).case
    return urgent, standard


def test_the_queue_puts_the_most_urgent_first_and_shows_reasons(staff_client, cases):
    urgent, standard = cases
    assert (urgent.priority, standard.priority) == ("P1", "P3")
    response = staff_client.get(reverse("staff:queue"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(urgent.reference) < html.index(standard.reference)
    text = text_of(response)
    assert "The reporter says a child is in danger right now" in text
    assert "Sexual messages" in text and "Asked for images, Wants to meet" in text
    assert "narrative-marker-queue" not in html
    assert "min left" in text or "Overdue" in text


def test_queue_filters(staff_client, cases, staff_user):
    urgent, standard = cases
    page = staff_client.get(reverse("staff:queue") + "?priority=P3").content.decode()
    assert standard.reference in page and urgent.reference not in page
    Case.objects.filter(pk=urgent.pk).update(assigned_to=staff_user)
    mine = staff_client.get(reverse("staff:queue") + "?mine=1").content.decode()
    assert urgent.reference in mine and standard.reference not in mine
    unassigned = staff_client.get(reverse("staff:queue") + "?unassigned=1").content.decode()
    assert standard.reference in unassigned and urgent.reference not in unassigned
    Case.objects.filter(pk=standard.pk).update(
        next_due_at=timezone.now() - timezone.timedelta(hours=1)
    )
    overdue = staff_client.get(reverse("staff:queue") + "?overdue=1").content.decode()
    assert standard.reference in overdue and urgent.reference not in overdue


def test_queue_ignores_nonsense_filters(staff_client, cases):
    response = staff_client.get(reverse("staff:queue") + "?priority=<x>&status=bad&mine=yes")
    assert response.status_code == 200


def test_the_queue_page_costs_a_fixed_number_of_queries(
    staff_client, cases, django_assert_max_num_queries, journey
):
    staff_client.get(reverse("staff:queue"))
    for _ in range(5):
        journey.submit("parent", URGENT)
    with django_assert_max_num_queries(6):
        staff_client.get(reverse("staff:queue"))


def test_the_case_page_shows_triage_and_is_audited(staff_client, cases, staff_user):
    urgent, _ = cases
    response = staff_client.get(reverse("staff:case", args=[urgent.id]))
    assert response.status_code == 200
    text = text_of(response)
    assert f"Case {urgent.reference}" in text
    assert "The reporter says a child is in danger right now (P1)" in text
    assert (
        AuditEvent.objects.filter(
            action="case.viewed", actor=staff_user, report_id=urgent.report_id
        ).count()
        == 1
    )


def test_claim_and_decide_through_the_case_page(staff_client, cases):
    urgent, _ = cases
    url = reverse("staff:case", args=[urgent.id])
    status = reverse("staff:case_status", args=[urgent.id])
    assert staff_client.post(reverse("staff:case_claim", args=[urgent.id])).url == url
    assert staff_client.post(status, {"status-to": "assessing"}).url == url
    response = staff_client.post(status, {"status-to": "meets_threshold", "status-reason": ""})
    assert response.status_code == 200
    assert "Give a reason for this decision" in text_of(response)
    assert (
        staff_client.post(
            status, {"status-to": "meets_threshold", "status-reason": "Adult arranging to meet"}
        ).status_code
        == 302
    )
    urgent.refresh_from_db()
    assert urgent.status == "meets_threshold" and urgent.assigned_to is not None
    assert "Adult arranging to meet" in text_of(staff_client.get(url))


def test_a_move_not_in_the_table_is_refused(staff_client, cases):
    urgent, _ = cases
    response = staff_client.post(
        reverse("staff:case_status", args=[urgent.id]),
        {"status-to": "closed", "status-reason": "x"},
    )
    assert response.status_code == 200
    assert "There is a problem Choose what happens next" in text_of(response)
    urgent.refresh_from_db()
    assert urgent.status == "new"


def test_notes_contacts_safety_plan_and_links_through_the_case_page(staff_client, cases):
    urgent, standard = cases
    url = reverse("staff:case", args=[urgent.id])

    def verb(name, *args):
        return reverse(f"staff:case_{name}", args=[urgent.id, *args])

    assert (
        staff_client.post(verb("note"), {"note-kind": "fact", "note-text": "note-text-77"}).url
        == url
    )
    assert (
        staff_client.post(
            verb("contact"),
            {"contact-method": "phone", "contact-outcome": "spoke", "contact-note": ""},
        ).url
        == url
    )
    assert (
        staff_client.post(
            verb("safety"), {"safety-action": "Report the account", "safety-owner": "Parent"}
        ).url
        == url
    )
    item = SafetyAction.objects.get()
    assert staff_client.post(verb("safety_done", item.pk)).url == url
    assert (
        staff_client.post(verb("link"), {"link-reference": standard.reference.lower()}).url == url
    )
    missing = staff_client.post(verb("link"), {"link-reference": "HVN-0000-0000"})
    assert "No case has that reference." in text_of(missing)
    text = text_of(staff_client.get(url))
    assert "note-text-77" in text and "Report the account" in text and standard.reference in text
    assert Note.objects.count() == 1 and ContactAttempt.objects.count() == 1
    item.refresh_from_db()
    assert item.done_at is not None
    urgent.refresh_from_db()
    assert urgent.first_contact_at is not None


def test_reading_the_report_records_the_first_read(staff_client, cases, staff_user):
    urgent, _ = cases
    staff_client.get(reverse("staff:report", args=[urgent.report_id]))
    urgent.refresh_from_db()
    assert urgent.first_read_by == staff_user
    assert urgent.next_due_at == urgent.first_contact_due


def test_case_pages_need_staff(client, cases):
    urgent, _ = cases
    assert client.get(reverse("staff:case", args=[urgent.id])).status_code == 302
    assert client.get(reverse("staff:queue")).status_code == 302


def test_the_case_page_says_how_many_other_reports_mention_the_same_person(
    staff_client, journey, settings
):
    settings.HAVEN_SUBMISSIONS_PER_WINDOW = 100
    where = {"platform": "Instagram", "usernames": "@Shared_Handle_9", "action": "continue"}
    first = journey.submit("parent", {"where": where}).case
    second = journey.submit(
        "member_of_public",
        {"where": {**where, "usernames": "https://www.instagram.com/shared_handle_9/"}},
    ).case
    text = text_of(staff_client.get(reverse("staff:case", args=[second.id])))
    assert "1 other report mentions the same username" in text
    assert first.reference in text
    queue = text_of(staff_client.get(reverse("staff:queue")))
    assert f"{first.reference} Linked" in queue and f"{second.reference} Linked" in queue
