"""Supervisor pages: team workload, overdue cases, reassignment, and the audit questions."""

import pytest
from django.urls import reverse
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.cases.models import Case
from tests.conftest import text_of
from tests.factories import CaseFactory, StaffUserFactory, verified_client


@pytest.fixture
def supervisor(db):
    return StaffUserFactory(role="supervisor", username="sup-one")


@pytest.fixture
def advisor(db):
    return StaffUserFactory(username="adv-one")


@pytest.fixture
def case(db):
    return CaseFactory()


def test_the_team_page_shows_workload_and_overdue_cases(supervisor, advisor, case):
    Case.objects.filter(pk=case.pk).update(
        assigned_to=advisor, next_due_at=timezone.now() - timezone.timedelta(hours=2)
    )
    response = verified_client(supervisor).get(reverse("staff:team"))
    assert response.status_code == 200
    text = text_of(response)
    assert "adv-one 1" in text
    assert case.reference in text
    assert "Overdue by 2 h" in text


def test_a_supervisor_reassigns_a_case_and_it_is_audited(supervisor, advisor, case):
    response = verified_client(supervisor).post(
        reverse("staff:assign", args=[case.id]), {"advisor": str(advisor.pk)}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assigned_to == advisor
    event = AuditEvent.objects.get(action="case.assigned")
    assert event.actor == supervisor and event.detail["to"] == advisor.pk


def test_an_advisor_cannot_reassign_or_see_the_team(advisor, case):
    client = verified_client(advisor)
    assert (
        client.post(
            reverse("staff:assign", args=[case.id]), {"advisor": str(advisor.pk)}
        ).status_code
        == 403
    )
    assert client.get(reverse("staff:team")).status_code == 403
    assert client.get(reverse("staff:audit")).status_code == 403
    case.refresh_from_db()
    assert case.assigned_to is None


def test_who_opened_a_case_and_what_an_advisor_opened_today(supervisor, advisor, case):
    verified_client(advisor).get(reverse("staff:report", args=[case.report_id]))
    client = verified_client(supervisor)
    by_case = text_of(client.get(reverse("staff:audit") + f"?reference={case.reference.lower()}"))
    assert f", on case {case.reference}" in by_case
    assert f"adv-one Report opened {case.reference}" in by_case
    by_person = text_of(client.get(reverse("staff:audit") + "?advisor=adv-one"))
    assert ", by adv-one" in by_person
    assert f"adv-one Report opened {case.reference}" in by_person
    assert AuditEvent.objects.filter(action="audit.searched", actor=supervisor).count() == 2


def test_the_audit_page_handles_unknown_input(supervisor):
    client = verified_client(supervisor)
    no_case = text_of(client.get(reverse("staff:audit") + "?reference=HVN-0000-0000"))
    assert "There is a problem No case you can see has that reference" in no_case
    nobody = text_of(client.get(reverse("staff:audit") + "?advisor=nobody"))
    assert "There is a problem Choose a person from the list" in nobody
    assert "nobody" not in nobody.split("There is a problem", 1)[1].split("Audit trail", 1)[0]


def test_the_audit_trail_records_the_filters_used_but_never_the_text_typed(supervisor, case):
    client = verified_client(supervisor)
    client.get(reverse("staff:audit"), {"reference": case.reference})
    client.get(reverse("staff:audit"), {"advisor": "sup-one"})
    client.get(reverse("staff:audit"), {"reference": "HVN-\x00" + "x" * 300})
    searches = AuditEvent.objects.filter(action="audit.searched").order_by("seq")
    today = timezone.localdate()
    week = {"from": (today - timezone.timedelta(days=6)).isoformat(), "to": today.isoformat()}
    assert [event.detail for event in searches] == [
        {**week, "case": str(case.id)},
        {**week, "person": supervisor.pk},
        {"errors": ["reference"]},
    ]


def test_the_menu_shows_what_the_role_may_use(supervisor, advisor):
    assert "Team" in text_of(verified_client(supervisor).get(reverse("staff:queue")))
    advisor_menu = text_of(verified_client(advisor).get(reverse("staff:queue")))
    assert "Queue" in advisor_menu and "Team" not in advisor_menu and "Audit" not in advisor_menu
