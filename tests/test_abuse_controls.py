"""Rate limit per client address (database-backed), honeypot and minimum fill time."""

from django.test import Client
from django.urls import reverse

from haven.audit.models import AuditEvent
from haven.reporting.models import Report, SubmissionCounter
from tests.conftest import text_of
from tests.journey import Journey


def send_from(address, audience="parent"):
    journey = Journey(Client(REMOTE_ADDR=address))
    journey.fill(audience)
    return journey.send()


def test_submissions_over_the_limit_are_refused_with_a_page_that_offers_help(db, settings):
    settings.HAVEN_SUBMISSIONS_PER_WINDOW = 2
    assert send_from("192.0.2.10").status_code == 302
    assert send_from("192.0.2.10").status_code == 302
    refused = send_from("192.0.2.10")
    assert refused.status_code == 429
    text = text_of(refused)
    assert "We could not send your report just now" in text
    assert "call 999 now" in text
    assert "NSPCC helpline on 0808 800 5000" in text
    assert 'class="govuk-exit-this-page"' in refused.content.decode()
    assert Report.objects.count() == 2
    assert (
        AuditEvent.objects.filter(action="report.refused", detail={"reason": "rate_limit"}).count()
        == 1
    )


def test_the_limit_is_per_client_address(db, settings):
    settings.HAVEN_SUBMISSIONS_PER_WINDOW = 1
    assert send_from("192.0.2.10").status_code == 302
    assert send_from("192.0.2.11").status_code == 302
    assert Report.objects.count() == 2


def test_the_counter_table_never_holds_an_address(db, settings):
    send_from("192.0.2.77")
    counter = SubmissionCounter.objects.get()
    assert "192.0.2.77" not in counter.bucket
    assert len(counter.bucket) == 64
    assert counter.count == 1


def test_a_refused_draft_keeps_its_answers_for_later(db, settings):
    settings.HAVEN_SUBMISSIONS_PER_WINDOW = 0
    journey = Journey(Client(REMOTE_ADDR="192.0.2.12"))
    journey.fill("parent")
    assert journey.send().status_code == 429
    settings.HAVEN_SUBMISSIONS_PER_WINDOW = 5
    assert journey.send().status_code == 302
    assert Report.objects.count() == 1


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(db, settings):
    settings.HAVEN_TRUSTED_PROXY_COUNT = 1
    settings.HAVEN_SUBMISSIONS_PER_WINDOW = 1
    for forwarded, expected in [
        ("198.51.100.1", 302),
        ("198.51.100.2", 302),
        ("198.51.100.1", 429),
    ]:
        journey = Journey(Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded))
        journey.fill("parent")
        assert journey.send().status_code == expected


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


def test_a_report_sent_faster_than_a_person_could_is_held_for_a_second_look(journey, settings):
    settings.HAVEN_MIN_FILL_SECONDS = 3600
    journey.fill("parent")
    response = journey.send()
    assert response.status_code == 200
    assert "Please take a moment to check your answers, then send your report." in text_of(response)
    assert Report.objects.count() == 0
    settings.HAVEN_MIN_FILL_SECONDS = 0
    assert journey.send().status_code == 302
    assert Report.objects.count() == 1


def test_every_form_is_protected_against_cross_site_requests(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("reporting:who"), {"audience": "parent"})
    assert response.status_code == 403
    text = text_of(response)
    assert "This page is out of date" in text
    assert "call 999 now" in text
