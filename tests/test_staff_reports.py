"""The staff list of received reports, and one report opened: what each shows and records."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.reporting.models import Report
from haven.reporting.services import submit_report
from tests.conftest import text_of


def send(text: str = "Someone asked for photos.", *, minutes_ago: int = 0) -> Report:
    receipt = submit_report(
        audience="parent",
        answers={"what-happened": {"what_happened": text}},
        submission_key=uuid.uuid4().hex,
        received_at=timezone.now() - timedelta(minutes=minutes_ago),
    )
    return receipt.report


def references_in(html: str) -> list[str]:
    return re.findall(r"HVN-[0-9A-Z]{4}-[0-9A-Z]{4}", html)


def test_staff_see_received_reports_newest_first(staff_client):
    oldest = send(minutes_ago=30)
    newest = send(minutes_ago=10)
    middle = send(minutes_ago=20)

    response = staff_client.get(reverse("staff:reports"))

    assert response.status_code == 200
    assert references_in(response.content.decode()) == [
        newest.reference,
        middle.reference,
        oldest.reference,
    ]
    assert "3 reports, newest first" in text_of(response)


def test_each_report_in_the_list_links_to_it(staff_client):
    report = send()

    page = staff_client.get(reverse("staff:reports")).content.decode()

    assert f'href="{reverse("staff:report", args=[report.id])}"' in page


def test_the_list_says_so_when_there_are_no_reports(staff_client):
    response = staff_client.get(reverse("staff:reports"))

    assert "No reports have been received yet." in text_of(response)


def test_the_list_shows_no_sealed_content(staff_client, journey):
    marker = uuid.uuid4().hex
    report = journey.submit(
        "parent",
        {
            "what-happened": {"what_happened": f"Narrative {marker}"},
            "contact": {
                "contact_choice": "yes",
                "name": f"Name {marker}",
                "email": f"x{marker}@example.org",
                "leave_message": "yes",
            },
        },
    )

    page = staff_client.get(reverse("staff:reports")).content.decode()

    assert report.reference in page
    assert marker not in page


def test_listing_reports_opens_none_of_them(staff_client):
    send()

    staff_client.get(reverse("staff:reports"))

    assert not AuditEvent.objects.filter(action__startswith="report.open").exists()


def test_the_list_is_paged_fifty_at_a_time(staff_client):
    reports = [send(minutes_ago=n) for n in range(51)]

    first = staff_client.get(reverse("staff:reports")).content.decode()
    second = staff_client.get(reverse("staff:reports") + "?page=2").content.decode()

    assert references_in(first) == [r.reference for r in reports[:50]]
    assert references_in(second) == [reports[50].reference]


def test_opening_a_report_shows_its_sealed_answers(staff_client, journey):
    marker = uuid.uuid4().hex
    report = journey.submit(
        "parent", {"what-happened": {"what_happened": f"It began in a game. {marker}"}}
    )

    response = staff_client.get(reverse("staff:report", args=[report.id]))

    assert response.status_code == 200
    text = text_of(response)
    assert f"Report {report.reference}" in text
    assert f"It began in a game. {marker}" in text
    assert "Pat Example" in text
    assert "pat@example.org" in text
    assert "ExampleChat" in text


def test_opening_a_report_is_audited_with_who_opened_it(staff_client, staff_user):
    report = send()

    staff_client.get(reverse("staff:report", args=[report.id]))

    event = AuditEvent.objects.get(action="report.opened")
    assert (event.actor_id, event.actor_label, event.report_id, event.detail) == (
        staff_user.pk,
        staff_user.username,
        report.id,
        {},
    )


def test_every_opening_is_audited(staff_client):
    report = send()

    staff_client.get(reverse("staff:report", args=[report.id]))
    staff_client.get(reverse("staff:report", args=[report.id]))

    assert AuditEvent.objects.filter(action="report.opened", report_id=report.id).count() == 2


def test_markup_in_an_answer_is_shown_as_text(staff_client):
    report = send("<script>alert(1)</script><b>x</b>")

    page = staff_client.get(reverse("staff:report", args=[report.id])).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in page
    assert "<script>alert(1)" not in page
    assert "<b>x</b>" not in page


def test_opening_a_report_without_the_private_key_shows_a_clear_page(
    staff_client, journey, public_only_keys
):
    report = journey.submit("parent")

    response = staff_client.get(reverse("staff:report", args=[report.id]))

    assert response.status_code == 503
    text = text_of(response)
    assert f"Report {report.reference} cannot be opened here" in text
    assert f"install key {report.sealed_key_id}" in text
    assert "Someone in a game" not in text


def test_a_failed_opening_for_want_of_the_key_is_audited(
    staff_client, staff_user, public_only_keys
):
    report = send()

    staff_client.get(reverse("staff:report", args=[report.id]))

    event = AuditEvent.objects.get(action="report.open_failed")
    assert (event.actor_id, event.report_id, event.detail) == (
        staff_user.pk,
        report.id,
        {"reason": "key_unavailable"},
    )
    assert not AuditEvent.objects.filter(action="report.opened").exists()


def test_a_report_whose_sealed_answers_were_swapped_is_not_shown_as_that_report(
    staff_client, staff_user
):
    marker = uuid.uuid4().hex
    first = send(f"First narrative {marker}")
    second = send("Second narrative")
    Report.objects.filter(pk=second.pk).update(sealed=bytes(first.sealed))

    response = staff_client.get(reverse("staff:report", args=[second.id]))

    assert response.status_code == 503
    assert marker not in response.content.decode()
    assert "do not open as this report" in text_of(response)
    event = AuditEvent.objects.get(action="report.open_failed")
    assert (event.report_id, event.detail) == (second.id, {"reason": "seal_broken"})


def test_a_long_list_says_more_than_instead_of_counting_every_report(staff_client, monkeypatch):
    from haven.staff.views import reports as views

    monkeypatch.setattr(views, "REPORT_COUNT_CAP", 2)
    for n in range(3):
        send(minutes_ago=n)

    response = staff_client.get(reverse("staff:reports"))

    assert "More than 2 reports, newest first" in text_of(response)
    assert len(references_in(response.content.decode())) == 3


# --- Restricted cases: shown as the queue shows them ----------------------------------------

RESTRICTED_ROW = "A restricted case: only the people named on it can see it."


def restricted(report: Report, *, named: list | None = None):
    from haven.cases.models import Case
    from haven.cases.services import restrict_case
    from tests.factories import StaffUserFactory

    case = Case.objects.get(report=report)
    supervisor = StaffUserFactory(role="supervisor")
    return restrict_case(case=case, by=supervisor, allowed=named or [], reason="Staff member.")


def test_a_restricted_case_shows_in_the_list_only_as_restricted_to_those_not_named(staff_client):
    shown = send("Someone asked for photos.", minutes_ago=5)
    hidden = send("A colleague asked for photos.")
    restricted(hidden)

    response = staff_client.get(reverse("staff:reports"))

    page = response.content.decode()
    assert references_in(page) == [shown.reference]
    assert reverse("staff:report", args=[hidden.id]) not in page
    assert str(hidden.id) not in page
    text = text_of(response)
    assert RESTRICTED_ROW in text
    # Counted as the queue shows it: a row that says a restricted case exists.
    assert "2 reports, newest first" in text


def test_a_restricted_row_shows_neither_audience_nor_concerns(staff_client):
    hidden = send("A colleague asked for photos.")
    restricted(hidden)

    text = text_of(staff_client.get(reverse("staff:reports")))

    assert "parent or carer" not in text
    assert "None ticked" not in text
    assert RESTRICTED_ROW in text


def test_a_person_named_on_a_restricted_case_sees_it_in_the_list(staff_client, staff_user):
    report = send()
    restricted(report, named=[staff_user])

    response = staff_client.get(reverse("staff:reports"))

    assert references_in(response.content.decode()) == [report.reference]
    assert RESTRICTED_ROW not in text_of(response)


def test_opening_a_restricted_report_not_named_on_is_refused_and_audited(staff_client, staff_user):
    report = send()
    case = restricted(report)

    response = staff_client.get(reverse("staff:report", args=[report.id]))

    assert response.status_code == 403
    assert report.reference not in response.content.decode()
    event = AuditEvent.objects.get(action="case.access_refused")
    assert (event.actor_id, event.report_id, event.detail) == (
        staff_user.pk,
        report.id,
        {"case": str(case.id)},
    )
    assert not AuditEvent.objects.filter(action="report.opened").exists()
