"""Finding a case by its reference from any staff page: forgiving of how it was typed, silent
about restricted cases, audited without the words typed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from haven.audit.models import AuditEvent
from haven.cases.services import restrict_case
from tests.conftest import text_of
from tests.factories import StaffUserFactory, submitted_case, verified_client

NOT_FOUND = "No case has that reference. Check it and try again."
# What differs between any two showings of one page.
PER_RESPONSE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|nonce="[^"]*"')


def search(client: Any, typed: str) -> Any:
    return client.get(reverse("staff:search"), {"reference": typed})


def searches() -> list[dict[str, Any]]:
    return list(AuditEvent.objects.filter(action="case.searched").values_list("detail", flat=True))


def typed_forms(reference: str) -> list[str]:
    """How people copy "HVN-3QMQ-3RHH" by hand."""
    prefix, first, second = reference.split("-")
    return [
        reference,
        reference.lower(),
        f"{prefix.lower()} {first.lower()} {second.lower()}",
        f"{prefix}{first}{second}",
        f"{first.lower()}-{second.lower()}",
        f"  {first} {second}  ",
        f"{prefix}-{first}{second}".replace("0", "O").replace("1", "l"),
    ]


@pytest.fixture
def advisor(db: None) -> Any:
    return StaffUserFactory()


@pytest.fixture
def advisor_client(advisor: Any) -> Any:
    return verified_client(advisor)


@pytest.fixture
def restricted_case(db: None) -> Any:
    case = submitted_case()
    supervisor = StaffUserFactory(role="supervisor")
    return restrict_case(case=case, by=supervisor, allowed=[], reason="The person is staff.")


@pytest.mark.django_db
@pytest.mark.parametrize("form", range(7))
def test_a_reference_typed_any_usual_way_opens_its_case(advisor_client, form):
    case = submitted_case()

    response = search(advisor_client, typed_forms(case.reference)[form])

    assert (response.status_code, response["Location"]) == (
        302,
        reverse("staff:case", args=[case.id]),
    )


def test_a_search_that_finds_a_case_is_audited_with_the_case_not_the_words(advisor_client, advisor):
    case = submitted_case()

    search(advisor_client, case.reference.lower())

    event = AuditEvent.objects.get(action="case.searched")
    assert (event.actor_id, event.report_id, event.detail) == (
        advisor.pk,
        case.report_id,
        {"outcome": "found", "case": str(case.id)},
    )


def test_a_reference_no_case_has_says_so_with_the_search_box_again(advisor_client):
    submitted_case()

    response = search(advisor_client, "HVN-0000-0000")

    assert response.status_code == 200
    text = text_of(response)
    assert "There is a problem" in text
    assert NOT_FOUND in text
    page = response.content.decode()
    assert 'class="govuk-error-summary"' in page
    assert 'href="#reference"' in page
    assert 'id="reference"' in page
    assert 'value="HVN-0000-0000"' in page
    assert searches() == [{"outcome": "not_found"}]


def test_a_restricted_case_not_named_on_answers_exactly_as_no_case(advisor_client, restricted_case):
    missing = search(advisor_client, "HVN-0000-0000")
    hidden = search(advisor_client, restricted_case.reference)

    assert hidden.status_code == missing.status_code == 200

    def same(response: Any, reference: str) -> str:
        return PER_RESPONSE.sub("", response.content.decode().replace(reference, "REF"))

    assert same(hidden, restricted_case.reference) == same(missing, "HVN-0000-0000")


def test_a_restricted_case_not_named_on_is_audited_as_refused(advisor_client, restricted_case):
    search(advisor_client, restricted_case.reference)

    refused = AuditEvent.objects.get(action="case.access_refused")
    assert refused.detail == {"case": str(restricted_case.id)}
    assert searches() == [{"outcome": "refused", "case": str(restricted_case.id)}]


def test_a_person_named_on_a_restricted_case_finds_it(restricted_case):
    named = StaffUserFactory()
    supervisor = StaffUserFactory(role="supervisor")
    restrict_case(case=restricted_case, by=supervisor, allowed=[named], reason="Still staff.")

    response = search(verified_client(named), restricted_case.reference.lower())

    assert response["Location"] == reverse("staff:case", args=[restricted_case.id])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    ["", "   ", "²", "HVN-3QMQ-3RH\x00", "\x00", "a" * 300, "HVN-3QMQ-3RHH" * 30, "'; drop"],
)
def test_hostile_or_empty_input_gives_the_page_with_an_error_never_a_failure(advisor_client, typed):
    response = search(advisor_client, typed)

    assert response.status_code == 200
    text = text_of(response)
    assert "There is a problem" in text
    assert "\x00" not in response.content.decode()
    if typed.strip():
        assert "Enter a case reference like HVN-3QMQ-3RHH" in text
    else:
        assert "Enter a case reference" in text
    assert searches() == [{"outcome": "not_a_reference"}]


def test_the_search_page_without_a_search_shows_the_box_and_records_nothing(advisor_client):
    response = advisor_client.get(reverse("staff:search"))

    assert response.status_code == 200
    assert "There is a problem" not in text_of(response)
    assert 'id="reference"' in response.content.decode()
    assert searches() == []


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["staff:queue", "staff:reports", "staff:team", "staff:audit"])
def test_every_staff_page_has_the_search_box_for_those_who_open_cases(page):
    client = verified_client(StaffUserFactory(role="supervisor"))

    html = client.get(reverse(page)).content.decode()

    assert f'action="{reverse("staff:search")}"' in html
    assert 'name="reference"' in html
    assert 'role="search"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["staff:team", "staff:audit", "staff:account:home"])
def test_administrators_see_no_search_box(page):
    client = verified_client(StaffUserFactory(role="administrator"))

    response = client.get(reverse(page))

    assert response.status_code == 200
    assert reverse("staff:search") not in response.content.decode()


def test_administrators_may_not_search(db):
    client = verified_client(StaffUserFactory(role="administrator"))

    response = search(client, "HVN-0000-0000")

    assert response.status_code == 403
    assert searches() == []


def test_the_search_box_is_not_offered_before_the_second_factor(db):
    from tests.factories import add_totp

    user = StaffUserFactory()
    add_totp(user)
    client = verified_client(user)
    client.logout()
    client.force_login(user)

    html = client.get(reverse("staff:account:verify")).content.decode()

    assert reverse("staff:search") not in html
