"""Changing who you are never shows an answer under another person's question.

Each answer remembers whose words it was given in. After a change, the questions that are new to
the person, and those that now read differently, are asked before check answers; an answer is
filled in again only where its question reads exactly as before.
"""

from __future__ import annotations

from html import unescape

from django.urls import reverse

from haven.reporting import drafts
from tests.conftest import text_of as raw_text_of
from tests.journey import step_url


def text_of(response):
    """The page's text with entities decoded (an apostrophe is &#39; in the HTML)."""
    return unescape(raw_text_of(response))


def continue_url(journey):
    return journey.client.get(reverse("reporting:what_happens")).context["continue_url"]


def walk(journey, answers):
    """Follow the journey from "what happens", answering each page from ``answers``."""
    url = continue_url(journey)
    seen = []
    while "check-answers" not in url:
        slug = url.split("/")[2]
        seen.append(slug)
        assert journey.client.get(url).status_code == 200, slug
        response = journey.client.post(url, answers.get(slug, {}))
        assert response.status_code == 302, (slug, text_of(response)[:2000])
        url = response.url
        if slug in ("call-emergency", "other-help", "policy-first", "already-reported"):
            url = journey.client.get(url).context["continue_url"]
    return seen


def test_a_child_who_becomes_a_parent_is_asked_again_what_now_reads_differently(journey):
    journey.fill("child", {"child": {"child_age": "14", "child_name": "Me-name"}})
    journey.choose("parent")
    assert continue_url(journey) == step_url("danger")
    # Check answers waits until those questions are answered in the parent's words.
    response = journey.client.get(reverse("reporting:check_answers"))
    assert response.status_code == 302 and response.url == step_url("danger")
    seen = walk(
        journey,
        {
            "danger": {"danger_now": "no"},
            "concern": {"concerns": ["sexual_messages"]},
            "child": {"child_age_known": "known", "child_age": "9", "relationship": "my_child"},
            "person": {"person_adult": "yes"},
        },
    )
    assert seen == ["danger", "concern", "child", "person"]
    text = text_of(journey.client.get(reverse("reporting:check_answers")))
    assert "How old is the child? 9" in text
    assert "How old are you?" not in text
    assert "Me-name" not in text
    assert "Are you in danger right now?" not in text
    assert "Someone asked me for" not in text


def test_how_old_are_you_is_never_offered_as_the_age_of_the_child(journey):
    journey.fill("child", {"child": {"child_age": "14", "child_name": "Me-name"}})
    journey.choose("parent")
    page = journey.client.get(step_url("child"))
    html = page.content.decode()
    assert 'value="14"' not in html
    assert 'value="Me-name"' not in html
    assert "This question has changed to fit what you told us" in text_of(page)


def test_an_answer_whose_question_reads_the_same_is_filled_in_again(journey):
    journey.fill("child", {"person": {"person_names": "Sam Example", "person_adult": "yes"}})
    journey.choose("parent")
    html = journey.client.get(step_url("person")).content.decode()
    assert "Sam Example" in html
    assert 'value="yes" checked' in html


def test_the_narrative_stays_and_is_not_asked_again(journey):
    journey.fill("child")
    journey.choose("member_of_public")
    seen = walk(journey, {})
    assert "what-happened" not in seen
    text = text_of(journey.client.get(reverse("reporting:check_answers")))
    assert "Someone in a game asked for photos and wants to meet." in text


def test_a_parent_who_becomes_a_professional_answers_only_the_new_questions(journey):
    journey.fill("parent")
    journey.choose("professional")
    seen = walk(
        journey,
        {
            "safeguarding-policy": {"policy_followed": "yes"},
            "already-told": {"told_statutory": "no"},
            "your-organisation": {"organisation": "Example School"},
        },
    )
    assert seen == ["safeguarding-policy", "already-told", "your-organisation"]
    html = journey.client.get(reverse("reporting:check_answers")).content.decode()
    assert "Example School" in html
    assert "Someone in a game asked for photos" in html


def test_a_professional_who_becomes_a_parent_goes_straight_back_to_check_answers(journey):
    journey.fill("professional")
    journey.choose("parent")
    assert continue_url(journey) == reverse("reporting:check_answers")
    assert "Example School" not in text_of(journey.client.get(reverse("reporting:check_answers")))


def test_a_parent_who_becomes_a_child_is_asked_whom_it_is_about_first(journey):
    journey.fill("parent")
    journey.choose("child")
    assert continue_url(journey) == step_url("about-whom")
    response = journey.answer("about-whom", {"about_whom": "friend"})
    assert response.url == step_url("danger")


def test_changing_from_me_to_a_friend_at_check_answers_asks_about_the_friend(journey):
    journey.fill("child", {"child": {"child_age": "14"}})
    response = journey.answer("about-whom", {"about_whom": "friend"}, change=True)
    assert response.url == step_url("danger")
    seen = walk(journey, {"child": {"child_age_known": "unknown"}})
    assert seen == ["danger", "concern", "child", "person"]
    text = text_of(journey.client.get(reverse("reporting:check_answers")))
    assert "How old is your friend? I don't know" in text
    assert "How old are you?" not in text


def test_changing_back_to_the_same_person_asks_nothing_again(journey):
    journey.fill("parent")
    journey.choose("member_of_public")
    assert continue_url(journey) == reverse("reporting:check_answers")
    journey.choose("parent")
    assert continue_url(journey) == reverse("reporting:check_answers")


def test_a_question_left_unanswered_at_the_end_is_not_forced(journey):
    """Someone who stopped after "what happened" may still go to check answers."""
    journey.choose("parent")
    journey.answer("danger")
    journey.answer("concern")
    journey.answer("what-happened")
    assert continue_url(journey) == reverse("reporting:check_answers")


def test_the_stored_answer_records_whose_words_it_was_given_in(journey):
    journey.choose("child")
    journey.answer("about-whom", {"about_whom": "friend"})
    journey.answer("danger", {"danger_now": "no"})
    state = drafts.load(journey.client.get(step_url("danger")).wsgi_request)
    assert state.answers["danger"] == {"danger_now": "no", "_voice": "child_friend"}
    assert state.answers["about-whom"] == {"about_whom": "friend", "_voice": "child"}


def test_a_report_cannot_be_sent_while_questions_still_wait_in_the_new_words(journey):
    from haven.reporting.models import Report

    journey.fill("child", {"child": {"child_age": "14", "child_name": "Me-name"}})
    journey.choose("parent")

    response = journey.send()

    assert response.status_code == 302 and response.url == step_url("danger")
    assert Report.objects.count() == 0
