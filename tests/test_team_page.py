"""The team page: the overdue list paged, the open cases nobody holds, the advisors with none,
and restricted cases shown only as restricted to those not named on them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from haven.cases.lifecycle import Status
from haven.cases.models import Case
from haven.cases.services import restrict_case
from tests.conftest import text_of
from tests.factories import StaffUserFactory, submitted_case, verified_client

RESTRICTED_ROW = "A restricted case: only the people named on it can see it."


def references_in(html: str) -> list[str]:
    """Each reference on the page once, in order (a row names its case in a link and a label)."""
    return list(dict.fromkeys(re.findall(r"HVN-[0-9A-Z]{4}-[0-9A-Z]{4}", html)))


def overdue_cases(count: int) -> list[Case]:
    """``count`` open cases, each overdue, the first the most overdue (queue order)."""
    cases = [submitted_case() for _ in range(count)]
    now = timezone.now()
    for n, case in enumerate(cases):
        Case.objects.filter(pk=case.pk).update(
            priority="P3", next_due_at=now - timedelta(hours=100 - n)
        )
    return cases


@pytest.fixture
def supervisor(db: None) -> Any:
    return StaffUserFactory(role="supervisor")


@pytest.fixture
def team_client(supervisor: Any) -> Any:
    return verified_client(supervisor)


def team(client: Any, query: str = "") -> Any:
    return client.get(reverse("staff:team") + query)


def test_the_overdue_list_is_paged_twenty_five_at_a_time(team_client):
    """An overview: the most urgent overdue cases, paged; the queue's overdue filter lists
    them fifty at a time with everything else the queue shows."""
    from haven.staff.views.team import OVERDUE_SHOWN

    assert OVERDUE_SHOWN == 25
    cases = overdue_cases(26)

    first = team(team_client)
    following = first.context["next_query"]
    second = team(team_client, f"?{following}")

    assert references_in(first.content.decode()) == [c.reference for c in cases[:25]]
    assert references_in(second.content.decode()) == [cases[25].reference]
    assert 'class="govuk-pagination"' in first.content.decode()
    assert following.startswith("after=") and f'href="?{following}"' in first.content.decode()
    back = team(team_client, f"?{second.context['prev_query']}")
    assert references_in(back.content.decode()) == [c.reference for c in cases[:25]]
    assert second.context["next_query"] == "" and back.context["prev_query"] == ""
    assert 'href="/staff/queue/?overdue=1">See every overdue case in the queue</a>' in (
        first.content.decode()
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [{"after": "0"}, {"after": "abc"}, {"before": "²"}, {"after": "P1.-.1." + "0" * 31},
     {"after": "P1.-.1." + "0" * 32, "before": "P1.-.1." + "0" * 32}, {"after": "1\x00"}],
)  # fmt: skip
def test_a_page_that_cannot_exist_is_not_found_as_in_the_queue(team_client, query):
    response = team_client.get(reverse("staff:team"), query)

    assert response.status_code == 404


def test_a_page_past_the_end_says_nothing_is_overdue(team_client):
    overdue_cases(1)

    response = team(team_client, "?after=P4.-.1." + "f" * 32)

    assert response.status_code == 200
    assert "Nothing is overdue." in text_of(response)


def test_it_counts_the_open_cases_nobody_holds(team_client, supervisor):
    held, closed, *_free = [submitted_case() for _ in range(5)]
    Case.objects.filter(pk=held.pk).update(assigned_to=supervisor)
    Case.objects.filter(pk=closed.pk).update(status=Status.CLOSED, closed_at=timezone.now())

    response = team(team_client)

    assert response.context["unassigned"] == 3
    assert "Open cases nobody holds 3" in text_of(response)
    assert f'href="{reverse("staff:queue")}?unassigned=1"' in response.content.decode()


def test_a_long_count_of_unassigned_cases_says_more_than(team_client, monkeypatch):
    from haven.cases import queries
    from haven.staff.views import team as team_views

    monkeypatch.setattr(queries, "UNASSIGNED_COUNT_CAP", 2)
    monkeypatch.setattr(team_views, "UNASSIGNED_COUNT_CAP", 2)
    for _ in range(3):
        submitted_case()

    response = team(team_client)

    assert "Open cases nobody holds More than 2" in text_of(response)


def test_it_names_the_advisors_with_no_open_case(team_client, supervisor):
    busy = StaffUserFactory(username="busy")
    idle = StaffUserFactory(username="idle")
    only_closed = StaffUserFactory(username="onlyclosed")
    StaffUserFactory(username="gone", is_active=False)
    StaffUserFactory(username="admin1", role="administrator")
    open_case, closed_case = submitted_case(), submitted_case()
    Case.objects.filter(pk=open_case.pk).update(assigned_to=busy)
    Case.objects.filter(pk=closed_case.pk).update(
        assigned_to=only_closed, status=Status.CLOSED, closed_at=timezone.now()
    )

    response = team(team_client)

    names = [user.username for user in response.context["idle_advisors"]]
    assert names == sorted([idle.username, only_closed.username, supervisor.username])
    text = text_of(response)
    assert "Advisors with no open case" in text
    assert "busy" not in text.split("Advisors with no open case")[1].split("Open cases")[0]


def test_a_restricted_overdue_case_shows_only_as_restricted_to_a_supervisor_not_named(
    team_client,
):
    shown, hidden = overdue_cases(2)
    restrict_case(
        case=hidden, by=StaffUserFactory(role="supervisor"), allowed=[], reason="Staff member."
    )

    response = team(team_client)

    page = response.content.decode()
    assert references_in(page) == [shown.reference]
    assert str(hidden.id) not in page
    assert RESTRICTED_ROW in text_of(response)


def test_a_supervisor_named_on_a_restricted_case_sees_it_without_the_reassign_list(
    team_client, supervisor
):
    (case,) = overdue_cases(1)
    restrict_case(case=case, by=supervisor, allowed=[], reason="Staff member.")

    page = team(team_client).content.decode()

    assert case.reference in page
    assert reverse("staff:assign", args=[case.id]) not in page
    assert reverse("staff:case", args=[case.id]) in page


def test_reassigning_from_the_team_page_offers_only_people_who_work_cases(team_client):
    overdue_cases(1)
    StaffUserFactory(username="worker")
    StaffUserFactory(username="admin1", role="administrator")
    StaffUserFactory(username="gone", is_active=False)

    page = team(team_client).content.decode()

    options = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', page)
    assert "worker" in options
    assert "admin1" not in options
    assert "gone" not in options


def test_reassigning_from_the_team_page_comes_back_to_it(team_client):
    (case,) = overdue_cases(1)
    worker = StaffUserFactory(username="worker")

    response = team_client.post(
        reverse("staff:assign", args=[case.id]),
        {"advisor": str(worker.pk), "next": reverse("staff:team") + "?after=P1.-.1." + "0" * 32},
    )

    assert (response.status_code, response["Location"]) == (
        302,
        "/staff/team/?after=P1.-.1." + "0" * 32,
    )
    assert Case.objects.get(pk=case.pk).assigned_to_id == worker.pk


def test_an_administrator_sees_the_team_page_without_links_to_cases(db):
    (case,) = overdue_cases(1)
    client = verified_client(StaffUserFactory(role="administrator"))

    response = team(client)

    assert response.status_code == 200
    assert reverse("staff:case", args=[case.id]) not in response.content.decode()
    assert reverse("staff:assign", args=[case.id]) not in response.content.decode()


def test_each_overdue_row_offers_the_advisors_with_its_holder_chosen(team_client):
    held, free = overdue_cases(2)
    sam, kit = StaffUserFactory(username="sam-team"), StaffUserFactory(username="kit-team")
    Case.objects.filter(pk=held.pk).update(assigned_to=kit)

    html = team(team_client).content.decode()

    def options(case):
        select = re.search(rf'<select [^>]*id="advisor-{case.id}"[^>]*>(.*?)</select>', html, re.S)
        assert select is not None
        return re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group(1))

    assert ("", "", "Nobody (unassigned)") in options(held)
    assert (str(kit.pk), " selected", "kit-team") in options(held)
    assert (str(sam.pk), "", "sam-team") in options(held)
    assert all(selected == "" for _value, selected, _name in options(free))


def test_the_overdue_list_reads_only_what_it_shows(team_client):
    """The team page's list reads the columns it shows and the cursor needs: not the queue's
    audience, concerns and reasons, nor whether each case is linked."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    overdue_cases(2)
    with CaptureQueriesContext(connection) as captured:
        response = team_client.get(reverse("staff:team"))
    assert response.status_code == 200
    assert len(references_in(response.content.decode())) == 2
    listed = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT "cases_case"."id"') and "ORDER BY" in q["sql"]
    ]
    assert len(listed) == 1
    for column in ("audience", "concerns", "reasons", "computed_priority"):
        assert f'"cases_case"."{column}"' not in listed[0]
    assert "cases_caselink" not in listed[0]
    assert "cases_caseaccess" in listed[0]  # may_open, as in the queue
