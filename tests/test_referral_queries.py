"""The referral lists cost a fixed number of queries, however many rows they show, and read
only the columns they show: never a referral's sealed draft, which is most of its row.

As tests/test_queue_queries.py: count the queries of a page with one row, then assert the same
count with many, so a query per row (say, a deferred column a template reads) fails.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from haven.cases.lifecycle import Status
from haven.cases.models import CaseAccess
from haven.referrals.lifecycle import State
from haven.referrals.models import Referral
from tests.factories import CaseFactory, PartnerAgencyFactory, StaffUserFactory, verified_client
from tests.test_partner_portal import send

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_approval(settings: Any) -> None:
    settings.HAVEN_REFERRAL_APPROVAL = "none"


@pytest.fixture
def advisor() -> Any:
    return StaffUserFactory()


@pytest.fixture
def agency() -> Any:
    return PartnerAgencyFactory()


def copies(referral: Referral, count: int, **changes: Any) -> list[Referral]:
    """``count`` more referrals like ``referral``, each on its own case (a new row, not sent
    through the services: the lists only read rows)."""
    made = []
    for n in range(count):
        row = Referral.objects.get(pk=referral.pk)
        row.pk = uuid.uuid4()
        row.case = CaseFactory(audience="child", status=Status.PLANNING)
        if referral.sent_at:
            row.sent_at = referral.sent_at + timedelta(seconds=n + 1)
        for name, value in changes.items():
            setattr(row, name, value(n) if callable(value) else value)
        row.save(force_insert=True)
        made.append(row)
    return made


def statements(client: Any, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def on_referrals(sqls: list[str]) -> list[str]:
    return [sql for sql in sqls if "FROM referrals_referral" in sql.replace('"', "")]


def test_the_partner_list_costs_the_same_queries_for_one_row_and_for_forty(advisor, agency):
    from tests.factories import partner_user

    member = verified_client(partner_user(agency))
    first = send(advisor, agency, "mk-one")
    url = reverse("partners:referrals")
    member.get(url)
    one = len(statements(member, url))

    copies(
        first,
        39,
        state=lambda n: [State.SENT, State.ACKNOWLEDGED, State.ACCEPTED, State.DECLINED][n % 4],
        urgent=lambda n: n % 2 == 0,
        acknowledge_due=lambda n: timezone.now() - timedelta(hours=1 if n % 3 else -1),
        acknowledged_at=lambda n: timezone.now() if n % 4 else None,
        partner_reference=lambda n: f"REF-{n}",
    )
    response = member.get(url)
    assert len(response.context["referrals"]) == 40

    sqls = statements(member, url)
    assert len(sqls) == one
    (listed,) = on_referrals(sqls)
    assert '"sealed"' not in listed
    # Of the case, only its reference (the referral's own is made from it).
    assert '"cases_case"."reference"' in listed
    assert '"cases_case"."concerns"' not in listed


def test_the_team_page_costs_the_same_queries_for_one_referral_of_each_kind_and_for_many(
    advisor, agency
):
    late = send(advisor, agency, "mk-late", urgent=True)
    Referral.objects.filter(pk=late.pk).update(acknowledge_due=timezone.now() - timedelta(hours=1))
    late.refresh_from_db()
    waiting = copies(late, 1, state=State.AWAITING_APPROVAL, sent_at=None, lawful_basis="")
    supervisor = verified_client(StaffUserFactory(role="supervisor"))
    url = reverse("staff:team")
    supervisor.get(url)
    one = len(statements(supervisor, url))

    restricted = CaseFactory(audience="child", restricted_to=[advisor])
    CaseAccess.objects.get_or_create(case=restricted, user=advisor)
    copies(late, 20, agency=lambda n: PartnerAgencyFactory() if n % 2 else agency)
    copies(waiting[0], 10, review_needed=lambda n: n % 2 == 0)
    copies(late, 5, state=State.ACCEPTED, review_needed=True)
    Referral.objects.filter(pk=copies(late, 1)[0].pk).update(case=restricted)
    response = supervisor.get(url)
    assert len(response.context["late_referrals"]) == 22
    assert len(response.context["waiting_referrals"]) == 11 + 5  # to approve, and to review

    sqls = statements(supervisor, url)
    assert len(sqls) == one
    on_them = on_referrals(sqls)
    assert len(on_them) == 3  # the counts, the late, those waiting for a supervisor
    assert not [sql for sql in on_them if '"sealed"' in sql]


def test_the_team_page_counts_only_the_open_states(advisor, agency):
    late = send(advisor, agency, "mk-count")
    copies(late, 3, state=State.CLOSED)
    copies(late, 2, state=State.REVOKED, revoked_at=timezone.now())
    supervisor = verified_client(StaffUserFactory(role="supervisor"))

    sqls = statements(supervisor, reverse("staff:team"))

    (counting,) = [sql for sql in on_referrals(sqls) if "COUNT(" in sql]
    assert "'sent'" in counting
    assert "'closed'" not in counting and "'revoked'" not in counting
    response = supervisor.get(reverse("staff:team"))
    counts = {label: count for label, count, _more in response.context["referral_counts"]}
    assert counts == {
        "Draft": 0,
        "Awaiting approval": 0,
        "Sent": 1,
        "Acknowledged": 0,
        "Accepted": 0,
        "Declined": 0,
        "More information requested": 0,
    }


def test_the_team_page_counts_each_state_only_up_to_its_cap(advisor, agency, monkeypatch):
    from haven.referrals import services

    monkeypatch.setattr(services, "COUNT_CAP", 3)
    first = send(advisor, agency, "mk-capped")
    copies(first, 4)  # five sent
    copies(first, 2, state=State.ACKNOWLEDGED)  # two acknowledged
    supervisor = verified_client(StaffUserFactory(role="supervisor"))

    response = supervisor.get(reverse("staff:team"))

    counts = {label: (count, more) for label, count, more in response.context["referral_counts"]}
    assert counts["Sent"] == (4, True)  # counted to the cap and one more, no further
    assert counts["Acknowledged"] == (2, False)
    page = response.content.decode()
    assert "More than 3" in page


def test_a_page_of_the_partner_list_finds_its_ids_first_and_the_pages_list_each_once(
    advisor, agency, monkeypatch
):
    from haven.partners import views
    from tests.factories import partner_user

    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    member = verified_client(partner_user(agency))
    first = send(advisor, agency, "mk-paged")
    made = [first, *copies(first, 6)]
    url = reverse("partners:referrals")

    pages = [member.get(url, {"page": str(n)}).context["referrals"] for n in (1, 2, 3)]
    sqls = statements(member, url + "?page=2")

    listed = [referral.pk for page in pages for referral in page]
    assert listed == [referral.pk for referral in sorted(made, key=lambda r: r.sent_at)][::-1]
    (rows,) = [sql for sql in on_referrals(sqls) if "COUNT(" not in sql]
    assert "IN (SELECT" in rows and "LIMIT 4 OFFSET 3" in rows
