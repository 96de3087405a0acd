"""Exit this page ends the visit: the draft and every Haven cookie go, then the neutral page."""

import pytest
from django.urls import reverse

from haven.reporting.models import Draft
from tests.conftest import text_of
from tests.journey import step_url

EXIT_URL = "https://neutral.example/weather"


@pytest.fixture(autouse=True)
def exit_url(settings):
    settings.HAVEN_EXIT_URL = EXIT_URL


def deleted(response, name):
    morsel = response.cookies.get(name)
    return morsel is not None and morsel.value == "" and morsel["max-age"] == 0


def test_every_public_page_sends_the_exit_button_through_haven(client, db):
    html = client.get(reverse("reporting:start")).content.decode()
    assert f'href="{reverse("reporting:exit")}"' in html
    assert EXIT_URL not in html


def test_exit_deletes_the_draft_and_every_haven_cookie_then_leaves(journey):
    journey.fill("parent")
    journey.client.get(reverse("reporting:who"))  # a form page: the CSRF cookie is set
    assert "csrftoken" in journey.client.cookies
    response = journey.client.get(reverse("reporting:exit"))
    assert response.status_code == 302
    assert response["Location"] == EXIT_URL
    assert Draft.objects.count() == 0
    for name in ("haven_draft", "csrftoken", "sessionid"):
        assert deleted(response, name), name
    assert response["Cache-Control"] == "no-store, max-age=0"


def test_after_exit_nothing_of_the_answers_can_be_opened_again(journey):
    journey.fill("parent", {"what-happened": {"what_happened": "A secret only this test knows"}})
    cookie = journey.client.cookies["haven_draft"].value
    journey.client.get(reverse("reporting:exit"))
    for url in (reverse("reporting:check_answers"), step_url("what-happened")):
        response = journey.client.get(url, follow=True)
        assert "A secret only this test knows" not in response.content.decode()
    # Even the old cookie, kept somewhere, opens nothing: the draft is gone.
    journey.client.cookies["haven_draft"] = cookie
    response = journey.client.get(reverse("reporting:check_answers"))
    assert response.url == reverse("reporting:timed_out")


def test_exit_after_sending_deletes_the_receipt_and_its_code(journey):
    journey.submit("parent")
    journey.client.get(reverse("reporting:exit"))
    assert Draft.objects.count() == 0


def test_exit_without_a_draft_still_leaves_at_once(client, db):
    response = client.get(reverse("reporting:exit"))
    assert (response.status_code, response["Location"]) == (302, EXIT_URL)
    assert deleted(response, "haven_draft")


def test_exit_is_a_plain_link_and_a_post_to_it_gets_the_help_page(client, db):
    # GOV.UK's script follows the button's href, so the link must work as a plain GET.
    response = client.post(reverse("reporting:exit"))
    assert response.status_code == 405
    assert "Exit this page" in text_of(response)
