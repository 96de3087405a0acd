"""Bad input gets a clear error on the same page, never a server error, and stores nothing wrong."""

import datetime

import pytest
from django.urls import reverse

from tests.conftest import text_of
from tests.journey import step_url


@pytest.fixture
def parent(journey):
    journey.choose("parent")
    return journey


def error_summary_links(response):
    import re

    html = response.content.decode()
    summary = html[html.index("govuk-error-summary") :]
    return re.findall(r'<a href="(#[^"]+)"', summary)


def test_what_happened_is_required_with_a_kind_message(parent):
    response = parent.answer("what-happened", {"what_happened": "   "})
    assert response.status_code == 200
    assert "Tell us what happened, even if you only know a little" in text_of(response)
    assert error_summary_links(response) == ["#id_what_happened"]


def test_what_happened_accepts_ten_thousand_characters_and_no_more(parent):
    assert parent.answer("what-happened", {"what_happened": "a" * 10_000}).status_code == 302
    response = parent.answer("what-happened", {"what_happened": "a" * 10_001})
    assert response.status_code == 200
    assert "What happened must be 10,000 characters or fewer" in text_of(response)


@pytest.mark.parametrize(
    ("slug", "field", "limit"),
    [
        ("child", "child_name", 100),
        ("child", "child_area", 100),
        ("person", "person_names", 1000),
        ("contact", "name", 100),
        ("contact", "safe_times", 200),
    ],
)
def test_every_free_text_field_has_a_length_limit(parent, slug, field, limit):
    data = {"contact_choice": "yes", "phone": "07700 900982"} if slug == "contact" else {}
    data[field] = "x" * (limit + 1)
    response = parent.answer(slug, data)
    assert response.status_code == 200
    assert f"Ensure this value has at most {limit} characters" in text_of(response)


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "2", "2026", "The date must be a real date"),
        ("x", "y", "z", "The date must be a real date"),
        ("1", "", "2026", "Enter the day, month and year"),
        ("1", "1", "1800", "The year must be 1900 or later"),
        ("1", "1", "99999", "The date must be a real date"),
    ],
)
def test_an_impossible_date_is_explained(parent, day, month, year, message):
    response = parent.answer(
        "when",
        {"when": "date", "when_date-day": day, "when_date-month": month, "when_date-year": year},
    )
    assert response.status_code == 200
    assert message in text_of(response)
    assert error_summary_links(response) == ["#id_when_date-day"]


def test_a_future_date_is_refused(parent):
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    response = parent.answer(
        "when",
        {
            "when": "date",
            "when_date-day": tomorrow.day,
            "when_date-month": tomorrow.month,
            "when_date-year": tomorrow.year,
        },
    )
    assert "The date must be today or in the past" in text_of(response)


def test_on_a_date_needs_the_date(parent):
    response = parent.answer("when", {"when": "date"})
    assert "Enter the date, or choose" in text_of(response)


def test_a_real_date_is_kept_and_shown(parent):
    assert (
        parent.answer(
            "when",
            {
                "when": "date",
                "when_date-day": "3",
                "when_date-month": "2",
                "when_date-year": "2026",
            },
        ).status_code
        == 302
    )
    page = parent.client.get(step_url("when"))
    assert 'value="3"' in page.content.decode() and 'value="2026"' in page.content.decode()


def test_a_date_is_dropped_when_another_answer_is_chosen(parent):
    parent.answer(
        "when",
        {"when": "unknown", "when_date-day": "3", "when_date-month": "2", "when_date-year": "2026"},
    )
    assert 'value="2026"' not in parent.client.get(step_url("when")).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"contact_choice": "yes"}, "Enter a phone number or an email address"),
        (
            {"contact_choice": "yes", "email": "not-an-email"},
            "Enter an email address in the right format",
        ),
        (
            {"contact_choice": "yes", "phone": "call me maybe"},
            "Enter a phone number, like 07700 900 982",
        ),
        ({"contact_choice": "yes", "phone": "12"}, "Enter a phone number, like 07700 900 982"),
    ],
)
def test_contact_details_are_checked(parent, data, message):
    response = parent.answer("contact", data)
    assert response.status_code == 200
    assert message in text_of(response)


def test_contact_details_typed_without_choosing_are_kept(parent):
    assert parent.answer("contact", {"email": "someone@example.org"}).status_code == 302
    assert 'value="someone@example.org"' in parent.client.get(step_url("contact")).content.decode()


@pytest.mark.parametrize(
    ("slug", "data"),
    [
        ("danger", {"danger_now": "maybe"}),
        ("concern", {"concerns": ["not_a_concern"]}),
        ("child", {"child_age_band": "ancient"}),
        ("child", {"child_age": "fourteen"}),
        ("child", {"child_age": "-1"}),
        ("person", {"person_adult": "1; DROP TABLE"}),
    ],
)
def test_unknown_choices_are_errors_not_stored(parent, slug, data):
    response = parent.answer(slug, data)
    assert response.status_code == 200
    assert "There is a problem" in text_of(response)


def test_null_bytes_and_odd_unicode_do_not_break_anything(parent):
    response = parent.answer("what-happened", {"what_happened": "text\x00with null"})
    assert response.status_code == 200
    assert "Null characters are not allowed" in text_of(response)
    assert (
        parent.answer(
            "what-happened", {"what_happened": "emoji 😀 and RTL \u202e text"}
        ).status_code
        == 302
    )
    assert "emoji 😀" in parent.client.get(reverse("reporting:check_answers")).content.decode()


def test_unknown_urls_get_a_helpful_404_page(client, db):
    response = client.get("/report/../../etc/passwd")
    assert response.status_code == 404
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    text = text_of(response)
    assert "Page not found" in text
    assert "call 999 now" in text
    assert "NSPCC helpline" in text
    assert 'class="govuk-exit-this-page"' in response.content.decode()


def test_the_server_error_page_still_offers_help(rf, db):
    from haven.core.views import server_error

    request = rf.get("/")
    request.csp_nonce = "n"
    response = server_error(request)
    assert response.status_code == 500
    text = text_of(response)
    assert "Sorry, there is a problem with the service" in text
    assert (
        "If you were sending a report and did not see a reference number, it was not sent." in text
    )
    assert "call 999 now" in text
