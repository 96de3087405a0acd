"""Check your answers: every answer shown, change links that come back, and markup as text."""

import pytest
from django.urls import reverse

from tests.conftest import text_of
from tests.journey import step_url


def test_check_answers_needs_what_happened_first(journey):
    journey.choose("parent")
    response = journey.client.get(reverse("reporting:check_answers"))
    assert response.status_code == 302
    assert response.url == step_url("what-happened")


def test_only_what_happened_is_required(journey):
    journey.choose("member_of_public")
    journey.answer("what-happened", {"what_happened": "I saw something worrying."})
    response = journey.client.get(reverse("reporting:check_answers"))
    assert response.status_code == 200
    text = text_of(response)
    assert "I saw something worrying." in text
    assert "Not answered" in text


@pytest.mark.parametrize("audience", ["child", "parent", "member_of_public", "professional"])
def test_check_answers_shows_every_answer_with_a_change_link(journey, audience):
    journey.fill(audience)
    response = journey.client.get(reverse("reporting:check_answers"))
    html = response.content.decode()
    text = text_of(response)
    assert "Check your answers before sending your report" in text
    assert "Someone in a game asked for photos and wants to meet." in text
    assert "ExampleChat" in text and "@example_person_1" in text
    assert "pat@example.org" in text
    assert "It is still happening" in text
    assert ("How old are you? 14" if audience == "child" else "How old is the child? 14") in text
    for slug in (
        "danger",
        "concern",
        "what-happened",
        "when",
        "where",
        "child",
        "person",
        "contact",
    ):
        assert f'href="{step_url(slug, change=True)}"' in html
    assert ("your-organisation" in html) == (audience == "professional")
    assert (step_url("about-whom", change=True) in html) == (audience == "child")
    assert "What happens to this information" in text
    assert "Only our child protection advisors can unlock and read them" in text


def test_a_change_link_returns_to_check_answers(journey):
    journey.fill("parent")
    response = journey.answer(
        "what-happened", {"what_happened": "Changed narrative 771"}, change=True
    )
    assert response.url == reverse("reporting:check_answers")
    assert "Changed narrative 771" in text_of(journey.client.get(response.url))


def test_changing_a_question_shows_the_back_link_to_check_answers(journey):
    journey.fill("parent")
    page = journey.client.get(step_url("child", change=True))
    assert page.context["back_url"] == reverse("reporting:check_answers")
    assert page.context["action"] == step_url("child", change=True)


def test_changing_danger_to_yes_shows_the_emergency_advice_then_returns_to_check_answers(journey):
    journey.fill("parent")
    response = journey.answer("danger", {"danger_now": "yes"}, change=True)
    assert response.url == step_url("call-emergency", change=True)
    page = journey.client.get(response.url)
    assert page.context["continue_url"] == reverse("reporting:check_answers")


def test_changing_where_returns_to_check_answers(journey):
    journey.fill("parent")
    url = step_url("where", change=True)
    assert journey.client.post(url, {"platform": "Another", "action": "add"}).url == url
    assert journey.client.post(url, {"action": "continue"}).url == reverse(
        "reporting:check_answers"
    )


def test_markup_in_answers_is_shown_as_text(journey):
    journey.fill(
        "parent", {"what-happened": {"what_happened": '<script>alert("x")</script><b>bold</b>'}}
    )
    html = journey.client.get(reverse("reporting:check_answers")).content.decode()
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<b>bold</b>" not in html


def test_an_audience_change_asks_the_new_questions_before_check_answers(journey):
    journey.fill("parent")
    journey.choose("professional")
    page = journey.client.get(reverse("reporting:what_happens"))
    assert page.context["continue_url"] == step_url("safeguarding-policy")
    assert journey.client.get(reverse("reporting:check_answers")).url == step_url(
        "safeguarding-policy"
    )
    for slug in ("safeguarding-policy", "already-told", "your-organisation"):
        journey.answer(slug)
    html = journey.client.get(reverse("reporting:check_answers")).content.decode()
    assert step_url("your-organisation", change=True) in html
    assert "Someone in a game asked for photos" in html
