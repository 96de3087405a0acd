"""Drafts: encrypted under a key only the cookie holds, timed out after 60 minutes idle, purged."""

from datetime import timedelta

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from haven.reporting.models import Draft, Report
from tests.conftest import text_of
from tests.journey import step_url


def age_draft(minutes):
    Draft.objects.update(updated_at=timezone.now() - timedelta(minutes=minutes))


def test_the_draft_cookie_is_httponly_and_samesite_strict(journey):
    response = journey.choose("parent")
    cookie = response.cookies["haven_draft"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["secure"] == ""


def test_the_draft_cookie_is_secure_in_production_settings(journey, settings):
    settings.SECURE_COOKIES = True
    assert journey.choose("parent").cookies["haven_draft"]["secure"] is True


def test_a_draft_idle_for_an_hour_times_out_with_a_clear_page(journey):
    journey.choose("parent")
    journey.answer("what-happened", {"what_happened": "Something"})
    age_draft(61)
    response = journey.client.get(step_url("when"))
    assert response.url == reverse("reporting:timed_out")
    page = journey.client.get(response.url)
    text = text_of(page)
    assert "Your session timed out" in text
    assert "60 minutes" in text
    assert "If you had not pressed Send report yet, your report was not sent." in text
    assert "If you had sent it, we have it: you do not need to send it again." in text
    assert "NSPCC helpline" in text
    assert page.cookies["haven_draft"].value == ""
    assert Draft.objects.count() == 0


def test_a_draft_used_within_the_hour_stays(journey):
    journey.choose("parent")
    age_draft(59)
    assert journey.client.get(step_url("danger")).status_code == 200


def test_each_answer_resets_the_idle_timer(journey):
    journey.choose("parent")
    age_draft(50)
    journey.answer("danger")
    assert Draft.objects.get().updated_at > timezone.now() - timedelta(minutes=1)


def test_sending_a_timed_out_draft_sends_nothing(journey):
    journey.fill("parent")
    age_draft(61)
    response = journey.send()
    assert response.url == reverse("reporting:timed_out")
    assert Report.objects.count() == 0


def test_a_tampered_cookie_is_treated_as_timed_out(journey):
    journey.choose("parent")
    draft_id = Draft.objects.get().pk
    journey.client.cookies["haven_draft"] = (
        f"{draft_id}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    )
    assert journey.client.get(step_url("danger")).url == reverse("reporting:timed_out")


def test_a_malformed_cookie_never_causes_an_error(journey):
    for value in ["", "x", "....", "abc.!!!", "a" * 500 + ".b", "zz.zz"]:
        journey.client.cookies["haven_draft"] = value
        response = journey.client.get(step_url("danger"))
        assert response.status_code == 302


def test_expired_drafts_are_purged_by_the_command_and_when_a_new_draft_starts(journey, client):
    journey.choose("parent")
    age_draft(61)
    call_command("purge_drafts")
    assert Draft.objects.count() == 0
    journey.choose("child")
    age_draft(61)
    client.post(reverse("reporting:who"), {"audience": "parent"})
    assert Draft.objects.count() == 1


def test_after_a_time_out_a_new_draft_can_be_started(journey):
    journey.choose("parent")
    age_draft(61)
    journey.client.get(reverse("reporting:timed_out"))
    assert journey.choose("child").status_code == 302
    assert journey.client.get(step_url("danger")).status_code == 200


def cookie_with_a_wrong_key(journey):
    """The cookie of this client's draft with its id kept and its key replaced."""
    draft_id = Draft.objects.get().pk
    journey.client.cookies["haven_draft"] = f"{draft_id}.{'B' * 43}"


def test_a_cookie_with_the_right_id_and_a_wrong_key_deletes_nothing(journey):
    journey.choose("parent")
    cookie_with_a_wrong_key(journey)
    journey.client.get(step_url("danger"))
    journey.client.post(reverse("reporting:finish"))
    journey.client.get(reverse("reporting:exit"))
    journey.client.get(reverse("reporting:timed_out"))
    assert Draft.objects.count() == 1


def test_an_expired_draft_is_not_deleted_by_a_cookie_with_a_wrong_key(journey):
    journey.choose("parent")
    age_draft(61)
    cookie_with_a_wrong_key(journey)
    assert journey.client.get(step_url("danger")).url == reverse("reporting:timed_out")
    assert Draft.objects.count() == 1
    # It still goes when expired drafts are purged.
    call_command("purge_drafts")
    assert Draft.objects.count() == 0


def test_an_expired_draft_is_deleted_by_its_own_cookie(journey):
    journey.choose("parent")
    age_draft(61)
    assert journey.client.get(step_url("danger")).url == reverse("reporting:timed_out")
    assert Draft.objects.count() == 0
