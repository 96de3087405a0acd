"""The team page's workload comes from counts the database keeps (cases/migrations/0008), so it
costs the same however large the backlog; the counts must match the cases whatever wrote them."""

import datetime

import pytest
from django.db.models import Count
from django.utils import timezone

from haven.cases import services
from haven.cases.lifecycle import Status
from haven.cases.models import Case, OpenCaseCount
from haven.cases.queries import OVERDUE_COUNT_CAP, Workload, workload
from tests.factories import CaseFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def counted():
    return {
        (row.user_id, row.priority): row.open_cases
        for row in OpenCaseCount.objects.filter(open_cases__gt=0)
    }


def truth():
    rows = (
        Case.objects.exclude(status=Status.CLOSED)
        .exclude(assigned_to=None)
        .values_list("assigned_to_id", "priority")
        .annotate(n=Count("id"))
    )
    return {(user, priority): n for user, priority, n in rows}


def test_counts_follow_every_way_a_case_changes():
    sam, kit = StaffUserFactory(username="sam"), StaffUserFactory(username="kit")
    supervisor = StaffUserFactory(role="supervisor")
    cases = [CaseFactory() for _ in range(4)]
    assert counted() == {} == truth()

    services.claim_case(case=cases[0], by=sam)
    services.claim_case(case=cases[1], by=sam)
    services.assign_case(case=cases[2], to=kit, by=supervisor)
    assert counted() == truth() == {(sam.pk, cases[0].priority): 2, (kit.pk, cases[2].priority): 1}

    # Given to someone else, a priority changed, closed, deleted, updated in bulk.
    services.assign_case(case=Case.objects.get(pk=cases[1].pk), to=kit, by=supervisor)
    assert counted() == truth()
    Case.objects.filter(pk=cases[2].pk).update(priority="P1")
    assert counted() == truth()
    Case.objects.filter(pk=cases[0].pk).update(status=Status.CLOSED, closed_at=timezone.now())
    assert counted() == truth()
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(assigned_to=sam)
    assert counted() == truth()
    Case.objects.filter(pk=cases[3].pk).update(status=Status.ASSESSING)  # no change to a count
    assert counted() == truth()
    # Reopened: open and held again.
    Case.objects.filter(pk=cases[0].pk).update(status=Status.ASSESSING, closed_at=None)
    assert counted() == truth()


def test_the_workload_reads_the_counts_and_caps_the_overdue():
    sam = StaffUserFactory(username="sam")
    cases = [CaseFactory(assigned_to=sam) for _ in range(3)]
    Case.objects.filter(pk=cases[0].pk).update(priority="P1")
    past = timezone.now() - datetime.timedelta(hours=1)
    Case.objects.filter(pk__in=[cases[0].pk, cases[1].pk]).update(next_due_at=past)

    [row] = workload()

    p2 = sum(1 for c in Case.objects.all() if c.priority == "P2")
    assert row == Workload("sam", open_cases=3, p1=1, p2=p2, overdue=2, more_overdue=False)


def test_overdue_above_the_cap_says_more_than(settings):
    sam = StaffUserFactory(username="sam")
    for _ in range(3):
        CaseFactory(assigned_to=sam)
    Case.objects.update(next_due_at=timezone.now() - datetime.timedelta(hours=1))
    [row] = workload(overdue_cap=2)
    assert (row.overdue, row.more_overdue) == (2, True)
    assert OVERDUE_COUNT_CAP >= 100
