"""The queue and the case page cost a fixed number of queries, however many rows they show.

Each test counts the queries of a page with one row, then asserts the same count with many:
a query per row (an N+1) fails it, whatever the sign-in machinery costs on its own.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from haven.accounts.models import StaffProfile
from haven.cases import services
from haven.cases.lifecycle import Status
from haven.cases.models import Case, CaseAccess, CaseLink
from haven.devtools.seeding import seed_reports
from tests.factories import StaffUserFactory, submitted_case, verified_client


def queries_of(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), [q["sql"] for q in captured.captured_queries]


@pytest.fixture
def team(db):
    return [StaffUserFactory() for _ in range(3)]


@pytest.mark.parametrize(
    ("query", "role"),
    [
        ("", "advisor"),
        ("?priority=P2&unassigned=1", "advisor"),
        ("?overdue=1", "advisor"),
        ("?status=assessing", "advisor"),
        ("?mine=1", "advisor"),
        ("?network=1", "advisor"),
        # A supervisor's queue of the marked cases has a box to tick on every row.
        ("?network=1&tick=all", "supervisor"),
    ],
)
def test_the_queue_costs_the_same_queries_for_one_row_and_for_fifty(
    staff_user, team, django_assert_num_queries, query, role
):
    StaffProfile.objects.filter(user=staff_user).update(role=role)
    staff_client = verified_client(staff_user)
    seed_reports(count=1)
    Case.objects.update(
        status=Status.ASSESSING, priority="P2", assigned_to=None, many_from_network=True
    )
    url = reverse("staff:queue") + query
    staff_client.get(url)
    one, _ = queries_of(staff_client, url)

    seed_reports(count=60)
    cases = list(Case.objects.order_by("id"))
    for n, case in enumerate(cases):
        # Every row of the page shows: an advisor (or none), a restriction, a time target.
        case.status = Status.ASSESSING
        case.priority = "P2"
        case.next_due_at = case.first_read_due
        case.closed_at = None
        case.assigned_to = None if n % 3 == 0 else [staff_user, *team][n % 4]
        case.restricted = n % 5 == 0
        case.many_from_network = n % 7 != 0
        case.save()
        if case.restricted:
            CaseAccess.objects.create(case=case, user=team[0])
    response = staff_client.get(url)
    assert response.status_code == 200
    assert len(response.context["cases"]) >= 10
    with django_assert_num_queries(one):
        staff_client.get(url)


def test_the_queue_reads_cases_in_one_query(staff_client):
    seed_reports(count=30)
    _, sqls = queries_of(staff_client, reverse("staff:queue"))
    assert len([sql for sql in sqls if "cases_case" in sql]) == 1


def test_the_case_page_costs_the_same_queries_bare_and_full(
    staff_client, staff_user, team, django_assert_num_queries
):
    seed_reports(count=8)
    # A restricted case among those mentioned costs one query more (who is named on it): here,
    # none is, so the two pages can be compared.
    Case.objects.update(restricted=False)
    # Seeding links cases that happen to share an identifier; the links are made below.
    CaseLink.objects.all().delete()
    bare, full, *others = list(Case.objects.order_by("id"))
    Case.objects.filter(pk__in=[bare.pk, full.pk]).update(
        status=Status.NEW,
        restricted=False,
        closed_at=None,
        assigned_to=None,
        first_read_at=None,
        first_read_by=None,
        first_contact_at=None,
    )
    bare_url = reverse("staff:case", args=[bare.id])
    staff_client.get(bare_url)
    baseline, _ = queries_of(staff_client, bare_url)

    full.refresh_from_db()
    first, second, third = team
    # Unclaimed while the team works it (a claimed case is its advisor's alone); claimed after.
    services.record_first_read(case=full, by=first)
    services.change_status(case=full, to=Status.ASSESSING, by=first)
    services.change_status(case=full, to=Status.MEETS_THRESHOLD, by=second, reason="Meets it.")
    services.change_status(case=full, to=Status.CONTACTING, by=third)
    # Seeded priorities are random: change to one the case has not got.
    new_priority = "P2" if full.priority == "P1" else "P1"
    services.change_priority(case=full, to=new_priority, by=second, reason="Seen again.")
    for n, person in enumerate([first, second, third, staff_user]):
        services.add_note(case=full, by=person, kind="fact", text=f"Note {n}")
        services.log_contact_attempt(
            case=full, by=person, method="phone", outcome="no_answer", note=f"Tried {n}"
        )
        item = services.add_safety_action(
            case=full, by=person, action=f"Action {n}", owner="School", due_on=None
        )
        if n % 2:
            services.complete_safety_action(item=item, by=person)
    for other in others:
        services.link_cases(case=full, other=other, by=first, reason="manual")
    services.claim_case(case=full, by=first)
    url = reverse("staff:case", args=[full.id])
    response = staff_client.get(url)
    assert response.status_code == 200
    assert len(response.context["chronology"]) > 15
    assert len(response.context["linked"]) == len(others)
    with django_assert_num_queries(baseline):
        staff_client.get(url)


def test_the_bare_case_page_costs_a_known_number_of_queries(
    staff_client, django_assert_num_queries
):
    """Three for the session, the person with their role (read together, by the
    authentication backend) and their second factor, one for the case, one for
    its approvals, five to append case.viewed to the audit chain (its transaction, the head
    locked, the event, the head moved on), one for its links, one for the report's
    identifiers, one for the safety plan, one for the rest of the chronology (the five
    tables of people's acts in one UNION ALL, cases.queries.history), one for the
    conversation with the reporter, and one for its referrals with their agencies (with no
    messages and no referrals, no notices are looked for)."""
    case = submitted_case()
    url = reverse("staff:case", args=[case.id])
    staff_client.get(url)

    with django_assert_num_queries(16):
        staff_client.get(url)


def test_the_signed_in_person_and_their_role_are_read_in_one_query(staff_client, staff_user):
    """The session names the account; the backend reads it with its staff profile, so the
    session-generation check and every permission check need no query of their own."""
    with CaptureQueriesContext(connection) as captured:
        response = staff_client.get(reverse("staff:search"))
    assert response.status_code == 200
    reads = [q["sql"] for q in captured.captured_queries]
    assert not [sql for sql in reads if sql.lstrip().startswith('SELECT "accounts_staffprofile"')]
    joined = [sql for sql in reads if 'FROM "auth_user"' in sql and "accounts_staffprofile" in sql]
    assert len(joined) == 1
    assert len(reads) == 3  # the session, the person with their role, their second factor


def test_later_pages_follow_on_in_order_and_cost_what_the_first_does(
    staff_client, django_assert_max_num_queries
):
    seed_reports(count=130)
    # Reopen most closed cases, so there are three pages to read; the few left closed (their
    # references start "HVN-0") must stay out of the queue.
    Case.objects.filter(status=Status.CLOSED).exclude(reference__startswith="HVN-0").update(
        status=Status.MONITORING, closed_at=None
    )
    expected = [case.reference for case in queue_order()]
    assert len(expected) > 100
    url = reverse("staff:queue")
    first, _ = queries_of(staff_client, url)
    pages, query = [], ""
    for _page in (1, 2, 3):
        # A later page may read the rest of one priority and then the next: a query more.
        with django_assert_max_num_queries(first + 3):
            response = staff_client.get(f"{url}?{query}")
        pages += [case.reference for case, _ in response.context["cases"]]
        query = response.context["next_query"]
    assert pages == expected[:150]
    assert bool(query) == (len(expected) > 150)


def queue_order():
    from django.db.models import F

    return Case.objects.exclude(status=Status.CLOSED).order_by(
        "priority", F("next_due_at").asc(nulls_last=True), "received_at", "id"
    )


def test_the_case_page_reads_the_safety_plan_once_and_opens_each_text_once(
    staff_client, staff_user, monkeypatch
):
    from collections import Counter

    from haven.cases import services as case_services

    seed_reports(count=1)
    Case.objects.update(assigned_to=staff_user)  # seeding gives it to a synthetic advisor
    case = Case.objects.get()
    for n in range(3):
        item = services.add_safety_action(
            case=case, by=staff_user, action=f"Action {n}", owner=f"Owner {n}", due_on=None
        )
        if n:
            services.complete_safety_action(item=item, by=staff_user)
    real = case_services.open_sealed
    opened: Counter[bytes] = Counter()

    def counting(**kwargs):
        opened[kwargs["ciphertext"]] += 1
        return real(**kwargs)

    monkeypatch.setattr(case_services, "open_sealed", counting)

    _, sqls = queries_of(staff_client, reverse("staff:case", args=[case.id]))

    assert len([sql for sql in sqls if 'FROM "cases_safetyaction"' in sql]) == 1
    texts = [bytes(a.sealed) for a in case.safety_actions.all()]
    owners = [bytes(a.owner_sealed) for a in case.safety_actions.all()]
    assert [opened[t] for t in texts + owners] == [1] * 6
