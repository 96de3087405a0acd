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


def drafts_answers(journey):
    from haven.reporting import drafts

    return drafts.load(journey.client.get(reverse("reporting:start")).wsgi_request).answers


def set_answer(journey, slug, answer):
    """Put an answer into the draft as an older version of the service stored it."""
    from haven.reporting import drafts

    state = drafts.load(journey.client.get(reverse("reporting:start")).wsgi_request)
    state.answers[slug] = answer
    drafts.save(state)


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
    ("slug", "field", "limit", "message"),
    [
        ("child", "child_name", 100, "Name or initials must be 100 characters or fewer"),
        ("child", "child_area", 100, "Town or area must be 100 characters or fewer"),
        ("person", "person_names", 1000, "Names or usernames must be 1,000 characters or fewer"),
        ("contact", "name", 100, "Name must be 100 characters or fewer"),
        (
            "contact",
            "safe_times",
            200,
            "When it is safe to contact you must be 200 characters or fewer",
        ),
    ],
)
def test_every_free_text_field_has_a_length_limit(parent, slug, field, limit, message):
    data = {"contact_choice": "yes", "phone": "07700 900982"} if slug == "contact" else {}
    data[field] = "x" * (limit + 1)
    response = parent.answer(slug, data)
    assert response.status_code == 200
    assert message in text_of(response)
    assert "Ensure this value" not in text_of(response)
    data[field] = "x" * limit
    assert parent.answer(slug, data).status_code == 302


def test_text_boxes_do_not_cut_what_is_typed_the_server_says_when_it_is_too_long(parent):
    """No maxlength attribute: a browser would cut a pasted answer without saying so."""
    for slug in ("child", "contact", "what-happened", "person"):
        html = parent.client.get(step_url(slug)).content.decode()
        assert " maxlength=" not in html, slug


def test_long_answers_have_a_character_count_that_works_without_javascript(parent):
    html = parent.client.get(step_url("what-happened")).content.decode()
    assert 'data-module="govuk-character-count"' in html
    assert 'data-maxlength="10000"' in html
    assert 'class="govuk-textarea govuk-js-character-count' in html
    # Without JavaScript the limit is said in words under the box.
    assert "You can enter up to 10,000 characters" in text_of(
        parent.client.get(step_url("what-happened"))
    )


@pytest.mark.parametrize(
    ("month", "year", "message"),
    [
        ("13", "2026", "Enter a real month and year, like 3 2026"),
        ("x", "y", "Enter a real month and year, like 3 2026"),
        ("²", "2026", "Enter a real month and year, like 3 2026"),
        ("", "2026", "Enter the month and the year, like 3 2026"),
        ("1", "1800", "The year must be 1900 or later"),
        ("1", "99999", "Enter a real month and year, like 3 2026"),
    ],
)
def test_an_impossible_month_is_explained(parent, month, year, message):
    response = parent.answer(
        "when", {"when": "date", "when_date-month": month, "when_date-year": year}
    )
    assert response.status_code == 200
    assert message in text_of(response)
    assert error_summary_links(response) == ["#id_when_date-month"]


def test_when_asks_for_a_month_and_year_without_a_day(parent):
    html = parent.client.get(step_url("when")).content.decode()
    assert 'name="when_date-month"' in html and 'name="when_date-year"' in html
    assert 'name="when_date-day"' not in html


def test_a_future_month_is_refused(parent):
    today = datetime.date.today()
    next_month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    response = parent.answer(
        "when",
        {"when": "date", "when_date-month": next_month.month, "when_date-year": next_month.year},
    )
    assert "The month must be this month or in the past" in text_of(response)
    this_month = {"when": "date", "when_date-month": today.month, "when_date-year": today.year}
    assert parent.answer("when", this_month).status_code == 302


def test_on_a_date_needs_the_month(parent):
    response = parent.answer("when", {"when": "date"})
    assert "Enter the month and year, or choose" in text_of(response)


def test_a_month_is_kept_as_year_and_month_and_shown_in_words(parent):
    answer = {"when": "date", "when_date-month": "3", "when_date-year": "2026"}
    assert parent.answer("when", answer).status_code == 302
    assert drafts_answers(parent)["when"]["when_date"] == "2026-03"
    page = parent.client.get(step_url("when")).content.decode()
    assert 'value="3"' in page and 'value="2026"' in page
    parent.answer("what-happened", {"what_happened": "Something happened."})
    text = text_of(parent.client.get(reverse("reporting:check_answers")))
    assert "When did it happen? March 2026" in text


def test_a_draft_holding_a_full_date_from_before_still_shows_it(parent):
    parent.answer("what-happened", {"what_happened": "Something happened."})
    set_answer(parent, "when", {"when": "date", "when_date": "2026-02-03"})
    text = text_of(parent.client.get(reverse("reporting:check_answers")))
    assert "When did it happen? 3 February 2026" in text
    page = parent.client.get(step_url("when")).content.decode()
    assert 'value="2" ' in page or 'value="2">' in page
    assert 'value="2026"' in page


def test_a_month_is_dropped_when_another_answer_is_chosen(parent):
    parent.answer("when", {"when": "unknown", "when_date-month": "2", "when_date-year": "2026"})
    assert 'value="2026"' not in parent.client.get(step_url("when")).content.decode()


@pytest.mark.parametrize(
    ("data", "band", "age"),
    [
        ({"child_age_known": "known", "child_age": "9"}, "under_13", 9),
        ({"child_age_known": "known", "child_age": "13"}, "13_15", 13),
        ({"child_age_known": "known", "child_age": "17"}, "16_17", 17),
        ({"child_age_known": "known", "child_age": "19"}, "18_plus", 19),
        ({"child_age": "15"}, "13_15", 15),
        ({"child_age_known": "unknown", "child_age": "15"}, "unknown", None),
        ({"child_age_known": "unknown"}, "unknown", None),
        ({}, "", None),
    ],
)
def test_the_age_is_a_number_or_i_dont_know_and_gives_the_band(parent, data, band, age):
    assert parent.answer("child", data).status_code == 302
    child = drafts_answers(parent)["child"]
    assert (child["child_age_band"], child["child_age"]) == (band, age)


def test_knowing_the_age_needs_the_age(parent):
    response = parent.answer("child", {"child_age_known": "known"})
    assert response.status_code == 200
    assert "Enter their age, or choose" in text_of(response)
    assert error_summary_links(response) == ["#id_child_age"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("fourteen", "Age must be a number, like 14"),
        ("-1", "Age must be 0 or more"),
        ("26", "Age must be 25 or under"),
        ("9" * 5000, "Age must be a number, like 14"),
    ],
)
def test_an_age_that_is_not_an_age_is_explained(parent, value, message):
    response = parent.answer("child", {"child_age_known": "known", "child_age": value})
    assert response.status_code == 200
    assert message in text_of(response)


def test_a_child_about_themself_gives_an_age_without_an_i_dont_know(journey):
    journey.choose("child")
    journey.answer("about-whom", {"about_whom": "me"})
    html = journey.client.get(step_url("child")).content.decode()
    assert 'name="child_age_known"' not in html
    assert journey.answer("child", {"child_age": "12"}).status_code == 302
    assert drafts_answers(journey)["child"]["child_age_band"] == "under_13"


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
        ("child", {"child_age_known": "ancient"}),
        ("child", {"child_age_known": "known", "child_age": "fourteen"}),
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
    assert "Your answer has a character we cannot use" in text_of(response)
    assert "Null characters" not in text_of(response)
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
    assert "If you were sending a report and did not see your reference" in text
    assert "call 999 now" in text
