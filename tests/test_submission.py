"""Sending a report: one transaction, one report per draft, a reference and a code shown once."""

import re

from django.urls import reverse

from haven.audit.models import AuditEvent
from haven.cases.models import Case
from haven.reporting.models import Report
from haven.sealing.services import open_sealed
from tests.conftest import text_of

REFERENCE = re.compile(r"^HVN-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


def test_the_confirmation_shows_the_reference_the_code_and_what_happens_next(journey):
    report = journey.submit("parent")
    page = journey.client.get(reverse("reporting:sent"))
    text = text_of(page)
    assert REFERENCE.match(report.reference)
    assert report.reference in text
    assert CODE.match(page.context["code"])
    assert "We will not show it again" in text
    assert "What happens next" in text
    assert "NSPCC helpline on 0808 800 5000" in text


def test_the_follow_up_code_is_shown_once(journey):
    journey.submit("parent")
    first = journey.client.get(reverse("reporting:sent"))
    second = journey.client.get(reverse("reporting:sent"))
    assert first.context["code"]
    assert first.context["code"] not in second.content.decode()
    assert second.context["code"] is None
    assert "we only show it once" in text_of(second)
    assert first.context["reference"] == second.context["reference"]


def test_sending_twice_gives_the_same_reference_and_one_report(journey):
    journey.fill("parent")
    first = journey.send()
    second = journey.send()
    assert first.url == second.url == reverse("reporting:sent")
    assert Report.objects.count() == 1
    assert AuditEvent.objects.filter(action="report.received").count() == 1


def test_a_refresh_of_the_confirmation_never_sends_again(journey):
    journey.submit("parent")
    for _ in range(3):
        journey.client.get(reverse("reporting:sent"))
    assert Report.objects.count() == 1


def test_back_to_a_question_after_sending_goes_to_the_confirmation(journey):
    journey.submit("parent")
    response = journey.client.get(reverse("reporting:step", args=["what-happened"]))
    assert response.status_code == 302
    assert response.url == reverse("reporting:sent")
    assert journey.client.get(reverse("reporting:check_answers")).url == reverse("reporting:sent")


def test_the_same_draft_submitted_by_two_requests_creates_one_report(journey):
    from haven.reporting import services

    journey.fill("parent")
    draft_key = "same-key-for-both"
    answers = {"what-happened": {"what_happened": "x"}}
    from django.utils import timezone

    first = services.submit_report(
        audience="parent", answers=answers, submission_key=draft_key, received_at=timezone.now()
    )
    second = services.submit_report(
        audience="parent", answers=answers, submission_key=draft_key, received_at=timezone.now()
    )
    assert first.report.pk == second.report.pk
    assert first.followup_code and second.followup_code is None
    assert Report.objects.filter(submission_key=draft_key).count() == 1


def test_the_report_stores_triage_inputs_in_plaintext_and_everything_else_sealed(journey):
    report = journey.submit(
        "parent",
        {
            "danger": {"danger_now": "yes"},
            "concern": {"concerns": ["wants_to_meet", "asked_for_images"]},
            "child": {
                "child_age_band": "under_13",
                "several_children": "yes",
                "relationship": "my_child",
            },
            "person": {"person_adult": "yes", "works_with_children": "yes"},
        },
    )
    assert report.audience == "parent"
    assert report.channel == "web"
    assert report.concerns == ["asked_for_images", "wants_to_meet"]
    assert report.danger_now == "yes"
    assert report.child_age_band == "under_13"
    assert report.several_children == "yes"
    assert report.person_adult == "yes"
    assert report.works_with_children == "yes"
    assert report.contactable is True
    contents = open_sealed(
        record_id=str(report.id), key_id=report.sealed_key_id, ciphertext=bytes(report.sealed)
    )
    assert contents["audience"] == "parent"
    assert contents["answers"]["contact"]["email"] == "pat@example.org"
    assert (
        contents["answers"]["what-happened"]["what_happened"]
        == "Someone in a game asked for photos and wants to meet."
    )


def test_an_exact_age_fills_in_the_age_band(journey):
    report = journey.submit("parent", {"child": {"child_age": "9", "relationship": "my_child"}})
    assert report.child_age_band == "under_13"


def test_answers_for_another_audience_are_not_sent(journey):
    journey.choose("professional")
    journey.answer(
        "your-organisation", {"organisation": "Org-only-for-professionals", "role": "Lead"}
    )
    report = journey.submit("parent")
    contents = open_sealed(
        record_id=str(report.id), key_id=report.sealed_key_id, ciphertext=bytes(report.sealed)
    )
    assert "your-organisation" not in contents["answers"]


def test_a_report_without_contact_details_is_accepted_and_not_contactable(journey):
    report = journey.submit(
        "member_of_public", {"contact": {"contact_choice": "no", "phone": "07700 900982"}}
    )
    assert report.contactable is False
    contents = open_sealed(
        record_id=str(report.id), key_id=report.sealed_key_id, ciphertext=bytes(report.sealed)
    )
    assert contents["answers"]["contact"]["phone"] == ""


def test_an_audience_not_allowed_to_stay_anonymous_must_give_contact_details(journey, settings):
    settings.HAVEN_ANONYMOUS_AUDIENCES = ["child", "parent", "member_of_public"]
    journey.choose("professional")
    page = journey.client.get(reverse("reporting:step", args=["contact"]))
    assert "I would rather not give contact details" not in text_of(page)
    response = journey.answer("contact", {"contact_choice": "no"})
    assert response.status_code == 200
    assert "Enter a phone number or an email address" in text_of(response)


def test_sending_without_what_happened_goes_back_to_that_question(journey):
    journey.choose("parent")
    response = journey.send()
    assert response.url == reverse("reporting:step", args=["what-happened"])
    assert Report.objects.count() == 0


def test_sending_is_post_only(journey):
    journey.fill("parent")
    assert journey.client.get(reverse("reporting:send")).status_code == 405
    assert Report.objects.count() == 0


def test_finish_clears_the_draft_and_the_cookie(journey):
    from haven.reporting.models import Draft

    journey.submit("parent")
    response = journey.client.post(reverse("reporting:finish"))
    assert response.url == reverse("reporting:start")
    assert response.cookies["haven_draft"].value == ""
    assert Draft.objects.count() == 0


def test_a_new_report_after_sending_starts_afresh(journey):
    first = journey.submit("parent")
    second = journey.submit("child")
    assert first.pk != second.pk
    assert Report.objects.count() == 2


def load_twice(journey):
    """The draft as two requests carrying the same cookie would each load it."""
    from django.test import RequestFactory

    from haven.reporting import drafts

    request = RequestFactory().get("/")
    request.COOKIES["haven_draft"] = journey.client.cookies["haven_draft"].value
    return drafts.load(request), drafts.load(request)


def test_two_requests_for_one_draft_carry_the_same_submission_key(journey):
    journey.fill("parent")
    first, second = load_twice(journey)
    assert first.submission_key == second.submission_key


def test_a_double_click_creates_one_report_and_keeps_the_code_in_either_order(journey):
    from django.utils import timezone

    from haven.reporting import drafts, services

    journey.fill("parent")
    for order in ("first-records-first", "repeat-records-first"):
        first, second = load_twice(journey)
        a = services.submit_report(
            audience="parent",
            answers=first.answers,
            submission_key=first.submission_key,
            received_at=timezone.now(),
        )
        b = services.submit_report(
            audience="parent",
            answers=second.answers,
            submission_key=second.submission_key,
            received_at=timezone.now(),
        )
        assert a.report.pk == b.report.pk and b.followup_code is None
        if order == "first-records-first":
            drafts.record_sent(first, reference=a.report.reference, code=a.followup_code)
            drafts.record_sent(second, reference=b.report.reference, code=None)
        else:
            drafts.record_sent(second, reference=b.report.reference, code=None)
            drafts.record_sent(first, reference=a.report.reference, code=a.followup_code)
        page = journey.client.get(reverse("reporting:sent"))
        assert page.context["code"] == a.followup_code, order
        assert Report.objects.count() == 1
        journey.client.post(reverse("reporting:finish"))
        journey.fill("parent")
        Case.objects.all().delete()
        Report.objects.all().delete()
