"""The start page, the audience choice and the guidance for each audience."""

import re

import pytest
from django.urls import reverse

from tests.conftest import text_of
from tests.journey import step_url

PUBLIC_PAGES = [
    "reporting:start",
    "reporting:who",
    "reporting:not_ready",
    "reporting:staying_safe",
]


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_every_public_page_has_the_exit_button_danger_advice_and_helpline(client, db, name):
    response = client.get(reverse(name))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="govuk-exit-this-page"' in html
    assert f'href="{reverse("reporting:exit")}"' in html
    assert "If a child is in immediate danger, call 999 ." in text_of(response)
    assert 'call <a class="govuk-link haven-phone" href="tel:999">999</a>.' in html
    assert reverse("reporting:not_ready") in html
    assert reverse("reporting:staying_safe") in html


def test_the_emergency_number_and_helpline_are_configuration(client, db, settings):
    settings.HAVEN_EMERGENCY_NUMBER = "112"
    settings.HAVEN_HELPLINE_NAME = "Example Helpline"
    settings.HAVEN_HELPLINE_PHONE = "0800 000 000"
    text = text_of(client.get(reverse("reporting:start")))
    assert "If a child is in immediate danger, call 112 ." in text
    assert "Example Helpline on 0800 000 000" in text
    assert "999" not in text


def test_the_start_page_says_what_the_service_is_for_and_what_it_cannot_help_with(client, db):
    text = text_of(client.get(reverse("reporting:start")))
    assert "Report online sexual abuse or grooming of a child" in text
    assert "We cannot deal with bullying, fake accounts or hacked accounts on their own" in text
    assert "Start now" in text


def test_who_are_you_offers_the_four_audiences(client, db):
    text = text_of(client.get(reverse("reporting:who")))
    for choice in (
        "A child or young person",
        "A parent or carer",
        "A member of the public",
        "A professional who works with children",
    ):
        assert choice in text


def test_who_are_you_without_a_choice_shows_the_error_summary(client, db):
    response = client.post(reverse("reporting:who"), {})
    text = text_of(response)
    assert response.status_code == 200
    assert "There is a problem" in text
    assert "Select who you are" in text
    assert "<title>Error:" in response.content.decode()


def test_an_unknown_audience_is_refused_with_an_error_not_stored(client, db):
    response = client.post(reverse("reporting:who"), {"audience": "<script>"})
    assert response.status_code == 200
    assert "Select who you are" in text_of(response)
    assert "Select a valid choice" not in text_of(response)
    assert "haven_draft" not in response.cookies


def test_choosing_an_audience_leads_to_what_happens_and_shows_it_on_every_page(journey):
    response = journey.choose("parent")
    assert response.status_code == 302
    assert response.url == reverse("reporting:what_happens")
    page = journey.client.get(reverse("reporting:start"))
    assert "Showing information for: a parent or carer." in text_of(page)
    assert reverse("reporting:who") in page.content.decode()


def test_the_audience_can_be_changed_at_any_time(journey):
    journey.choose("parent")
    journey.choose("professional")
    text = text_of(journey.client.get(reverse("reporting:what_happens")))
    assert "Showing information for: a professional who works with children." in text


def test_what_happens_without_a_choice_asks_who_you_are_first(client, db):
    response = client.get(reverse("reporting:what_happens"))
    assert response.status_code == 302
    assert response.url == reverse("reporting:who")


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ("child", ["it is not your fault", "you will not be in trouble", "make a plan together"]),
        (
            "parent",
            [
                "never the child's fault",
                "as quickly as we can",
                "make a plan together",
                "other professionals",
            ],
        ),
        (
            "member_of_public",
            ["even if you do not know the child", "as quickly as we can", "other professionals"],
        ),
        (
            "professional",
            [
                "follow your organisation's safeguarding policy",
                "you do not need to report to us as well",
                "meets our threshold",
                "referral to local children's social care or the police child protection unit",
            ],
        ),
    ],
)
def test_what_happens_is_tailored_to_each_audience(journey, audience, expected):
    journey.choose(audience)
    text = text_of(journey.client.get(reverse("reporting:what_happens"))).lower()
    for phrase in expected:
        assert phrase.lower() in text, phrase
    assert "cannot deal with bullying, fake accounts or hacked accounts" in text
    assert "a child protection advisor will read your report" in text


def test_not_ready_to_report_gives_the_helpline_childline_and_emergency_number(client, db):
    text = text_of(client.get(reverse("reporting:not_ready")))
    assert "NSPCC helpline" in text
    assert "0808 800 5000" in text
    assert "0800 1111" in text
    assert "call 999" in text


def test_what_happens_names_the_organisation_that_reads_reports(journey, settings):
    settings.HAVEN_ORGANISATION_NAME = "Example Trust"
    journey.choose("parent")
    assert "go to the child protection team at Example Trust." in text_of(
        journey.client.get(reverse("reporting:what_happens"))
    )


@pytest.mark.parametrize(
    "url",
    [
        "/staff/cases/00000000-0000-0000-0000-000000000000/assign/",
        "/staff/account/sign-out-everywhere/",
        "/staff/sign-out/",
    ],
)
def test_a_form_only_address_opened_as_a_page_is_a_page_with_help_never_a_bare_405(client, db, url):
    response = client.get(url)
    assert response.status_code == 405
    assert "POST" in response["Allow"]
    html = response.content.decode()
    text = text_of(response)
    assert "Sorry, this page cannot be opened that way" in text
    assert 'class="govuk-exit-this-page"' in html
    assert 'href="tel:999"' in html
    assert "NSPCC helpline on 0808 800 5000" in text
    assert "nonce-" in response["Content-Security-Policy"]


def test_a_public_page_asked_for_in_another_method_gets_the_page_too(client, db):
    response = client.put(reverse("reporting:who"))
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert "Sorry, this page cannot be opened that way" in text_of(response)


@pytest.mark.parametrize(
    "action",
    [
        *("remove-\u00b2", "remove-\x00", "remove-" + "9" * 5000, "remove--1", "remove-", "x"),
        *("remove-place-\u00b2", "remove-place-\u0661", "remove-place-" + "9" * 5000),
        *("remove-place-0", "remove-place-2", "remove-place--1", "remove-place- 1"),
    ],
)
def test_a_hostile_remove_button_value_never_causes_an_error(journey, action):
    journey.choose("parent")
    journey.answer("where", {"platform": "ExampleChat", "usernames": "", "action": "add"})
    response = journey.client.post(step_url("where"), {"action": action})
    assert response.status_code in (200, 302)
    saved = journey.client.get(step_url("where"))
    assert "ExampleChat" in text_of(saved)


@pytest.mark.parametrize("audience", ["child", "parent", "member_of_public", "professional"])
def test_no_question_form_lets_the_browser_keep_or_restore_what_was_typed(journey, audience):
    """On a shared device, Back after leaving must not bring typed answers back into the boxes."""
    from haven.reporting import journey as steps

    journey.choose(audience)
    pages = [reverse("reporting:who")] + [
        reverse("reporting:step", args=[s.slug]) for s in steps.STEPS if s.applies(audience, {})
    ]
    for url in pages:
        html = journey.client.get(url).content.decode()
        forms = re.findall(r"<form [^>]*method=\"post\"[^>]*>", html)
        assert forms, url
        assert all('autocomplete="off"' in form for form in forms), (url, forms)
