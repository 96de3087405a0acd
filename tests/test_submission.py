"""Sending a report: one transaction, one report per draft, a reference and a code shown once."""

import re

import pytest
from django.test import RequestFactory
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
    assert "Once you tell us you have kept it, we will not show it again" in text
    assert "What happens next" in text
    assert "NSPCC helpline on 0808 800 5000" in text


def test_the_follow_up_code_is_shown_until_the_person_says_they_have_kept_it(journey):
    journey.submit("parent")
    first = journey.client.get(reverse("reporting:sent"))
    again = journey.client.get(reverse("reporting:sent"))
    code = first.context["code"]
    assert code and again.context["code"] == code
    assert "I have kept my code" in text_of(again)
    kept = journey.client.post(reverse("reporting:sent"))
    assert kept.url == reverse("reporting:sent")
    after = journey.client.get(reverse("reporting:sent"))
    assert after.context["code"] is None
    assert code not in after.content.decode()
    assert "You told us you have kept your follow-up code" in text_of(after)
    assert after.context["reference"] == first.context["reference"]


def test_the_page_never_says_the_code_was_shown_when_the_person_has_not_said_they_kept_it(
    journey,
):
    journey.submit("parent")
    for _ in range(3):
        text = text_of(journey.client.get(reverse("reporting:sent")))
        assert "was shown" not in text
        assert "we do not show it again" not in text.lower()


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
                "child_age_known": "known",
                "child_age": "11",
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


def test_opening_the_send_address_goes_back_to_the_answers_and_sends_nothing(journey):
    journey.fill("parent")
    response = journey.client.get(reverse("reporting:send"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("reporting:check_answers")
    assert response.status_code == 200
    assert Report.objects.count() == 0


def test_opening_the_send_address_after_sending_goes_to_the_confirmation(journey):
    journey.submit("parent")
    response = journey.client.get(reverse("reporting:send"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("reporting:sent")
    assert Report.objects.count() == 1


def test_opening_the_finish_address_goes_where_the_person_was(journey):
    response = journey.client.get(reverse("reporting:finish"))
    assert response.url == reverse("reporting:start")
    journey.submit("parent")
    response = journey.client.get(reverse("reporting:finish"))
    assert response.url == reverse("reporting:sent")
    # Nothing was finished by it: the confirmation is still there.
    assert journey.client.get(reverse("reporting:sent")).status_code == 200


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
        # Each request draws a code; the draft keeps the one saved first, and both use it.
        code_a = drafts.prepare_send(first, code=services.new_followup_code())
        code_b = drafts.prepare_send(second, code=services.new_followup_code())
        assert code_a == code_b
        a = services.submit_report(
            audience="parent",
            answers=first.answers,
            submission_key=first.submission_key,
            received_at=timezone.now(),
            followup_code=code_a,
        )
        b = services.submit_report(
            audience="parent",
            answers=second.answers,
            submission_key=second.submission_key,
            received_at=timezone.now(),
            followup_code=code_b,
        )
        assert a.report.pk == b.report.pk and b.followup_code is None
        receipt = {"reference": a.report.reference, "signposts": {}}
        if order == "first-records-first":
            drafts.record_sent(first, **receipt)
            drafts.record_sent(second, **receipt)
        else:
            drafts.record_sent(second, **receipt)
            drafts.record_sent(first, **receipt)
        page = journey.client.get(reverse("reporting:sent"))
        assert page.context["code"] == code_a, order
        assert services.followup_verifier(code_a) == a.report.followup_verifier
        assert Report.objects.count() == 1
        journey.client.post(reverse("reporting:finish"))
        journey.fill("parent")
        Case.objects.all().delete()
        Report.objects.all().delete()


def test_submit_report_stores_the_code_it_is_given(journey):
    from django.utils import timezone

    from haven.reporting import services

    receipt = services.submit_report(
        audience="parent",
        answers={"what-happened": {"what_happened": "x"}},
        submission_key="a-key",
        received_at=timezone.now(),
        followup_code="ABCD-EFGH-JKMN-PQRS",
    )
    assert receipt.followup_code == "ABCD-EFGH-JKMN-PQRS"
    assert receipt.report.followup_verifier == services.followup_verifier("ABCD-EFGH-JKMN-PQRS")


def code_on(page):
    found = re.search(r'<p class="haven-code" id="followup-code">([^<]*)</p>', page)
    return found.group(1).strip() if found else None


@pytest.mark.parametrize("next_request", ["reload the confirmation", "check answers", "send again"])
def test_a_worker_that_dies_after_the_report_is_stored_loses_no_code(
    journey, monkeypatch, next_request
):
    from haven.reporting import services

    original = services.submit_report

    def stored_then_died(**kwargs):
        original(**kwargs)
        raise RuntimeError("the worker died after the commit")

    journey.fill("parent")
    monkeypatch.setattr(services, "submit_report", stored_then_died)
    journey.client.raise_request_exception = False
    assert journey.send().status_code == 500
    report = Report.objects.get()
    monkeypatch.setattr(services, "submit_report", original)
    journey.client.raise_request_exception = True

    if next_request == "reload the confirmation":
        page = journey.client.get(reverse("reporting:sent"))
    elif next_request == "check answers":
        page = journey.client.get(reverse("reporting:check_answers"), follow=True)
    else:
        page = journey.client.post(reverse("reporting:send"), follow=True)
    code = code_on(page.content.decode())
    assert code, next_request
    assert services.followup_verifier(code) == report.followup_verifier
    assert Report.objects.count() == 1


def test_a_confirmation_page_that_fails_to_arrive_shows_the_same_code_next_time(
    journey, monkeypatch
):
    from haven.reporting import services, views

    report = journey.submit("parent")
    original = views.page
    failures = []

    def fails_once(request, template, *args, **kwargs):
        if template == "reporting/sent.html" and not failures:
            failures.append(template)
            raise RuntimeError("the response never reached the browser")
        return original(request, template, *args, **kwargs)

    monkeypatch.setattr(views, "page", fails_once)
    journey.client.raise_request_exception = False
    assert journey.client.get(reverse("reporting:sent")).status_code == 500
    page = journey.client.get(reverse("reporting:sent")).content.decode()
    code = code_on(page)
    assert code and services.followup_verifier(code) == report.followup_verifier


def test_the_code_is_in_the_draft_encrypted_before_the_report_is_stored(journey, monkeypatch):
    from haven.reporting import drafts, services
    from haven.reporting.models import Draft

    original = services.submit_report
    seen = {}

    def look_first(**kwargs):
        row = Draft.objects.get()
        request = RequestFactory().get("/")
        request.COOKIES["haven_draft"] = journey.client.cookies["haven_draft"].value
        seen["code in draft"] = drafts.load(request).data.get("followup_code")
        seen["code in plain sight"] = kwargs["followup_code"].encode() in bytes(row.ciphertext)
        return original(**kwargs)

    journey.fill("parent")
    monkeypatch.setattr(services, "submit_report", look_first)
    journey.send()
    report = Report.objects.get()
    assert seen["code in draft"]
    assert services.followup_verifier(seen["code in draft"]) == report.followup_verifier
    assert seen["code in plain sight"] is False


def test_finishing_deletes_the_code_with_the_draft(journey):
    from haven.reporting.models import Draft

    journey.submit("parent")
    journey.client.post(reverse("reporting:finish"))
    assert Draft.objects.count() == 0
    assert journey.client.get(reverse("reporting:sent")).url == reverse("reporting:who")


@pytest.mark.parametrize("how", ["exit in another tab", "purged at the idle limit"])
def test_a_draft_gone_between_loading_and_sending_goes_to_the_timed_out_page(
    journey, monkeypatch, how
):
    from haven.reporting import drafts
    from haven.reporting.models import Draft

    original = drafts.load

    def loaded_then_gone(request):
        state = original(request)
        if how == "exit in another tab":
            journey.client.get(reverse("reporting:exit"))
        else:
            Draft.objects.all().delete()
        return state

    journey.fill("parent")
    monkeypatch.setattr(drafts, "load", loaded_then_gone)
    response = journey.send()
    assert (response.status_code, response.url) == (302, reverse("reporting:timed_out"))
    assert Report.objects.count() == 0
    assert Draft.objects.count() == 0


def sent_before_this_release(journey, *, shown):
    """Rewrite this client's sent draft as the release before kept it: the code in the receipt."""
    from haven.reporting import drafts

    request = RequestFactory().get("/")
    request.COOKIES["haven_draft"] = journey.client.cookies["haven_draft"].value
    state = drafts.load(request)
    code = state.data.pop("followup_code")
    state.data["sent"] = (
        {"reference": state.data["sent"]["reference"], "code": None, "shown": True}
        if shown
        else {"reference": state.data["sent"]["reference"], "code": code}
    )
    drafts.save(state)
    return code


def test_a_draft_sent_before_this_release_still_shows_its_code_until_it_is_kept(journey):
    report = journey.submit("parent")
    code = sent_before_this_release(journey, shown=False)
    page = journey.client.get(reverse("reporting:sent"))
    assert code_on(page.content.decode()) == code
    assert page.context["reference"] == report.reference
    journey.client.post(reverse("reporting:sent"))
    after = journey.client.get(reverse("reporting:sent"))
    assert after.context["code"] is None
    assert code not in after.content.decode()
    assert "You told us you have kept your follow-up code" in text_of(after)


def test_a_code_shown_before_this_release_is_not_shown_again(journey):
    journey.submit("parent")
    code = sent_before_this_release(journey, shown=True)
    page = journey.client.get(reverse("reporting:sent"))
    assert page.context["code"] is None
    assert code not in page.content.decode()


def test_a_draft_exited_while_its_report_was_being_stored_is_not_written_again(journey):
    """Exit in another tab during the send deletes the draft; the receipt must not bring back a
    row (unreadable, since its key left with the cookie, but still something left behind)."""
    from haven.reporting import drafts, services
    from haven.reporting.models import Draft

    journey.fill("parent")
    draft, _ = load_twice(journey)
    drafts.prepare_send(draft, code=services.new_followup_code())
    journey.client.get(reverse("reporting:exit"))
    assert not Draft.objects.filter(pk=draft.id).exists()

    drafts.record_sent(draft, reference="HVN-TEST-0000", signposts={})

    assert not Draft.objects.filter(pk=draft.id).exists()
