"""Restricted cases: only the people named may open them; others see only that one exists."""

import pytest
from django.urls import reverse

from haven.audit.models import AuditEvent
from haven.cases import services
from haven.cases.services import CaseRuleBroken
from tests.conftest import text_of
from tests.factories import CaseFactory, StaffUserFactory, verified_client


@pytest.fixture
def people(db):
    return StaffUserFactory(role="supervisor"), StaffUserFactory(), StaffUserFactory()


def client_for(user):
    return verified_client(user)


@pytest.fixture
def restricted(people):
    supervisor, named, _other = people
    case = CaseFactory(audience="professional")
    return services.restrict_case(
        case=case, by=supervisor, allowed=[named], reason="The person of concern is a colleague"
    )


def test_a_restriction_needs_a_reason(people):
    case = CaseFactory()
    with pytest.raises(CaseRuleBroken):
        services.restrict_case(case=case, by=people[0], allowed=[], reason=" ")


def test_only_the_people_named_may_open_a_restricted_case(restricted, people):
    supervisor, named, other = people
    assert services.can_open(restricted, supervisor) and services.can_open(restricted, named)
    assert not services.can_open(restricted, other)
    for url in (
        reverse("staff:case", args=[restricted.id]),
        reverse("staff:report", args=[restricted.report_id]),
    ):
        response = client_for(other).get(url)
        assert response.status_code == 403
        assert "This case is restricted" in text_of(response)
        assert client_for(named).get(url).status_code == 200
    assert AuditEvent.objects.filter(action="case.access_refused", actor=other).count() == 2
    event = AuditEvent.objects.get(action="case.restricted")
    assert event.detail == {"case": str(restricted.id), "people": sorted([supervisor.pk, named.pk])}


def test_others_see_only_that_a_restricted_case_exists(restricted, people):
    _supervisor, named, other = people
    hidden = client_for(other).get(reverse("staff:queue")).content.decode()
    assert restricted.reference not in hidden
    assert "A restricted case: only the people named on it can see it." in hidden
    shown = client_for(named).get(reverse("staff:queue")).content.decode()
    assert restricted.reference in shown


def test_lifting_the_restriction_opens_the_case_to_everyone(restricted, people):
    supervisor, _named, other = people
    services.lift_restriction(case=restricted, by=supervisor)
    restricted.refresh_from_db()
    assert services.can_open(restricted, other)


def test_a_supervisor_restricts_and_lifts_through_the_case_page(journey, people):
    supervisor, named, other = people
    case = CaseFactory()
    url = reverse("staff:case_restrict", args=[case.id])
    client = client_for(supervisor)
    assert (
        client.post(
            url, {"restrict-people": [str(named.pk)], "restrict-reason": "Colleague"}
        ).status_code
        == 302
    )
    case.refresh_from_db()
    assert case.restricted and not services.can_open(case, other)
    no_reason = client.post(url, {"restrict-people": [str(named.pk)], "restrict-reason": ""})
    assert "Give a reason for restricting the case" in text_of(no_reason)
    lifted = client.post(reverse("staff:case_lift_restriction", args=[case.id]))
    assert lifted.status_code == 302
    case.refresh_from_db()
    assert not case.restricted


def test_an_advisor_cannot_restrict(journey, people):
    _supervisor, named, _other = people
    case = CaseFactory()
    response = client_for(named).post(
        reverse("staff:case_restrict", args=[case.id]), {"restrict-reason": "x"}
    )
    assert response.status_code == 403
    lift = client_for(named).post(reverse("staff:case_lift_restriction", args=[case.id]))
    assert lift.status_code == 403
    case.refresh_from_db()
    assert not case.restricted


def test_a_restricted_case_mentioned_on_a_case_page_is_named_only_to_its_people(journey, people):
    supervisor, named, other = people

    def naming(handle):
        return {"where": {"platform": "ExampleChat", "usernames": handle, "action": "continue"}}

    hidden = journey.submit("parent", naming("@shared_handle_x")).case
    services.restrict_case(case=hidden, by=supervisor, allowed=[named], reason="A colleague")
    # Named on other restricted cases too: the page reads only the ones it mentions.
    for n in range(3):
        services.restrict_case(
            case=journey.submit("parent", naming(f"@someone_else_{n}")).case,
            by=supervisor,
            allowed=[named],
            reason="Another",
        )
    shown = journey.submit("parent", naming("@shared_handle_x")).case
    url = reverse("staff:case", args=[shown.id])

    as_named = client_for(named).get(url)
    as_other = client_for(other).get(url)

    assert as_named.context["openable"] == {hidden.id}
    assert "A restricted case" not in text_of(as_named)
    assert as_other.context["openable"] == set()
    assert "A restricted case" in text_of(as_other)


def test_a_linked_restricted_case_shows_no_reference_to_those_not_named(
    journey, restricted, people
):
    _supervisor, _named, other = people
    mine = CaseFactory()
    services.link_cases(case=mine, other=restricted, by=other, reason="manual")
    page = text_of(client_for(other).get(reverse("staff:case", args=[mine.id])))
    assert restricted.reference not in page
    assert "A restricted case" in page


def test_restricting_a_case_takes_it_from_a_holder_who_is_not_named(people):
    supervisor, named, other = people
    case = CaseFactory(assigned_to=other)

    restricted = services.restrict_case(case=case, by=supervisor, allowed=[named], reason="Why")

    assert restricted.assigned_to is None
    event = AuditEvent.objects.filter(action="case.assigned").latest("seq")
    assert (event.actor, event.detail) == (
        supervisor,
        {"case": str(case.id), "from": other.pk, "to": None, "reason": "restricted"},
    )
    # A holder who is named keeps it.
    kept = services.restrict_case(
        case=CaseFactory(assigned_to=named), by=supervisor, allowed=[named], reason="Why"
    )
    assert kept.assigned_to == named
