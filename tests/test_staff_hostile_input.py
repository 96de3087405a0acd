"""No input on the staff side gives a 500: every field and query parameter, with hostile values.

A bad value gets a GOV.UK error message (or the "page not found" page for a page number that
cannot exist) that does not repeat what was sent.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.urls import reverse

from haven.cases import services
from haven.cases.models import SafetyAction
from tests.conftest import text_of
from tests.factories import StaffUserFactory, submitted_case, verified_client

# "²" is a digit to str.isdigit() and not to int(); full-width digits are the other way round.
FULL_WIDTH_12 = "\uff11\uff12"
HOSTILE = [
    "²",
    FULL_WIDTH_12,
    "\x00",
    "a\x00b",
    "x" * 300,
    "9" * 30,
    str(2**62),
    "-1",
    "0",
    " ",
    "<b>x</b>",
]


@pytest.fixture
def supervisor(db: None) -> Any:
    return StaffUserFactory(role="supervisor", username="sup-hostile")


@pytest.fixture
def client(supervisor: Any) -> Any:
    return verified_client(supervisor)


@pytest.fixture
def case(db: None, supervisor: Any) -> Any:
    case = submitted_case()
    services.add_safety_action(case=case, by=supervisor, action="Call", owner="Me", due_on=None)
    return case


def echoed(value: str, response: Any) -> bool:
    """Whether the error summary repeats ``value`` (short values could match by chance)."""
    if len(value.strip()) < 3 and value.isascii():
        return False
    summary = error_summary(response)
    return value in summary or html.escape(value) in summary


def error_summary(response: Any) -> str:
    html = response.content.decode()
    found = re.search(r'<div class="govuk-error-summary".*?</div>\s*</div>', html, flags=re.S)
    return found.group(0) if found else ""


def assert_refused_clearly(response: Any, message: str) -> None:
    assert response.status_code == 200
    summary = html.unescape(error_summary(response))
    assert "There is a problem" in summary
    assert message in summary


# --- The defects named in issue 6 ---------------------------------------------------------------


@pytest.mark.parametrize("action_id", ["²", FULL_WIDTH_12, "9" * 30, str(2**64)])
def test_it_answers_a_safety_action_id_that_cannot_exist_without_an_error(client, case, action_id):
    url = reverse("staff:case_safety_done", args=[case.id, 1]).replace("/1/", f"/{action_id}/")

    response = client.post(url)

    if action_id.isascii():
        assert_refused_clearly(response, "That action is not in this case's safety plan")
    else:
        assert response.status_code == 404
        assert "Page not found" in text_of(response)
    assert SafetyAction.objects.get().done_at is None


def test_it_answers_a_non_ascii_digit_for_an_advisor_with_an_error(client, case):
    response = client.post(reverse("staff:assign", args=[case.id]), {"advisor": "²"})

    assert_refused_clearly(response, "Choose an advisor from the list")
    case.refresh_from_db()
    assert case.assigned_to is None


def test_it_answers_a_non_ascii_digit_for_the_people_named_with_an_error(client, case):
    response = client.post(
        reverse("staff:case_restrict", args=[case.id]),
        {"restrict-people": ["²"], "restrict-reason": "A colleague"},
    )

    assert_refused_clearly(response, "Choose the people from the list")
    case.refresh_from_db()
    assert not case.restricted


@pytest.mark.parametrize("page", [str(10**30), "99999999", "0", "-1", "²", "abc", "\x00"])
def test_a_page_number_that_cannot_exist_is_not_found(client, case, page):
    response = client.get(reverse("staff:reports"), {"page": page})

    assert response.status_code == 404
    assert "Page not found" in text_of(response)


@pytest.mark.parametrize("name", ["staff:queue", "staff:team"])
@pytest.mark.parametrize("key", ["after", "before"])
@pytest.mark.parametrize(
    "cursor", [str(10**30), "P1.-.²." + "0" * 32, "abc", "\x00", "P1.-.1." + "0" * 31, "P1" * 300]
)
def test_a_queue_cursor_that_no_page_wrote_is_not_found(client, case, name, key, cursor):
    response = client.get(reverse(name), {key: cursor})

    assert response.status_code == 404
    assert "Page not found" in text_of(response)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"reference": "\x00"}, "Enter a case reference, like HVN-7KQ4-M2XD"),
        ({"reference": "HVN-\x00"}, "Enter a case reference, like HVN-7KQ4-M2XD"),
        ({"advisor": "a\x00b"}, "Choose a person from the list"),
        ({"advisor": "x" * 300}, "Choose a person from the list"),
    ],
)
def test_the_audit_search_answers_a_nul_byte_or_long_text_with_an_error(client, query, message):
    response = client.get(reverse("staff:audit"), query)

    assert_refused_clearly(response, message)


# --- Every field, every hostile value -------------------------------------------------------------

# A valid submission of each form on the case page, by the name of its verb's URL; each field in
# turn is given each hostile value, and so is a field no form has.
CASE_FORMS: dict[str, dict[str, Any]] = {
    "case_status": {"status-to": "assessing", "status-reason": "Reading it now"},
    "case_priority": {"priority-priority": "P1", "priority-reason": "Seen again"},
    "case_note": {"note-kind": "fact", "note-text": "A fact"},
    "case_contact": {
        "contact-method": "phone",
        "contact-outcome": "spoke",
        "contact-note": "Spoke",
    },
    "case_safety": {
        "safety-action": "Block the account",
        "safety-owner": "Parent",
        "safety-due_on-day": "1",
        "safety-due_on-month": "2",
        "safety-due_on-year": "2030",
    },
    "case_link": {"link-reference": "HVN-0000-0000"},
    "case_safety_done": {},
    "case_restrict": {"restrict-people": "1", "restrict-reason": "A colleague"},
    "case_claim": {},
    "case_lift_restriction": {},
}

FIELDS = [(verb, name) for verb, data in CASE_FORMS.items() for name in [*data, "unexpected"]]


@pytest.mark.parametrize(("verb", "name"), FIELDS)
def test_no_case_form_field_gives_a_server_error(client, case, verb, name):
    extra = [SafetyAction.objects.get().pk] if verb == "case_safety_done" else []
    url = reverse(f"staff:{verb}", args=[case.id, *extra])
    for value in HOSTILE:
        data = {**CASE_FORMS[verb], name: value}

        response = client.post(url, data)

        assert response.status_code in (200, 302), (name, value, response.status_code)
        assert not echoed(value, response), (name, value)


def test_no_reassignment_value_gives_a_server_error(client, case):
    for value in HOSTILE:
        response = client.post(reverse("staff:assign", args=[case.id]), {"advisor": value})

        assert response.status_code in (200, 302), (value, response.status_code)
        assert not echoed(value, response), value


@pytest.mark.parametrize("name", ["close-cases", "close-reason"])
def test_no_bulk_close_value_gives_a_server_error(client, case, name):
    for value in HOSTILE:
        data = {"close-cases": str(case.id), "close-reason": "A flood", name: value}

        response = client.post(reverse("staff:close_cases") + "?network=1", data)

        assert response.status_code == 200, (name, value, response.status_code)
        assert not echoed(value, response), (name, value)


QUERIES = {
    "staff:reports": ["page"],
    "staff:queue": ["priority", "status", "mine", "unassigned", "overdue", "network", "page"],
    "staff:team": ["page"],
    "staff:audit": ["reference", "advisor"],
}


@pytest.mark.parametrize(("name", "parameter"), [(n, p) for n, ps in QUERIES.items() for p in ps])
def test_no_query_parameter_gives_a_server_error(client, case, name, parameter):
    for value in HOSTILE:
        response = client.get(reverse(name), {parameter: value})

        assert response.status_code in (200, 404), (parameter, value, response.status_code)
        assert not echoed(value, response), (parameter, value)
