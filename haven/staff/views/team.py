"""Supervisors: the team's workload and overdue cases, and reassigning a case."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from haven.accounts.access import requires
from haven.accounts.services import has_permission
from haven.cases.keyset import keyset_page
from haven.cases.queries import (
    UNASSIGNED_COUNT_CAP,
    QueueFilter,
    advisors_without_open_cases,
    case_workers,
    may_open,
    unassigned_open_cases,
    workload,
)
from haven.cases.queries import queue as cases_queue
from haven.cases.services import pending_approvals, time_left
from haven.referrals import services as referrals
from haven.referrals.lifecycle import State
from haven.staff.views.listing import keyset_cursors, keyset_queries

# An overview, not the list itself: the most urgent overdue cases, a page at a time, and a
# link to the queue's overdue filter, which shows them with everything else the queue shows.
OVERDUE_SHOWN = 25
# The longest overdue referrals, and the oldest waiting for a supervisor, shown at most.
REFERRALS_SHOWN = 25


@require_GET
@requires("team.view")
def team(request: HttpRequest) -> HttpResponse:
    return _team_page(request)


def _team_page(request: HttpRequest, *, error: str = "") -> HttpResponse:
    """Workload, the open cases nobody holds, the advisors with none, the overdue list paged.

    Restricted cases in the overdue list follow the queue's rule (``queries.may_open``).
    Administrators see it too, without links: they open no case.
    """
    user = cast(User, request.user)
    after, before = keyset_cursors(request)
    filters = QueueFilter(overdue=True)
    page = keyset_page(
        cases_queue(user=user, filters=filters, overview=True),
        after=after,
        before=before,
        size=OVERDUE_SHOWN,
    )
    overdue = page.cases
    prev_query, next_query = keyset_queries(request, page)
    unassigned = unassigned_open_cases()
    now = timezone.now()
    load = workload(now=now)
    advisors = list(case_workers().only("id", "username").order_by("username"))
    # Referrals: how many in each state, those not acknowledged in time, those waiting for a
    # supervisor. A restricted case's referral shows as the queue shows its case.
    late = list(
        referrals.unacknowledged(now).annotate(may_open=may_open(user, case="case"))[
            :REFERRALS_SHOWN
        ]
    )
    waiting = list(
        referrals.waiting_for_supervisor().annotate(may_open=may_open(user, case="case"))[
            :REFERRALS_SHOWN
        ]
    )
    return render(
        request,
        "staff/team.html",
        {
            "workload": load,
            "overdue": [(case, time_left(case, now)) for case in overdue],
            "prev_query": prev_query,
            "next_query": next_query,
            "this_page": request.get_full_path(),
            "unassigned": unassigned,
            "unassigned_more_than": (
                f"{UNASSIGNED_COUNT_CAP:,}" if unassigned > UNASSIGNED_COUNT_CAP else ""
            ),
            "idle_advisors": advisors_without_open_cases(advisors, load),
            "advisors": advisors,
            "may_open_cases": has_permission(user, "cases.view"),
            "may_assign": has_permission(user, "cases.assign"),
            # The changes waiting for a supervisor (H1: the assign verb is case_actions.assign).
            "approvals": pending_approvals(user=user),
            "referral_counts": [
                (State(state).label, count, count > referrals.COUNT_CAP)
                for state, count in referrals.counts_by_state().items()
            ],
            "referral_count_cap": f"{referrals.COUNT_CAP:,}",
            "late_referrals": late,
            "waiting_referrals": waiting,
            "may_refer": has_permission(user, "referrals.make"),
            "error": error,
            "has_errors": bool(error),
            "nav": "team",
        },
    )
