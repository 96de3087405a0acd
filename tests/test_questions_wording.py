"""A child may report about a friend: a first question asks whom, and every page fits the answer."""

from __future__ import annotations

import uuid
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from haven.reporting import questions
from haven.reporting.models import Report
from haven.reporting.services import submit_report
from tests.conftest import text_of as raw_text_of
from tests.journey import step_url


def text_of(response):
    """The page's text with entities decoded (an apostrophe is &#39; in the HTML)."""
    return unescape(raw_text_of(response))


@pytest.fixture
def friend(journey):
    journey.choose("child")
    assert journey.answer("about-whom", {"about_whom": "friend"}).url == step_url("danger")
    return journey


def page_text(journey, slug):
    response = journey.client.get(step_url(slug))
    assert response.status_code == 200, slug
    return text_of(response)


def test_a_child_is_first_asked_whether_it_is_about_them_or_a_friend(journey):
    journey.choose("child")
    page = journey.client.get(reverse("reporting:what_happens"))
    assert page.context["continue_url"] == step_url("about-whom")
    text = page_text(journey, "about-whom")
    assert "Is this about you or a friend?" in text
    assert "Me" in text and "A friend" in text


@pytest.mark.parametrize("audience", ["parent", "member_of_public", "professional"])
def test_only_a_child_is_asked_whom_it_is_about(journey, audience):
    journey.choose(audience)
    assert journey.client.get(step_url("about-whom")).status_code == 404


def test_whom_it_is_about_must_be_chosen(journey):
    journey.choose("child")
    response = journey.answer("about-whom", {})
    assert response.status_code == 200
    assert "Select if this is about you or a friend" in text_of(response)


def test_a_child_reporting_about_a_friend_is_asked_about_the_friend(friend):
    assert "Is your friend in danger right now?" in page_text(friend, "danger")
    concern = page_text(friend, "concern")
    assert "Someone asked my friend for sexual pictures or videos" in concern
    assert "Someone wants to meet my friend" in concern
    assert "Someone asked me for" not in concern
    what = page_text(friend, "what-happened")
    assert "it is not your friend's fault" in what
    about = page_text(friend, "child")
    assert "About your friend" in about
    assert "How old is your friend?" in about
    assert "Town or area where your friend lives (optional)" in about
    assert "Your friend's first name or initials (optional)" in about
    assert "How do you know the child?" not in about
    assert "How old are you?" not in about
    person = page_text(friend, "person")
    assert "About the person you are worried about" in person
    assert "how to keep your friend safe" in page_text(friend, "contact")


def test_a_child_reporting_about_themself_is_still_asked_about_themself(journey):
    journey.choose("child")
    journey.answer("about-whom", {"about_whom": "me"})
    assert "Are you in danger right now?" in page_text(journey, "danger")
    about = page_text(journey, "child")
    assert "About you" in about and "How old are you?" in about


def test_check_answers_shows_the_friend_wording(journey):
    journey.fill(
        "child",
        {
            "about-whom": {"about_whom": "friend"},
            "child": {"child_age_known": "known", "child_age": "12", "several_children": "no"},
        },
    )
    text = text_of(journey.client.get(reverse("reporting:check_answers")))
    assert "Is this about you or a friend? A friend" in text
    assert "Is your friend in danger right now? No" in text
    assert "Someone asked my friend for sexual pictures or videos" in text
    assert "About your friend" in text
    assert "How old is your friend? 12" in text
    assert "How old are you?" not in text
    assert "Someone asked me for" not in text


def test_staff_read_a_report_about_a_friend_in_the_friend_wording(journey, staff_client):
    report = journey.submit(
        "child",
        {
            "about-whom": {"about_whom": "friend"},
            "child": {"child_age_known": "known", "child_age": "12"},
        },
    )
    assert report.child_age_band == "under_13"
    text = text_of(staff_client.get(reverse("staff:report", args=[report.id])))
    assert "Is your friend in danger right now? No" in text
    assert "How old is your friend? 12" in text
    assert "Are you in danger right now?" not in text


def test_staff_still_read_a_report_stored_before_the_friend_question(staff_client):
    """An old child report: no "about whom", an age band without an exact age, a full date."""
    receipt = submit_report(
        audience="child",
        answers={
            "danger": {"danger_now": "no"},
            "what-happened": {"what_happened": "Old-shape narrative."},
            "when": {"when": "date", "when_date": "2025-03-27"},
            "child": {"child_age_band": "13_15", "child_age": None, "child_area": "Oldtown"},
        },
        submission_key=uuid.uuid4().hex,
        received_at=timezone.now(),
    )
    report = Report.objects.get(pk=receipt.report.pk)
    response = staff_client.get(reverse("staff:report", args=[report.id]))
    assert response.status_code == 200
    text = text_of(response)
    assert "Are you in danger right now? No" in text
    assert "How old are you? 13 to 15" in text
    assert "27 March 2025" in text
    assert "Town or area where you live Oldtown" in text


def test_every_wording_for_a_child_has_one_for_a_child_reporting_about_a_friend():
    """A page written to "you" would be wrong about a friend: each needs its own words."""
    missing = []
    for form in questions.Question.__subclasses__():
        wordings = [form.heading] if form.heading else []
        wordings += [w for words in form.wording.values() for w in words.values()]
        wordings += [w for words in form.choice_wording.values() for w in words.values()]
        missing += [
            f"{form.__name__}: {w.default}"
            for w in wordings
            if w.child is not None and w.child_friend is None
        ]
    assert missing == []
