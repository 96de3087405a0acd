"""Many reports from one address (kept, and marked for staff), honeypot and minimum fill time."""

import re
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.cases.models import Case
from haven.reporting.models import Draft, Report, SubmissionCounter
from tests.conftest import text_of
from tests.journey import Journey


def send_from(address, audience="parent"):
    journey = Journey(Client(REMOTE_ADDR=address))
    journey.fill(audience)
    return journey.send()


def sent_page(response, client):
    """The confirmation page's text, with its reference and follow-up code taken out."""
    assert (response.status_code, response.url) == (302, reverse("reporting:sent"))
    page = client.get(response.url)
    code = page.content.decode().split('id="followup-code">', 1)[1].split("<", 1)[0].strip()
    reference = Report.objects.order_by("-received_at").first().reference
    return text_of(page).replace(code, "CODE").replace(reference, "REF")


def flags():
    return list(Case.objects.order_by("received_at").values_list("many_from_network", flat=True))


def test_reports_over_the_threshold_are_kept_and_thanked_as_usual(db, settings):
    settings.HAVEN_SUBMISSIONS_PER_WINDOW = 2
    pages = []
    for _ in range(3):
        client = Client(REMOTE_ADDR="192.0.2.10")
        journey = Journey(client)
        journey.fill("parent")
        pages.append(sent_page(journey.send(), client))
    assert Report.objects.count() == 3
    assert flags() == [False, False, True]
    # The reporter is never told: the page over the threshold reads as the others do.
    assert pages[2] == pages[0] == pages[1]
    assert "Report sent Your reference REF" in pages[2]
    assert not AuditEvent.objects.filter(action="report.refused").exists()


def test_the_threshold_is_per_client_address(db, settings):
    settings.HAVEN_SUBMISSIONS_PER_WINDOW = 1
    assert send_from("192.0.2.10").status_code == 302
    assert send_from("192.0.2.11").status_code == 302
    assert send_from("192.0.2.10").status_code == 302
    assert flags() == [False, False, True]


def test_the_counter_table_never_holds_an_address(db, settings):
    settings.HAVEN_SUBMISSIONS_PER_WINDOW = 1
    send_from("192.0.2.77")
    send_from("192.0.2.77")
    counter = SubmissionCounter.objects.get()
    assert "192.0.2.77" not in counter.bucket
    assert len(counter.bucket) == 64
    assert counter.count == 2


def test_a_report_over_the_threshold_is_marked_in_the_audit_trail(db, settings):
    settings.HAVEN_SUBMISSIONS_PER_WINDOW = 0
    assert send_from("192.0.2.12").status_code == 302
    case = Case.objects.get()
    assert case.many_from_network is True
    opened = AuditEvent.objects.get(action="case.opened")
    assert opened.detail == {
        "case": str(case.id),
        "priority": case.priority,
        "scope": case.scope,
        "many_from_network": True,
    }


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(db, settings):
    settings.HAVEN_TRUSTED_PROXY_COUNT = 1
    settings.HAVEN_SUBMISSIONS_PER_WINDOW = 1
    for forwarded in ["198.51.100.1", "198.51.100.2", "198.51.100.1"]:
        journey = Journey(Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded))
        journey.fill("parent")
        assert journey.send().status_code == 302
    assert flags() == [False, False, True]


def test_a_filled_honeypot_sends_nothing_and_says_so_with_help(journey):
    journey.fill(
        "parent", {"what-happened": {"what_happened": "text", "website": "http://spam.example"}}
    )
    response = journey.send()
    assert response.status_code == 400
    text = text_of(response)
    assert "we could not send your report" in text.lower()
    assert "call 999 now" in text
    assert Report.objects.count() == 0
    assert (
        AuditEvent.objects.filter(action="report.refused", detail={"reason": "honeypot"}).count()
        == 1
    )


def test_the_honeypot_is_hidden_from_people(journey):
    journey.choose("parent")
    html = journey.client.get(reverse("reporting:step", args=["what-happened"])).content.decode()
    assert '<div class="haven-hp" aria-hidden="true">' in html
    assert 'tabindex="-1"' in html


def test_a_report_sent_faster_than_a_person_could_says_plainly_it_is_not_sent_yet(
    journey, settings
):
    settings.HAVEN_MIN_FILL_SECONDS = 20
    journey.fill("parent")
    response = journey.send()
    assert response.status_code == 200
    text = text_of(response)
    assert text.count("Your report has not been sent yet") == 2  # the title and the heading
    assert "You have not done anything wrong." in text
    assert re.search(r"Please wait (1?[0-9]|20) seconds?, then press Send report\.", text)
    # The Send button is right there.
    html = response.content.decode()
    assert f'<form method="post" action="{reverse("reporting:send")}"' in html
    assert re.search(r"<button[^>]*>\s*Send report\s*</button>", html)
    assert Report.objects.count() == 0
    assert not AuditEvent.objects.filter(action="report.refused").exists()


def test_after_the_wait_the_same_send_goes_through(journey, settings):
    settings.HAVEN_MIN_FILL_SECONDS = 20
    journey.fill("parent")
    assert journey.send().status_code == 200
    # Twenty seconds later (the draft's start moved back, as the clock would have moved on).
    Draft.objects.update(created_at=timezone.now() - timedelta(seconds=21))
    response = journey.send()
    assert response.url == reverse("reporting:sent")
    assert Report.objects.count() == 1


def test_every_form_is_protected_against_cross_site_requests(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("reporting:who"), {"audience": "parent"})
    assert response.status_code == 403
    text = text_of(response)
    assert "This page is out of date" in text
    assert "call 999 now" in text
