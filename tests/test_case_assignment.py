"""Assignment on the case page, who a restricted case is restricted to, and linking by reference."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.urls import reverse

from haven.audit.models import AuditEvent
from haven.cases import services
from haven.cases.models import CaseLink
from haven.cases.services import CaseRuleBroken
from tests.conftest import text_of as raw_text_of
from tests.factories import StaffUserFactory, submitted_case, verified_client

pytestmark = pytest.mark.django_db


def text_of(response: Any) -> str:
    return html.unescape(raw_text_of(response))


@pytest.fixture
def supervisor() -> Any:
    return StaffUserFactory(username="sup", role="supervisor")


@pytest.fixture
def sam() -> Any:
    return StaffUserFactory(username="sam")


@pytest.fixture
def alex() -> Any:
    return StaffUserFactory(username="alex")


@pytest.fixture
def case() -> Any:
    return submitted_case()


def assign(client: Any, case: Any, value: Any, **extra: Any) -> Any:
    return client.post(reverse("staff:assign", args=[case.id]), {"advisor": value, **extra})


def refused_assignments() -> int:
    return AuditEvent.objects.filter(action="case.assign_refused").count()


# --- Who is offered ----------------------------------------------------------------------------


def test_only_active_staff_who_work_cases_are_offered(case, supervisor, sam):
    StaffUserFactory(username="admin", role="administrator")
    StaffUserFactory(username="gone", is_active=False)
    StaffUserFactory(not_staff=True, username="member")

    offered = [user.username for user in services.assignable_staff(case)]

    assert offered == ["sam", "sup"]


def test_a_restricted_case_is_offered_only_to_the_people_named(case, supervisor, sam, alex):
    case = services.restrict_case(case=case, by=supervisor, allowed=[sam], reason="Colleague")

    assert [user.username for user in services.assignable_staff(case)] == ["sam", "sup"]


def test_the_case_page_offers_assignment_to_a_supervisor_and_not_to_an_advisor(
    case, supervisor, sam
):
    StaffUserFactory(username="admin", role="administrator")
    page = verified_client(supervisor).get(reverse("staff:case", args=[case.id]))

    choices = [label for _pk, label in page.context["forms"]["assign"].fields["advisor"].choices]
    assert choices == ["Nobody (unassigned)", "sam", "sup"]
    assert "Who should hold this case?" in text_of(page)

    page = verified_client(sam).get(reverse("staff:case", args=[case.id]))
    assert "assign" not in page.context["forms"]
    assert "Who should hold this case?" not in text_of(page)


# --- Assigning ---------------------------------------------------------------------------------


def test_assigning_from_the_case_page_returns_to_it(case, supervisor, sam):
    response = assign(verified_client(supervisor), case, str(sam.pk))

    assert response.status_code == 302
    assert response.url == reverse("staff:case", args=[case.id])
    case.refresh_from_db()
    assert case.assigned_to == sam


def test_assigning_from_the_team_page_returns_to_it(case, supervisor, sam):
    response = assign(verified_client(supervisor), case, str(sam.pk), next="/staff/team/")

    assert response.url == "/staff/team/"


@pytest.mark.parametrize(
    "target", ["https://evil.example/staff/", "//evil.example/staff/", "/exit/", "javascript:x"]
)
def test_a_next_that_leaves_the_staff_side_is_ignored(case, supervisor, sam, target):
    response = assign(verified_client(supervisor), case, str(sam.pk), next=target)

    assert response.url == reverse("staff:case", args=[case.id])


def test_releasing_a_case_leaves_it_unassigned(case, supervisor, sam):
    services.claim_case(case=case, by=sam)

    assign(verified_client(supervisor), case, "")

    case.refresh_from_db()
    assert case.assigned_to is None


def test_an_outsider_of_a_restricted_case_cannot_be_given_it(case, supervisor, sam, alex):
    services.restrict_case(case=case, by=supervisor, allowed=[sam], reason="Colleague")

    response = assign(verified_client(supervisor), case, str(alex.pk))

    assert response.status_code == 200
    assert response.context["forms"]["assign"].errors == {
        "advisor": ["Choose an advisor from the list"]
    }
    case.refresh_from_db()
    assert case.assigned_to is None
    event = AuditEvent.objects.get(action="case.assign_refused")
    assert event.actor == supervisor and event.detail == {"case": str(case.id), "to": alex.pk}


def test_the_service_refuses_an_outsider_too(case, supervisor, alex):
    services.restrict_case(case=case, by=supervisor, allowed=[], reason="Colleague")

    with pytest.raises(CaseRuleBroken, match="Choose an advisor from the list"):
        services.assign_case(case=case, to=alex, by=supervisor)

    case.refresh_from_db()
    assert case.assigned_to is None
    assert refused_assignments() == 1


@pytest.mark.parametrize(
    "who", ["administrator", "inactive", "not_staff", "²", "\x00", "9" * 40, "-1", "x" * 300]
)
def test_no_one_outside_the_list_is_assigned_and_nothing_breaks(case, supervisor, who):
    people = {
        "administrator": lambda: StaffUserFactory(role="administrator").pk,
        "inactive": lambda: StaffUserFactory(is_active=False).pk,
        "not_staff": lambda: StaffUserFactory(not_staff=True).pk,
    }
    value = str(people[who]()) if who in people else who

    response = assign(verified_client(supervisor), case, value)

    assert response.status_code == 200
    assert "Choose an advisor from the list" in text_of(response)
    # What was sent is not echoed back. A reference may hold "-1" by chance ("HVN-1K2M-…"),
    # so the case's own reference is taken out before looking.
    assert value not in text_of(response).replace(case.reference, "") or value.isdigit()
    case.refresh_from_db()
    assert case.assigned_to is None
    assert refused_assignments() == 1


def test_assignment_to_a_restricted_case_is_refused_to_a_supervisor_not_named(
    case, supervisor, sam
):
    other_supervisor = StaffUserFactory(role="supervisor")
    services.restrict_case(case=case, by=other_supervisor, allowed=[sam], reason="Colleague")

    response = assign(verified_client(supervisor), case, str(sam.pk))

    assert response.status_code == 403
    case.refresh_from_db()
    assert case.assigned_to is None


# --- Restricted to whom ------------------------------------------------------------------------


def test_a_person_named_sees_that_the_case_is_restricted_and_to_whom(case, supervisor, sam, alex):
    services.restrict_case(case=case, by=supervisor, allowed=[sam, alex], reason="Colleague")

    text = text_of(verified_client(sam).get(reverse("staff:case", args=[case.id])))

    assert "Restricted Only the people named on this case can see it: alex, sam, sup." in text


def test_an_unrestricted_case_says_nothing_of_restriction(case, sam):
    text = text_of(verified_client(sam).get(reverse("staff:case", args=[case.id])))

    assert "Only the people named on this case" not in text


# --- Linking by reference ----------------------------------------------------------------------


def link(client: Any, case: Any, reference: str) -> Any:
    return client.post(reverse("staff:case_link", args=[case.id]), {"link-reference": reference})


def test_a_reference_of_the_wrong_shape_is_answered_as_one_without_a_case(case, sam):
    response = link(verified_client(sam), case, "HVN-3QMQ")

    assert response.context["error"] == "No case has that reference."


def test_a_reference_typed_loosely_links_the_case(case, sam):
    other = submitted_case()
    typed = other.reference.lower().replace("-", " ")

    response = link(verified_client(sam), case, typed)

    assert response.status_code == 302
    assert CaseLink.objects.filter(from_case=case, to_case=other).exists()


def test_a_restricted_case_gets_exactly_the_answer_of_a_reference_that_does_not_exist(
    case, supervisor, sam
):
    hidden = submitted_case()
    services.restrict_case(case=hidden, by=supervisor, allowed=[], reason="Colleague")
    client = verified_client(sam)
    missing = "HVN-0000-0000"

    to_hidden = link(client, case, hidden.reference)
    to_missing = link(client, case, missing)

    assert to_hidden.status_code == to_missing.status_code == 200
    assert (
        to_hidden.context["error"] == to_missing.context["error"] == "No case has that reference."
    )
    # The pages differ only in what was typed, which the form shows back in its box.
    assert text_of(to_hidden).replace(hidden.reference, missing) == text_of(to_missing)
    assert hidden.reference not in text_of(to_hidden)
    assert not CaseLink.objects.exists()
    refused = AuditEvent.objects.get(action="case.access_refused", actor=sam)
    assert refused.detail == {"case": str(hidden.id)}


def test_a_person_named_on_a_restricted_case_may_link_to_it(case, supervisor, sam):
    hidden = submitted_case()
    services.restrict_case(case=hidden, by=supervisor, allowed=[sam], reason="Colleague")

    response = link(verified_client(sam), case, hidden.reference)

    assert response.status_code == 302
    assert CaseLink.objects.filter(to_case=hidden).exists()


@pytest.mark.parametrize("typed", ["²", "\x00", "x" * 300, "<b>", "HVN_3QMQ"])
def test_a_reference_that_cannot_be_one_is_a_form_error(case, sam, typed):
    response = link(verified_client(sam), case, typed)

    assert response.status_code == 200
    assert response.context["forms"]["link"].errors == {
        "reference": ["Enter a reference, like HVN-7KQ4-M2XD"]
    }
